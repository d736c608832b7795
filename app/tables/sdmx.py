"""SDMX-CSV as statistics publishers serve it (versions 1.0 and 2.0; Eurostat, ILOSTAT,
OECD, national offices): which column holds which component, the codes a row holds, its
series key and period. Without the data structure at hand, a component is a column whose
header is an SDMX id; the dimensions are those before TIME_PERIOD; labels are read either
way a publisher writes them (`labels=both`: 'ITA: Italy'; `labels=name`: a name column after
each id column, which SDMX-CSV 2.0 signals with STRUCTURE_NAME)."""

import re
from dataclasses import dataclass

from app.tables.records import TableProblem

TIME_PERIOD = "TIME_PERIOD"
OBS_VALUE = "OBS_VALUE"
# The observation status flag: SDMX's OBS_STATUS, or Eurostat's OBS_FLAG.
STATUS_COLUMNS = ("OBS_STATUS", "OBS_FLAG")
# The columns that say which structure a row belongs to, and how to apply it (2.0).
_STRUCTURAL = {"DATAFLOW", "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION"}
_SDMX_ID = re.compile(r"[A-Za-z][A-Za-z0-9_@$\-]*")


@dataclass(frozen=True)
class SdmxLayout:
    version: str  # "1.0" or "2.0"
    # Each component's column, counted from 0, by its id.
    columns: dict[str, int]
    dimensions: tuple[str, ...]  # in the file's order: the series key's
    labelled: bool  # cells hold 'code: label'

    @classmethod
    def of(cls, header: list[str]) -> "SdmxLayout":
        names = [name.strip() for name in header]
        if names and names[0].startswith("\ufeff"):
            names[0] = names[0][1:]
        if not names or names[0] not in {"DATAFLOW", "STRUCTURE"}:
            raise TableProblem(
                "this is not SDMX-CSV: its first column is "
                f"'{(names or [''])[0][:40]}', where SDMX-CSV 1.0 has DATAFLOW and 2.0 "
                "STRUCTURE",
                line=1,
            )
        labelled = any(": " in name for name in names)
        ids = [name.split(": ", 1)[0] for name in names]
        columns: dict[str, int] = {}
        paired = "STRUCTURE_NAME" in ids  # labels=name: each id column is followed by its name
        expect_id = True
        for index, name in enumerate(ids):
            if name in _STRUCTURAL:
                columns[name] = index
                continue
            if paired and not expect_id:
                expect_id = True
                continue
            if _SDMX_ID.fullmatch(name):
                columns.setdefault(name, index)
            expect_id = not paired
        for needed in (TIME_PERIOD, OBS_VALUE):
            if needed not in columns:
                raise TableProblem(f"SDMX-CSV needs a {needed} column; this file has none", line=1)
        dimensions = tuple(
            name
            for name, index in columns.items()
            if name not in _STRUCTURAL and index < columns[TIME_PERIOD]
        )
        version = "1.0" if ids[0] == "DATAFLOW" else "2.0"
        return cls(version, columns, dimensions, labelled)

    @property
    def status_column(self) -> str | None:
        return next((name for name in STATUS_COLUMNS if name in self.columns), None)

    def code(self, cells: list[str], component: str) -> str:
        """What a row holds for a component: its code (without the label, if labelled)."""
        index = self.columns[component]
        text = cells[index].strip() if index < len(cells) else ""
        return text.split(": ", 1)[0] if self.labelled else text

    def series_key(self, cells: list[str]) -> str:
        """The row's series: its dimensions' codes in order, joined by '.' as SDMX does."""
        return ".".join(self.code(cells, name) for name in self.dimensions)
