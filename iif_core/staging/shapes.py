"""The raw column spellings of EMIS, SystmOne, NHS Digital and Excel exports, and which shape a
header row is."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from iif_core.extract import EXTRACT_SYNONYMS
from iif_core.orgs import PUBLISHED_MAPPING_SYNONYMS
from iif_core.orgs import TIDY_SYNONYMS as ORG_TIDY_SYNONYMS
from iif_core.readers import find_columns, normalise_header
from iif_core.schemes import INDICATOR_KEYS, SCHEME_KEYS, canonical_indicator_code

# NHS Digital's GPES/CQRS long extract: one row per practice x indicator x date x field.
GPES_SYNONYMS: dict[str, tuple[str, ...]] = {
    "org_code": ("practice_code",),
    "ach_date": ("achievement_date",),
    "ind_code": ("indicator_code",),
    "field_name": (),
    "value": (),
}
GPES_LABELS = {"org_code": "ORG_CODE", "ach_date": "ACH_DATE", "ind_code": "IND_CODE",
               "field_name": "FIELD_NAME", "value": "VALUE"}  # fmt: skip

# Patient-level lists from clinical systems (iif-rules.md section 8).
PATIENT_SYNONYMS: dict[str, tuple[str, ...]] = {
    "practice_code": EXTRACT_SYNONYMS["practice_code"],
    "indicator_code": EXTRACT_SYNONYMS["indicator_code"],
    "patient_id": (
        "patient", "patient_identifier", "patient_ref", "patient_reference", "nhs_number",
        "nhs_no", "nhs_num", "emis_number", "emis_no", "emis_id", "systmone_id", "s1_id",
        "patient_number", "pseudo_id", "pseudonymised_id", "person_id",
    ),
    "achieved": ("achievement", "met", "target_met", "in_numerator", "achieved_yn", "achieved_flag"),
    "pca": (
        "pca_applied", "has_pca", "pca_yn", "pca_flag", "pca_recorded",
        "personalised_care_adjustment",
    ),
    "period_end": EXTRACT_SYNONYMS["period_end"],
    "age": ("age_years", "patient_age", "age_at_period_end"),
    "sex": ("gender", "patient_sex"),
    "ethnicity": ("ethnic_group", "ethnic_category", "ethnicity_category", "ethnic_origin"),
    "imd_decile": ("deprivation_decile", "imd", "imd_2019_decile", "index_of_multiple_deprivation_decile"),
    "imd_quintile": ("deprivation_quintile", "imd_2019_quintile", "quintile"),
    "last_activity_date": (
        "last_activity", "last_contact", "last_contact_date", "last_seen", "date_last_seen",
        "last_consultation_date", "last_appointment_date", "date_of_last_activity",
    ),
}  # fmt: skip
PATIENT_REQUIRED = ("practice_code", "indicator_code", "patient_id", "achieved", "pca")

# The ODS ePCN workbook: sheet "PCN Core Partner Details" (one row per practice-to-PCN
# relationship, with its dates) and sheet "PCNDetails" (one row per PCN).
EPCN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "practice_code": ("partner_organisation_code",),
    "practice_name": ("partner_name",),
    "pcn_code": (),
    "pcn_name": (),
    "place_code": ("pcn_parent_sub_icb_loc_code",),
    "place_name": ("pcn_parent_sub_icb_loc_name",),
    "start_date": ("practice_to_pcn_relationship_start_date",),
    "end_date": ("practice_to_pcn_relationship_end_date",),
}
PCN_DETAILS_SYNONYMS: dict[str, tuple[str, ...]] = {
    "pcn_code": (),
    "pcn_name": (),
    "place_code": ("current_sub_icb_loc_code",),
    "place_name": ("sub_icb_location",),
}
PCN_DETAILS_SHEET = "PCNDetails"

# A scheme as a table: one row per indicator, the scheme's own values repeated on every row.
SCHEME_SYNONYMS: dict[str, tuple[str, ...]] = {
    "indicator_code": ("code", "indicator"),
    **{key: () for key in INDICATOR_KEYS},
    **{key: () for key in SCHEME_KEYS},
}

# Wide exports: one column per indicator and count, like `CAN04 Numerator` or `HI-03 Den`.
WIDE_FIELD_WORDS = {
    "numerator": ("numerator", "num"),
    "denominator": ("denominator", "denom", "den"),
    "pca_count": ("pcacount", "pcas", "pca", "personalisedcareadjustments"),
}
_FIELD_WORDS = "|".join(sorted((w for ws in WIDE_FIELD_WORDS.values() for w in ws), key=len)[::-1])
WIDE_HEADER = re.compile(
    rf"(?P<code>[a-z]+[0-9]+[a-z]?)(?P<field>{_FIELD_WORDS})|(?P<field2>{_FIELD_WORDS})(?P<code2>[a-z]+[0-9]+[a-z]?)"
)

# What each shape needs, in the words shown when a file is not recognised. Not the shapes' words
# in iif_core.vocabulary: this lists the columns each is recognised by, so it lives beside them.
SHAPE_NEEDS = {
    "tidy": "achievement counts (practice_code, indicator_code, period_end, numerator, denominator)",
    "gpes": "NHS Digital's GPES extract (ORG_CODE, ACH_DATE, IND_CODE, FIELD_NAME, VALUE)",
    "wide": "a wide export (a practice column and a numerator and denominator column per indicator, like 'CAN04 Numerator')",
    "patients": "a patient list (practice, indicator, patient identifier, achieved, PCA)",
    "orgs": "organisations (practice_code, pcn_code, ...; NHS Digital's practice mapping or the ODS ePCN workbook)",
    "scheme": "a scheme table (indicator_code, name, unit, direction, lower_threshold, upper_threshold, points, year, value_per_point) or a scheme TOML file",
}
TIDY_COUNT_COLUMNS = ("practice_code", "indicator_code", "numerator", "denominator")
ENOUGH_TIDY_COLUMNS = 3  # of the four above: fewer is probably another kind of table


@dataclass(frozen=True)
class WideIndicator:
    """The columns of one indicator in a wide export (0-based positions)."""

    code: str  # canonical, like HI-03
    numerator: int | None
    denominator: int | None
    pca_count: int | None


@dataclass(frozen=True)
class ShapeMatch:
    """A header row recognised as one shape, with where its columns are."""

    shape: str
    variant: str  # the kind within the shape, e.g. "published", "epcn" or "tidy" organisations
    positions: dict[str, int | None]
    missing: tuple[str, ...] = ()
    wide: tuple[WideIndicator, ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.missing


def match_shape(headers: list[str]) -> ShapeMatch | None:
    """The shape a header row belongs to, or None when it looks like none of them."""
    for matcher in (
        _scheme, _epcn, _published_orgs, _gpes, _patients, _wide, _tidy_counts, _tidy_orgs,
    ):  # fmt: skip
        found = matcher(headers)
        if found is not None:
            return found
    return None


def _missing(positions: dict[str, int | None], required) -> tuple[str, ...]:
    return tuple(c for c in required if positions.get(c) is None)


def _names(headers: list[str]) -> set[str]:
    return {normalise_header(h) for h in headers}


def _scheme(headers):
    names = _names(headers)
    if not {"lowerthreshold", "upperthreshold"} <= names:
        return None
    return ShapeMatch("scheme", "table", find_columns(headers, SCHEME_SYNONYMS))


def _epcn(headers):
    positions = find_columns(headers, EPCN_SYNONYMS)
    if positions["practice_code"] is None or "partnerorganisationcode" not in _names(headers):
        return None
    return ShapeMatch(
        "orgs", "epcn", positions, _missing(positions, ("practice_code", "pcn_code", "end_date"))
    )


def _published_orgs(headers):
    names = _names(headers)
    places = {"subicblocationcode", "subicbloccode", "ccgcode"}
    publication = {"publication", "extractdate"}  # the columns NHS Digital's file starts with
    if not ({"practicecode", "pcncode"} <= names and names & places and names & publication):
        return None
    return ShapeMatch("orgs", "published", find_columns(headers, PUBLISHED_MAPPING_SYNONYMS))


def _gpes(headers):
    positions = find_columns(headers, GPES_SYNONYMS)
    if positions["field_name"] is None or (
        positions["value"] is None and positions["ind_code"] is None
    ):
        return None
    return ShapeMatch("gpes", "gpes", positions, _missing(positions, GPES_SYNONYMS))


def _patients(headers):
    positions = find_columns(headers, PATIENT_SYNONYMS)
    if positions["patient_id"] is None:
        return None
    return ShapeMatch("patients", "patients", positions, _missing(positions, PATIENT_REQUIRED))


def _wide(headers):
    indicators = wide_indicators(headers)
    if not indicators:
        return None
    positions = find_columns(
        headers, {k: EXTRACT_SYNONYMS[k] for k in ("practice_code", "period_end")}
    )
    return ShapeMatch(
        "wide", "wide", positions, _missing(positions, ("practice_code",)), tuple(indicators)
    )


def _tidy_counts(headers):
    positions = find_columns(headers, EXTRACT_SYNONYMS)
    found = [c for c in TIDY_COUNT_COLUMNS if positions[c] is not None]
    if len(found) < ENOUGH_TIDY_COLUMNS:
        return None
    return ShapeMatch("tidy", "tidy", positions, _missing(positions, TIDY_COUNT_COLUMNS))


def _tidy_orgs(headers):
    positions = find_columns(headers, ORG_TIDY_SYNONYMS)
    if positions["practice_code"] is None or positions["pcn_code"] is None:
        return None
    return ShapeMatch("orgs", "tidy", positions)


def wide_indicators(headers: list[str]) -> list[WideIndicator]:
    """Each indicator with a count column in a wide header row, in the order first seen."""
    columns: dict[str, dict[str, int]] = {}
    for position, header in enumerate(headers):
        match = WIDE_HEADER.fullmatch(normalise_header(header))
        if not match:
            continue
        code = canonical_indicator_code(match["code"] or match["code2"])
        word = match["field"] or match["field2"]
        kind = next(k for k, words in WIDE_FIELD_WORDS.items() if word in words)
        if code is not None:
            columns.setdefault(code, {}).setdefault(kind, position)
    return [
        WideIndicator(
            code, found.get("numerator"), found.get("denominator"), found.get("pca_count")
        )
        for code, found in columns.items()
    ]
