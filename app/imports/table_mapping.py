"""What an editor writes beside a statistical table to load it: which of the table's
columns (or, in a matrix, which header) gives each of a figure's fields, how its codes
read as the API's, which rows to keep, and what the table's observation status flags
mean. Every field is either given once for the whole table (a plain value) or read from a
column (`{"column": "REF_AREA", "codes": "iso2"}`). docs/tables.md walks through one."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.domain.bounds import ValidText
from app.domain.figures import Basis, Qualifier
from app.domain.observation import NATURAL_KEY, WRITTEN_FIELDS
from app.domain.tables import FileName
from app.metrics.schemas import MetricCreate
from app.sources.schemas import SourceCreate

# How a column's codes name countries: ISO 3166 alpha-3 (OECD, ILOSTAT), alpha-2 (Eurostat,
# with its EL and UK), UN M49 numbers (UN DESA), English names; or a table of its own.
CountryCodes = Literal["iso3", "iso2", "m49", "names"]
ColumnName = Annotated[ValidText, Field(min_length=1, max_length=200)]
Code = Annotated[str, Field(max_length=200)]
CodeTable = dict[Code, Code | None]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FromColumn(_Strict):
    """A field read from each row's cell in `column` (its header as the file writes it, or
    its SDMX id), its codes read through `codes`: a table of the table's codes to the API's
    (a code mapped to null gives no value: a total, for a breakdown), or, for a country,
    one of iso3, iso2, m49, names. Without `codes`, the cell is the value."""

    column: ColumnName
    codes: CountryCodes | CodeTable | None = None


# A field given once for every row (a plain value), or read from a column.
Given = ValidText | FromColumn


class FlagMeaning(_Strict):
    basis: Basis | None = None
    qualifier: Qualifier | None = None


class StatusFlags(_Strict):
    """The observation status flags: their column (SDMX's OBS_STATUS, Eurostat's OBS_FLAG,
    found by itself in SDMX-CSV), and what a flag means where SDMX's code list
    (CL_OBS_STATUS) does not say it: 'e' and 'i' are estimates, 'f' a forecast (a projection),
    any other (provisional 'p', break 'b'...) leaves the figure as the table's `basis`."""

    column: ColumnName | None = None
    flags: dict[Annotated[str, Field(max_length=20)], FlagMeaning] = Field(default_factory=dict)


class Across(_Strict):
    """In a matrix, the field the header row gives (a year per column, or a country of
    origin per column), and the columns to read: their headers, or their headers mapped to
    the values (`{"Democratic People's Republic of Korea": "PRK"}`). Countries named in
    headers are read through `codes` as a column's are."""

    field: Literal["origin", "destination", "period", "metric"]
    columns: list[ColumnName] | dict[ColumnName, ValidText]
    codes: CountryCodes | None = None


# Fields a table may carry besides the figure and what names it (an export of this API
# does): every written field but the natural key and the value.
COLUMN_FIELDS = tuple(name for name in WRITTEN_FIELDS if name not in {*NATURAL_KEY, "value"})
ColumnField = Literal[COLUMN_FIELDS]  # type: ignore[valid-type]


class TableMapping(_Strict):
    """The mapping file of `laborstats import TABLE --mapping MAPPING` and of the `mapping`
    part of POST /v1/imports."""

    format: Literal["sdmx-csv", "csv-matrix"] = Field(
        description="sdmx-csv: SDMX-CSV 1.0 or 2.0. csv-matrix: a plain CSV with header "
        "rows, a row per country (pair) and a column per year (or per country)."
    )
    source: int | SourceCreate | FromColumn = Field(
        description="The source the table is: its id, or its fields (title, publisher, url, "
        "published_on: the release's date, type...), found again by title and publisher when "
        "a later release is loaded; or a column naming each row's source id (an export)."
    )
    file_name: FileName | None = Field(
        default=None, description="The file's name as published, if not the one loaded."
    )
    metrics: list[MetricCreate] = Field(
        default_factory=list,
        max_length=100,
        description="The metrics the table counts, created if missing (as metrics.csv does).",
    )
    attributed_to: Given = Field(description="Who states the figures: the table's publisher.")
    metric: Given
    origin: Given | None = None
    destination: Given | None = None
    region: Given | None = None
    period: Given | None = Field(
        default=None, description="Default: TIME_PERIOD in SDMX-CSV. Periods in SDMX notation."
    )
    value: ColumnName = Field(default="OBS_VALUE", description="The column of the figures.")
    basis: Basis = Field(
        default=Basis.official, description="What kind of figures the table holds."
    )
    status: StatusFlags = Field(default_factory=StatusFlags)
    breakdowns: dict[Annotated[str, Field(max_length=64)], Given] = Field(default_factory=dict)
    fields: dict[ColumnField, FromColumn] = Field(default_factory=dict)
    notes: ValidText | None = Field(
        default=None, description="How the figures were read from the table (every row's)."
    )
    cells: bool = Field(
        default=True,
        description="Cite each figure's cell in the stored table. False for a table whose "
        "rows carry their own evidence (an export of this API: quote and source columns).",
    )
    keep: dict[ColumnName, list[str]] = Field(
        default_factory=dict, description="Only the rows whose column holds one of these codes."
    )
    skip: dict[ColumnName, list[str]] = Field(
        default_factory=dict, description="Not the rows whose column holds one of these codes."
    )
    header_rows: list[Annotated[int, Field(ge=1, le=1000)]] = Field(
        default=[1],
        max_length=10,
        description="The rows (from 1) holding the column headers; a column is named by its "
        "last non-empty header. The rows after the last are data.",
    )
    across: Across | None = Field(default=None, description="csv-matrix: what the headers give.")

    @model_validator(mode="after")
    def _fits_its_format(self) -> "TableMapping":
        if self.format == "csv-matrix":
            if self.across is None:
                raise ValueError("a csv-matrix mapping says what its headers give: `across`")
            if getattr(self, self.across.field) is not None:
                raise ValueError(f"{self.across.field} is given `across` the headers already")
        elif self.across is not None or self.header_rows != [1]:
            raise ValueError("SDMX-CSV has one header row and no `across`")
        if not self.cells and not {"quote", "cell"} & self.fields.keys():
            raise ValueError(
                "without cells, each figure needs its own evidence: fields.quote or fields.cell"
            )
        if self.cells and isinstance(self.source, FromColumn):
            raise ValueError(
                "a table's cells are cited in the table: give its source, not a column"
            )
        return self

    def given(self) -> dict[str, Any]:
        """The figure fields the mapping gives, by name (breakdowns by theirs)."""
        return {
            name: getattr(self, name)
            for name in ("source", "attributed_to", "metric", "origin", "destination", "region")
        } | {"period": self.period}
