"""Fixtures for the spec tests: run every rule table against the reference scorer and the core."""

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
# The project root (for iif_core) and tests/ (for reference_scorer, spec.helpers), whatever the
# import mode pytest runs in.
for folder in (TESTS.parent, TESTS):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from spec.helpers import SCORERS  # noqa: E402


@pytest.fixture(params=sorted(SCORERS))
def scorer(request):
    """The same rule table, checked against the reference scorer and against the DuckDB core."""
    return SCORERS[request.param]
