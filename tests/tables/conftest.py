"""Loading real statistical tables (tests/data/tables, their origins in its README) into a
seeded database of the test's own, through the import path `laborstats import TABLE
--mapping MAPPING` takes, and reading them back with pysdmx."""

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pysdmx.io import read_sdmx

from app.config import SEED_DIR
from app.imports.report import ImportReport
from app.imports.service import import_path
from tests.conftest import load_folder

TABLES = Path(__file__).parent.parent / "data" / "tables"
SEED_TABLE = SEED_DIR / "tables" / "undesa-ims-2019-table-1.csv"
SEED_MAPPING = SEED_DIR / "tables" / "undesa-ims-2019-table-1.mapping.json"
# Metrics the tables count, with the breakdowns their mappings use.
METRICS = (
    "code,name,unit,definition,kind,dimensions\r\n"
    "foreign_inflows,Inflows of foreign population,persons,Foreign nationals who came to live "
    "in the destination during the period.,flow,sex\r\n"
    "temporary_protection,Beneficiaries of temporary protection,persons,People under "
    "temporary protection in the destination at the end of the period.,stock,\r\n"
)

OECD = "oecd_df_mig_ita_b11_inflows_by_citizenship.csv"
OECD_MAPPING: dict[str, Any] = {
    "format": "sdmx-csv",
    "source": {
        "title": "International Migration Database: inflows of foreign population by "
        "nationality, Italy",
        "publisher": "OECD",
        "published_on": "2025-01",
        "type": "international_statistics",
    },
    "attributed_to": "OECD",
    "metric": "foreign_inflows",
    "origin": {"column": "CITIZENSHIP", "codes": "iso3"},
    "destination": {"column": "REF_AREA", "codes": "iso3"},
    "breakdowns": {"sex": {"column": "SEX", "codes": {"F": "female", "M": "male", "_T": None}}},
    # Former states and groups of countries: no ISO 3166 code to give them.
    "skip": {"CITIZENSHIP": ["CSK_F", "YUG_F", "SUN_F", "SCG_F", "EEA", "A4"]},
}
EUROSTAT = "eurostat_migr_asytpsm_temporary_protection_ua.csv"
EUROSTAT_MAPPING: dict[str, Any] = {
    "format": "sdmx-csv",
    "source": {
        "title": "Beneficiaries of temporary protection at the end of the month by "
        "citizenship, age and sex - monthly data (migr_asytpsm)",
        "publisher": "Eurostat",
        "type": "international_statistics",
    },
    "attributed_to": "Eurostat",
    "metric": "temporary_protection",
    "origin": {"column": "citizen", "codes": "iso2"},
    "destination": {"column": "geo", "codes": "iso2"},
}
ISTAT = "istat_dcis_migrazioni_2_immigrants_by_citizenship.csv"
ISTAT_MAPPING: dict[str, Any] = {
    "format": "sdmx-csv",
    "source": {
        "title": "Immigrants by citizenship (DCIS_MIGRAZIONI_2)",
        "publisher": "Istat",
        "type": "government_statistics",
    },
    "attributed_to": "Istat",
    "metric": "foreign_inflows",
    "origin": {"column": "CITIZENSHIP", "codes": "iso2"},
    "destination": "ITA",
    "breakdowns": {"sex": {"column": "SEX", "codes": {"1": "male", "2": "female", "9": None}}},
    "keep": {"AGE": ["TOTAL"]},
    "skip": {"CITIZENSHIP": ["999"]},
}


def write_mapping(folder: Path, mapping: dict[str, Any]) -> Path:
    path = folder / "mapping.json"
    path.write_text(json.dumps(mapping))
    return path


def add_table_metrics(url: str, folder: Path) -> None:
    metrics = folder / "metrics"
    metrics.mkdir(exist_ok=True)
    (metrics / "metrics.csv").write_text(METRICS, newline="")
    load_folder(url, metrics, actor="test")


def load_table(session, table: Path, mapping: Path) -> ImportReport:
    """`laborstats import TABLE --mapping MAPPING`, committed."""
    with session.begin():
        return import_path(session, table, mapping=mapping)


def sdmx_rows(path: Path) -> pd.DataFrame:
    """The file as pysdmx reads it: one row per data record, in file order."""
    (dataset,) = read_sdmx(path).data
    return dataset.data


@pytest.fixture
def tables_db(seeded_db_url: str, tmp_path: Path) -> str:
    """A seeded database of the test's own with the tables' metrics."""
    add_table_metrics(seeded_db_url, tmp_path)
    return seeded_db_url
