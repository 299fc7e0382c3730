"""What the ingest tests share: a connection with the bundled organisations, a test scheme, the
fixture files, and small builders of workbooks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import openpyxl

from iif_core.ingest import StagedFile, stage_file
from iif_core.orgs import load_orgs
from iif_core.schemes import parse_scheme

UPLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "uploads"
PERIOD = date(2025, 9, 30)
# The test scheme: the two 2025/26 indicators as iif-rules.md section 10 writes them, so that
# the tests do not depend on the values of the bundled scheme.
SCHEME_TOML = """
year = "2025/26"
value_per_point = 198

[indicators."HI-03"]
name = "Learning disability health checks"
unit = "percent"
direction = "higher"
lower_threshold = 60
upper_threshold = 80
points = 36

[indicators."CAN-04"]
name = "FIT before lower GI referral"
unit = "percent"
direction = "higher"
lower_threshold = 65
upper_threshold = 80
points = 22
"""
SCHEMES = [parse_scheme(SCHEME_TOML, "test scheme")]


def connection() -> duckdb.DuckDBPyConnection:
    """A connection holding the bundled national organisations as `orgs`."""
    con = duckdb.connect()
    load_orgs(con)
    return con


def stage(con, name_or_path, **options) -> StagedFile:
    """Stage a fixture (by file name) or any path against the test scheme."""
    path = Path(name_or_path)
    if not path.is_absolute():
        path = UPLOADS / path
    return stage_file(con, path, SCHEMES, **options)


def extract_rows(con) -> list[tuple]:
    """The staged counts without where they came from, sorted."""
    return con.execute(
        "SELECT practice_code, indicator_code, period_end::VARCHAR, numerator, denominator, "
        "pca_count FROM extract ORDER BY ALL"
    ).fetchall()


def orgs_fingerprint(con) -> tuple:
    """Changes whenever any value of the table `orgs` changes."""
    return con.execute(
        "SELECT count(*), sum(hash(practice_code, practice_name, pcn_code, pcn_name, place_code, "
        "place_name, icb_code, icb_name, list_size)) FROM orgs"
    ).fetchone()


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    """An .xlsx with the given sheets, each a list of rows (None for an empty cell)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_the_test_scheme_has_the_two_indicators():
    assert list(SCHEMES[0].indicators) == ["HI-03", "CAN-04"]
