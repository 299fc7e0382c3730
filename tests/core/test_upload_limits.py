"""Files built to exhaust the server are refused in seconds with a clear message: an Excel
workbook that unpacks to gigabytes, a cell far out at XFD1048576, more rows than one upload
takes (issue 15's adversarial pass). Every file here is small and quick to make."""

import random
import struct
import zipfile
from pathlib import Path

import openpyxl
import pytest

from iif_core.staging import files
from iif_core.store import Store

HEADER = ["practice_code", "indicator_code", "period_end", "numerator", "denominator", "pca_count"]
ROW = ["X10010", "HI-03", "2026-10-31", 5, 10, 0]
GIGABYTES_3 = 3 * (1 << 30)


def workbook(path: Path, rows: int = 1) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for _ in range(rows):
        sheet.append(ROW)
    book.save(path)
    return path


def declare_unpacked_size(path: Path, member: str, size: int) -> None:
    """Rewrite the zip's central directory so that `member` says it unpacks to `size` bytes,
    as a zip bomb's does (the data stays small)."""
    data = bytearray(path.read_bytes())
    name = member.encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == name:
            struct.pack_into("<I", data, at + 24, size)
            path.write_bytes(bytes(data))
            return
        at = data.find(b"PK\x01\x02", at + 4)
    raise AssertionError(f"{member} is not in {path}")


def refusal(staged) -> str:
    """The one problem of a file that could not be read at all."""
    assert staged.valid_rows == 0 and len(staged.problems) == 1, staged.problems
    return str(staged.problems[0])


def test_a_workbook_that_unpacks_to_gigabytes_is_refused_before_it_is_read(tmp_path):
    path = workbook(tmp_path / "bomb.xlsx")
    declare_unpacked_size(path, "xl/worksheets/sheet1.xml", GIGABYTES_3)
    message = refusal(Store(tmp_path / "iif.duckdb").preview(path))
    assert message.startswith("bomb.xlsx: this Excel workbook unpacks to 3.0 GB")
    assert "save the sheet as CSV" in message


def test_a_cell_at_the_last_row_and_column_does_not_make_a_billion_cells(tmp_path):
    path = workbook(tmp_path / "far.xlsx")
    book = openpyxl.load_workbook(path)
    book.active.cell(row=1_048_576, column=16_384, value="far away")
    book.save(path)
    staged = Store(tmp_path / "iif.duckdb").preview(path)
    assert (staged.shape, staged.rows) == ("tidy", 1)  # the far cell is past every column read


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_more_rows_than_one_upload_takes_are_refused(tmp_path, monkeypatch, kind):
    monkeypatch.setattr(files, "MAX_ROWS", 3)
    if kind == "xlsx":
        path = workbook(tmp_path / "long.xlsx", rows=5)
    else:
        path = tmp_path / "long.csv"
        path.write_text(",".join(HEADER) + "\n" + "X10010,HI-03,2026-10-31,5,10,0\n" * 5)
    message = refusal(Store(tmp_path / "iif.duckdb").preview(path))
    assert message.startswith(f"long.{kind}: this file has more than 3 rows")
    assert "split it" in message
    short = tmp_path / f"short.{kind}"
    if kind == "xlsx":
        workbook(short, rows=3)
    else:
        short.write_text(",".join(HEADER) + "\n" + "X10010,HI-03,2026-10-31,5,10,0\n" * 3)
    assert Store(tmp_path / "iif.duckdb").preview(short).rows == 3


TIDY = "practice_code,indicator_code,period_end,numerator,denominator\n"


def test_an_unclosed_quote_is_named_with_its_row(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text(TIDY + "X10010,HI-03,2026-10-31,5,10\n" + '"X11772,HI-03,2026-10-31,5,10\n'
                    + "X13495,HI-03,2026-10-31,5,10\n")  # fmt: skip
    message = refusal(Store(tmp_path / "iif.duckdb").preview(path))
    assert message.startswith('quote.csv, row 3: a quote (") opens in this row and is never closed')
    fine = tmp_path / "inches.csv"  # a quote inside a value without quotes is a character
    fine.write_text('practice_code,practice_name\nX10010,The 5" Surgery\n')
    assert "never closed" not in "".join(
        str(p) for p in Store(tmp_path / "iif.duckdb").preview(fine).problems
    )


def test_a_huge_line_with_no_line_break_is_called_that(tmp_path):
    path = tmp_path / "one-line.csv"
    path.write_text(TIDY.strip() + "," * (2 * files.SAMPLE_BYTES))
    message = refusal(Store(tmp_path / "iif.duckdb").preview(path))
    assert "the first line is longer than 256 KB and has no line break" in message


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_read(tmp_path, encoding):
    path = tmp_path / "utf16.csv"
    path.write_bytes((TIDY + "X10010,HI-03,2026-10-31,5,10\n").encode(encoding))
    staged = Store(tmp_path / "iif.duckdb").preview(path)
    assert staged.shape == "tidy" and staged.rows == 1
    assert "UTF-16 (no byte-order mark)" in staged.detail


# ----- workbooks written part by part, so a test can make sheet XML no spreadsheet program would

PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
    'openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="'
    'application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://'
    'schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
    'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
    "</sheets></workbook>",
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="'
    'http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/></Relationships>',
}


def text_cell(value) -> bytes:
    return b'<c t="inlineStr"><is><t>%s</t></is></c>' % str(value).encode()


def xml_row(values, number: int | None = None) -> bytes:
    at = b"" if number is None else b' r="%d"' % number
    return b"<row%s>%s</row>" % (at, b"".join(text_cell(v) for v in values))


def crafted_workbook(path: Path, rows, dimension: str = "A1:F2") -> Path:
    """An .xlsx whose sheet XML is the header row and then each piece of `rows` (bytes, any
    number of pieces: written as they come, so a large sheet never sits in memory)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main"><dimension ref="%s"/><sheetData>'
                % dimension.encode()
            )
            sheet.write(xml_row(HEADER, 1))
            for piece in rows:
                sheet.write(piece)
            sheet.write(b"</sheetData></worksheet>")
    return path


def never_parsed(monkeypatch) -> None:
    """Fail the test if the workbook reaches openpyxl: a refusal must come before parsing."""

    def refuse(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(files.openpyxl, "load_workbook", refuse)


def test_a_sheet_that_is_one_huge_repeated_string_is_refused_before_it_is_parsed(
    tmp_path, monkeypatch
):
    never_parsed(monkeypatch)
    string = b'<row><c t="inlineStr"><is><t>' + b"A" * (4 << 20) + b"</t></is></c></row>"
    path = crafted_workbook(tmp_path / "string.xlsx", [string])
    assert path.stat().st_size < 100_000  # 4 MB of sheet packed into a few KB
    message = refusal(Store(tmp_path / "iif.duckdb").preview(path))
    assert message.startswith("string.xlsx: this Excel workbook holds a part")
    assert "xl/worksheets/sheet1.xml" in message and "more than the 100 times" in message


def test_a_sheet_of_millions_of_rows_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    """Rows that differ from each other (so the sheet packs only as well as a real one) and
    more of them than one upload takes; the limit is lowered so the file stays small."""
    never_parsed(monkeypatch)
    monkeypatch.setattr(files, "MAX_ROWS", 2_000)
    rows = (xml_row([f"X{n:05d}", "HI-03", "2026-10-31", n % 97, 100, 0]) for n in range(3_000))
    path = crafted_workbook(tmp_path / "rows.xlsx", rows)
    message = refusal(Store(tmp_path / "iif.duckdb").preview(path))
    assert message.startswith("rows.xlsx: this file has more than 2,000 rows")


def test_a_workbook_of_more_cells_than_the_app_reads_is_refused(tmp_path, monkeypatch):
    never_parsed(monkeypatch)
    monkeypatch.setattr(files, "MAX_EXCEL_CELLS", 500)
    rows = (xml_row([f"X{n:05d}", "HI-03", "2026-10-31", n % 97, 100, 0]) for n in range(100))
    message = refusal(Store(tmp_path / "iif.duckdb").preview(crafted_workbook(
        tmp_path / "cells.xlsx", rows
    )))  # fmt: skip
    assert message.startswith("cells.xlsx: this Excel workbook holds more than 500 cells")
    assert "save the sheet as CSV" in message


def test_a_row_wider_than_excel_allows_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    never_parsed(monkeypatch)
    monkeypatch.setattr(files, "CHUNK_BYTES", 256)  # the row is read in many pieces
    wide = b"<row>" + b"".join(b"<c><v>%d</v></c>" % n for n in range(20_000)) + b"</row>"
    message = refusal(Store(tmp_path / "iif.duckdb").preview(crafted_workbook(
        tmp_path / "wide.xlsx", [wide]
    )))  # fmt: skip
    assert message.startswith("wide.xlsx: a row of this Excel workbook holds more than 16,384")


def test_rows_and_cells_are_counted_the_same_in_small_pieces(tmp_path, monkeypatch):
    rows = [xml_row(["X10010", "HI-03", "2026-10-31", n, 10, 0], n + 2) for n in range(300)]
    rows.append(b"<x:row><x:c><x:v>1</x:v></x:c><x:c/></x:row>")  # a namespace prefix
    path = crafted_workbook(tmp_path / "pieces.xlsx", rows)

    def counted() -> tuple[int, int, int, int]:
        with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as part:
            found = list(files._count_tags(part))
        return tuple(f(n[i] for n in found) for i, f in enumerate((sum, sum, max, max)))

    whole = counted()
    assert whole[:3] == (302, 6 * 301 + 2, 6)
    monkeypatch.setattr(files, "CHUNK_BYTES", 100)  # tags cut in two at every piece's end
    assert counted() == whole


def test_a_declared_dimension_of_the_whole_sheet_costs_nothing(tmp_path):
    rows = [xml_row(["X10010", "HI-03", "2026-10-31", 5, 10, 0], 2)]
    path = crafted_workbook(tmp_path / "declared.xlsx", rows, dimension="A1:XFD1048576")
    staged = Store(tmp_path / "iif.duckdb").preview(path)
    assert (staged.shape, staged.rows) == ("tidy", 1)


def test_a_row_is_as_long_as_its_last_value(tmp_path):
    import openpyxl as reader

    path = workbook(tmp_path / "short.xlsx")
    book = reader.load_workbook(path, read_only=True, data_only=True)
    cells = [cells for _, cells in files.sheet_rows(book, book.sheetnames[0])]
    book.close()
    assert cells == [HEADER, ["X10010", "HI-03", "2026-10-31", "5", "10", "0"]]


ROW_TEXT = "X10010,HI-03,2026-10-31,5,10\n"


def test_a_later_line_with_no_line_break_is_called_that_and_named(tmp_path):
    path = tmp_path / "run-on.csv"  # past DuckDB's 2 MB line, so the careful reading meets it
    path.write_text(TIDY + ROW_TEXT + "X10010,HI-03," + "9" * (3 << 20))
    message = refusal(Store(tmp_path / "iif.duckdb").preview(path))
    assert message.startswith("run-on.csv, row 3: this line is longer than 256 KB and has no")


def test_a_quote_left_open_past_the_longest_value_is_still_named_with_its_row(tmp_path):
    path = tmp_path / "open.csv"
    path.write_text(TIDY + ROW_TEXT + '"' + ROW_TEXT * 10_000)  # 290 KB inside one value
    message = refusal(Store(tmp_path / "iif.duckdb").preview(path))
    assert message.startswith('open.csv, row 3: a quote (") opens in this row and is never closed')


def test_stray_quotes_that_pair_up_across_rows_are_named(tmp_path):
    path = tmp_path / "pairs.csv"  # an even number of quotes: each pair swallowed a line
    path.write_text(TIDY + ROW_TEXT + ('"' + ROW_TEXT) * 4)
    message = refusal(Store(tmp_path / "iif.duckdb").preview(path))
    assert message.startswith(
        'pairs.csv, row 3: a quote (") opens in this row and is not closed until row 4, '
        "so rows 3 to 4 would be read as one value"
    )


def test_a_value_longer_than_any_table_holds_is_named_with_its_row(tmp_path):
    path = tmp_path / "long-value.csv"  # the blank line sends it the careful way
    path.write_text(TIDY + ROW_TEXT + "\n" + "X10010,HI-03,2026-10-31,5," + "1" * 200_000 + "\n")
    message = refusal(Store(tmp_path / "iif.duckdb").preview(path))
    assert message.startswith("long-value.csv, row 4: this row holds a value longer than 131,072")


def test_lines_ended_by_carriage_returns_alone_are_read(tmp_path):
    path = tmp_path / "mac.csv"  # "CSV (Macintosh)" from Excel
    path.write_bytes((TIDY + ROW_TEXT * 2).replace("\n", "\r").encode())
    staged = Store(tmp_path / "iif.duckdb").preview(path)
    assert (staged.shape, staged.rows) == ("tidy", 2)


def test_text_longer_than_any_cell_is_refused_before_it_is_parsed(tmp_path, monkeypatch):
    """Text that packs no better than a real sheet (random letters), longer than any cell; the
    limit and the pieces the scan reads are made small so the file stays small."""
    never_parsed(monkeypatch)
    monkeypatch.setattr(files, "MAX_TEXT_BYTES", 100_000)
    monkeypatch.setattr(files, "CHUNK_BYTES", 4096)  # the text runs on over many pieces
    letters = bytes(range(256)).translate(bytes(65 + n % 26 for n in range(256)))
    text = random.Random(15).randbytes(150_000).translate(letters)
    path = crafted_workbook(tmp_path / "text.xlsx", [xml_row([text.decode()])])
    message = refusal(Store(tmp_path / "iif.duckdb").preview(path))
    assert message.startswith("text.xlsx: this Excel workbook holds text over 97 KB long")
    assert "in one piece (xl/worksheets/sheet1.xml), and an Excel cell holds at most" in message
