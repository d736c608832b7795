"""Write a deterministic, SYNTHETIC dataset in the import format (a dataset folder), for
benchmarks only. Every source, metric, claimant and quote says it is synthetic, so that it
can never be mistaken for real data.

    python bench/generate.py --rows 1000000 --out bench/.data/1000000

With --extra it writes observations to add to such a dataset instead: the same metrics and
sources, and rows without ids whose claimants ("Synthetic extra analyst ...") appear in no
main set, so that every row is new by its natural key.

With --one-claim every row (of the main set and of --extra alike) cites ONE source and ONE
claimant, as every row of an official statistical table does: the import then finds each
row's natural key among a claim as large as the table. Each row's metric, pair and year
are drawn without repeats instead, so that every row is still new by its natural key.
"""

import argparse
import csv
import math
import random
from pathlib import Path

import pycountry

SEED = 20261126
METRICS = 20
SOURCES = 500
DESTINATIONS = 30
COUNTRIES = 200
YEARS = range(1990, 2026)
# --one-claim: the source and claimant of every row.
ONE_CLAIM_SOURCE = 1
ONE_CLAIM_CLAIMANT = "Synthetic statistical office (SYNTHETIC official table)"
COLUMNS = [
    *("id", "metric", "origin", "destination", "region", "period_start", "period_end"),
    *("value", "lower_bound", "upper_bound", "qualifier", "basis", "attributed_to"),
    *("source_id", "reported_on", "quote", "notes", "part_of", "sector", "visa_type"),
]
SECTORS = ["construction", "agriculture", "textiles", "fishing", "it", "care"]
VISAS = ["student", "work", "tourist", "other"]
# Words for full-text search (q=): each quote names one trade, common (1 row in 25), and a
# file code of three syllables, rare (1 row in 8,000). Chosen from the row's number, not
# from the random generator, so that every other value stays as it was.
TRADES = [
    *("harvest", "shipyard", "logging", "mining", "sawmill", "bricklaying", "roofing"),
    *("plumbing", "welding", "trawling", "orchard", "greenhouse", "dairy", "poultry"),
    *("tannery", "quarry", "railway", "roadwork", "cannery", "laundry", "catering"),
    *("nursing", "cleaning", "warehouse", "textile"),
]
SYLLABLES = ["ka", "lo", "mi", "ru", "te", "sa", "vo", "ne", "pi", "zu"]
SYLLABLES += ["do", "fa", "gi", "ho", "ju", "ke", "li", "mo", "nu", "po"]


def trade(n: int) -> str:
    return TRADES[(n * 7) % len(TRADES)]


def file_code(n: int) -> str:
    """One of 8,000 made-up words, spread over the rows by a multiplicative hash."""
    index = (n * 2_654_435_761) % len(SYLLABLES) ** 3
    return "".join(SYLLABLES[index // len(SYLLABLES) ** k % len(SYLLABLES)] for k in (2, 1, 0))


def _metric_rows() -> list[dict[str, str]]:
    return [
        {
            "code": f"synthetic_metric_{n:02d}",
            "name": f"Synthetic metric {n}",
            "unit": "persons",
            "definition": "SYNTHETIC benchmark data: not a real statistic.",
            "kind": "flow" if n % 4 else "stock",
            "dimensions": "visa_type" if n % 2 else "sector",
        }
        for n in range(METRICS)
    ]


def _source_rows() -> list[dict[str, object]]:
    return [
        {
            "id": n,
            "title": f"SYNTHETIC benchmark source {n}",
            "publisher": f"Synthetic publisher {n % 37}",
            "published_on": f"{1990 + n % 35}-{1 + n % 12:02d}",
            "type": ["news_report", "government_statistics", "testimony"][n % 3],
            "relayed_through": n - 1 if n % 10 == 0 and n > 1 else "",
            "notes": "SYNTHETIC: generated for benchmarks.",
        }
        for n in range(1, SOURCES + 1)
    ]


def _regions(destinations: list[str]) -> dict[str, str]:
    found = {}
    for code in destinations:
        country = pycountry.countries.get(alpha_3=code)
        subdivisions = sorted(
            s.code for s in pycountry.subdivisions.get(country_code=country.alpha_2) or []
        )
        if subdivisions:
            found[code] = subdivisions[0]
    return found


class OneClaimKeys:
    """For --one-claim: the k-th of the distinct (metric, origin, destination, year) a row
    may take, by a multiplicative hash over them all (its multiplier prime to their count),
    so that rows spread over them and never repeat one."""

    MULTIPLIER = 2_654_435_761

    def __init__(self, origins: int, destinations: int) -> None:
        self.origins, self.destinations = origins, destinations
        self.space = METRICS * origins * destinations * len(YEARS)
        assert math.gcd(self.space, self.MULTIPLIER) == 1

    def __call__(self, k: int) -> tuple[int, int, int, int]:
        """(metric, origin, destination, year): the first three as indexes."""
        index = (k * self.MULTIPLIER) % self.space
        index, metric = divmod(index, METRICS)
        index, origin = divmod(index, self.origins)
        year, destination = divmod(index, self.destinations)
        return metric, origin, destination, YEARS[year]


def _observations(
    rows: int, rng: random.Random, *, extra: bool, one_claim: bool = False
) -> list[dict[str, object]]:
    countries = sorted(c.alpha_3 for c in pycountry.countries)[:COUNTRIES]
    destinations = countries[::7][:DESTINATIONS]
    regions = _regions(destinations)
    out: list[dict[str, object]] = []
    totals = 0  # rows that are not parts: each takes the next distinct key (--one-claim)
    keys = OneClaimKeys(len(countries), len(destinations))
    if one_claim and rows * 2 > keys.space:
        raise SystemExit(f"--one-claim writes at most {keys.space // 2:,} rows a set")
    while len(out) < rows:
        n = len(out) + 1
        metric = rng.randrange(METRICS)
        year = rng.randint(YEARS[0], YEARS[-1])
        # --one-claim: extra rows count down from the end, never taking a main set's key.
        fixed = keys(keys.space - 1 - totals if extra else totals) if one_claim else None
        if fixed:
            metric, year = fixed[0], fixed[3]
        totals += 1
        shape = rng.random()
        start, end = f"{year}-01-01", f"{year}-12-31"
        if shape > 0.9:
            start, end = f"{year}-06-01", f"{year}-06-30"
        elif shape > 0.8:
            end = ""
        value = rng.randint(10, 200_000)
        qualifier = rng.choices(
            ["approximate", "exact", "at_least", "at_most", "range"], [50, 20, 10, 5, 15]
        )[0]
        low = high = ""
        figure: object = value
        if qualifier == "range":
            low, high, figure = value, value + rng.randint(1, 5000), ""
        destination = rng.choice(destinations)
        origin = rng.choice(countries)
        if fixed:
            origin, destination = countries[fixed[1]], destinations[fixed[2]]
        row = {
            "id": "" if extra else n,
            "metric": f"synthetic_metric_{metric:02d}",
            "origin": origin,
            "destination": destination,
            "region": regions.get(destination, "") if rng.random() < 0.05 else "",
            "period_start": start,
            "period_end": end,
            "value": figure,
            "lower_bound": low,
            "upper_bound": high,
            "qualifier": qualifier,
            "basis": rng.choices(["estimate", "official", "projection"], [70, 20, 10])[0],
            "attributed_to": f"Synthetic {'extra ' if extra else ''}analyst {rng.randrange(2000)}",
            "source_id": rng.randint(1, SOURCES),
            "reported_on": rng.choice(
                [f"{year + 1}", f"{year + 1}-{rng.randint(1, 12):02d}", f"{year + 1}-03-15"]
            ),
            "quote": (
                f"[SYNTHETIC] Synthetic analyst figures put this at about {value:,} for "
                f"{year} in {trade(n)} work, according to a generated report (file "
                f"{file_code(n)}) written only to load-test the API."
            ),
            "notes": "SYNTHETIC benchmark row.",
            "part_of": "",
            "sector": "",
            "visa_type": "",
        }
        if one_claim:
            row["attributed_to"], row["source_id"] = ONE_CLAIM_CLAIMANT, ONE_CLAIM_SOURCE
        out.append(row)
        # A breakdown of this total (extra rows have no ids for a part to name).
        if not extra and rng.random() < 0.03 and len(out) < rows:
            part = dict(row, id=n + 1, part_of=n, lower_bound="", upper_bound="")
            part["qualifier"], part["value"] = "approximate", max(1, value // 3)
            part["sector" if metric % 2 == 0 else "visa_type"] = rng.choice(
                SECTORS if metric % 2 == 0 else VISAS
            )
            out.append(part)
    return out


def write_dataset(
    rows: int,
    folder: Path,
    *,
    revised_share: float = 0.005,
    extra: bool = False,
    one_claim: bool = False,
) -> None:
    """`rows` observations, then a few of them again with a new value (revisions); or, with
    `extra`, `rows` new observations to add, and no revisions. With `one_claim`, every row
    cites one source and one claimant."""
    rng = random.Random(SEED + 1 if extra else SEED)
    if extra:
        revised_share = 0.0
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in (("metrics", _metric_rows()), ("sources", _source_rows())):
        with (folder / f"{name}.csv").open("w", newline="", encoding="utf-8") as stream:
            writer = csv.DictWriter(stream, fieldnames=list(data[0]))
            writer.writeheader()
            writer.writerows(data)
    observations = _observations(rows, rng, extra=extra, one_claim=one_claim)
    revised = [
        dict(row, value=int(row["value"]) + 1, notes="SYNTHETIC revised figure.")
        for row in rng.sample(observations, int(rows * revised_share))
        if row["value"] != ""
        and row["qualifier"] in ("approximate", "exact")
        and not row["part_of"]
    ]
    with (folder / "observations.csv").open("w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(observations)
        writer.writerows(revised)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument(
        "--extra",
        action="store_true",
        help="write rows to add to a generated dataset: new natural keys, no ids",
    )
    parser.add_argument(
        "--one-claim",
        action="store_true",
        help="every row cites one source and one claimant, as an official table's rows do",
    )
    args = parser.parse_args()
    write_dataset(args.rows, args.out, extra=args.extra, one_claim=args.one_claim)


if __name__ == "__main__":
    main()
