"""Files built to exhaust the server are refused in seconds with a clear message: an Excel
workbook that unpacks to gigabytes, a cell far out at XFD1048576, more rows than one upload
takes (issue 15's adversarial pass). Every file here is small and quick to make."""

import struct
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
