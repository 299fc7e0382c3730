"""The closed vocabularies of the domain: levels, statuses, file shapes."""

# ----- levels ----------------------------------------------------------------------------------

# The organisations scored, smallest first: each is made of the ones before it.
LEVELS = ("practice", "pcn", "place", "icb")
# The areas: the levels above a PCN, made of PCNs, whose points and £ are the sums of their PCNs'.
AREA_LEVELS = ("place", "icb")
LEVEL_LABELS = {"practice": "Practice", "pcn": "PCN", "place": "Place", "icb": "ICB"}
LEVEL_NOUNS = {"practice": "practice", "pcn": "PCN", "place": "place", "icb": "ICB"}  # mid-sentence
