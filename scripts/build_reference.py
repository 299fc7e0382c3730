"""Build the bundled national organisation reference from NHS Digital's published files (run by hand)."""

import argparse
import csv
import gzip
import io
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "iif_core" / "data" / "orgs_reference.csv.gz"
COLUMNS = [
    "practice_code",
    "practice_name",
    "pcn_code",
    "pcn_name",
    "place_code",
    "place_name",
    "icb_code",
    "icb_name",
    "list_size",
]
NO_PCN = "U"  # NHS Digital's PCN code for a practice that belongs to no PCN


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mapping", help="gp-reg-pat-prac-map.csv (October 2025)")
    parser.add_argument("list_sizes", help="gp-reg-pat-prac-all.csv (latest with list sizes)")
    args = parser.parse_args()
    with open(args.list_sizes, newline="", encoding="utf-8-sig") as f:
        sizes = {
            r["CODE"]: r["NUMBER_OF_PATIENTS"]
            for r in csv.DictReader(f)
            if r["SEX"] == "ALL" and r["AGE"] == "ALL"
        }
    with open(args.mapping, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    rows.sort(key=lambda r: r["PRACTICE_CODE"])
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 so that rebuilding from the same inputs gives the same bytes
    with (
        gzip.GzipFile(OUT, "wb", mtime=0) as raw,
        io.TextIOWrapper(raw, "utf-8", newline="") as out,
    ):
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for r in rows:
            in_pcn = r["PCN_CODE"] != NO_PCN
            writer.writerow(
                [
                    r["PRACTICE_CODE"],
                    r["PRACTICE_NAME"],
                    r["PCN_CODE"] if in_pcn else "",
                    r["PCN_NAME"] if in_pcn else "",
                    r["SUB_ICB_LOCATION_CODE"],
                    r["SUB_ICB_LOCATION_NAME"],
                    r["ICB_CODE"],
                    r["ICB_NAME"],
                    sizes.get(r["PRACTICE_CODE"], ""),
                ]
            )
    print(f"wrote {len(rows)} practices to {OUT.name}")


if __name__ == "__main__":
    main()
