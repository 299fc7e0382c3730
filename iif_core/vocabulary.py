"""The closed vocabularies of the domain: levels, statuses, file shapes."""

from typing import NamedTuple

# ----- levels ----------------------------------------------------------------------------------

# The organisations scored, smallest first: each is made of the ones before it.
LEVELS = ("practice", "pcn", "place", "icb")
# The areas: the levels above a PCN, made of PCNs, whose points and £ are the sums of their PCNs'.
AREA_LEVELS = ("place", "icb")
PLAN_LEVELS = (
    "practice",
    "pcn",
)  # a what-if or a plan is for one PCN: the one chosen, or a practice's
LEVEL_LABELS = {"practice": "Practice", "pcn": "PCN", "place": "Place", "icb": "ICB"}
LEVEL_NOUNS = {"practice": "practice", "pcn": "PCN", "place": "place", "icb": "ICB"}  # mid-sentence

# ----- statuses --------------------------------------------------------------------------------

# An indicator's status for an organisation and period, best first: the upper threshold reached,
# earning part of the points, at or worse than the lower threshold; or no figures at all; or the
# period end is outside the indicator's dates, so it is not scored or paid (decisions.md D27).
STATUSES_WITH_DATA = ("green", "amber", "red")
STATUSES = (*STATUSES_WITH_DATA, "no_data", "not_in_scheme")
# Each status is shown by colour AND by a symbol and words, so that it reads without colour
# (colour-blind safe).
STATUS_SYMBOLS = {"green": "✔", "amber": "◐", "red": "✖", "no_data": "–", "not_in_scheme": "⊘"}
STATUS_WORDS = {
    "green": "Full points",
    "amber": "Earning",
    "red": "No points yet",
    "no_data": "No data",
    "not_in_scheme": "Not in the scheme on this date",
}

# ----- splitting the payment -------------------------------------------------------------------

# How a PCN's £ is shared between its member practices (decisions.md D62): by list size, by
# contribution (how far each is past its part of the lower threshold), or a mix of the two.
SPLIT_METHODS = ("list_size", "contribution", "mix")
SPLIT_METHOD_WORDS = {
    "list_size": "by list size",
    "contribution": "by contribution",
    "mix": "by a mix of list size and contribution",
}

# ----- file shapes -----------------------------------------------------------------------------

# The shapes of file an upload can be (iif_core.staging.shapes tells them apart by their headers).
SHAPES = ("tidy", "gpes", "wide", "patients", "orgs", "scheme")
# The shapes that hold achievement counts (a patient list is counted too): their valid rows can be
# stored without the bad ones.
COUNT_SHAPES = ("tidy", "gpes", "wide", "patients")
# What a file of each shape holds once stored: the kind of its batch.
KIND_OF_SHAPE = {
    "tidy": "counts",
    "gpes": "counts",
    "wide": "counts",
    "patients": "patients",
    "orgs": "orgs",
    "scheme": "scheme",
}


# What a patient-level list holds: every eligible patient, achieved or not (its counts replace the
# stored ones), or only the patients still to do, as practices export a recall list (it feeds the
# Patients page and never changes achievement).
LIST_KINDS = ("cohort", "outstanding")
LIST_KIND_WORDS = {
    "cohort": "every eligible patient, achieved or not: the counts are taken from it",
    "outstanding": "only patients still to do (a recall list): it changes no counts",
}


class ShapeWords(NamedTuple):
    """A shape of file in people's words."""

    title: str  # starts the sentence saying what was read: "Achievement counts: 2 indicators, ..."
    description: str  # what such a file holds, after "Read as:" on the Data page


SHAPE_WORDS = {
    "tidy": ShapeWords(
        "Achievement counts",
        "achievement counts (one row per practice, indicator and period end)",
    ),
    "gpes": ShapeWords(
        "NHS Digital GPES extract",
        "NHS Digital's GPES/CQRS extract (ORG_CODE, ACH_DATE, IND_CODE, FIELD_NAME, VALUE)",
    ),
    "wide": ShapeWords(
        "Wide export (a numerator and denominator column per indicator)",
        "achievement counts with a numerator and denominator column per indicator",
    ),
    "patients": ShapeWords(
        "Patient-level list",
        "a patient-level list (one row per patient and indicator)",
    ),
    "orgs": ShapeWords(
        "Organisation file",
        "an organisation file (practice, PCN, place, ICB, list size)",
    ),
    "scheme": ShapeWords(
        "Scheme",
        "a scheme file (one year's indicators, thresholds and points)",
    ),
}

# ----- access (hosted mode) --------------------------------------------------------------------

# What a grant lets a signed-in user do (decisions.md D37). A user holds one grant or several.
ROLES = ("practice", "pcn", "area", "admin")
ROLE_WORDS = {
    "practice": "Practice user: their practice's figures and patient lists",
    "pcn": "PCN manager: their PCN and its member practices, with patient lists",
    "area": "Place or ICB analyst: every organisation in their area; patient lists if granted",
    "admin": "Admin: everything, uploads, undo, scheme edits, users and the audit trail",
}
# The level of the organisation each role is granted on (an admin's grant names none).
ROLE_LEVELS = {"practice": ("practice",), "pcn": ("pcn",), "area": AREA_LEVELS, "admin": ()}
# Whether a grant of the role shows patient lists unless the admin says otherwise.
ROLE_SEES_PATIENTS = {"practice": True, "pcn": True, "area": False, "admin": True}
# What the audit trail records (decisions.md D38).
AUDIT_ACTIONS = (
    "sign_in", "sign_out", "session_expired", "view_patients", "download_patients",
    "download", "upload", "undo", "restore", "scheme_change", "grant", "revoke", "refused",
    "intervention", "remove_intervention",
)  # fmt: skip

# ----- inequalities ----------------------------------------------------------------------------

# The groups the Inequalities page compares achievement across (decisions.md D67): the columns
# of a prepared patient list, and their names on screen.
EQUITY_DIMENSIONS = ("imd_quintile", "ethnicity", "age_band", "sex")
EQUITY_DIMENSION_WORDS = {
    "imd_quintile": "Deprivation (IMD quintile)",
    "ethnicity": "Ethnic group",
    "age_band": "Age band",
    "sex": "Sex",
}
