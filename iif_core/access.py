"""Who may see what: a signed-in user's grants turned into the organisations and lists in scope."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from iif_core.problems import AccessError
from iif_core.vocabulary import LEVEL_NOUNS, LEVELS, ROLE_LEVELS, ROLE_SEES_PATIENTS, ROLES

if TYPE_CHECKING:  # only named in annotations: the command line starts without pandas
    import pandas as pd

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass(frozen=True)
class Grant:
    """One thing a user may see or do: a role on one organisation (an admin's names none)."""

    email: str
    role: str
    org_code: str | None
    patient_lists: bool


@dataclass(frozen=True)
class Scope:
    """What one session may read and do. Every read the pages make goes through `restrict` or
    `patient_codes` (ui/reads.py), so that nothing outside the scope reaches a page, a chart or
    a download, whatever the widgets or the session state say. Tuples, not sets, so that a scope
    hashes the same every time (cached reads are keyed on it)."""

    user: str | None  # the signed-in email; None when run locally by one person
    org_codes: tuple[str, ...] | None  # the organisations at every level, sorted; None: all
    patient_practices: tuple[str, ...] | None  # whose patient lists, sorted; None: all
    can_manage: bool  # uploads, undo, scheme edits, users and the audit trail

    @property
    def everything(self) -> bool:
        return self.org_codes is None

    def sees(self, org_code: str | None) -> bool:
        return self.org_codes is None or org_code in self.org_codes

    def marks(self, org_code: str | None) -> bool:
        """Whether this session may add or remove an intervention on the organisation: as it
        may upload figures (decisions.md D63), on an organisation it sees."""
        return self.can_manage and self.sees(org_code)

    def sees_patients_of(self, practice_code: str) -> bool:
        return self.patient_practices is None or practice_code in self.patient_practices

    def restrict(self, frame: pd.DataFrame, column: str = "org_code") -> pd.DataFrame:
        """The rows of `frame` whose organisation (in `column`) is in scope."""
        if self.org_codes is None or frame.empty and column not in frame:
            return frame
        return frame[frame[column].isin(self.org_codes)].reset_index(drop=True)

    def patient_codes(self, requested: Iterable[str] | None = None) -> list[str] | None:
        """The practices whose patient lists may be read, of those `requested` (None: all that
        the scope allows; None back means every practice, for a scope with no limit)."""
        if self.patient_practices is None:
            return None if requested is None else list(requested)
        if requested is None:
            return list(self.patient_practices)
        allowed = set(self.patient_practices)
        return [code for code in requested if code in allowed]


# Run locally (make run): one person, everything, no sign-in.
EVERYTHING = Scope(user=None, org_codes=None, patient_practices=None, can_manage=True)


def nothing(user: str | None) -> Scope:
    """A signed-in user with no grant: sees no organisation at all."""
    return Scope(user=user, org_codes=(), patient_practices=(), can_manage=False)


def within(orgs: pd.DataFrame, level: str, org_code: str) -> set[str]:
    """The organisation and every organisation inside it, at every level below (its practices,
    and for a place or ICB its PCNs and places), from the organisation file."""
    inside = orgs[orgs[f"{level}_code"] == org_code]
    codes = {org_code}
    for below in LEVELS[: LEVELS.index(level)]:
        codes.update(inside[f"{below}_code"].dropna().astype(str))
    return codes


def scope_for(user: str, grants: Iterable[Grant], orgs: pd.DataFrame) -> Scope:
    """The scope of a signed-in user: the union of their grants."""
    grants = list(grants)
    if any(grant.role == "admin" for grant in grants):
        return Scope(user=user, org_codes=None, patient_practices=None, can_manage=True)
    org_codes: set[str] = set()
    patient_practices: set[str] = set()
    for grant in grants:
        level = level_of(grant.org_code, orgs, ROLE_LEVELS[grant.role])
        if level is None:  # the organisation is not (or no longer) in the organisation file
            continue
        codes = within(orgs, level, grant.org_code)
        org_codes |= codes
        if grant.patient_lists:
            patient_practices |= set(orgs.loc[orgs["practice_code"].isin(codes), "practice_code"])
    return Scope(user, tuple(sorted(org_codes)), tuple(sorted(patient_practices)), can_manage=False)


def level_of(org_code: str | None, orgs: pd.DataFrame, levels: Iterable[str]) -> str | None:
    """The level among `levels` at which the organisation file has this code, else None."""
    for level in levels:
        if org_code is not None and (orgs[f"{level}_code"] == org_code).any():
            return level
    return None


def email_of(text: str) -> str:
    """An email address as grants and the audit keep it: trimmed, lower case; refused when it
    does not look like one."""
    email = str(text).strip().lower()
    if not EMAIL.fullmatch(email):
        raise AccessError(f"{text!r} is not an email address (someone@nhs.net, say).")
    return email


def checked_grant(
    email: str, role: str, org_code: str | None, orgs: pd.DataFrame, patient_lists=None
) -> Grant:
    """A grant, checked: a known role, on an organisation of the right level in the organisation
    file (none for an admin); patient lists as the role has them unless said."""
    email = email_of(email)
    if role not in ROLES:
        raise AccessError(f"There is no role {role!r}; the roles are {', '.join(ROLES)}.")
    if patient_lists is None:
        patient_lists = ROLE_SEES_PATIENTS[role]
    if role == "admin":
        return Grant(email, role, None, True)
    code = (org_code or "").strip().upper()
    levels = ROLE_LEVELS[role]
    nouns = " or ".join(LEVEL_NOUNS[level] for level in levels)
    if not code:
        raise AccessError(f"A {role} grant needs the code of a {nouns}.")
    if level_of(code, orgs, levels) is None:
        raise AccessError(
            f"{code} is not a {nouns} in the organisation file in use, so a {role} grant "
            "cannot be given on it."
        )
    return Grant(email, role, code, bool(patient_lists))
