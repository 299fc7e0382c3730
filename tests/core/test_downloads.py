"""Downloads for people: columns named in words, figures rounded as on screen, and an Excel file
with title rows (what, for whom, which period end, as at which day) above a filterable table."""

import io
from datetime import date

import openpyxl
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from iif_core.columns import COLUMNS, decimals, for_people, label
from iif_core.downloads import csv_bytes, excel_bytes, title_lines

FRAME = pd.DataFrame(
    {
        "indicator_code": ["CAN-02", "=HYPERLINK(1)"],
        "achievement": [82.6349, 40.05],
        "payment_achieved": [3518.5249, 12.0],
        "patients_to_upper": [12.4, 3.0],
        "gap_share": [0.4267, 0.5733],
        "period_end": ["2026-10-31", "2026-10-31"],
        "something_new": ["a", "b"],
    }
)


def test_columns_are_named_in_words_and_rounded_as_on_screen():
    shown = for_people(FRAME)
    assert shown.columns.tolist() == [
        "Indicator", "Achievement", "£ earned", "Patients to UT", "Share of gap (%)",
        "Period end", "Something new",
    ]  # fmt: skip
    assert shown["Achievement"].tolist() == [82.6, 40.0]  # one decimal, as on screen
    assert shown["£ earned"].tolist() == [3518.52, 12.0]  # pence
    assert shown["Patients to UT"].tolist() == [12, 3]  # whole patients
    assert shown["Patients to UT"].dtype == "int64"
    assert shown["Share of gap (%)"].tolist() == [43, 57]  # a fraction shown as a percentage
    assert shown["Period end"].tolist() == [date(2026, 10, 31)] * 2


def test_a_table_can_rename_a_column_and_two_alike_keep_their_codes():
    assert for_people(FRAME[["achievement"]], {"achievement": "Projected"}).columns[0] == (
        "Projected"
    )
    both = pd.DataFrame({"payment_achieved": [1.0], "payment_share": [2.0]})
    assert for_people(both).columns.tolist() == [
        "£ earned (payment_achieved)", "£ earned (payment_share)",
    ]  # fmt: skip


def test_a_missing_count_stays_missing():
    shown = for_people(pd.DataFrame({"patients_to_upper": [2.0, None]}))
    assert shown["Patients to UT"].iloc[0] == 2 and pd.isna(shown["Patients to UT"].iloc[1])


def test_every_label_is_one_of_a_kind_and_every_format_says_its_decimals():
    labels = [name for name, _ in COLUMNS.values()]
    twice = {name for name in labels if labels.count(name) > 1}
    # the payment split shows its own £ earned / £ projected beside no other
    assert twice <= {"£ earned", "£ projected", "£ earned so far"}, twice
    assert decimals("payment_achieved") == 2 and decimals("numerator") == 0
    assert decimals("lower_threshold") is None and decimals("org_name") is None
    assert label("unknown_column") == "Unknown column"


@given(st.floats(min_value=-1e7, max_value=1e7, allow_nan=False))
def test_pounds_are_rounded_to_the_penny_and_counts_to_whole_patients(value):
    shown = for_people(pd.DataFrame({"payment_outstanding": [value], "patients_to_lower": [value]}))
    pounds, patients = shown.iloc[0].tolist()
    assert abs(pounds - value) <= 0.005 + 1e-9 and abs(pounds * 100 - round(pounds * 100)) < 1e-6
    assert abs(patients - value) <= 0.5 and patients == int(patients)


def test_title_lines_say_what_for_whom_which_period_and_when():
    lines = title_lines(
        "Projection", year="2026/27", organisation="PCN: Brackenford Town PCN (U54335)",
        period=date(2026, 10, 31), partial="1 of 5 practices", today=date(2026, 12, 4),
    )  # fmt: skip
    assert lines == (
        "Investment and Impact Fund 2026/27: Projection",
        "PCN: Brackenford Town PCN (U54335)",
        "Period end: 31 Oct 2026 (partial: only 1 of 5 practices have sent figures)",
        "As at 4 Dec 2026: the figures stored that day",
    )
    assert title_lines("Audit trail", today=date(2026, 1, 2)) == (
        "Investment and Impact Fund: Audit trail",
        "As at 2 Jan 2026: the figures stored that day",
    )


def test_the_excel_file_has_its_title_rows_then_the_table_for_people():
    title = title_lines("=Projection", year="2026/27", organisation="PCN: Brackenford Town PCN",
                        period=date(2026, 10, 31), today=date(2026, 12, 4))  # fmt: skip
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes(for_people(FRAME), title=title)))
    sheet = book.active
    column_a = [sheet.cell(row=r, column=1).value for r in range(1, 9)]
    assert column_a == [
        "Investment and Impact Fund 2026/27: =Projection",
        "PCN: Brackenford Town PCN",
        "Period end: 31 Oct 2026",
        "As at 4 Dec 2026: the figures stored that day",
        None,  # a blank row before the table
        "Indicator",
        "CAN-02",
        "'=HYPERLINK(1)",  # formulas neutralised in the table as ever
    ]
    assert sheet.cell(row=1, column=1).font.bold and not sheet.cell(row=2, column=1).font.bold
    header = [cell.value for cell in sheet[6]]
    assert header == [
        "Indicator", "Achievement", "£ earned", "Patients to UT", "Share of gap (%)",
        "Period end", "Something new",
    ]  # fmt: skip
    assert [cell.value for cell in sheet[7]][1:5] == [82.6, 3518.52, 12, 43]
    assert sheet.freeze_panes == "A7"  # the header stays in view
    assert sheet.auto_filter.ref == "A6:G8"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_a_title_starting_like_a_formula_is_text():
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes(FRAME, title=("=1+1",))))
    cell = book.active.cell(row=1, column=1)
    assert cell.value == "'=1+1" and cell.data_type == "s"


def test_without_title_rows_the_table_starts_at_the_top_with_its_own_names():
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes(FRAME)))
    assert [cell.value for cell in book.active[1]] == FRAME.columns.tolist()
    assert book.active.cell(row=2, column=2).value == 82.6349  # full figures for a program


def test_the_csv_for_people_has_the_labels_and_no_title_rows():
    text = csv_bytes(for_people(FRAME)).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Indicator,Achievement,£ earned,Patients to UT")
