"""A plain CSV matrix (UN DESA's migrant stock: header rows, a row per destination and
year, a column per country of origin, thousands written '9,699') loads with its mapping;
the seed holds it. Each figure served is the number pandas reads at its cell."""

import json

import pandas as pd

from tests.tables.conftest import SEED_MAPPING, SEED_TABLE


def test_every_figure_of_the_seeds_matrix_is_the_number_at_its_cell(client) -> None:
    sources = client.get("/v1/sources", params={"limit": 100}).json()["data"]
    title = json.loads(SEED_MAPPING.read_text())["source"]["title"]
    (source,) = [s for s in sources if s["title"] == title]
    served = client.get("/v1/observations", params={"source": source["id"], "limit": 1000}).json()[
        "data"
    ]
    # pandas, reading every cell as written: rows and columns counted from 0 here.
    grid = pd.read_csv(SEED_TABLE, header=None, dtype=str, keep_default_na=False)
    origins = grid.iloc[15]  # the second header row names each column's country of origin
    assert len(served) == 7
    for figure in served:
        row, column = figure["cell"]["row"] - 1, figure["cell"]["column"] - 1
        assert float(grid.iloc[row, column].replace(",", "")) == figure["value"]
        assert grid.iloc[row, 0] == figure["period_label"]  # the Year column
        assert grid.iloc[row, 4] == "643"  # the Russian Federation's M49 code
        assert origins.iloc[column] == "Dem. People's Republic of Korea"
        assert (figure["origin"], figure["destination"], figure["metric"]) == (
            "PRK",
            "RUS",
            "migrant_stock",
        )
        assert figure["quote"] is None
        assert figure["basis"] == "official"
    assert [f["period_label"] for f in served] == [
        "1990",
        "1995",
        "2000",
        "2005",
        "2010",
        "2015",
        "2019",
    ]


def test_the_seeds_table_is_cited_with_its_publisher_and_cell_in_every_format(client) -> None:
    served = client.get("/v1/observations", params={"metric": "migrant_stock"}).json()["data"]
    figure = served[-1]
    cell = figure["cell"]
    words = f"Table cell: row {cell['row']}, column {cell['column']} of undesa-ims-2019-table-1.csv"
    assert words in figure["citation"]
    citation = client.get(f"/v1/observations/{figure['id']}/citation").json()
    publisher = "United Nations, Department of Economic and Social Affairs, Population Division"
    assert words in citation["text"]
    assert citation["csl"][0]["publisher"] == publisher
    assert words in citation["csl"][0]["note"]
    assert "International Migrant Stock 2019" in citation["csl"][0]["title"]
    for form in ("bibtex", "ris"):
        text = client.get(f"/v1/observations/{figure['id']}/citation", params={"format": form}).text
        assert "International Migrant Stock 2019" in text
        assert f"row {cell['row']}" in text
        assert "Population Division" in text
