"""Any uploaded file to a table of text in DuckDB: its kind, encoding, delimiter, sheet and header
row found, and every row numbered as the person sees it in a spreadsheet."""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb
import openpyxl

from iif_core.problems import InputError, Problem
from iif_core.readers import identifier
from iif_core.staging.shapes import SHAPE_NEEDS, ShapeMatch, match_shape
from iif_core.vocabulary import SHAPES

SAMPLE_BYTES = 256 * 1024  # enough text to find the encoding, delimiter and header row
HEADER_SEARCH_ROWS = 20  # title lines an export may put above its header row
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}
CHUNK_BYTES = 1 << 20  # large files are scanned and re-encoded in pieces of this size
MAX_COLUMNS = 1000  # far more than any table the app takes; a wider header row is noise
# Limits on one upload, far above a whole ICB's year (a GPES extract of 200 practices is about
# 100,000 rows; England's about 3 million), so that a hostile or broken file is refused in
# seconds instead of taking the server's memory: rows of data, and the size an Excel workbook
# unpacks to (a few MB of zip can declare gigabytes of sheet).
MAX_ROWS = 5_000_000
MAX_EXCEL_UNPACKED_BYTES = 1 << 30  # 1 GiB of sheet XML: over 2 million rows of 10 columns
# Parsing a sheet costs time for every cell, about 10 µs each (a whole ICB's 100,000 rows of
# 10 columns is a million cells), so a workbook's cells are counted before it is parsed.
MAX_EXCEL_CELLS = 3_000_000
EMPTY_CELLS = (None,) * MAX_COLUMNS
MAX_EXCEL_ROW_CELLS = 16_384  # Excel's own widest row
# Sheet XML packs about 10 times smaller; a part over 1 MB that packs 100 times smaller is a
# repeated pattern made to unpack to gigabytes, not a table.
MAX_PACKING_RATIO = 100
PACKING_CHECKED_BYTES = 1 << 20
# No cell holds more than 32,767 characters in Excel (at most about 160 KB as XML): longer text
# between two tags is made to fill the server's memory as it is read.
MAX_TEXT_BYTES = 1 << 20
SHOWN_HEADERS = 12  # columns named in a "not recognised" message before "..."
SHOWN_HEADER_CHARS = 40
RAW_TABLE = "raw_upload"
UTF8 = ("utf-8", "utf-8-sig")
ENCODING_NAMES = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8 with BOM", "utf-16": "UTF-16",
                  "utf-16-le": "UTF-16 (no byte-order mark)",
                  "utf-16-be": "UTF-16 (no byte-order mark)", "cp1252": "Windows-1252"}  # fmt: skip
UTF16 = ("utf-16", "utf-16-le", "utf-16-be")
QUOTE = b'"'
UNCLOSED_QUOTE = 'a quote (") opens in this row'
MAX_LINE_BYTES = 256 * 1024  # a row of any table the app takes is under 1 KB
XML_SUFFIX = ".xml"  # every part of a workbook that openpyxl may parse (sheets, shared strings)
# A row or a cell in sheet XML, with or without a namespace prefix (`<row r="2">`, `<x:c>`).
SHEET_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(row|c)[\s/>]")
TAG_ROOM = 64  # bytes kept from one piece of sheet XML to the next, so no tag is cut in two

TOML_SUFFIX = ".toml"
# A scheme file in TOML, whatever its name: an indicator table or the value of a point.
TOML_LINE = re.compile(r"^\s*(\[indicators\.|value_per_point\s*=)", re.MULTILINE)
EXCEL_PART = "xl/workbook.xml"  # the part every .xlsx (a zip archive) holds
# Files people upload by mistake, known by their first bytes.
NOT_A_TABLE = (
    (b"\x89PNG", "a PNG image"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook or a password-protected Office file"),
)
ZIP_START = b"PK\x03\x04"
SAVE_AS = "save it as CSV or Excel .xlsx and upload that"


@dataclass
class Table:
    """Where the table is in an uploaded file, and how its text is read."""

    path: Path
    name: str  # the file as the person named it
    kind: str  # "text", "excel" or "toml"
    headers: list[str] = field(default_factory=list)
    header_row: int = 1  # the header's row as the person sees it
    header_lines: int = 1  # lines of text up to and including the header (what is skipped)
    match: ShapeMatch | None = None
    sheet: str | None = None
    encoding: str = "utf-8"
    delimiter: str = ","

    @property
    def where(self) -> str:
        """The file, and the sheet when it is a workbook: what problems are reported against."""
        return f"{self.name}, sheet '{self.sheet}'" if self.sheet else self.name

    def label(self, position: int | None) -> str | None:
        """A column's header as the person wrote it (0-based position)."""
        if position is None:
            return None
        text = self.headers[position].strip() if position < len(self.headers) else ""
        return " ".join(text.split()) or f"column {position + 1}"

    def how_read(self) -> str:
        """A short note on anything unusual about how the text was read, or ''."""
        notes = []
        if self.kind == "text" and self.encoding not in UTF8:
            notes.append(f"{ENCODING_NAMES.get(self.encoding, self.encoding)} text")
        if self.kind == "text" and self.delimiter != ",":
            notes.append(f"{DELIMITER_NAMES[self.delimiter]}-separated")
        if self.header_row != 1:
            notes.append(f"header on row {self.header_row}")
        return ", ".join(notes)


def find_table(path: Path, name: str, sheet: str | None = None) -> Table:
    """Where the table is in a file; InputError when it is not a table the app can read."""
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if not sample:
        raise InputError([Problem(name, "the file is empty")])
    for start, kind in NOT_A_TABLE:
        if sample.startswith(start):
            raise InputError([Problem(name, f"this is {kind}, not a table of values; {SAVE_AS}")])
    if sample.startswith(ZIP_START):
        return _find_in_workbook(Table(path, name, "excel"), sheet)
    return _find_in_text(Table(path, name, "text"), sample)  # a text file has no sheets


# ----- text files ------------------------------------------------------------------------------


def _find_in_text(table: Table, sample: bytes) -> Table:
    table.encoding = text_encoding(sample)
    if b"\x00" in sample and table.encoding not in UTF16:
        raise InputError(
            [Problem(table.name, f"this is not a text table (it holds binary data); {SAVE_AS}")]
        )
    whole = table.path.stat().st_size <= len(sample)
    text = _decoded_sample(sample, table.encoding, whole=whole)
    if not whole and "\n" not in text and "\r" not in text:
        raise InputError([Problem(table.name, (
            f"the first line is longer than {SAMPLE_BYTES // 1024:,} KB and has no line break, "
            f"so this is not a table of rows (one row per line); {SAVE_AS}"
        ))])  # fmt: skip
    if table.path.suffix.lower() == TOML_SUFFIX or TOML_LINE.search(text):
        table.kind = "toml"
        table.match = ShapeMatch("scheme", "toml", {})
        return table
    if not text.strip():
        raise InputError([Problem(table.name, "the file has no rows of values")])
    candidates = []
    for delimiter in DELIMITERS:
        for index, record in enumerate(_records(text, delimiter)):
            candidates.append((index, delimiter, record))
    best = _best_header(candidates)
    if best is None:
        raise InputError([_not_recognised(table.name, _widest_first_row(candidates))])
    index, table.delimiter, table.headers, table.match = best
    table.header_row = index + 1
    table.header_lines = _lines_through(text, table.delimiter, index)
    return table


def text_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, or else Windows-1252 (its superset of
    Latin-1 holds the é and ’ of practice names saved by Excel on Windows)."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    pairs = len(sample) // 2
    if pairs and sample[1::2].count(0) > 0.9 * pairs and sample[0::2].count(0) < 0.1 * pairs:
        return "utf-16-le"  # ASCII text saved as UTF-16 without its mark: every other byte 0
    if pairs and sample[0::2].count(0) > 0.9 * pairs and sample[1::2].count(0) < 0.1 * pairs:
        return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _decoded_sample(sample: bytes, encoding: str, whole: bool) -> str:
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=whole)
    if not whole and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # the last line may be cut in the middle
    return text


def _records(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records = []
    try:
        for record in reader:
            records.append(record)
            if len(records) >= HEADER_SEARCH_ROWS:
                break
    except csv.Error:
        pass  # noise in the sample: what was read before it is still worth a look
    return records


def _lines_through(text: str, delimiter: str, index: int) -> int:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for _ in range(index + 1):
        next(reader)
    return reader.line_num


def _best_header(candidates: list[tuple[int, str, list[str]]]):
    """The first row whose header is a complete known shape, else the first partly known one;
    of several delimiters that fit the same row, the one that splits it into most columns."""
    matches = []
    for index, delimiter, headers in candidates:
        if len(headers) > MAX_COLUMNS:
            continue
        found = match_shape(headers)
        if found is not None:
            matches.append((index, delimiter, headers, found))
    for complete_only in (True, False):
        chosen = [m for m in matches if m[3].complete or not complete_only]
        if chosen:
            first = min(m[0] for m in chosen)
            return max((m for m in chosen if m[0] == first), key=lambda m: len(m[2]))
    return None


def _widest_first_row(candidates) -> list[str]:
    rows = [c for c in candidates if any(v.strip() for v in c[2])]
    if not rows:
        return []
    first = min(c[0] for c in rows)
    return max((c[2] for c in rows if c[0] == first), key=len)


def _not_recognised(where: str, headers: list[str], shown_where: str = "the first row") -> Problem:
    names = [h.strip()[:SHOWN_HEADER_CHARS] for h in headers if h.strip()]
    listed = ", ".join(names[:SHOWN_HEADERS]) + (", ..." if len(names) > SHOWN_HEADERS else "")
    found = f"{shown_where} holds: {listed}" if names else f"{shown_where} is empty"
    needs = "; ".join(SHAPE_NEEDS[shape] for shape in SHAPES)
    return Problem(
        where,
        f"this is not a table the app recognises ({found}). It takes one of: {needs}",
    )


# ----- Excel workbooks -------------------------------------------------------------------------


@contextmanager
def open_workbook(table: Table) -> Iterator[openpyxl.Workbook]:
    """The workbook, read-only; InputError in plain words when it cannot be opened."""
    try:
        with zipfile.ZipFile(table.path) as archive:
            is_excel = EXCEL_PART in archive.namelist()
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InputError(
            [
                Problem(
                    table.name,
                    f"this zip archive or Excel file is damaged and cannot be opened; {SAVE_AS}",
                )
            ]
        ) from None
    if not is_excel:
        raise InputError(
            [
                Problem(
                    table.name,
                    "this is a zip archive, not an Excel workbook; unzip it and upload the CSV or Excel file inside",
                )
            ]
        )
    if unpacked > MAX_EXCEL_UNPACKED_BYTES:
        raise InputError([Problem(table.name, (
            f"this Excel workbook unpacks to {unpacked / (1 << 30):,.1f} GB, more than the "
            f"{MAX_EXCEL_UNPACKED_BYTES / (1 << 30):,.0f} GB the app reads (a few MB of Excel "
            "file can hold that much); save the sheet as CSV, or split it, and upload that"
        ))])  # fmt: skip
    _count_cells(table)
    try:
        workbook = openpyxl.load_workbook(table.path, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a damaged workbook fails in many ways; all mean the same
        raise InputError(
            [Problem(table.name, f"this Excel workbook is damaged and cannot be opened; {SAVE_AS}")]
        ) from None
    try:
        yield workbook
    finally:
        workbook.close()


def _count_cells(table: Table) -> None:
    """Refuse a workbook whose parts pack too tightly, or whose sheets hold more rows or cells
    than the app reads, counted in the sheet XML as it unpacks, before any of it is parsed."""
    cells = 0
    with zipfile.ZipFile(table.path) as archive:
        for entry in archive.infolist():
            ratio = entry.file_size / max(entry.compress_size, 1)
            if entry.file_size > PACKING_CHECKED_BYTES and ratio > MAX_PACKING_RATIO:
                raise InputError([Problem(table.name, (
                    f"this Excel workbook holds a part ({entry.filename}) that unpacks to "
                    f"{ratio:,.0f} times its packed size, more than the {MAX_PACKING_RATIO} "
                    f"times a real sheet does, so it is not read; {SAVE_AS}"
                ))])  # fmt: skip
            if not entry.filename.lower().endswith(XML_SUFFIX):
                continue
            rows = 0
            with archive.open(entry) as part:
                for new_rows, new_cells, widest, longest in _count_tags(part):
                    rows, cells = rows + new_rows, cells + new_cells
                    if longest > MAX_TEXT_BYTES:
                        raise InputError([Problem(table.name, (
                            f"this Excel workbook holds text over {MAX_TEXT_BYTES // 1024:,} KB long "
                            f"in one piece ({entry.filename}), and an Excel cell holds at most "
                            f"32,767 characters, so it is not read; {SAVE_AS}"
                        ))])  # fmt: skip
                    if rows > MAX_ROWS + HEADER_SEARCH_ROWS:
                        raise too_many_rows(table.name)
                    if widest > MAX_EXCEL_ROW_CELLS:
                        raise InputError([Problem(table.name, (
                            f"a row of this Excel workbook holds more than "
                            f"{MAX_EXCEL_ROW_CELLS:,} cells, more than Excel itself allows, so "
                            f"it is not read; {SAVE_AS}"
                        ))])  # fmt: skip
                    if cells > MAX_EXCEL_CELLS:
                        raise InputError([Problem(table.name, (
                            f"this Excel workbook holds more than {MAX_EXCEL_CELLS:,} cells, "
                            "more than the app reads from a workbook in one upload; save the "
                            "sheet as CSV (which the app reads far faster), or split it, and "
                            "upload that"
                        ))])  # fmt: skip


def _count_tags(part) -> Iterator[tuple[int, int, int, int]]:
    """For each megabyte of sheet XML: the rows that start in it, its cells, its widest row in
    cells and its longest text between two tags in bytes (a row or a text begun in an earlier
    piece counted whole). Only tags are looked at, and nothing is kept from piece to piece but
    a few bytes and numbers."""
    tail, carried, running = b"", 0, 0
    while True:
        chunk = part.read(CHUNK_BYTES)
        data, tail = tail + chunk, b""
        cut = data.rfind(b"<", max(0, len(data) - TAG_ROOM)) if chunk else -1
        if cut != -1:  # a tag may be cut in two: keep its start for the next piece
            data, tail = data[:cut], data[cut:]
        counts = [row.count(b"c") for row in b" ".join(SHEET_TAG.findall(data)).split(b"row")]
        cells = sum(counts)
        counts[0] += carried  # the cells before the first new row belong to the row before
        carried = counts[-1]
        lengths = list(map(len, data.split(b"<")))
        lengths[0] += running  # the text the piece before ended in goes on here
        running = lengths[-1] if cut == -1 else 0
        yield len(counts) - 1, cells, max(counts), max(lengths)
        if not chunk:
            return


def sheet_rows(workbook, sheet: str, name: str = "the workbook") -> Iterator[tuple[int, list[str]]]:
    """(row as numbered in Excel, cells as text) for every row of a sheet, gaps included, no
    wider than MAX_COLUMNS; InputError past MAX_ROWS rows (`name` is the file's, for it)."""
    worksheet = workbook[sheet]
    worksheet.reset_dimensions()  # some exporters write a wrong size; read what is there
    rows = worksheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    for number, values in enumerate(rows, start=1):
        if number > MAX_ROWS + HEADER_SEARCH_ROWS:
            raise too_many_rows(name)
        if values.count(None) == len(values):  # an empty row (a gap) costs nothing more
            yield number, []
        else:
            yield number, [cell_text(v) for v in _without_empty_end(values)]


def _without_empty_end(values: tuple) -> tuple:
    """A row without the empty cells after its last value (rows are read MAX_COLUMNS wide):
    found by halving, each step one comparison of tuples, so a row of 5 values costs 5."""
    low, high = 0, len(values)
    while low < high:
        middle = (low + high) // 2
        if values[middle:] == EMPTY_CELLS[: len(values) - middle]:
            high = middle
        else:
            low = middle + 1
    return values[:low]


def too_many_rows(name: str) -> InputError:
    return InputError([Problem(name, (
        f"this file has more than {MAX_ROWS:,} rows, more than the app takes in one upload; "
        "split it (by practice or by month) and upload the parts"
    ))])  # fmt: skip


def cell_text(value) -> str:
    """A cell as the text a CSV export of it would hold; dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def _find_in_workbook(table: Table, sheet: str | None) -> Table:
    """The first sheet whose header row is a known shape (complete before partial), or the one
    named."""
    found = _sheet_headers(table, sheet)
    for complete_only in (True, False):
        for name, _, best in found:
            if best is not None and (best[3].complete or not complete_only):
                index, _, table.headers, table.match = best
                table.sheet, table.header_row, table.header_lines = name, index + 1, index + 1
                return table
    if not found:
        raise InputError([Problem(table.name, "this Excel workbook has no sheets")])
    first_sheet, first_rows, _ = found[0]
    if sheet is not None:
        where = f"{table.name}, sheet '{sheet}'"
        raise InputError([_not_recognised(where, _first_values(first_rows))])
    listed = ", ".join(f"'{n}'" for n, _, _ in found)
    shown = f"no sheet ({listed}) has a header row the app knows; the first row of '{first_sheet}'"
    raise InputError([_not_recognised(table.name, _first_values(first_rows), shown)])


def _sheet_headers(table: Table, sheet: str | None) -> list:
    """(sheet, first rows, best header) for the sheet named, or for every sheet."""
    try:
        with open_workbook(table) as workbook:
            names = [sheet.title for sheet in workbook.worksheets]  # chart sheets hold no table
            if sheet is not None and sheet not in names:
                listed = ", ".join(f"'{n}'" for n in names)
                message = f"there is no sheet named '{sheet}'; the sheets are {listed}"
                raise InputError([Problem(table.name, message)])
            found = []
            for name in [sheet] if sheet is not None else names:
                rows = _first_rows(workbook, name)
                found.append((name, rows, _best_header([(i, ",", r) for i, r in enumerate(rows)])))
            return found
    except InputError:
        raise
    except Exception:  # noqa: BLE001 - damaged sheet XML fails in many ways; all mean the same
        message = f"this Excel workbook is damaged and cannot be read; {SAVE_AS}"
        raise InputError([Problem(table.name, message)]) from None


def _first_rows(workbook, sheet: str) -> list[list[str]]:
    rows = []
    for _, cells in sheet_rows(workbook, sheet):
        rows.append(cells)
        if len(rows) >= HEADER_SEARCH_ROWS:
            break
    return rows


def _first_values(rows: list[list[str]]) -> list[str]:
    return next((r for r in rows if any(v.strip() for v in r)), [])


# ----- into DuckDB -----------------------------------------------------------------------------


@dataclass
class Loaded:
    """What loading a table into DuckDB found: its rows, and rows wider than the header."""

    rows: int
    too_wide: list[tuple[int, int]]  # (row, number of values) of rows with values past the header


def load_table(
    con: duckdb.DuckDBPyConnection, table: Table, work: Path, target: str = RAW_TABLE
) -> Loaded:
    """Create `target` (c1..cn as text, source_row) and, for the upload itself, `raw_headers`.

    UTF-8 text goes straight into DuckDB's CSV reader; other encodings, text with blank lines
    or ragged rows, and Excel sheets are first written to a plain UTF-8 CSV in `work`, a row at a
    time, with each row's number as the person sees it.
    """
    width = max(len(table.headers), 1)
    if table.kind == "text" and (row := _unclosed_quote_row(table)) is not None:
        raise unclosed_quote(table, row)
    too_wide: list[tuple[int, int]] = []
    loaded = False
    if table.kind == "text" and table.encoding in UTF8 and not _has_inner_blank_line(table.path):
        try:
            _read_direct(con, table, width, target)
            loaded = True
        except duckdb.Error:
            pass  # a ragged row or a stray quote: the careful way below reads it and says where
    if not loaded:
        if table.kind == "text" and table.encoding in UTF8 and not _is_utf8(table.path):
            table.encoding = "cp1252"  # the first bytes were UTF-8; a later line is not
        if table.kind == "text":
            _refuse_long_lines(table)
        plain = work / f"{identifier(target)}.csv"
        too_wide = _write_plain_csv(table, plain, width)
        _read_plain(con, plain, width, target)
    if target == RAW_TABLE:
        con.execute("CREATE OR REPLACE TEMP TABLE raw_headers (position INTEGER, name VARCHAR)")
        con.executemany(
            "INSERT INTO raw_headers VALUES (?, ?)",
            [(i + 1, table.label(i)) for i in range(width)],
        )
    rows = con.execute(f"SELECT count(*) FROM {identifier(target)}").fetchone()[0]  # noqa: S608
    if rows > MAX_ROWS:
        raise too_many_rows(table.name)
    return Loaded(rows, too_wide)


def _column_list(width: int) -> list[str]:
    return [identifier(f"c{i}") for i in range(1, width + 1)]


def _not_blank(width: int) -> str:
    """SQL (ours) that is true for a row with any value: wholly empty rows are not data."""
    return f"trim(concat({', '.join(_column_list(width))}, '')) <> ''"


def _read_direct(con, table: Table, width: int, target: str) -> None:
    columns = {name: "VARCHAR" for name in _column_list(width)}
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {identifier(target)} AS SELECT * FROM ("  # noqa: S608 - our names
        "SELECT *, (row_number() OVER () + $header_row)::BIGINT AS source_row "
        "FROM read_csv($path, delim = $delimiter, quote = '\"', escape = '\"', header = false, "
        "skip = $skip, columns = $columns, auto_detect = false, null_padding = true, "
        "parallel = false, strict_mode = true)"
        f") WHERE {_not_blank(width)}",
        {
            "path": str(table.path),
            "delimiter": table.delimiter,
            "skip": table.header_lines,
            "columns": columns,
            "header_row": table.header_row,
        },
    )


def _read_plain(con, path: Path, width: int, target: str) -> None:
    columns = {"source_row": "BIGINT", **{name: "VARCHAR" for name in _column_list(width)}}
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {identifier(target)} AS "  # noqa: S608 - our names
        f"SELECT {', '.join(_column_list(width))}, source_row "
        "FROM read_csv($path, delim = ',', quote = '\"', escape = '\"', header = false, "
        "columns = $columns, auto_detect = false)",
        {"path": str(path), "columns": columns},
    )


def _unclosed_quote_row(table: Table) -> int | None:
    """The row where a quote opens that the file never closes, or None. Quotes inside a value
    are doubled, so a file whose quotes add up to an odd number has one left open: only then
    is the file read again to find where."""
    if table.encoding in UTF16:
        return None  # a quote is two bytes there; such files are rare, DuckDB does not read them
    count = 0
    with open(table.path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            count += chunk.count(QUOTE)
    if count % 2 == 0:
        return None
    _refuse_long_lines(table)
    try:
        for _ in _text_records(table, strict=True):
            pass
    except InputError as error:
        if error.problems[0].message.startswith(UNCLOSED_QUOTE):
            return error.problems[0].row
        raise
    return None  # an odd quote inside a value without quotes (5" tall) is just a character


def unclosed_quote(table: Table, row: int, closed_in: int | None = None) -> InputError:
    """A quote that opens in `row` and never closes (or closes only in the row `closed_in`)."""
    if closed_in is None:
        told = "never closed, so every row after it would be read as one value"
    else:
        told = (
            f"not closed until row {closed_in:,}, so rows {row:,} to {closed_in:,} would be "
            "read as one value"
        )
    return InputError([Problem(table.name, (
        f"{UNCLOSED_QUOTE} and is {told}; close the quote, or remove it, and upload the file again"
    ), row=row)])  # fmt: skip


def _text_records(table: Table, strict: bool = False) -> Iterator[tuple[int, list[str]]]:
    """(row it starts on, values) for each record of a text file, a value never longer than the
    csv module's limit; InputError naming the row when a record cannot be read."""
    with open(table.path, encoding=table.encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=table.delimiter, strict=strict)
        start = 1
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                runs_on = reader.line_num > start  # a quoted value ran on past its own line
                if runs_on or "unexpected end of data" in str(error):
                    raise unclosed_quote(table, start) from None
                if "field larger than field limit" in str(error):
                    message = (
                        f"this row holds a value longer than {csv.field_size_limit():,} "
                        f"characters, which no table the app takes has; {SAVE_AS}"
                    )
                else:
                    message = f"this row cannot be read as values ({error}); {SAVE_AS}"
                raise InputError([Problem(table.name, message, row=start)]) from None
            if reader.line_num > start and any(
                "\n" in value and table.delimiter in value for value in record
            ):  # a stray quote: the rows up to the next quote read as one value
                raise unclosed_quote(table, start, closed_in=reader.line_num)
            yield start, record
            start = reader.line_num + 1


def _refuse_long_lines(table: Table) -> None:
    """InputError naming the first line longer than MAX_LINE_BYTES: read in pieces, so a file of
    one 200 MB line is never held as one string."""
    line, length = 1, 0
    with open(table.path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            *ended, rest = chunk.split(b"\n")
            for piece in ended:
                if length + len(piece) > MAX_LINE_BYTES:
                    break
                line, length = line + 1, 0
            else:
                length += len(rest)
                if length <= MAX_LINE_BYTES:
                    continue
            raise InputError([Problem(table.name, (
                f"this line is longer than {MAX_LINE_BYTES // 1024:,} KB and has no line "
                f"break, so the file is not a table of rows (one row per line); {SAVE_AS}"
            ), row=line)])  # fmt: skip


def _is_utf8(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _has_inner_blank_line(path: Path) -> bool:
    """Whether an empty line comes before more text: DuckDB's reader skips such lines, which
    would put every later row number out by one."""
    pending, tail = False, b""
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            if pending and chunk.strip():
                return True
            joined = tail + chunk
            found = re.search(rb"\n\r?\n", joined)
            if found and joined[found.end() :].strip():
                return True
            pending = pending or found is not None
            tail = joined[-2:]
    return False


def _write_plain_csv(table: Table, plain: Path, width: int) -> list[tuple[int, int]]:
    too_wide = []
    with open(plain, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        for number, cells in _data_rows(table):
            if not any(c.strip() for c in cells):
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                too_wide.append((number, len(cells)))
            writer.writerow([number, *cells[:width], *[""] * (width - len(cells))])
    return too_wide


def _data_rows(table: Table) -> Iterator[tuple[int, list[str]]]:
    if table.kind == "excel":
        with open_workbook(table) as workbook:
            for number, cells in sheet_rows(workbook, table.sheet, table.name):
                if number > table.header_row:
                    yield number, cells
        return
    for number, (_, record) in enumerate(_text_records(table), start=1):
        if number > MAX_ROWS + table.header_row:
            raise too_many_rows(table.name)
        if number > table.header_row:
            yield number, record
