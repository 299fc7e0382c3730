"""Organisations: practice -> PCN -> place -> ICB, from the bundled national reference or a user's file."""

from __future__ import annotations

from pathlib import Path

import duckdb

from iif_core.problems import InputError, Problem
from iif_core.readers import find_columns, normalise_header, read_csv_raw, select_columns

BUNDLED_REFERENCE = Path(__file__).parent / "data" / "orgs_reference.csv.gz"
BUNDLED_REFERENCE_NAME = "NHS Digital practice mapping, October 2025 (list sizes January 2022)"

ORG_COLUMNS = (
    "practice_code", "practice_name", "pcn_code", "pcn_name", "place_code", "place_name",
    "icb_code", "icb_name", "list_size",
)  # fmt: skip

# The only place that knows how each organisation file spells its columns.
TIDY_SYNONYMS: dict[str, tuple[str, ...]] = {
    "practice_code": ("practice", "ods_code", "org_code"),
    "practice_name": (),
    "pcn_code": (),
    "pcn_name": (),
    "place_code": ("sub_icb_location_code", "sub_icb_code"),
    "place_name": ("sub_icb_location_name", "sub_icb_name"),
    "icb_code": (),
    "icb_name": (),
    "list_size": ("registered_patients", "number_of_patients"),
}
PUBLISHED_MAPPING_SYNONYMS: dict[str, tuple[str, ...]] = {
    "practice_code": (),
    "practice_name": (),
    "pcn_code": (),
    "pcn_name": (),
    "place_code": ("sub_icb_location_code", "sub_icb_loc_code", "ccg_code"),
    "place_name": ("sub_icb_location_name", "sub_icb_loc_name", "ccg_name"),
    "icb_code": ("stp_code",),
    "icb_name": ("stp_name",),
    "list_size": (),
}
LIST_SIZE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "practice_code": ("code",),
    "list_size": ("number_of_patients",),
    "sex": (),
    "age": (),
}
NO_PCN_CODES = ("", "U")  # NHS Digital's published mapping marks a practice in no PCN with `U`

MAX_LIST_SIZE = 1_000_000_000  # far above any practice; keeps sums of list sizes exact in 64 bits
PRACTICE_CODE_PATTERN = "^[A-Z][0-9]{5}$"  # one letter and five digits, e.g. A81001
PCN_CODE_PATTERN = "^U[0-9]{5}$"  # U and five digits, e.g. U89141
# A sub-ICB location (place): two digits and a letter (00K), or letter-digit-letter-digit-letter
# (X2C4Y); an ICB: Q and two letters or digits (QHM, QE1). Anything else is refused, so that a
# formula or a sentence never passes for a code.
PLACE_CODE_PATTERN = "^([0-9]{2}[A-Z]|[A-Z][0-9][A-Z][0-9][A-Z])$"
ICB_CODE_PATTERN = "^Q[A-Z0-9]{2}$"


def load_orgs(con: duckdb.DuckDBPyConnection, paths: list[str | Path] | None = None) -> str:
    """Create the table `orgs` (one row per practice) and return a label for where it came from.

    With no paths, the bundled national reference. Otherwise one tidy file, or NHS Digital's
    published mapping optionally with its list-size file (`gp-reg-pat-prac-all.csv`).
    """
    if not paths:
        _load_tidy(con, BUNDLED_REFERENCE, "raw_orgs")
        _check_and_type(con, BUNDLED_REFERENCE.name)
        return BUNDLED_REFERENCE_NAME
    mapping_files, size_files = [], []
    for path in paths:
        headers = read_csv_raw(con, path, "raw_orgs")
        kind = _kind(headers)
        if kind is None:
            raise InputError([Problem(Path(path).name, _not_org_file_message())])
        (size_files if kind == "list_sizes" else mapping_files).append((path, kind, headers))
    if len(mapping_files) != 1:
        names = ", ".join(Path(p).name for p, _, _ in mapping_files) or "none"
        raise InputError(
            [Problem(names, "give exactly one organisation file (with any list-size file)")]
        )
    path, kind, headers = mapping_files[0]
    synonyms = TIDY_SYNONYMS if kind == "tidy" else PUBLISHED_MAPPING_SYNONYMS
    if path != paths[-1]:  # `raw_orgs` holds the last file read
        read_csv_raw(con, path, "raw_orgs")
    select_columns(con, "raw_orgs", "orgs_text", find_columns(headers, synonyms))
    for size_path, _, _ in size_files:
        _merge_list_sizes(con, size_path)
    _check_and_type(con, Path(path).name)
    return Path(path).name


def _load_tidy(con: duckdb.DuckDBPyConnection, path: Path, raw: str) -> None:
    headers = read_csv_raw(con, path, raw)
    select_columns(con, raw, "orgs_text", find_columns(headers, TIDY_SYNONYMS))


def _kind(headers: list[str]) -> str | None:
    names = {normalise_header(h) for h in headers}
    if {"code", "numberofpatients"} <= names:
        return "list_sizes"
    if {"practicecode", "pcncode", "subicblocationcode"} <= names:
        return "published"
    found = find_columns(headers, TIDY_SYNONYMS)
    if found["practice_code"] is not None and found["pcn_code"] is not None:
        return "tidy"
    return None


def _not_org_file_message() -> str:
    return (
        "this is not an organisation file: it needs columns "
        + ", ".join(ORG_COLUMNS)
        + " (or NHS Digital's published practice mapping)"
    )


def _merge_list_sizes(con: duckdb.DuckDBPyConnection, path: str | Path) -> None:
    headers = read_csv_raw(con, path, "raw_sizes")
    select_columns(con, "raw_sizes", "sizes_text", find_columns(headers, LIST_SIZE_SYNONYMS))
    # The published file repeats each practice by sex and age band; the ALL/ALL row is the list.
    con.execute(
        """
        UPDATE orgs_text SET list_size = s.list_size
        FROM (SELECT DISTINCT ON (trim(practice_code)) trim(practice_code) AS practice_code, list_size
              FROM sizes_text
              WHERE coalesce(upper(sex), 'ALL') = 'ALL' AND coalesce(upper(age), 'ALL') = 'ALL') s
        WHERE upper(trim(orgs_text.practice_code)) = upper(s.practice_code)
        """
    )


def _check_and_type(con: duckdb.DuckDBPyConnection, file_name: str) -> None:
    """Report every bad organisation row, then create the typed table `orgs`."""
    checks = con.execute(
        """
        WITH t AS (
            SELECT source_row, upper(trim(practice_code)) AS practice_code,
                   upper(trim(coalesce(pcn_code, ''))) AS pcn_code, trim(list_size) AS list_size,
                   upper(trim(coalesce(place_code, ''))) AS place_code,
                   upper(trim(coalesce(icb_code, ''))) AS icb_code
            FROM orgs_text
        )
        SELECT source_row, 'practice_code', practice_code,
               CASE WHEN practice_code = '' OR practice_code IS NULL THEN 'the practice code is missing'
                    ELSE 'is not a practice code (one letter and five digits, like A81001)' END
        FROM t WHERE NOT regexp_full_match(coalesce(practice_code, ''), $practice)
        UNION ALL
        SELECT source_row, 'pcn_code', pcn_code,
               'is not a PCN code (U and five digits, like U89141); leave it empty for a practice in no PCN'
        FROM t WHERE pcn_code NOT IN ('', 'U') AND NOT regexp_full_match(pcn_code, $pcn)
        UNION ALL
        SELECT source_row, 'place_code', place_code,
               'is not a sub-ICB location code (like 00K, or X2C4Y); leave it empty when not known'
        FROM t WHERE place_code <> '' AND NOT regexp_full_match(place_code, $place)
        UNION ALL
        SELECT source_row, 'icb_code', icb_code,
               'is not an ICB code (Q and two letters or digits, like QHM); leave it empty when not known'
        FROM t WHERE icb_code <> '' AND NOT regexp_full_match(icb_code, $icb)
        UNION ALL
        SELECT source_row, 'list_size', list_size,
               'the list size must be a whole number of patients, from 0 to ' || format('{:,}', $most)
        FROM t WHERE list_size <> '' AND (try_cast(replace(list_size, ',', '') AS BIGINT) IS NULL
                                         OR try_cast(replace(list_size, ',', '') AS BIGINT) < 0
                                         OR try_cast(replace(list_size, ',', '') AS BIGINT) > $most)
        UNION ALL
        SELECT max(source_row), 'practice_code', practice_code,
               'this practice appears more than once (rows ' || string_agg(source_row::VARCHAR, ', ' ORDER BY source_row) || ')'
        FROM t WHERE practice_code <> '' GROUP BY practice_code HAVING count(*) > 1
        ORDER BY 1
        """,
        {
            "practice": PRACTICE_CODE_PATTERN,
            "pcn": PCN_CODE_PATTERN,
            "most": MAX_LIST_SIZE,
            "place": PLACE_CODE_PATTERN,
            "icb": ICB_CODE_PATTERN,
        },  # fmt: skip
    ).fetchall()
    problems = [
        Problem(file_name, message, row, column, value) for row, column, value, message in checks
    ]
    if con.execute("SELECT count(*) FROM orgs_text").fetchone()[0] == 0:
        problems.append(Problem(file_name, "the organisation file has no rows"))
    if problems:
        raise InputError(problems)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE orgs AS
        SELECT upper(trim(practice_code)) AS practice_code,
               coalesce(nullif(trim(practice_name), ''), upper(trim(practice_code))) AS practice_name,
               CASE WHEN upper(trim(coalesce(pcn_code, ''))) IN $no_pcn THEN NULL
                    ELSE upper(trim(pcn_code)) END AS pcn_code,
               CASE WHEN upper(trim(coalesce(pcn_code, ''))) IN $no_pcn THEN NULL
                    ELSE coalesce(nullif(trim(pcn_name), ''), upper(trim(pcn_code))) END AS pcn_name,
               nullif(upper(trim(place_code)), '') AS place_code,
               coalesce(nullif(trim(place_name), ''), nullif(upper(trim(place_code)), '')) AS place_name,
               nullif(upper(trim(icb_code)), '') AS icb_code,
               coalesce(nullif(trim(icb_name), ''), nullif(upper(trim(icb_code)), '')) AS icb_name,
               try_cast(replace(list_size, ',', '') AS BIGINT) AS list_size
        FROM orgs_text
        """,
        {"no_pcn": list(NO_PCN_CODES)},
    )


def orgs_frame(paths: list[str | Path] | None = None):
    """The organisations as a pandas DataFrame (for the app and tests)."""
    con = duckdb.connect()
    load_orgs(con, paths)
    return con.table("orgs").df()


def load_orgs_frame(con: duckdb.DuckDBPyConnection, frame, name: str = "organisations") -> None:
    """Create the table `orgs` from a pandas DataFrame with the tidy columns, with the same checks."""
    text = frame.astype("string")
    for column in ORG_COLUMNS:
        if column not in text.columns:
            text[column] = None
    con.register("frame_orgs", text[list(ORG_COLUMNS)])
    con.execute(
        "CREATE OR REPLACE TEMP TABLE orgs_text AS "
        "SELECT *, (row_number() OVER () + 1)::BIGINT AS source_row FROM frame_orgs"
    )
    con.unregister("frame_orgs")
    _check_and_type(con, name)
