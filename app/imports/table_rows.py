"""A statistical table's records read through its mapping as observation rows: each row
with the line it starts on, its fields as an import row has them, and the cell its figure
stands in. A record without a figure (an empty cell, '..', a confidential ':') gives no
row, unless its bounds (`fields.lower_bound`, `fields.upper_bound`) give the figure as a
range; a record the mapping leaves out (`keep`, `skip`) neither. A problem is raised as a
TableProblem naming the line and the column."""

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.domain.figures import Basis, Qualifier
from app.domain.observation import WRITTEN_FIELDS
from app.errors import did_you_mean
from app.imports.reading import Row
from app.imports.table_mapping import FromColumn, TableMapping
from app.tables.codes import country_from
from app.tables.periods import sdmx_period
from app.tables.records import Record, TableProblem, figure_in
from app.tables.sdmx import TIME_PERIOD, SdmxLayout

COUNTRY_FIELDS = frozenset({"origin", "destination"})
# What a record comes to: a row, no figure in its cell, or left out by the mapping.
NO_FIGURE, LEFT_OUT = "without a figure", "left out by the mapping"


def flag_basis(flag: str, mapping: TableMapping) -> tuple[Basis, Qualifier | None]:
    """What an observation status flag makes of a figure (its basis, and its qualifier if
    the mapping says), read letter by letter as Eurostat combines them ('ep')."""
    meaning = mapping.status.flags.get(flag)
    if meaning is not None:
        return meaning.basis or mapping.basis, meaning.qualifier
    letters = set(flag.lower())
    if "f" in letters:
        return Basis.projection, None
    if letters & {"e", "i"}:
        return Basis.estimate, None
    return mapping.basis, None


@dataclass
class Columns:
    """The table's columns by the names a mapping may give them: their headers (SDMX ids
    in SDMX-CSV), each with its index, counted from 0."""

    index: dict[str, int]

    def of(self, name: str, *, what: str) -> int:
        if name not in self.index:
            raise TableProblem(
                f"{what} names column '{name}', which the table does not have."
                + did_you_mean(name, self.index),
                line=1,
            )
        return self.index[name]


@dataclass
class TableRows:
    """Rows from a table's records, by its mapping; `counts` says how many records gave
    none, and why."""

    mapping: TableMapping
    columns: Columns
    source_id: int | None = None
    layout: SdmxLayout | None = None
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        mapping, of = self.mapping, self.columns.of
        self.value_column = of(mapping.value, what="value") if mapping.across is None else -1
        given = {**mapping.given(), **{f"breakdown {n}": g for n, g in mapping.breakdowns.items()}}
        if self.layout is not None and mapping.period is None:
            given["period"] = FromColumn(column=TIME_PERIOD)
        self.read_from = {
            name: (spec, of(spec.column, what=name))
            for name, spec in given.items()
            if isinstance(spec, FromColumn)
        }
        self.fields_from = {
            name: of(spec.column, what=f"fields.{name}") for name, spec in mapping.fields.items()
        }
        self.keep = {of(name, what="keep"): set(codes) for name, codes in mapping.keep.items()}
        self.skip = {of(name, what="skip"): set(codes) for name, codes in mapping.skip.items()}
        status = mapping.status.column or (self.layout.status_column if self.layout else None)
        self.status_column = of(status, what="status") if status else None
        self.across: list[tuple[int, str]] = []
        if mapping.across is not None:
            named = mapping.across.columns
            values = named if isinstance(named, dict) else {name: name for name in named}
            self.across = [(of(name, what="across"), value) for name, value in values.items()]
        # What every row starts from: the fields the mapping gives once, read once; and for
        # each field read from a column, each code's value, read once (a table repeats its
        # few codes on every row).
        self.constants = self._constants()
        self.read: dict[str, dict[str, Mapping[str, Any]]] = {name: {} for name in self.read_from}
        self.flags: dict[str, dict[str, Any]] = {}
        self.labelled = self.layout is not None and self.layout.labelled
        self.key_columns = (
            [self.layout.columns[name] for name in self.layout.dimensions] if self.layout else []
        )
        self.period_column = self.layout.columns[TIME_PERIOD] if self.layout else -1

    def cite(self, source_id: int) -> None:
        """Every row's source: the table's, once it is stored."""
        self.source_id = self.constants["source_id"] = source_id

    def _constants(self) -> Row:
        row: Row = dict.fromkeys(WRITTEN_FIELDS)  # every row the same keys: read as columns
        del row["dimensions"]  # a column per breakdown instead
        row |= {"qualifier": "exact", "basis": self.mapping.basis.value, "inferred": {}}
        row |= {"source_id": self.source_id, "notes": self.mapping.notes}
        nowhere = Record(0, 0, [])
        for name, spec in self.mapping.given().items():
            if spec is not None and name != "source" and not isinstance(spec, FromColumn):
                row.update(self._value(name, FromColumn(column="-"), str(spec), nowhere, -1))
        for name in self.mapping.breakdowns:
            row[name] = None
        return row

    def code(self, cells: list[str], index: int) -> str:
        """What a cell holds, without the label SDMX-CSV's `labels=both` adds ('ITA: Italy')."""
        text = cells[index].strip() if index < len(cells) else ""
        return text.split(": ", 1)[0] if self.labelled else text

    def rows(
        self, records: Iterator[Record], on_problem: Callable[[TableProblem], None]
    ) -> Iterator[tuple[int, Row]]:
        """Each record's rows; a record with a problem gives none, and reading goes on, so
        that one run names every problem."""
        for record in records:
            if not any(record.cells):
                continue
            if (self.keep or self.skip) and not self._kept(record.cells):
                self.counts[LEFT_OUT] += 1
                continue
            try:
                rows = list(self._rows_of(record))
            except TableProblem as problem:
                on_problem(problem)
                continue
            yield from rows

    def _kept(self, cells: list[str]) -> bool:
        codes = {i: self.code(cells, i) for i in (*self.keep, *self.skip)}
        return all(codes[i] in kept for i, kept in self.keep.items()) and not any(
            codes[i] in skipped for i, skipped in self.skip.items()
        )

    def _rows_of(self, record: Record) -> Iterator[tuple[int, Row]]:
        cells = record.cells
        base = self._fields(record)
        places = self.across or [(self.value_column, "")]
        for column, header_value in places:
            text = cells[column] if column < len(cells) else ""
            try:
                figure = figure_in(text)
            except ValueError as exc:
                raise TableProblem(str(exc), line=record.line, column=column + 1) from None
            if figure is None and base["lower_bound"] is None and base["upper_bound"] is None:
                self.counts[NO_FIGURE] += 1
                continue
            row = dict(base)
            if self.mapping.across is not None:
                name = self.mapping.across.field
                spec = FromColumn(column="header", codes=self.mapping.across.codes)
                row.update(self._value(name, spec, header_value, record, column))
            row["value"] = figure
            if self.mapping.cells:
                row["cell"] = self._cell(record, column)
            yield record.line, row

    def _cell(self, record: Record, column: int) -> dict[str, Any]:
        cell: dict[str, Any] = {"row": record.row, "column": column + 1}
        if self.layout is not None:
            cells = record.cells
            cell["series"] = ".".join([self.code(cells, i) for i in self.key_columns])
            cell["period"] = self.code(cells, self.period_column)
            flag = self.code(cells, self.status_column) if self.status_column else ""
            if flag:
                cell["flag"] = flag
        return cell

    def _fields(self, record: Record) -> Row:
        """The fields every figure of the record shares."""
        cells = record.cells
        row = self.constants.copy()
        for name, (spec, column) in self.read_from.items():
            code = self.code(cells, column)
            known = self.read[name]
            values = known.get(code)
            if values is None:  # a problem is raised, and read again where it recurs
                values = known[code] = self._value(name, spec, code, record, column)
            row.update(values)
        for name, column in self.fields_from.items():
            row[name] = cells[column] if column < len(cells) and cells[column] != "" else None
        if self.status_column is not None:
            flag = self.code(cells, self.status_column)
            if flag:
                row.update(self.flags.get(flag) or self._flag(flag))
        return row

    def _flag(self, flag: str) -> dict[str, Any]:
        basis, qualifier = flag_basis(flag, self.mapping)
        meaning = {"basis": basis.value}
        if qualifier is not None:
            meaning["qualifier"] = qualifier.value
        self.flags[flag] = meaning
        return meaning

    def _value(
        self, name: str, spec: FromColumn, code: str, record: Record, column: int
    ) -> Mapping[str, Any]:
        """A field's value from the code a cell (or a header) holds."""
        try:
            value = _read(name, spec, code)
        except ValueError as exc:
            raise TableProblem(f"{name}: {exc}", line=record.line, column=column + 1) from None
        if name == "period":
            if value is None:
                return {}
            try:
                period = sdmx_period(value)
            except ValueError as exc:
                raise TableProblem(str(exc), line=record.line, column=column + 1) from None
            return {
                "period_start": period.start.isoformat(),
                "period_end": None if period.end is None else period.end.isoformat(),
                "period_label": period.label,
            }
        if name == "source":
            return {"source_id": value}
        return {name.removeprefix("breakdown "): value}


def _read(name: str, spec: FromColumn, code: str) -> str | None:
    codes = spec.codes
    if codes is None:
        return code or None
    if isinstance(codes, dict):
        if code not in codes:
            raise ValueError(
                f"'{code[:60]}' is not among the mapping's codes for {name}."
                + did_you_mean(code, codes)
            )
        return codes[code]
    if name not in COUNTRY_FIELDS:
        raise ValueError(f"{codes} reads countries; {name} is not a country")
    country = country_from(code, codes)
    if country is None:
        raise ValueError(
            f"'{code[:60]}' names no country in {codes}; leave its rows out (`skip`), or map "
            "it in a table of codes"
        )
    return country


def column_names(header_records: list[list[str]]) -> dict[str, int]:
    """Each column's name: its last non-empty header (a matrix's headers may span rows);
    the first column of a name keeps it."""
    width = max((len(cells) for cells in header_records), default=0)
    names: dict[str, int] = {}
    for index in range(width):
        headers = [c[index].strip() for c in header_records if index < len(c) and c[index].strip()]
        if headers:
            names.setdefault(" ".join(headers[-1].split()), index)
    return names


def sdmx_columns(layout: SdmxLayout, header: list[str]) -> Columns:
    """An SDMX-CSV file's columns by component id, and by header for any other column."""
    index = {" ".join(name.split()): i for i, name in enumerate(header)}
    return Columns({**index, **layout.columns})
