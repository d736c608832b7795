"""A synthetic SDMX-CSV 2.0 table, for benchmarks only: `rows` observations of inflows by
destination, citizenship, sex and year, as a statistics publisher would serve them (codes,
no labels, an OBS_STATUS flag), and the mapping that loads it. Every figure is made up.

    python bench/sdmx_table.py ROWS FOLDER   # writes FOLDER/table.csv, FOLDER/mapping.json"""

import csv
import itertools
import json
import random
import sys
from pathlib import Path

import pycountry

HEADER = [
    *("STRUCTURE", "STRUCTURE_ID", "ACTION", "FREQ", "REF_AREA", "CITIZENSHIP", "SEX"),
    *("TIME_PERIOD", "OBS_VALUE", "OBS_STATUS"),
]
STRUCTURE_ID = "BENCH:DF_SYNTHETIC_INFLOWS(1.0)"
SEXES = ("F", "M", "_T")
# Normal values mostly; some estimated, some provisional, as publishers flag them.
FLAGS = ("A",) * 8 + ("E", "P")
MAPPING = {
    "format": "sdmx-csv",
    "source": {
        "title": "Synthetic inflows by citizenship (benchmark data, not a real table)",
        "publisher": "laborstats benchmark",
        "type": "international_statistics",
    },
    "metrics": [
        {
            "code": "bench_inflows",
            "name": "Synthetic inflows",
            "unit": "persons",
            "kind": "flow",
            "dimensions": ["sex"],
            "definition": "Made-up figures for benchmarks: not a measure of anything.",
        }
    ],
    "attributed_to": "laborstats benchmark",
    "metric": "bench_inflows",
    "origin": {"column": "CITIZENSHIP", "codes": "iso3"},
    "destination": {"column": "REF_AREA", "codes": "iso3"},
    "breakdowns": {"sex": {"column": "SEX", "codes": {"F": "female", "M": "male", "_T": None}}},
}


def write_table(rows: int, folder: Path, *, seed: int = 7) -> tuple[Path, Path]:
    """The table and its mapping, in `folder`: `rows` records, every one with a figure."""
    chooser = random.Random(seed)
    countries = sorted(country.alpha_3 for country in pycountry.countries)
    destinations = countries[: max(1, min(len(countries), rows // 20_000 + 1))]
    years = range(1960, 2025)
    keys = itertools.product(destinations, countries, SEXES, years)
    folder.mkdir(parents=True, exist_ok=True)
    table, mapping = folder / "table.csv", folder / "mapping.json"
    with table.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(HEADER)
        for destination, citizenship, sex, year in itertools.islice(keys, rows):
            writer.writerow(
                [
                    *("dataflow", STRUCTURE_ID, "I", "A", destination, citizenship, sex),
                    *(year, chooser.randint(0, 250_000), chooser.choice(FLAGS)),
                ]
            )
    mapping.write_text(json.dumps(MAPPING, indent=2) + "\n")
    return table, mapping


if __name__ == "__main__":
    write_table(int(sys.argv[1]), Path(sys.argv[2]))
