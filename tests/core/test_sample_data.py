"""The demo data: reproducible, invariants hold, and every file scores cleanly under its year's scheme."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from iif_core.orgs import orgs_frame
from iif_core.schemes import load_bundled_scheme
from iif_core.score import score

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample_data"


@pytest.mark.slow
def test_generator_reproduces_the_committed_files_and_its_invariants_hold():
    run = subprocess.run(
        [sys.executable, "sample_data/generate.py", "--check"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    assert "byte-identical" in run.stdout


@pytest.mark.parametrize("year", ["2021/22", "2025/26", "2026/27"])
def test_each_year_scores_with_every_status_represented(year):
    orgs = orgs_frame([SAMPLE / "orgs.csv"])
    extract = pd.read_csv(SAMPLE / f"extract_{year.replace('/', '-')}.csv", dtype=str)
    result = score(load_bundled_scheme(year), orgs, extract, level="pcn")
    latest = result[result["period_end"] == result["period_end"].max()]
    assert latest["org_code"].nunique() == 17
    assert {"red", "amber", "green"} & set(latest["status"]) >= {"red", "amber"}


def test_demo_codes_are_invented_and_cannot_be_real():
    orgs = pd.read_csv(SAMPLE / "orgs.csv", dtype=str)
    national = orgs_frame()  # the bundled national reference
    assert not set(orgs["practice_code"]) & set(national["practice_code"])
    assert not set(orgs["pcn_code"].dropna()) & set(national["pcn_code"].dropna())
    patients = pd.read_csv(SAMPLE / "patients_2026-10-31.csv", dtype=str)
    # NHS numbers are ten digits; the demo's identifiers cannot be taken for one
    assert patients["patient_id"].str.fullmatch(r"DEMO-\d{7}").all()


def test_patient_rows_reproduce_the_latest_counts():
    patients = pd.read_csv(SAMPLE / "patients_2026-10-31.csv", dtype=str)
    achieved = patients["achieved"].eq("Y")
    pca = patients["pca"].eq("Y")
    # iif-rules section 8: numerator = achieved; denominator = achieved + not achieved without
    # PCA; PCA count = not achieved with PCA
    derived = (
        patients.assign(numerator=achieved, denominator=achieved | ~pca, pca_count=~achieved & pca)
        .groupby(["practice_code", "indicator_code"])[["numerator", "denominator", "pca_count"]]
        .sum()
    )
    extract = pd.read_csv(SAMPLE / "extract_2026-27.csv")
    latest = extract[extract["period_end"] == "2026-10-31"].set_index(
        ["practice_code", "indicator_code"]
    )[["numerator", "denominator", "pca_count"]]
    assert derived.sort_index().astype(int).equals(latest.sort_index().astype(int))
