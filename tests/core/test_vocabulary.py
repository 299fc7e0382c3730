"""The closed vocabularies: each table of one is keyed by its one tuple, in order, in full."""

import ast
from pathlib import Path

from iif_core import ingest, vocabulary
from iif_core.staging.shapes import SHAPE_NEEDS
from iif_core.vocabulary import (
    AREA_LEVELS,
    COUNT_SHAPES,
    KIND_OF_SHAPE,
    LEVEL_LABELS,
    LEVEL_NOUNS,
    LEVELS,
    SHAPE_WORDS,
    SHAPES,
    STATUS_SYMBOLS,
    STATUS_WORDS,
    STATUSES,
    STATUSES_WITH_DATA,
)


def test_every_level_table_has_every_level_in_order():
    assert tuple(LEVEL_LABELS) == tuple(LEVEL_NOUNS) == LEVELS
    assert set(AREA_LEVELS) < set(LEVELS)


def test_every_status_table_has_every_status_in_order():
    assert tuple(STATUS_SYMBOLS) == tuple(STATUS_WORDS) == STATUSES
    assert STATUSES[: len(STATUSES_WITH_DATA)] == STATUSES_WITH_DATA


def test_every_shape_table_has_every_shape_in_order():
    # SHAPE_NEEDS is kept beside the column names it lists (iif_core/staging/shapes.py).
    assert tuple(KIND_OF_SHAPE) == tuple(SHAPE_WORDS) == tuple(SHAPE_NEEDS) == SHAPES
    assert tuple(s for s in SHAPES if s in COUNT_SHAPES) == COUNT_SHAPES
    assert set(ingest.STAGERS) == set(COUNT_SHAPES)


def test_the_vocabulary_imports_nothing_from_the_project():
    tree = ast.parse(Path(vocabulary.__file__).read_text(encoding="utf-8"))
    imported = [
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] in ("iif_core", "ui", "pages")]
