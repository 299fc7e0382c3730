"""Staging uploads: every good shape of file becomes the same tidy tables."""

from contextlib import closing
from datetime import date, datetime
from pathlib import Path

import pytest
from test_ingest_support import (
    PERIOD,
    SCHEMES,
    UPLOADS,
    connection,
    extract_rows,
    orgs_fingerprint,
    stage,
    workbook,
)

from iif_core.extract import month_end
from iif_core.ingest import detect_shape, rejected_rows_frame, stage_file
from iif_core.orgs import load_orgs
from iif_core.problems import InputError
from iif_core.schemes import load_bundled_scheme
from iif_core.staging.files import SAMPLE_BYTES
from iif_core.vocabulary import SHAPES

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def con():
    """A fresh connection with the bundled organisations, for each test."""
    with closing(connection()) as fresh:
        yield fresh


# ----- tidy counts -------------------------------------------------------------------------------


def test_tidy_with_odd_headers(con):
    staged = stage(con, "tidy_odd_headers.csv")
    assert staged.ok, staged.problems
    assert (staged.shape, staged.rows, staged.valid_rows) == ("tidy", 4, 4)
    assert staged.detail == "Achievement counts: 2 indicators, 1 period end, 3 practices."
    # codes upper-cased and trimmed, HI03 written with its hyphen, an empty PCA count is 0
    assert extract_rows(con) == [
        ("A81001", "CAN-04", "2025-09-30", 33, 41, 0),
        ("A81001", "HI-03", "2025-09-30", 20, 30, 2),
        ("A81002", "HI-03", "2025-09-30", 15, 25, 0),
        ("A81004", "CAN-04", "2025-09-30", 40, 50, 3),
    ]
    files = con.execute("SELECT DISTINCT source_file FROM extract").fetchall()
    assert files == [("tidy_odd_headers.csv",)]


@pytest.mark.parametrize(
    ("name", "how", "pca_counts"),
    [
        ("tidy_semicolon.csv", "semicolon-separated", (0, 0)),
        ("tidy_tab.tsv", "tab-separated", (1, 0)),
    ],
)
def test_semicolon_and_tab_delimiters(con, name, how, pca_counts):
    staged = stage(con, name)
    assert staged.ok, staged.problems
    assert f"({how})" in staged.detail
    assert extract_rows(con) == [
        ("A81001", "HI-03", "2025-09-30", 20, 30, pca_counts[0]),
        ("A81002", "HI-03", "2025-09-30", 15, 25, pca_counts[1]),
    ]


def test_utf8_with_byte_order_mark(con):
    staged = stage(con, "tidy_bom.csv")
    assert staged.ok, staged.problems  # the BOM does not spoil the first header
    assert extract_rows(con) == [("A81001", "HI-03", "2025-09-30", 20, 30, 0)]


def test_windows_1252_text(con, tmp_path):
    staged = stage(con, "tidy_cp1252.csv")
    assert staged.ok, staged.problems
    assert "(Windows-1252 text)" in staged.detail
    # A rejected row keeps its practice name as written: é and ’ read as Windows-1252.
    bad = tmp_path / "names.csv"
    bad.write_bytes(
        (UPLOADS / "tidy_cp1252.csv").read_bytes()
        + b"Z99999,Caf\xe9 d\x92Or,HI-03,2025-09-30,1,2\n"
    )
    staged = stage(con, bad)
    frame = rejected_rows_frame(con)
    assert frame["practice_name"].tolist() == ["Café d’Or"]
    assert frame["row"].tolist() == [4]
    assert "not in the organisation data" in frame["reason"][0]


def test_utf16_tab_separated_as_excel_saves_unicode_text(con, tmp_path):
    path = tmp_path / "unicode.txt"
    text = "practice_code\tindicator_code\tperiod_end\tnumerator\tdenominator\n"
    path.write_bytes((text + "A81001\tHI-03\t30/09/2025\t3\t9\n").encode("utf-16"))
    staged = stage(con, path)
    assert staged.ok, staged.problems
    assert "(UTF-16 text, tab-separated)" in staged.detail
    assert extract_rows(con) == [("A81001", "HI-03", "2025-09-30", 3, 9, 0)]


def test_a_non_utf8_byte_far_down_a_large_file(con, tmp_path):
    """The first part of the file is plain UTF-8; a byte on a later line is not: the whole file
    is then read as Windows-1252, and the row is reported with its own number."""
    practices = [r[0] for r in con.execute("SELECT practice_code FROM orgs LIMIT 1000").fetchall()]
    days = [month_end(date(2025 + (m < 4), m, 1)) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
    rows = [f"{p},{i},{d},1,2" for p in practices for i in ("HI-03", "CAN-04") for d in days]
    rows[20000] = rows[20000] + " ’"
    text = "practice_code,indicator_code,period_end,numerator,denominator\n" + "\n".join(rows)
    path = tmp_path / "late.csv"
    path.write_bytes(text.encode("cp1252"))
    assert path.stat().st_size > 2 * SAMPLE_BYTES
    staged = stage(con, path)
    assert (staged.rows, staged.valid_rows) == (24000, 23999)
    assert "Windows-1252" in staged.detail
    (problem,) = staged.problems
    assert (problem.row, problem.column, problem.value) == (20002, "denominator", "2 ’")


def test_blank_lines_keep_row_numbers(con, tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text(
        "practice_code,indicator_code,period_end,numerator,denominator\n"
        "A81001,HI-03,2025-09-30,1,2\n\nZ99999,HI-03,2025-09-30,1,2\n,,,,\n"
    )
    staged = stage(con, path)
    assert staged.rows == 2  # empty lines and rows of empty cells are not data
    assert [(p.row, p.column) for p in staged.problems] == [(4, "practice_code")]


# ----- NHS Digital's GPES extract ----------------------------------------------------------------


def test_gpes_long_extract(con):
    staged = stage(con, "gpes_long.csv")
    assert staged.ok, staged.problems
    assert (staged.shape, staged.rows, staged.valid_rows) == ("gpes", 19, 19)
    assert staged.detail == (
        "NHS Digital GPES extract: 2 indicators, 2 period ends, 2 practices; "
        "rows of SMR01A left out (1 indicator not in the scheme)."
    )
    # PCA rule rows summed; exclusion rows ignored; plain Numerator and Denominator read too
    assert extract_rows(con) == [
        ("A81001", "CAN-04", "2025-06-30", 10, 14, 3),
        ("A81001", "CAN-04", "2025-09-30", 20, 25, 2),
        ("A81001", "HI-03", "2025-09-30", 12, 30, 1),
        ("A81002", "HI-03", "2025-09-30", 8, 20, 0),
    ]


def test_gpes_and_tidy_versions_of_the_same_data_give_identical_extracts(con):
    assert stage(con, "gpes_long.csv").ok
    from_gpes = extract_rows(con)
    assert stage(con, "tidy_same_as_gpes.csv").ok
    assert extract_rows(con) == from_gpes


def test_demo_gpes_wide_and_tidy_files_give_identical_extracts(con):
    """The demo data: one year's counts as NHS Digital's extract, a workbook and a tidy CSV."""
    load_orgs(con, [ROOT / "sample_data" / "orgs.csv"])
    schemes = [load_bundled_scheme("2026/27")]
    found = {}
    for name in ("gpes_2026-27.csv", "extract_2026-27.xlsx", "extract_2026-27.csv"):
        staged = stage_file(con, ROOT / "sample_data" / name, schemes)
        assert staged.ok, staged.problems
        found[staged.shape] = extract_rows(con)
    assert found["gpes"] == found["wide"] == found["tidy"]
    assert len(found["tidy"]) > 1000


# ----- wide exports ------------------------------------------------------------------------------


def test_wide_export_with_title_rows(con):
    staged = stage(con, "wide_title_rows.csv")
    assert staged.ok, staged.problems
    assert (staged.shape, staged.rows) == ("wide", 2)
    assert "(header on row 3)" in staged.detail
    assert extract_rows(con) == [
        ("A81001", "CAN-04", "2025-09-30", 20, 25, 2),
        ("A81001", "HI-03", "2025-09-30", 12, 30, 0),
        ("A81002", "CAN-04", "2025-09-30", 8, 10, 0),
        ("A81002", "HI-03", "2025-09-30", 8, 20, 0),
    ]
    rows = con.execute("SELECT DISTINCT source_row FROM extract ORDER BY 1").fetchall()
    assert rows == [(4,), (5,)]  # the file's own rows


def test_wide_export_period_end_given_by_the_caller(con, tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("Practice,HI03_NUM,HI03_DEN,HI03_PCA\nA81001,3,9,1\n")
    staged = stage(con, path, period_end=PERIOD)
    assert staged.ok, staged.problems
    assert extract_rows(con) == [("A81001", "HI-03", "2025-09-30", 3, 9, 1)]


# ----- Excel -------------------------------------------------------------------------------------


def wide_workbook(path: Path) -> Path:
    """Notes on the first sheet; the table on the second, under two title rows and a gap."""
    return workbook(
        path,
        {
            "Notes": [["About this extract"], ["Counts are cumulative from 1 April."]],
            "IIF extract": [
                ["Investment and Impact Fund: practice achievement"],
                ["Stockton"],
                [],
                [
                    "Practice Code",
                    "Period End",
                    "CAN04 Numerator",
                    "CAN04 Denominator",
                    "CAN04 PCA",
                ],
                ["A81001", datetime(2025, 9, 30), 20, 25, 2],
                ["A81002", datetime(2025, 9, 30), 8.0, 10, None],
                ["Z99999", datetime(2025, 9, 30), 1, 2, 0],
            ],
        },
    )


def test_xlsx_with_the_table_on_the_second_sheet(con, tmp_path):
    staged = stage(con, wide_workbook(tmp_path / "book.xlsx"))
    assert (staged.shape, staged.sheet, staged.rows, staged.valid_rows) == (
        "wide",
        "IIF extract",
        3,
        2,
    )
    assert "on sheet 'IIF extract'" in staged.detail
    assert extract_rows(con) == [
        ("A81001", "CAN-04", "2025-09-30", 20, 25, 2),
        ("A81002", "CAN-04", "2025-09-30", 8, 10, 0),
    ]
    (problem,) = staged.problems
    assert (problem.row, problem.column) == (7, "Practice Code")  # the real sheet row
    assert str(problem).startswith("book.xlsx, sheet 'IIF extract', row 7, column 'Practice Code'")


def test_xlsx_sheet_named_by_the_user(con, tmp_path):
    path = wide_workbook(tmp_path / "book.xlsx")
    assert stage(con, path, sheet="IIF extract").sheet == "IIF extract"
    staged = stage(con, path, sheet="Summary")
    assert staged.shape is None
    assert "there is no sheet named 'Summary'; the sheets are 'Notes', 'IIF extract'" in str(
        staged.problems[0]
    )
    staged = stage(con, path, sheet="Notes")
    assert "sheet 'Notes'" in str(staged.problems[0]) and "not a table" in str(staged.problems[0])


def test_tidy_xlsx_with_dates_typed_in_several_ways(con, tmp_path):
    path = workbook(
        tmp_path / "tidy.xlsx",
        {
            "Sheet1": [
                ["practice_code", "indicator_code", "period_end", "numerator", "denominator"],
                ["A81001", "HI03", date(2025, 9, 30), 5, 9],
                ["A81002", "HI03", "30/09/2025", "5", "9"],
                ["A81004", "HI03", "20250930", 5.0, 9.0],
            ]
        },
    )
    staged = stage(con, path)
    assert staged.ok, staged.problems
    assert {r[2] for r in extract_rows(con)} == {"2025-09-30"}


# ----- patient-level lists -----------------------------------------------------------------------


def test_patient_list_with_nhs_numbers(con):
    staged = stage(con, "patients_list.csv", period_end=PERIOD)
    assert staged.ok, staged.problems
    assert (staged.shape, staged.rows, staged.valid_rows) == ("patients", 7, 7)
    # iif-rules.md section 8: an achieved patient counts even with a PCA
    assert extract_rows(con) == [
        ("A81001", "CAN-04", "2025-09-30", 1, 1, 0),
        ("A81001", "HI-03", "2025-09-30", 2, 3, 1),
        ("A81002", "HI-03", "2025-09-30", 1, 1, 1),
    ]
    patients = con.execute(
        "SELECT practice_code, indicator_code, period_end, patient_id, achieved, pca, age, sex, "
        "ethnicity, imd_decile, imd_quintile, last_activity_date, source_row "
        "FROM patients ORDER BY source_row"
    ).fetchall()
    assert patients[0] == (
        "A81001", "HI-03", PERIOD, "4010234563", True, False, 34, "F", "White", None, 2,
        date(2025, 8, 12), 2,
    )  # fmt: skip
    assert [p[4:6] for p in patients] == [
        (True, False), (False, True), (False, False), (True, True), (True, False), (True, False),
        (False, True),
    ]  # fmt: skip
    assert patients[5][7:12] == (None, "Black or Black British", None, None, None)


def test_patient_quintile_is_derived_from_the_decile(con, tmp_path):
    path = tmp_path / "patients.csv"
    path.write_text(
        "practice_code,indicator_code,patient_id,achieved,pca,period_end,imd_decile\n"
        "A81001,HI-03,P1,Y,N,2025-09-30,3\nA81001,HI-03,P2,N,N,2025-09-30,10\n"
    )
    assert stage(con, path).ok
    found = con.execute("SELECT imd_decile, imd_quintile FROM patients ORDER BY 1").fetchall()
    assert found == [(3, 2), (10, 5)]


# ----- organisations -----------------------------------------------------------------------------


def epcn_workbook(path: Path) -> Path:
    """A tiny ODS ePCN workbook: A81002 moved PCN on 1 April 2022; A81004 left at the end of 2022."""
    partner_header = [
        "Partner\nOrganisation\nCode", "Partner\nName", "Practice\nParent\nSub ICB Loc Code",
        "Practice\nParent\nSub ICB Loc Name", "PCN Code", "PCN Name",
        "PCN Parent\nSub ICB Loc Code", "PCN Parent\nSub ICB Loc Name",
        "Practice to PCN\nRelationship\nStart Date", "Practice to PCN\nRelationship\nEnd Date",
        "Practice Sub ICB Loc and PCN Sub ICB Loc Match ",
    ]  # fmt: skip
    place = "NHS NORTH EAST AND NORTH CUMBRIA ICB - 16C"
    return workbook(
        path,
        {
            "PCNDetails": [
                [
                    "PCN Code",
                    "PCN Name",
                    "Current Sub ICB Loc Code",
                    "Sub ICB Location",
                    "Open Date",
                    "Close Date",
                ],
                ["U89141", "STOCKTON PCN", "16C", place, "20191001", None],
                ["U07032", "NORTH STOCKTON PCN", "16C", place, "20191001", None],
                ["U00001", "OLD PCN", "16C", place, "20191001", "20220331"],
            ],
            "PCN Core Partner Details": [
                partner_header,
                [
                    "A81001",
                    "THE DENSHAM SURGERY",
                    "16C",
                    place,
                    "U89141",
                    "STOCKTON",
                    "16C",
                    place,
                    "20191001",
                    None,
                    True,
                ],
                [
                    "A81002",
                    "QUEENS PARK",
                    "16C",
                    place,
                    "U00001",
                    "OLD",
                    "16C",
                    place,
                    "20191001",
                    "20220331",
                    True,
                ],
                [
                    "A81002",
                    "QUEENS PARK",
                    "16C",
                    place,
                    "U07032",
                    "NORTH",
                    "16C",
                    place,
                    "20220401",
                    None,
                    True,
                ],
                [
                    "A81004",
                    "ACKLAM",
                    "16C",
                    place,
                    "U07032",
                    "NORTH",
                    "16C",
                    place,
                    "20191001",
                    "20221231",
                    True,
                ],
            ],
        },
    )


def test_epcn_workbook(con, tmp_path):
    before = orgs_fingerprint(con)
    path = epcn_workbook(tmp_path / "ePCN.xlsx")
    staged = stage(con, path, today=date(2023, 1, 9))
    assert staged.ok, staged.problems
    assert (staged.shape, staged.sheet, staged.rows) == ("orgs", "PCN Core Partner Details", 4)
    assert staged.detail.startswith(
        "ODS ePCN workbook: 2 practices in 2 PCNs (relationships open on 09/01/2023; "
        "2 ended relationships left out)"
    )
    staged_orgs = con.execute("SELECT * FROM orgs_staged ORDER BY practice_code").fetchall()
    assert staged_orgs == [
        ("A81001", "THE DENSHAM SURGERY", "U89141", "STOCKTON PCN", "16C",
         "NHS NORTH EAST AND NORTH CUMBRIA ICB - 16C", "QHM",
         "NHS North East and North Cumbria Integrated Care Board", 4036),
        ("A81002", "QUEENS PARK", "U07032", "NORTH STOCKTON PCN", "16C",
         "NHS NORTH EAST AND NORTH CUMBRIA ICB - 16C", "QHM",
         "NHS North East and North Cumbria Integrated Care Board", 18551),
    ]  # fmt: skip
    assert orgs_fingerprint(con) == before  # the organisations in use are untouched

    stage(con, path, today=date(2022, 1, 1))  # before the move and the closure
    pcns = con.execute("SELECT practice_code, pcn_code FROM orgs_staged ORDER BY 1").fetchall()
    assert pcns == [("A81001", "U89141"), ("A81002", "U00001"), ("A81004", "U07032")]


def test_published_mapping(con):
    before = orgs_fingerprint(con)
    staged = stage(con, "orgs_published.csv")
    assert staged.ok, staged.problems
    assert staged.detail == (
        "NHS Digital practice mapping: 3 practices in 2 PCNs "
        "(list sizes from the organisation data in use)."
    )
    found = con.execute(
        "SELECT practice_code, pcn_code, place_code, icb_code, list_size FROM orgs_staged ORDER BY 1"
    ).fetchall()
    assert found[:2] == [
        ("A81001", "U89141", "16C", "QHM", 4036),
        ("A81002", "U07032", "16C", "QHM", 18551),
    ]
    assert found[2][:2] == ("A84035", None)  # PCN code U: in no PCN
    assert orgs_fingerprint(con) == before
    assert con.execute("SELECT count(*) FROM extract").fetchone()[0] == 0


def test_tidy_organisation_file(con):
    staged = stage(con, "orgs_tidy.csv")
    assert staged.ok, staged.problems
    assert staged.detail == "Organisation file: 2 practices in 2 PCNs (semicolon-separated)."
    assert con.execute("SELECT list_size FROM orgs_staged ORDER BY 1").fetchall() == [
        (4100,),
        (18600,),
    ]


# ----- schemes -----------------------------------------------------------------------------------


def test_scheme_table(con):
    staged = stage(con, "scheme.csv")
    assert staged.ok, staged.problems
    assert (staged.shape, staged.rows) == ("scheme", 2)
    assert staged.scheme.year == "2025/26"
    assert str(staged.scheme.indicator("HI-03").national_prevalence) == "0.005341"
    assert staged.scheme.indicator("CAN04").points == 22


def test_scheme_toml(con):
    staged = stage(con, ROOT / "iif_core" / "schemes" / "2025-26.toml")
    assert staged.ok, staged.problems
    assert staged.shape == "scheme" and staged.scheme.year == "2025/26"
    assert staged.detail.startswith("Scheme 2025/26: 2 indicators")


# ----- the API -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "shape"),
    [
        ("tidy_odd_headers.csv", "tidy"),
        ("gpes_long.csv", "gpes"),
        ("wide_title_rows.csv", "wide"),
        ("patients_list.csv", "patients"),
        ("orgs_published.csv", "orgs"),
        ("scheme.csv", "scheme"),
    ],
)
def test_detect_shape(con, name, shape):
    assert shape in SHAPES
    assert detect_shape(con, UPLOADS / name) == shape


def test_detect_shape_says_why_a_file_has_none(con):
    with pytest.raises(InputError, match="this is a PNG image, not a table of values"):
        detect_shape(con, UPLOADS / "image.png")


def test_a_missing_file_is_an_error_not_a_problem(con, tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        stage(con, tmp_path / "nowhere.csv")


def test_display_name_and_hash(con):
    staged = stage(con, "tidy_bom.csv", display_name="September.csv")
    assert staged.file_name == "September.csv"
    assert con.execute("SELECT DISTINCT source_file FROM extract").fetchall() == [
        ("September.csv",)
    ]
    import hashlib

    assert staged.sha256 == hashlib.sha256((UPLOADS / "tidy_bom.csv").read_bytes()).hexdigest()


def test_each_call_starts_afresh(con):
    assert stage(con, "gpes_long.csv").ok
    assert stage(con, "patients_list.csv", period_end=PERIOD).ok
    staged = stage(con, "image.png")
    assert not staged.ok
    for table in ("extract", "patients", "orgs_staged", "row_problems"):
        assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    assert rejected_rows_frame(con).empty


def test_rejected_rows_of_a_gpes_group_go_together(con):
    staged = stage(con, "gpes_bad_fields.csv")
    assert (staged.rows, staged.valid_rows) == (11, 2)
    frame = rejected_rows_frame(con)
    assert frame["row"].tolist() == list(range(2, 11))
    assert list(frame.columns) == [
        "row", "QUALITY_SERVICE", "ORG_CODE", "ACH_DATE", "IND_CODE", "FIELD_NAME", "VALUE", "reason",
    ]  # fmt: skip
    by_row = dict(zip(frame["row"], frame["reason"], strict=True))
    assert by_row[4].startswith("FIELD_NAME: this FIELD_NAME is not one the app knows")
    assert by_row[2].startswith("left out with row 4 (the same practice, indicator and period)")
    assert extract_rows(con) == [("A81005", "HI-03", "2025-09-30", 4, 9, 0)]


def test_valid_rows_are_staged_beside_the_problems(con):
    staged = stage(con, "unknown_practice.csv")
    assert (staged.ok, staged.rows, staged.valid_rows) == (False, 2, 1)
    assert extract_rows(con) == [("A81001", "HI-03", "2025-09-30", 20, 30, 0)]
    assert con.execute("SELECT source_row FROM row_problems").fetchall() == [(3,)]


def test_schemes_of_several_years(con, tmp_path):
    path = tmp_path / "two_years.csv"
    path.write_text(
        "practice_code,indicator_code,period_end,numerator,denominator\n"
        "A81001,HI-03,2025-09-30,1,2\nA81001,HI-03,2026-09-30,1,2\n"
    )
    assert not stage(con, path).ok  # 2026/27 has no scheme here
    later = load_bundled_scheme("2026/27")
    staged = stage_file(con, path, [*SCHEMES, later])
    assert staged.ok, staged.problems
