"""Organisation files (NHS Digital's practice mapping, the ODS ePCN workbook, a tidy file) into
`orgs_staged`, checked as the organisation data always is, never touching the `orgs` in use."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from iif_core.extract import DATE_FORMATS
from iif_core.orgs import ORG_COLUMNS, _check_and_type
from iif_core.problems import InputError, Problem
from iif_core.readers import find_columns, select_columns
from iif_core.staging.files import RAW_TABLE, Table, load_table, open_workbook, sheet_rows
from iif_core.staging.shapes import PCN_DETAILS_SHEET, PCN_DETAILS_SYNONYMS
from iif_core.staging.upload import Context, column, insert_rows, missing_columns, plural
from iif_core.vocabulary import SHAPE_WORDS

ORGS_STAGED_SQL = """
CREATE OR REPLACE TEMP TABLE orgs_staged (
    practice_code VARCHAR, practice_name VARCHAR, pcn_code VARCHAR, pcn_name VARCHAR,
    place_code VARCHAR, place_name VARCHAR, icb_code VARCHAR, icb_name VARCHAR, list_size BIGINT)
"""
# The variants of the orgs shape (iif_core.staging.shapes), in the words that start the sentence
# saying what was read; a tidy file is titled as the shape is.
TITLES = {
    "published": "NHS Digital practice mapping",
    "epcn": "ODS ePCN workbook",
    "tidy": SHAPE_WORDS["orgs"].title,
}
# The ePCN file names a sub-ICB location like "NHS NORTH EAST AND NORTH CUMBRIA ICB - 16C":
# the ICB's name, then the location's code.
ICB_NAME_IN_PLACE_NAME = r"^(.*\S)\s+-\s+\S+$"
HEADER_SEARCH_ROWS = 20  # title lines above the header of the PCNDetails sheet


def stage_orgs(
    con: duckdb.DuckDBPyConnection, context: Context, work: Path
) -> tuple[str, list[Problem]]:
    """Fill `orgs_staged`, or `line_problems` with why not; return the detail sentence and the
    problems that are not of one row."""
    match = context.table.match
    if match.variant == "epcn":
        if match.missing:
            raise InputError([missing_columns(context, match.missing)])
        ended = _epcn_text(con, context, work)
        note = f" (relationships open on {_today(context):%d/%m/%Y}; {plural(ended, 'ended relationship')} left out)"
    else:
        select_columns(
            con, RAW_TABLE, "orgs_text", {c: match.positions.get(c) for c in ORG_COLUMNS}
        )
        note = ""
        if match.positions.get("list_size") is None:
            _lookups(con)
            con.execute(
                "UPDATE orgs_text SET list_size = s.list_size::VARCHAR FROM practice_sizes s "
                "WHERE s.practice_code = upper(trim(orgs_text.practice_code))"
            )
            note = " (list sizes from the organisation data in use)"
    problems = _typed_aside(con, context)
    practices, pcns = con.execute(
        "SELECT count(DISTINCT upper(trim(practice_code))), "
        "count(DISTINCT nullif(upper(trim(pcn_code)), 'U')) FROM orgs_text"
    ).fetchone()
    detail = f"{TITLES[match.variant]}: {plural(practices, 'practice')} in {plural(pcns, 'PCN')}"
    return detail + note, problems


def _today(context: Context) -> date:
    return context.today or date.today()


def _typed_aside(con, context: Context) -> list[Problem]:
    """The organisation checks run on a cursor of their own, whose temp tables are its own, so
    the `orgs` they create never replaces the one in use; the result comes back as `orgs_staged`."""
    labels = _labels(context)
    side = con.cursor()
    try:
        side.register("orgs_text_given", con.execute("SELECT * FROM orgs_text").df())
        side.execute("CREATE TEMP TABLE orgs_text AS SELECT * FROM orgs_text_given")
        side.unregister("orgs_text_given")
        try:
            _check_and_type(side, context.where)
        except InputError as error:
            _record(con, error.problems, labels)
            return [p for p in error.problems if p.row is None]
        con.register("orgs_typed", side.execute("SELECT * FROM orgs").df())
        con.execute("INSERT INTO orgs_staged SELECT * FROM orgs_typed")
        con.unregister("orgs_typed")
    finally:
        side.close()
    return []


def _labels(context: Context) -> dict[str, str | None]:
    positions = context.table.match.positions
    return {c: context.table.label(positions.get(c)) for c in ORG_COLUMNS}


def _record(con, problems: list[Problem], labels: dict) -> None:
    """Row problems of the organisation checks into `line_problems`, in the file's own words."""
    insert_rows(
        con,
        "INSERT INTO line_problems VALUES (?, ?, ?, ?)",
        [
            (p.row, labels.get(p.column) or p.column, p.value, p.message)
            for p in problems
            if p.row is not None
        ],
    )


def _epcn_text(con, context: Context, work: Path) -> int:
    """`orgs_text` from the ePCN relationships open on the day (the latest start wins); return
    how many relationships had ended."""
    p = context.table.match.positions
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE epcn_text AS
        SELECT *, try_strptime(start_text, $formats)::DATE AS start_date,
               try_strptime(end_text, $formats)::DATE AS end_date
        FROM (
            SELECT {column(p["practice_code"])} AS practice_code,
                   {column(p["practice_name"])} AS practice_name,
                   {column(p["pcn_code"])} AS pcn_code, {column(p["pcn_name"])} AS pcn_name,
                   {column(p["place_code"])} AS place_code, {column(p["place_name"])} AS place_name,
                   trim(coalesce({column(p["start_date"])}, '')) AS start_text,
                   trim(coalesce({column(p["end_date"])}, '')) AS end_text, source_row
            FROM {RAW_TABLE}
        )
        """,  # noqa: S608 - our names and positions
        {"formats": DATE_FORMATS},
    )
    label = context.table.label
    for field, text, typed in (
        ("start_date", "start_text", "start_date"),
        ("end_date", "end_text", "end_date"),
    ):
        con.execute(  # our own column names, never a file's text
            f"INSERT INTO line_problems SELECT source_row, $column, {text}, $message "  # noqa: S608
            f"FROM epcn_text WHERE {text} <> '' AND {typed} IS NULL",
            {
                "column": label(p[field]),
                "message": "the relationship date is not a date (use a date like 2023-01-09 or 20230109)",
            },
        )
    _pcn_details(con, context, work)
    _lookups(con)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE orgs_text AS
        WITH open AS (
            SELECT * FROM epcn_text
            WHERE (end_text = '' OR end_date >= $today) AND (start_date IS NULL OR start_date <= $today)
              AND source_row NOT IN (SELECT source_row FROM line_problems)
        ),
        chosen AS (
            SELECT DISTINCT ON (upper(trim(practice_code))) * FROM open
            ORDER BY upper(trim(practice_code)), start_date DESC NULLS LAST, source_row DESC
        )
        SELECT c.practice_code, c.practice_name, c.pcn_code,
               coalesce(d.pcn_name, c.pcn_name) AS pcn_name,
               coalesce(d.place_code, c.place_code) AS place_code,
               coalesce(d.place_name, c.place_name) AS place_name,
               i.icb_code,
               coalesce(i.icb_name, nullif(regexp_extract(coalesce(d.place_name, c.place_name, ''),
                                                         $icb_pattern, 1), '')) AS icb_name,
               s.list_size::VARCHAR AS list_size, c.source_row
        FROM chosen c
        LEFT JOIN pcn_details d ON d.pcn_key = upper(trim(c.pcn_code))
        LEFT JOIN place_icbs i ON i.place_code = upper(trim(coalesce(d.place_code, c.place_code)))
        LEFT JOIN practice_sizes s ON s.practice_code = upper(trim(c.practice_code))
        ORDER BY c.source_row
        """,
        {"today": _today(context), "icb_pattern": ICB_NAME_IN_PLACE_NAME},
    )
    return con.execute(
        "SELECT count(*) FROM epcn_text WHERE end_text <> '' AND end_date < $today",
        {"today": _today(context)},
    ).fetchone()[0]


def _pcn_details(con, context: Context, work: Path) -> None:
    """`pcn_details` (one row per PCN: name and sub-ICB location) from the workbook's
    PCNDetails sheet when it has one; else empty, and the partner sheet's own columns are used."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE pcn_details "
        "(pcn_key VARCHAR, pcn_name VARCHAR, place_code VARCHAR, place_name VARCHAR)"
    )
    table = context.table
    if table.kind != "excel" or table.sheet == PCN_DETAILS_SHEET:
        return
    details = _details_table(table)
    if details is None:
        return
    load_table(con, details, work, target="pcn_details_raw")
    p = find_columns(details.headers, PCN_DETAILS_SYNONYMS)
    con.execute(
        f"""
        INSERT INTO pcn_details
        SELECT DISTINCT ON (pcn_key) * FROM (
            SELECT upper(trim({column(p["pcn_code"])})) AS pcn_key,
                   nullif(trim({column(p["pcn_name"])}), '') AS pcn_name,
                   nullif(upper(trim({column(p["place_code"])})), '') AS place_code,
                   nullif(trim({column(p["place_name"])}), '') AS place_name
            FROM pcn_details_raw WHERE coalesce(trim({column(p["pcn_code"])}), '') <> ''
        ) ORDER BY pcn_key
        """  # noqa: S608 - our names and positions
    )


def _details_table(table: Table) -> Table | None:
    with open_workbook(table) as workbook:
        if PCN_DETAILS_SHEET not in workbook.sheetnames:
            return None
        for number, cells in sheet_rows(workbook, PCN_DETAILS_SHEET):
            found = find_columns(cells, PCN_DETAILS_SYNONYMS)
            if found["pcn_code"] is not None and found["pcn_name"] is not None:
                return Table(
                    table.path, table.name, "excel", cells, number, number, sheet=PCN_DETAILS_SHEET
                )
            if number >= HEADER_SEARCH_ROWS:
                return None
    return None


def _lookups(con) -> None:
    """What the ePCN file lacks, taken from the organisations in use: each sub-ICB location's
    ICB (the one most of its practices are in) and each practice's list size."""
    has_orgs = (
        con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'orgs'").fetchone()[0]
        + con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'orgs'").fetchone()[0]
    )
    source = (
        "orgs"
        if has_orgs
        else "(SELECT NULL::VARCHAR AS place_code, NULL::VARCHAR AS icb_code, NULL::VARCHAR AS icb_name, NULL::VARCHAR AS practice_code, NULL::BIGINT AS list_size WHERE false)"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE place_icbs AS SELECT place_code, mode(icb_code) AS icb_code, "  # noqa: S608 - our SQL
        f"mode(icb_name) AS icb_name FROM {source} WHERE place_code IS NOT NULL GROUP BY place_code"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE practice_sizes AS SELECT practice_code, max(list_size) AS list_size "  # noqa: S608 - our SQL
        f"FROM {source} GROUP BY practice_code"
    )
