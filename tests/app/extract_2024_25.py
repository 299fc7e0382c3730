"""A small 2024/25 extract for the app tests: the year CAN-02 gave way to CAN-04 (D27)."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PERIODS = ("2024-09-30", "2024-10-31")
INDICATORS = ("HI-03", "CAN-02", "CAN-04")


def write_extract_2024_25(folder: Path) -> Path:
    """September and October 2024 for every practice in a PCN of the sample organisations:
    14 of 20 (70%) on each indicator, so every one earns part of its points when scored."""
    orgs = (ROOT / "sample_data" / "orgs.csv").read_text(encoding="utf-8").splitlines()[1:]
    practices = [line.split(",")[0] for line in orgs if line.split(",")[2]]
    lines = ["practice_code,indicator_code,period_end,numerator,denominator,pca_count"]
    for period in PERIODS:
        for code in INDICATORS:
            lines += [f"{p},{code},{period},14,20,0" for p in practices]
    path = folder / "fit-2024-25.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
