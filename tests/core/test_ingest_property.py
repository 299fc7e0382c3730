"""Staging never fails whatever the bytes: random bytes and random small tables become problems,
and the organisations in use are never changed."""

import csv
import io
import tempfile
from datetime import date
from functools import cache
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from test_ingest_support import PERIOD, SCHEMES, connection, extract_rows, orgs_fingerprint

from iif_core.ingest import rejected_rows_frame, stage_file
from iif_core.vocabulary import COUNT_SHAPES, SHAPES

EXAMPLES = 60  # per property: enough to meet every reader path, quick enough for every run
SUFFIXES = (".csv", ".txt", ".xlsx", ".toml", ".tsv", "")
# Headers the shapes know, mixed with ones they do not.
HEADERS = (
    "practice_code", "Practice Code", "ORG_CODE", "indicator_code", "IND_CODE", "Indicator",
    "period_end", "ACH_DATE", "numerator", "Num", "denominator", "Den", "PCA", "FIELD_NAME",
    "VALUE", "patient_id", "NHS Number", "achieved", "pca", "age", "imd_decile", "imd_quintile",
    "last_activity_date", "CAN04 Numerator", "CAN04 Denominator", "HI-03 Den", "pcn_code",
    "PCN_CODE", "PRACTICE_CODE", "SUB_ICB_LOCATION_CODE", "PUBLICATION", "lower_threshold",
    "upper_threshold", "year", "value_per_point", "unit", "Partner Organisation Code",
    "Practice to PCN Relationship End Date", "", "x", "Notes",
)  # fmt: skip
VALUES = (
    "A81001", "a81002 ", "Z99999", "HI-03", "HI03", "CAN04", "SMR01A", "XY-99", "2025-09-30",
    "30/09/2025", "20250930", "30-Sep-2025", "2024-01-01", "0", "1", "7", "-3", "2.5", "1,234",
    "Y", "N", "yes", "TRUE", "943 476 5919", "9434765918", "Numerator", "Denominator",
    "FITNIDAT", "GICANREF", "U89141", "U", "16C", "percent", "higher", "2025/26", "", " ",
    "Café", "’", '"', "a,b", "x;y", "line\nbreak", "=1+1",
)  # fmt: skip
DELIMITERS = (",", ";", "\t")
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")

# Header rows of each shape, so that many examples get as far as the row checks.
SHAPE_HEADERS = (
    ("practice_code", "indicator_code", "period_end", "numerator", "denominator", "PCA"),
    ("QUALITY_SERVICE", "ORG_CODE", "ACH_DATE", "IND_CODE", "FIELD_NAME", "VALUE"),
    ("Practice", "Period End", "CAN04 Numerator", "CAN04 Denominator", "HI03 Num", "HI03 Den"),
    ("practice", "indicator", "NHS Number", "achieved", "pca", "age", "imd_decile"),
    ("PUBLICATION", "PRACTICE_CODE", "PCN_CODE", "SUB_ICB_LOCATION_CODE", "list_size"),
    ("year", "value_per_point", "indicator_code", "name", "unit", "direction",
     "lower_threshold", "upper_threshold", "points"),
)  # fmt: skip
# Values that fit a column, by a word in its header, so that some rows are valid.
FITTING = {
    "practice": ("A81001", "A81002", "A81004", "Z99999"),
    "org": ("A81001", "A81002", "A81004"),
    "pcn": ("U89141", "U", "", "U07032"),
    "ind": ("HI-03", "HI03", "CAN04", "SMR01A"),
    "period": ("2025-09-30", "30/09/2025", "2024-09-30"),
    "date": ("20250930", "20250630", "2026-09-30"),
    "field": ("Numerator", "Denominator", "FITNIDAT", "GICANREF", "HLTHAPDEC"),
    "num": ("0", "1", "7", "2.5"),
    "den": ("0", "7", "9", "-3"),
    "value": ("0", "1", "12", "x"),
    "pca": ("Y", "N", "0", "1"),
    "achieved": ("Y", "N", "yes", "FALSE"),
    "nhs": ("943 476 5919", "9434765918", "P1", "P2"),
    "size": ("100", "4,036", ""),
}  # fmt: skip
FITTING_WEIGHT = 8  # a fitting value this many times as often as any other


def cells(header: str):
    words = [pool for word, pool in FITTING.items() if word in header.lower()]
    if not words:
        return st.one_of(st.sampled_from(VALUES), st.text(max_size=6))
    return st.one_of(*[st.sampled_from(words[0])] * FITTING_WEIGHT, st.sampled_from(VALUES))


def rows_under(headers):
    row = st.tuples(*[cells(h) for h in headers]).map(list)
    ragged = st.lists(st.sampled_from(VALUES), max_size=len(headers) + 2)
    return st.lists(st.one_of(*[row] * FITTING_WEIGHT, ragged), max_size=5)


header_rows = st.one_of(
    st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=8)), min_size=1, max_size=7),
    st.sampled_from(SHAPE_HEADERS).flatmap(st.permutations),
)
tables = header_rows.flatmap(
    lambda headers: st.tuples(
        st.just(list(headers)),
        rows_under(headers),
        st.integers(min_value=0, max_value=2),  # title rows above the header
    )
)


@cache
def shared():
    """One connection for every example: staging must leave it fit for the next."""
    con = connection()
    return con, orgs_fingerprint(con)


def check(path: Path, name: str) -> None:
    con, fingerprint = shared()
    staged = stage_file(con, path, SCHEMES, display_name=name, period_end=PERIOD)
    event(f"shape {staged.shape}, {'some' if staged.valid_rows else 'no'} valid rows")
    assert staged.shape is None or staged.shape in SHAPES
    assert 0 <= staged.valid_rows <= max(staged.rows, 0)
    assert staged.ok == (staged.shape is not None and not staged.problems)
    for problem in staged.problems:
        assert problem.file.startswith(name)
        assert "unexpected error" not in problem.message, problem
    assert orgs_fingerprint(con) == fingerprint
    extract = con.execute("SELECT count(*) FROM extract").fetchone()[0]
    if staged.shape not in COUNT_SHAPES:
        assert extract == 0
    rejected = rejected_rows_frame(con)
    assert (
        len(rejected) == staged.rows - staged.valid_rows or staged.shape is None or not staged.rows
    )


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES), start=st.sampled_from(
    [b"", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe", b"practice_code,indicator_code\n",
     b"QUALITY_SERVICE,ORG_CODE,ACH_DATE,IND_CODE,FIELD_NAME,VALUE\n"]))  # fmt: skip
def test_random_bytes_become_problems(data, suffix, start):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(start + data)
        check(path, f"upload{suffix}")


def text_table(headers, rows, titles, delimiter) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    for n in range(titles):
        writer.writerow([f"Title {n}"])
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables, delimiter=st.sampled_from(DELIMITERS), encoding=st.sampled_from(ENCODINGS))
def test_random_text_tables_become_problems(table, delimiter, encoding):
    headers, rows, titles = table
    text = text_table(headers, rows, titles, delimiter)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.csv"
        path.write_bytes(text.encode(encoding, errors="replace"))
        check(path, "table.csv")


def clean(value: str) -> str:
    """openpyxl refuses control characters in cells."""
    return "".join(c for c in value if c >= " " or c in "\t\n")


@settings(max_examples=EXAMPLES // 3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables, sheets=st.integers(min_value=0, max_value=2))
def test_random_workbooks_become_problems(table, sheets):
    headers, rows, titles = table
    book = openpyxl.Workbook()
    for n in range(sheets):
        book.create_sheet(f"Other {n}").append(["Notes"])
    sheet = book.create_sheet("Data")
    for n in range(titles):
        sheet.append([f"Title {n}"])
    sheet.append([clean(h) for h in headers])
    for row in rows:
        sheet.append([clean(v) for v in row])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "book.xlsx"
        book.save(path)
        check(path, "book.xlsx")


PRACTICES = ("A81001", "A81002", "A81004", "a81005")
CODES = {"HI-03": "HI-03", "HI03": "HI-03", "can04": "CAN-04", "CAN-04": "CAN-04"}
DAYS = (date(2025, 4, 30), date(2025, 9, 30), date(2026, 3, 31))  # all in the 2025/26 year
WRITTEN_DATES = ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%d-%b-%Y")
good_rows = st.lists(
    st.tuples(
        st.sampled_from(PRACTICES),
        st.sampled_from(sorted(CODES)),
        st.sampled_from(DAYS),
        st.sampled_from(WRITTEN_DATES),
        st.integers(min_value=0, max_value=500),
        st.integers(min_value=0, max_value=500),
        st.integers(min_value=0, max_value=50),
    ),
    min_size=1,
    max_size=8,
    unique_by=lambda r: (r[0].upper(), CODES[r[1]], r[2]),
)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=good_rows,
    delimiter=st.sampled_from(DELIMITERS),
    encoding=st.sampled_from(ENCODINGS),
    titles=st.integers(min_value=0, max_value=2),
    headers=st.sampled_from(
        [
            (
                "practice_code",
                "indicator_code",
                "period_end",
                "numerator",
                "denominator",
                "pca_count",
            ),
            ("ODS Code", "IND_CODE", "ACH_DATE", "Num", "Den", "PCA"),
            ("Practice", "Indicator", "Achievement date", "NUMERATOR", "denom", "pcas"),
        ]
    ),
)
def test_valid_tidy_tables_are_staged_whole_and_exactly(rows, delimiter, encoding, titles, headers):
    written = [
        (p, code, day.strftime(form), n, n + extra, pca)
        for p, code, day, form, n, extra, pca in rows
    ]
    text = text_table(list(headers), written, titles, delimiter)
    con, fingerprint = shared()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "good.csv"
        path.write_bytes(text.encode(encoding))
        staged = stage_file(con, path, SCHEMES)
    assert staged.ok, staged.problems
    assert (staged.shape, staged.rows, staged.valid_rows) == ("tidy", len(rows), len(rows))
    assert extract_rows(con) == sorted(
        (p.upper(), CODES[code], day.isoformat(), n, n + extra, pca)
        for p, code, day, _, n, extra, pca in rows
    )
    assert orgs_fingerprint(con) == fingerprint
