"""NHS Digital's GPES/CQRS long extract (one row per practice x indicator x date x field) to counts."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

import duckdb

from iif_core.problems import InputError
from iif_core.staging.files import RAW_TABLE
from iif_core.staging.shapes import GPES_LABELS
from iif_core.staging.upload import Context, column, missing_columns, plural

# NHS Digital's field names and what each holds, bundled from its Network Contract DES metadata.
FIELD_NAMES_FILE = Path(__file__).resolve().parent.parent / "data" / "ncd_field_names.csv"
# A field named plainly, as some extracts do, whatever the indicator.
PLAIN_FIELDS = ("numerator", "denominator")

KEY_MACROS = r"""
CREATE OR REPLACE TEMP MACRO gpes_indicator_key(x) AS
    upper(regexp_replace(coalesce(x, ''), '[\s_-]', '', 'g'));
CREATE OR REPLACE TEMP MACRO gpes_field_key(x) AS
    rtrim(regexp_replace(regexp_replace(lower(trim(coalesce(x, ''))),
                                        '^rule\s*[0-9]+\s*:\s*', ''), '\s+', ' ', 'g'), '. ');
"""


@cache
def field_names() -> tuple[tuple[str, str, str], ...]:
    """(IND_CODE, FIELD_NAME, role) from the bundled NHS Digital field list."""
    with open(FIELD_NAMES_FILE, encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return tuple((r["ind_code"], r["field_name"], r["role"]) for r in csv.DictReader(lines))


def stage_gpes(con: duckdb.DuckDBPyConnection, context: Context) -> list:
    """Build `extract_text` (one row per practice x indicator x date), `line_problems` for bad
    field rows, and the views saying which file rows each count came from."""
    match = context.table.match
    if match.missing:
        raise InputError([missing_columns(context, match.missing, GPES_LABELS)])
    _field_table(con)
    _lines(con, context)
    _unknown_fields(con, context)
    _repeated_fields(con)
    _groups(con, context)
    return []


def _field_table(con) -> None:
    con.execute(KEY_MACROS)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE gpes_reference (ind VARCHAR, field VARCHAR, role VARCHAR)"
    )
    con.executemany("INSERT INTO gpes_reference VALUES (?, ?, ?)", list(field_names()))
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE gpes_fields AS
        SELECT DISTINCT ON (ind_key, field_key) gpes_indicator_key(ind) AS ind_key,
               gpes_field_key(field) AS field_key, field, role
        FROM gpes_reference ORDER BY ind_key, field_key
        """
    )


def _lines(con, context: Context) -> None:
    p = context.table.match.positions
    scheme_keys = _scheme_keys(context)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE gpes_lines AS
        WITH lines AS (
            SELECT source_row, {column(p["org_code"])} AS org_text,
                   {column(p["ach_date"])} AS date_text, {column(p["ind_code"])} AS ind_text,
                   {column(p["field_name"])} AS field_text, {column(p["value"])} AS value_text
            FROM {RAW_TABLE}
        )
        SELECT l.*, upper(trim(coalesce(org_text, ''))) AS practice_key,
               trim(coalesce(date_text, '')) AS date_key,
               gpes_indicator_key(ind_text) AS ind_key, gpes_field_key(field_text) AS field_key,
               CASE WHEN gpes_field_key(field_text) IN $plain THEN gpes_field_key(field_text)
                    ELSE f.role END AS role,
               gpes_indicator_key(ind_text) IN (SELECT ind_key FROM gpes_fields)
                   AND NOT list_contains($scheme_keys::VARCHAR[], gpes_indicator_key(ind_text)) AS other_indicator
        FROM lines l
        LEFT JOIN gpes_fields f
          ON f.ind_key = gpes_indicator_key(ind_text) AND f.field_key = gpes_field_key(field_text)
        """,  # noqa: S608 - our names and positions
        {"plain": list(PLAIN_FIELDS), "scheme_keys": scheme_keys},
    )


def _unknown_fields(con, context: Context) -> None:
    """A field of a scheme indicator that is neither its numerator, denominator, a PCA rule nor
    an exclusion rule: it may hold counts that matter, so it is reported, never guessed."""
    con.execute(
        """
        INSERT INTO line_problems
        WITH rules AS (
            SELECT ind_key, string_agg(field, ', ' ORDER BY field) AS names
            FROM gpes_fields WHERE role IN ('pca', 'exclusion') GROUP BY ind_key
        )
        SELECT l.source_row, $column, l.field_text,
               CASE WHEN l.field_key = '' THEN 'the FIELD_NAME is missing'
                    ELSE 'this FIELD_NAME is not one the app knows for indicator ' || l.ind_key
                         || ': it takes Numerator, Denominator, NHS Digital''s descriptions of them'
                         || coalesce(' and the PCA and exclusion rules ' || r.names, '') END
        FROM gpes_lines l LEFT JOIN rules r USING (ind_key)
        WHERE l.role IS NULL AND NOT l.other_indicator
          AND l.ind_key IN (SELECT unnest($scheme_keys::VARCHAR[]))
        """,
        {
            "column": context.table.label(context.table.match.positions["field_name"]),
            "scheme_keys": _scheme_keys(context),
        },  # fmt: skip
    )


def _scheme_keys(context: Context) -> list[str]:
    return sorted({c.replace("-", "") for s in context.schemes for c in s.indicators})


def _repeated_fields(con) -> None:
    con.execute(
        """
        INSERT INTO line_problems
        WITH keyed AS (
            SELECT source_row, field_text, practice_key, date_key, ind_key,
                   CASE WHEN role IN ('numerator', 'denominator') THEN role ELSE field_key END
                       AS field_key
            FROM gpes_lines WHERE role IS NOT NULL AND NOT other_indicator
        ),
        repeated AS (  -- found first, so that only repeated rows are listed
            SELECT practice_key, date_key, ind_key, field_key FROM keyed
            GROUP BY ALL HAVING count(*) > 1
        )
        SELECT unnest(list(source_row ORDER BY source_row)), NULL,
               any_value(field_text) || ' in rows '
               || string_agg(source_row::VARCHAR, ', ' ORDER BY source_row),
               'the same field appears more than once for one practice, indicator and date'
        FROM keyed JOIN repeated USING (practice_key, date_key, ind_key, field_key)
        GROUP BY practice_key, date_key, ind_key, field_key
        """
    )


def _groups(con, context: Context) -> None:
    """One row of counts per practice x indicator x date; PCA rule rows summed. Exclusion rule
    rows (patients outside the denominator) and management-information counts are read and left
    out of the sums, but go with their group when it is rejected."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE gpes_groups AS
        WITH typed AS (
            SELECT *, role = 'pca' AND trim(coalesce(value_text, '')) <> ''
                      AND try_cast(replace(trim(value_text), ',', '') AS DECIMAL(38, 6)) IS NULL
                      AS pca_unreadable
            FROM gpes_lines WHERE NOT other_indicator
        ),
        grouped AS (
            SELECT practice_key, date_key, ind_key, min(source_row) AS rep_row,
                   arg_min(org_text, source_row) AS practice_code,
                   arg_min(ind_text, source_row) AS indicator_code,
                   arg_min(date_text, source_row) AS period_end,
                   arg_min(value_text, source_row) FILTER (role = 'numerator') AS numerator,
                   min(source_row) FILTER (role = 'numerator') AS numerator_row,
                   arg_min(value_text, source_row) FILTER (role = 'denominator') AS denominator,
                   min(source_row) FILTER (role = 'denominator') AS denominator_row,
                   sum(try_cast(replace(trim(value_text), ',', '') AS DECIMAL(38, 6)))
                       FILTER (role = 'pca') AS pca_sum,
                   arg_min(value_text, source_row) FILTER (pca_unreadable) AS pca_unreadable,
                   coalesce(min(source_row) FILTER (pca_unreadable),
                            min(source_row) FILTER (role = 'pca')) AS pca_row
            FROM typed GROUP BY practice_key, date_key, ind_key
        )
        SELECT row_number() OVER (ORDER BY rep_row) AS key, *,
               CASE WHEN pca_unreadable IS NOT NULL THEN pca_unreadable
                    WHEN pca_sum = floor(pca_sum) THEN pca_sum::HUGEINT::VARCHAR
                    ELSE pca_sum::VARCHAR END AS pca_count
        FROM grouped
        """
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE extract_text AS "
        "SELECT practice_code, indicator_code, period_end, numerator, denominator, pca_count, "
        "key AS source_row FROM gpes_groups"
    )
    labels = {k: context.table.label(v) for k, v in context.table.match.positions.items()}
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE gpes_keys AS
        SELECT key, 'practice_code' AS field, rep_row AS raw_row, $org AS column_name FROM gpes_groups
        UNION ALL SELECT key, 'indicator_code', rep_row, $ind FROM gpes_groups
        UNION ALL SELECT key, 'period_end', rep_row, $date FROM gpes_groups
        UNION ALL SELECT key, 'numerator', coalesce(numerator_row, rep_row),
                         CASE WHEN numerator_row IS NULL THEN $field ELSE $value END FROM gpes_groups
        UNION ALL SELECT key, 'denominator', coalesce(denominator_row, rep_row),
                         CASE WHEN denominator_row IS NULL THEN $field ELSE $value END FROM gpes_groups
        UNION ALL SELECT key, 'pca_count', coalesce(pca_row, rep_row), $value FROM gpes_groups
        """,
        {
            "org": labels["org_code"],
            "ind": labels["ind_code"],
            "date": labels["ach_date"],
            "field": labels["field_name"],
            "value": labels["value"],
        },  # fmt: skip
    )
    con.execute("CREATE OR REPLACE TEMP VIEW extract_keys AS SELECT * FROM gpes_keys")
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE gpes_members AS
        SELECT g.key, l.source_row AS raw_row
        FROM gpes_lines l JOIN gpes_groups g USING (practice_key, date_key, ind_key)
        WHERE NOT l.other_indicator
        """
    )
    con.execute("CREATE OR REPLACE TEMP VIEW extract_members AS SELECT * FROM gpes_members")


def left_out(con) -> str:
    """'; rows of SMR01A, SMR03 left out (not indicators of the scheme)', or ''."""
    codes = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT ind_key FROM gpes_lines WHERE other_indicator ORDER BY 1"
        ).fetchall()
    ]
    if not codes:
        return ""
    return f"; rows of {', '.join(codes)} left out ({plural(len(codes), 'indicator')} not in the scheme)"
