"""Uploads of every real shape, checked and staged into the project's tidy tables in DuckDB."""

from __future__ import annotations

import csv
import hashlib
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from iif_core.extract import EXTRACT_TABLE_SQL, ROW_PROBLEMS_SQL, row_problem_report
from iif_core.problems import InputError, Problem
from iif_core.schemes import Scheme
from iif_core.staging import counts, gpes, organisations, patients, scheme_files
from iif_core.staging.files import Table, find_table, load_table
from iif_core.staging.upload import Context, insert_rows, plural
from iif_core.vocabulary import COUNT_SHAPES, SHAPE_WORDS

HASH_CHUNK_BYTES = 1 << 20  # the file is hashed in pieces, never read whole
SHORT_ERROR_CHARS = 160  # of a reader's own error message, quoted when nothing plainer fits
FILE_REASONS = 3  # problems of a whole file repeated as the reason on each of its rows
STAGERS = {"tidy": counts.stage_tidy, "wide": counts.stage_wide, "gpes": gpes.stage_gpes,
           "patients": patients.stage_patients}  # fmt: skip
TOO_WIDE = (
    "this row has more values than the header has columns (a comma or semicolon inside a value "
    "that is not in quotes?)"
)
REJECTED_ROWS_TABLE_SQL = (
    "CREATE OR REPLACE TEMP TABLE rejected_rows (source_row BIGINT, reason VARCHAR)"
)


@dataclass
class StagedFile:
    """One upload read and checked: what it is, how many rows passed, and every problem."""

    file_name: str  # as the user named it
    sha256: str  # of the raw bytes
    shape: str | None  # in vocabulary.SHAPES; None when the file is not a table the app knows
    rows: int = 0  # data rows read from the file
    valid_rows: int = 0  # rows that passed every check
    # the report: every kind of problem, capped per kind with a count of the rest
    problems: list[Problem] = field(default_factory=list)
    detail: str = ""  # one plain sentence on what was detected
    sheet: str | None = None  # the workbook sheet read
    scheme: Scheme | None = None  # the scheme read, for shape "scheme"

    @property
    def ok(self) -> bool:
        return self.shape is not None and not self.problems


def detect_shape(con: duckdb.DuckDBPyConnection, path, *, sheet: str | None = None) -> str:
    """The shape of a file (in vocabulary.SHAPES), or InputError saying in plain words why not."""
    path = _existing(path, Path(path).name)
    return find_table(path, path.name, sheet).match.shape


def stage_file(
    con: duckdb.DuckDBPyConnection,
    path,
    schemes: list[Scheme],
    *,
    display_name: str | None = None,
    sheet: str | None = None,
    period_end: date | None = None,
    today: date | None = None,
) -> StagedFile:
    """Read and check one upload into temp tables; bad content becomes problems, never errors.

    Count shapes leave `extract` (this file's valid counts), `row_problems` and, for patient
    lists, `patients`; organisation files leave `orgs_staged` (the `orgs` in use, which count
    files are checked against, is never changed); a scheme file sets `StagedFile.scheme`.
    `period_end` is the period of a file with no period column; `today` is the day an ePCN
    relationship must be open on (default: today). Needs the table `orgs`. InputError only if
    the file does not exist or there is no `orgs`.
    """
    name = display_name or Path(path).name
    path = _existing(path, name)
    if not _has_orgs(con):
        raise InputError([Problem(name, "no organisation data is loaded to check it against")])
    staged = StagedFile(name, _sha256(path), None)
    _reset(con)
    with tempfile.TemporaryDirectory(prefix="iif-upload-") as work:
        try:
            _stage(con, path, list(schemes), staged, Path(work), sheet, period_end, today)
        except InputError as error:
            _give_up(con, staged, error.problems)
        except (duckdb.Error, csv.Error, OSError, UnicodeError, zipfile.BadZipFile) as error:
            _give_up(
                con, staged, [Problem(name, f"could not be read as a table ({_short(error)})")]
            )
        except Exception as error:  # noqa: BLE001 - whatever the bytes, never a traceback
            message = (
                f"could not be read: an unexpected error ({type(error).__name__}: {_short(error)})"
            )
            _give_up(con, staged, [Problem(name, message)])
    if not staged.detail:
        staged.detail = _failed_detail(staged)
    return staged


def rejected_rows_frame(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The rejected rows of the last staged file: `row` (as the user sees it), the original
    values under their own headers, and `reason`."""
    if not _exists(con, "raw_upload") or not _exists(con, "raw_headers"):
        return pd.DataFrame({"row": pd.Series(dtype="Int64"), "reason": pd.Series(dtype="string")})
    frame = con.execute(
        """
        SELECT r.source_row AS row, r.* EXCLUDE (source_row), j.reason
        FROM raw_upload r JOIN rejected_rows j USING (source_row) ORDER BY r.source_row
        """
    ).df()
    names = [
        n for _, n in con.execute("SELECT position, name FROM raw_headers ORDER BY 1").fetchall()
    ]
    return frame.rename(columns=dict(zip(frame.columns[1:-1], _unique(names), strict=False)))


# ----- inside ----------------------------------------------------------------------------------


def _stage(con, path, schemes, staged, work, sheet, period_end, today) -> None:
    table = find_table(path, staged.file_name, sheet)
    staged.shape, staged.sheet = table.match.shape, table.sheet
    context = Context(table, schemes, period_end, today)
    if table.kind == "toml":
        staged.scheme = scheme_files.stage_toml(context)
        staged.rows = staged.valid_rows = len(staged.scheme.indicators)
        staged.detail = _scheme_detail(staged.scheme)
        return
    loaded = load_table(con, table, work)
    staged.rows = loaded.rows
    insert_rows(
        con,
        "INSERT INTO line_problems VALUES (?, NULL, ?, ?)",
        [
            (row, f"{n} values where the header has {len(table.headers)}", TOO_WIDE)
            for row, n in loaded.too_wide
        ],
    )
    if loaded.rows == 0:
        raise InputError([context.problem("the file has a header but no rows of data")])
    if table.match.shape in COUNT_SHAPES:
        _stage_counts(con, context, staged)
    elif table.match.shape == "orgs":
        detail, file_problems = organisations.stage_orgs(con, context, work)
        staged.detail = _with_how_read(detail, table)
        counts.reject_rows_with_problems(con)
        _finish_rows(con, staged, table, file_problems)
    else:
        staged.scheme = scheme_files.stage_scheme_table(con, context)
        staged.valid_rows = staged.rows
        staged.detail = _with_how_read(_scheme_detail(staged.scheme), table)


def _stage_counts(con, context: Context, staged: StagedFile) -> None:
    shape = context.table.match.shape
    file_problems = STAGERS[shape](con, context)
    counts.check_counts(con, context.schemes, duplicates=shape != "patients")
    if shape == "patients":
        patients.finish_patients(con, staged.file_name)
        summary = patients.patient_summary(con)
    else:
        counts.insert_counts(con, staged.file_name)
        summary = counts.count_summary(con)
    if shape == "gpes":
        summary += gpes.left_out(con)
    staged.detail = _with_how_read(f"{SHAPE_WORDS[shape].title}: {summary}", context.table)
    _finish_rows(con, staged, context.table, file_problems)


def _finish_rows(con, staged: StagedFile, table: Table, file_problems=()) -> None:
    """The report and the count of valid rows, from `row_problems` and `rejected_rows`."""
    staged.problems = list(file_problems) + row_problem_report(con, table.where)
    rejected = con.execute("SELECT count(*) FROM rejected_rows").fetchone()[0]
    staged.valid_rows = staged.rows - rejected


def _give_up(con, staged: StagedFile, problems: list[Problem]) -> None:
    """A file that cannot be used as a whole: nothing staged, every row it has rejected."""
    _reset(con, keep_upload=True)
    staged.problems, staged.valid_rows = problems, 0
    if _exists(con, "raw_upload"):
        reason = "; ".join(p.message for p in problems[:FILE_REASONS])
        con.execute(
            "INSERT INTO rejected_rows SELECT source_row, $reason FROM raw_upload ORDER BY 1",
            {"reason": reason},
        )


def _reset(con, keep_upload: bool = False) -> None:
    """Fresh, empty result tables, so nothing of an earlier upload is taken for this one."""
    con.execute(EXTRACT_TABLE_SQL)
    con.execute(patients.PATIENTS_TABLE_SQL)
    con.execute(organisations.ORGS_STAGED_SQL)
    con.execute(ROW_PROBLEMS_SQL)
    con.execute(counts.LINE_PROBLEMS_SQL)
    con.execute(REJECTED_ROWS_TABLE_SQL)
    for table in () if keep_upload else ("raw_upload", "raw_headers"):
        if _exists(con, table):
            con.execute(f"DROP TABLE temp.main.{table}")  # noqa: S608 - our own names


def _exists(con, table: str) -> bool:
    return (
        con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = $name",
            {"name": table},
        ).fetchone()[0]
        > 0
    )


def _has_orgs(con) -> bool:
    found = con.execute(
        "SELECT (SELECT count(*) FROM duckdb_tables() WHERE table_name = 'orgs') "
        "+ (SELECT count(*) FROM duckdb_views() WHERE view_name = 'orgs')"
    ).fetchone()[0]
    return found > 0


def _existing(path, name: str) -> Path:
    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(name, "the file does not exist or cannot be opened")])
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def _short(error: Exception) -> str:
    text = str(error).strip()
    first = text.splitlines()[0] if text else type(error).__name__
    return first[:SHORT_ERROR_CHARS]


def _with_how_read(sentence: str, table: Table) -> str:
    where = f" on sheet '{table.sheet}'" if table.sheet else ""
    how = table.how_read()
    return f"{sentence}{where}{f' ({how})' if how else ''}."


def _scheme_detail(scheme: Scheme) -> str:
    codes = ", ".join(scheme.indicators)
    return f"Scheme {scheme.year}: {plural(len(scheme.indicators), 'indicator')} ({codes})"


def _failed_detail(staged: StagedFile) -> str:
    if staged.shape is None:
        return "Not a table the app recognises."
    return f"{SHAPE_WORDS[staged.shape].title}, which could not be read."


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out
