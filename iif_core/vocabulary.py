"""The closed vocabularies of the domain: levels, statuses, file shapes."""

# ----- levels ----------------------------------------------------------------------------------

# The organisations scored, smallest first: each is made of the ones before it.
LEVELS = ("practice", "pcn", "place", "icb")
# The areas: the levels above a PCN, made of PCNs, whose points and £ are the sums of their PCNs'.
AREA_LEVELS = ("place", "icb")
LEVEL_LABELS = {"practice": "Practice", "pcn": "PCN", "place": "Place", "icb": "ICB"}
LEVEL_NOUNS = {"practice": "practice", "pcn": "PCN", "place": "place", "icb": "ICB"}  # mid-sentence

# ----- statuses --------------------------------------------------------------------------------

# An indicator's status for an organisation and period, best first: the upper threshold reached,
# earning part of the points, at or worse than the lower threshold; or no figures at all.
STATUSES_WITH_DATA = ("green", "amber", "red")
STATUSES = (*STATUSES_WITH_DATA, "no_data")
# Each status is shown by colour AND by a symbol and words, so that it reads without colour
# (colour-blind safe).
STATUS_SYMBOLS = {"green": "✔", "amber": "◐", "red": "✖", "no_data": "–"}
STATUS_WORDS = {
    "green": "Full points",
    "amber": "Earning",
    "red": "No points yet",
    "no_data": "No data",
}
