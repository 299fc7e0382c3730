"""Patient-level lists (iif-rules.md section 8): one row per patient and indicator, counted in SQL."""

from __future__ import annotations

import duckdb

from iif_core.extract import DATE_FORMATS
from iif_core.problems import InputError, Problem
from iif_core.staging.counts import one_row_per_key, set_column_labels
from iif_core.staging.files import RAW_TABLE
from iif_core.staging.upload import (
    Context,
    column,
    missing_columns,
    missing_period,
    period_column,
    plural,
)

YES = ["y", "yes", "true", "t", "1"]
NO = ["n", "no", "false", "f", "0"]
YES_NO_WORDS = "Y or N, Yes or No, TRUE or FALSE, 1 or 0"
MAX_AGE = 130  # older than anyone alive: a typing error
DECILES, QUINTILES = 10, 5  # IMD deprivation: deciles 1-10, quintiles 1-5 (1 = most deprived)
NHS_NUMBER = "[0-9 ]+"  # ten digits, spaces allowed (943 476 5919), then checked by modulus 11
NHS_NUMBER_DIGITS = 10

PATIENTS_TABLE_SQL = """
CREATE OR REPLACE TEMP TABLE patients (
    practice_code VARCHAR, indicator_code VARCHAR, period_end DATE, patient_id VARCHAR,
    achieved BOOLEAN, pca BOOLEAN, age INTEGER, sex VARCHAR, ethnicity VARCHAR,
    imd_decile INTEGER, imd_quintile INTEGER, last_activity_date DATE, source_row BIGINT)
"""

# The NHS number's check digit: weights 10 down to 2 on the first nine digits, 11 minus the
# remainder on dividing by 11; 11 means 0 and 10 means the number is not valid.
NHS_CHECK_MACRO = """
CREATE OR REPLACE TEMP MACRO nhs_check_digit(d) AS
    (11 - list_sum(list_transform(range(1, 10), lambda i: try_cast(substr(d, i, 1) AS INTEGER) * (11 - i))) % 11) % 11
"""


def stage_patients(con: duckdb.DuckDBPyConnection, context: Context) -> list[Problem]:
    """Build `patients_typed`, one `extract_text` row per patient row (1s and 0s that the
    shared checks test like any count) and `line_problems` for what only patients can have."""
    match = context.table.match
    if match.missing:
        raise InputError([missing_columns(context, match.missing)])
    if problem := missing_period(context, match.positions["period_end"]):
        raise InputError([problem])
    _typed(con, context)
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE extract_text AS
        SELECT practice_code, indicator_code, period_end,
               CASE WHEN achieved THEN '1' ELSE '0' END AS numerator,
               CASE WHEN achieved OR NOT pca THEN '1' ELSE '0' END AS denominator,
               CASE WHEN NOT achieved AND pca THEN '1' ELSE '0' END AS pca_count,
               source_row, source_row AS raw_row, 0 AS grp
        FROM patients_typed
        """
    )
    label = context.table.label
    p = match.positions
    set_column_labels(
        con,
        [
            {
                "practice_code": label(p["practice_code"]),
                "indicator_code": label(p["indicator_code"]),
                "period_end": label(p["period_end"]),
                "numerator": label(p["achieved"]),
                "denominator": label(p["pca"]),
                "pca_count": label(p["pca"]),
            }
        ],
    )
    one_row_per_key(con)
    _check(con, context)
    return []


def _typed(con, context: Context) -> None:
    """`patients_typed`: each row's text, trimmed, and its values read as what they are."""
    p = context.table.match.positions
    con.execute(NHS_CHECK_MACRO)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE patients_typed AS
        WITH text AS (
            SELECT {column(p["practice_code"])} AS practice_code,
                   {column(p["indicator_code"])} AS indicator_code,
                   {period_column(p["period_end"])} AS period_end,
                   trim(coalesce({column(p["patient_id"])}, '')) AS patient_text,
                   trim(coalesce({column(p["achieved"])}, '')) AS achieved_text,
                   trim(coalesce({column(p["pca"])}, '')) AS pca_text,
                   trim(coalesce({column(p["age"])}, '')) AS age_text,
                   nullif(trim({column(p["sex"])}), '') AS sex,
                   nullif(trim({column(p["ethnicity"])}), '') AS ethnicity,
                   trim(coalesce({column(p["imd_decile"])}, '')) AS decile_text,
                   trim(coalesce({column(p["imd_quintile"])}, '')) AS quintile_text,
                   trim(coalesce({column(p["last_activity_date"])}, '')) AS activity_text,
                   source_row
            FROM {RAW_TABLE}
        ),
        read AS (
            SELECT *,
                   regexp_full_match(patient_text, $nhs)
                       AND length(replace(patient_text, ' ', '')) = $digits AS nhs_like,
                   CASE WHEN list_contains($yes, lower(achieved_text)) THEN true
                        WHEN list_contains($no, lower(achieved_text)) THEN false END AS achieved,
                   CASE WHEN list_contains($yes, lower(pca_text)) THEN true
                        WHEN list_contains($no, lower(pca_text)) THEN false END AS pca,
                   try_cast(replace(age_text, ',', '') AS DECIMAL(18, 3)) AS age_number,
                   try_cast(decile_text AS DECIMAL(18, 3)) AS decile_number,
                   try_cast(quintile_text AS DECIMAL(18, 3)) AS quintile_number,
                   try_strptime(activity_text, $formats)::DATE AS last_activity_date
            FROM text
        )
        SELECT *,
               CASE WHEN nhs_like THEN replace(patient_text, ' ', '') ELSE patient_text END
                   AS patient_id,
               CASE WHEN age_number = floor(age_number) AND age_number BETWEEN 0 AND $max_age
                    THEN try_cast(age_number AS INTEGER) END AS age,
               CASE WHEN decile_number = floor(decile_number) AND decile_number BETWEEN 1 AND $deciles
                    THEN try_cast(decile_number AS INTEGER) END AS imd_decile,
               CASE WHEN quintile_number = floor(quintile_number)
                         AND quintile_number BETWEEN 1 AND $quintiles
                    THEN try_cast(quintile_number AS INTEGER) END AS quintile_given
        FROM read
        """,  # noqa: S608 - our names and positions
        {
            "period_end": context.period_end.isoformat() if context.period_end else None,
            "nhs": NHS_NUMBER,
            "digits": NHS_NUMBER_DIGITS,
            "yes": YES,
            "no": NO,
            "formats": DATE_FORMATS,
            "max_age": MAX_AGE,
            "deciles": DECILES,
            "quintiles": QUINTILES,
        },  # fmt: skip
    )


def _check(con, context: Context) -> None:
    """What only a patient row can get wrong, each in `line_problems` with its column."""
    p, label = context.table.match.positions, context.table.label
    checks = [
        ("patient_id", "patient_text", "patient_text = ''", "the patient identifier is missing"),
        (
            "patient_id",
            "patient_text",
            "nhs_like AND nhs_check_digit(replace(patient_text, ' ', '')) "
            "IS DISTINCT FROM try_cast(substr(replace(patient_text, ' ', ''), 10, 1) AS INTEGER)",
            "this looks like an NHS number but it is not a valid one (its check digit is wrong: "
            "a digit mistyped?)",
        ),
        ("achieved", "achieved_text", "achieved IS NULL", f"achieved must be {YES_NO_WORDS}"),
        ("pca", "pca_text", "pca IS NULL", f"PCA must be {YES_NO_WORDS}"),
        (
            "age",
            "age_text",
            "age_text <> '' AND age IS NULL",
            f"the age must be a whole number of years from 0 to {MAX_AGE}",
        ),
        (
            "imd_decile",
            "decile_text",
            "decile_text <> '' AND imd_decile IS NULL",
            f"the IMD decile must be a whole number from 1 to {DECILES}",
        ),
        (
            "imd_quintile",
            "quintile_text",
            "quintile_text <> '' AND quintile_given IS NULL",
            f"the IMD quintile must be a whole number from 1 to {QUINTILES}",
        ),
        (
            "imd_quintile",
            "quintile_text",
            "imd_decile IS NOT NULL AND quintile_given IS NOT NULL "
            "AND quintile_given <> ceil(imd_decile / 2)",
            "the IMD quintile does not match the decile (quintile = decile ÷ 2, rounded up)",
        ),
        (
            "last_activity_date",
            "activity_text",
            "activity_text <> '' AND last_activity_date IS NULL",
            "the last-activity date is not a date (use a date like 2025-09-30 or 30/09/2025)",
        ),
    ]
    for field, value, condition, message in checks:
        con.execute(  # `value` and `condition` are the code's own SQL, never a file's text
            f"INSERT INTO line_problems SELECT source_row, $column, {value}, $message "  # noqa: S608
            f"FROM patients_typed WHERE {condition}",
            {"column": label(p[field]), "message": message},
        )
    _repeated_patients(con)


def _repeated_patients(con) -> None:
    """The same patient twice for one practice, indicator and period end (codes compared as
    written, HI03 = HI-03, and dates in any of the accepted formats)."""
    con.execute(
        """
        INSERT INTO line_problems
        WITH keyed AS (
            SELECT source_row, patient_text, upper(patient_id) AS patient_key,
                   upper(trim(coalesce(practice_code, ''))) AS practice_key,
                   upper(replace(replace(trim(coalesce(indicator_code, '')), '-', ''), ' ', ''))
                       AS ind_key,
                   coalesce(try_strptime(trim(period_end), $formats)::DATE::VARCHAR,
                            trim(coalesce(period_end, ''))) AS period_key
            FROM patients_typed WHERE patient_id <> ''
        ),
        repeated AS (  -- found first, so that only repeated patients' rows are listed
            SELECT practice_key, ind_key, period_key, patient_key FROM keyed
            GROUP BY ALL HAVING count(*) > 1
        )
        SELECT unnest(list(source_row ORDER BY source_row)), NULL,
               any_value(patient_text) || ' in rows '
               || string_agg(source_row::VARCHAR, ', ' ORDER BY source_row),
               'the same patient appears more than once for one practice, indicator and period end'
        FROM keyed JOIN repeated USING (practice_key, ind_key, period_key, patient_key)
        GROUP BY practice_key, ind_key, period_key, patient_key
        """,
        {"formats": DATE_FORMATS},
    )


def finish_patients(con: duckdb.DuckDBPyConnection, file_name: str) -> None:
    """`patients` from the valid rows, and `extract` counted from them (iif-rules.md section 8)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE patients AS
        SELECT t.practice_code, t.indicator_code, t.period_end, p.patient_id, p.achieved, p.pca,
               p.age, p.sex, p.ethnicity, p.imd_decile,
               coalesce(ceil(p.imd_decile / 2)::INTEGER, p.quintile_given) AS imd_quintile,
               p.last_activity_date, p.source_row
        FROM patients_typed p JOIN extract_typed t USING (source_row)
        WHERE p.source_row NOT IN (SELECT source_row FROM rejected_rows)
        ORDER BY p.source_row
        """
    )
    con.execute(
        """
        INSERT INTO extract
        SELECT practice_code, indicator_code, period_end,
               count(*) FILTER (achieved) AS numerator,
               count(*) FILTER (achieved OR NOT pca) AS denominator,
               count(*) FILTER (NOT achieved AND pca) AS pca_count,
               $file, min(source_row)
        FROM patients GROUP BY practice_code, indicator_code, period_end
        ORDER BY min(source_row)
        """,
        {"file": file_name},
    )


def patient_summary(con) -> str:
    rows, indicators, periods, practices = con.execute(
        """
        SELECT count(*), count(DISTINCT coalesce(indicator_code, indicator_text)),
               count(DISTINCT coalesce(period_end::VARCHAR, period_text)),
               count(DISTINCT practice_code)
        FROM extract_typed
        """
    ).fetchone()
    return (
        f"{plural(rows, 'patient row')}, {plural(indicators, 'indicator')}, "
        f"{plural(periods, 'period end')}, {plural(practices, 'practice')}"
    )
