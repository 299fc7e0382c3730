"""Organisation files: the bundled reference, NHS Digital's published mapping, tidy files, bad rows."""

import duckdb
import pytest

from iif_core.orgs import load_orgs, orgs_frame
from iif_core.problems import InputError

PUBLISHED_HEADER = (
    "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,"
    "ONS_SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,ONS_ICB_CODE,ICB_CODE,"
    "ICB_NAME,ONS_COMM_REGION_CODE,COMM_REGION_CODE,COMM_REGION_NAME,SUPPLIER_NAME\n"
)


def published_row(practice, pcn, place="16C", icb="QHM"):
    pcn_name = "Unallocated" if pcn == "U" else f"{pcn} PCN"
    return (
        f"GP_PRAC_PAT_LIST,01Oct2025,{practice},{practice} SURGERY,TS18 1HU,{pcn},{pcn_name},"
        f"E38000247,{place},Place {place},E54000050,{icb},ICB {icb},E40000012,Y63,NE,TPP\n"
    )


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_reference_covers_england():
    orgs = orgs_frame()
    assert len(orgs) == 6202
    assert orgs["practice_code"].is_unique
    # 71 practices are in no PCN in the October 2025 mapping ("U"): they must have no PCN code
    assert orgs["pcn_code"].isna().sum() == 71
    # 1,298 distinct PCN codes in the file, one of them "U" (no PCN)
    assert orgs["pcn_code"].nunique() == 1297
    assert orgs["place_code"].nunique() == 106
    assert orgs["icb_code"].nunique() == 42


def test_published_mapping_with_list_sizes(tmp_path):
    mapping = write(
        tmp_path,
        "gp-reg-pat-prac-map.csv",
        PUBLISHED_HEADER
        + published_row("A81001", "U89141")
        + published_row("A81002", "U89141", place="00K")
        + published_row("A84035", "U"),
    )
    sizes = write(
        tmp_path,
        "gp-reg-pat-prac-all.csv",
        "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
        "GP_PRAC_PAT_LIST,01Jan2022,GP,16C,E1,A81001,TS18,ALL,ALL,4036\n"
        "GP_PRAC_PAT_LIST,01Jan2022,GP,16C,E1,A81001,TS18,MALE,ALL,2000\n"
        "GP_PRAC_PAT_LIST,01Jan2022,GP,00K,E1,A81002,TS18,ALL,ALL,18551\n",
    )
    orgs = orgs_frame([mapping, sizes]).set_index("practice_code")
    assert orgs.loc["A81001", "list_size"] == 4036
    assert orgs.loc["A81002", "list_size"] == 18551
    assert orgs.loc["A81002", "place_code"] == "00K"
    assert orgs.loc["A84035"].isna()["pcn_code"]  # "U" means no PCN
    assert orgs.loc["A84035"].isna()["list_size"]


def test_tidy_file_with_forgiving_headers(tmp_path):
    path = write(
        tmp_path,
        "orgs.csv",
        "Practice Code,Practice Name,PCN Code,PCN Name,Place Code,Place Name,ICB Code,ICB Name,"
        "List Size\n"
        'a00001,One,U00001,North,01A,Place,QAA,ICB,"12,000"\n'
        "A00002,Two,,,01A,Place,QAA,ICB,900\n",
    )
    orgs = orgs_frame([path]).set_index("practice_code")
    assert orgs.loc["A00001", "list_size"] == 12000  # codes upper-cased, thousands separators
    assert orgs.loc["A00002"].isna()["pcn_code"]


def test_every_bad_row_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        "orgs.csv",
        "practice_code,practice_name,pcn_code,pcn_name,place_code,place_name,icb_code,icb_name,"
        "list_size\n"
        "A00001,One,U00001,N,01A,P,QAA,I,100\n"
        "XYZ,Bad code,U00001,N,01A,P,QAA,I,100\n"
        "A00003,Bad PCN,PCN1,N,01A,P,QAA,I,100\n"
        "A00004,Bad size,U00001,N,01A,P,QAA,I,-5\n"
        "A00001,Again,U00001,N,01A,P,QAA,I,100\n"
        "A00006,Huge,U00001,N,01A,P,QAA,I,5000000000\n",
    )
    with pytest.raises(InputError) as caught:
        load_orgs(duckdb.connect(), [path])
    report = caught.value.report()
    assert (
        "orgs.csv, row 3, column 'practice_code'" in report
        and "one letter and five digits" in report
    )
    assert "row 4, column 'pcn_code'" in report and "U and five digits" in report
    assert "row 5, column 'list_size'" in report and "whole number" in report
    assert "appears more than once (rows 2, 6)" in report
    assert "row 7, column 'list_size'" in report and "from 0 to 1,000,000,000" in report


@pytest.mark.parametrize(
    "content, expected",
    [
        ("", "the file is empty"),
        ("name,colour\nx,red\n", "not an organisation file"),
        ("practice_code,pcn_code\n", "no rows"),
    ],
)
def test_files_that_are_not_organisation_files(tmp_path, content, expected):
    path = write(tmp_path, "orgs.csv", content)
    with pytest.raises(InputError) as caught:
        load_orgs(duckdb.connect(), [path])
    assert expected in caught.value.report()
    assert "orgs.csv" in caught.value.report()


def test_missing_file_is_a_problem_not_a_traceback(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        load_orgs(duckdb.connect(), [tmp_path / "nowhere.csv"])
