"""The query string of GET /v1/observations, as a model: every filter, the sort, paging
and format. Breakdown filters (`visa_type=student`) arrive as extra fields."""

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from app.domain.bounds import RecordId
from app.domain.codes import CountryCode, SubdivisionCode
from app.domain.dates import DATED_FORM, PartialDateWithYear
from app.domain.figures import Basis, Qualifier, one_of_words
from app.domain.metric import MetricCode
from app.domain.observation import INFERABLE, SERVED_FIELDS
from app.errors import InvalidParameter
from app.http.paging import DEFAULT_LIMIT
from app.http.query import (
    AsOf,
    AsOfParameters,
    BreakdownParameters,
    CursorToken,
    FormatChoice,
    LimitOrAll,
)
from app.observations import search
from app.observations.citations import CitationFormat
from app.observations.facets import COLUMN_FACETS, MAX_FACET_VALUES
from app.observations.service import STATED_ALL, ObservationFilter, ObservationSort

# What `stated=` may name: an inferable value, or all of them.
StatedValue = StrEnum("StatedValue", [(name, name) for name in (*INFERABLE, STATED_ALL)])  # type: ignore[misc]

# A filter places dates on a time line, so its bounds need a year ('--06' is a 400).
PeriodFilter = Annotated[PartialDateWithYear | None, Field(description=f"{DATED_FORM}.")]
ReportedFilter = Annotated[
    PartialDateWithYear | None,
    Field(
        description=f"{DATED_FORM}. An observation whose `reported_on` has no year "
        "(`--06`) has no place on the time line, so this filter leaves it out."
    ),
]


class ObservationQuery(BreakdownParameters):
    metric: list[MetricCode] = Field(
        default=[],
        description="Metric code; repeat for several "
        "(`metric=nationals_entered&metric=workers_entered`).",
        examples=["nationals_entered"],
    )
    origin: CountryCode | None = Field(
        default=None, description="Country of origin, ISO 3166-1 alpha-3.", examples=["PRK"]
    )
    destination: CountryCode | None = Field(
        default=None, description="Destination, ISO 3166-1 alpha-3.", examples=["RUS"]
    )
    region: SubdivisionCode | None = Field(
        default=None,
        description="Region of the destination, ISO 3166-2.",
        examples=["RU-KRS"],
    )
    basis: list[Basis] = Field(default=[], description=f"{one_of_words(Basis)}; repeatable.")
    qualifier: list[Qualifier] = Field(
        default=[], description=f"{one_of_words(Qualifier)}; repeatable."
    )
    source: list[RecordId] = Field(default=[], description="Source id; repeatable.", examples=[2])
    period_from: PeriodFilter = None
    period_to: PeriodFilter = None
    reported_from: ReportedFilter = None
    reported_to: ReportedFilter = None
    stated: list[StatedValue] = Field(
        default=[],
        description="Only observations whose source states this value rather than leaving it "
        "to inference (see `inferred`): one of "
        f"{', '.join(INFERABLE)}; repeatable; `all` for observations with nothing inferred.",
        examples=["period"],
    )
    q: search.SearchWords | None = Field(
        default=None,
        description=search.Q_DESCRIPTION,
        examples=["laborers Russia"],
    )
    include_retracted: bool = Field(
        default=False, description="Also list retracted observations (marked `retracted`)."
    )
    as_of: AsOf = None
    sort: ObservationSort = Field(
        default=ObservationSort.id,
        description=f"One of: {', '.join(ObservationSort)}. "
        + " ".join((ObservationSort.__doc__ or "").split()),
    )
    limit: LimitOrAll = DEFAULT_LIMIT
    cursor: CursorToken = None
    format: FormatChoice = None
    facet: list[str] = Field(
        default=[],
        description="Count the selection's observations per value of a field, in "
        f"`meta.facets` (JSON only): {', '.join(COLUMN_FACETS)}, or a breakdown by its "
        "dimension's name (`visa_type`); repeatable. At most "
        f"{MAX_FACET_VALUES} values each, the most frequent first; a facet that runs out of "
        'time is `{"timed_out": true}`.',
        examples=["origin"],
    )
    count: bool = Field(
        default=False,
        description="Count every observation the filter selects (not only this page): "
        "`meta.total` and the X-Total-Count header. Without it, nothing is counted.",
    )
    fields: list[str] = Field(
        default=[],
        description="Serve only these fields of each observation, in JSON, CSV and NDJSON, "
        "in their usual order: repeat (`fields=id&fields=value`) or separate by commas "
        "(`fields=id,value`). `dimensions` brings the breakdown columns in CSV. Default: "
        "every field. Each item then carries only those, although the observation schema "
        "lists every field as required.",
    )

    def chosen_fields(self) -> list[str] | None:
        """The fields asked for, in served order; None for every field. An unknown one is
        a 400 that names it and lists the fields there are."""
        asked = {name.strip() for item in self.fields for name in item.split(",")} - {""}
        if not asked:
            return None
        unknown = sorted(asked - set(SERVED_FIELDS))
        if unknown:
            raise InvalidParameter(
                f"Unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. "
                f"fields may name: {', '.join(SERVED_FIELDS)}.",
                parameter="fields",
                unknown=unknown,
                allowed=list(SERVED_FIELDS),
            )
        return [name for name in SERVED_FIELDS if name in asked]

    @model_validator(mode="after")
    def _relevance_with_q(self) -> "ObservationQuery":
        """With q and no sort, the best matches come first."""
        if self.q is not None and "sort" not in self.model_fields_set:
            self.sort = ObservationSort.relevance
        return self

    def to_filter(self, dimensions: dict[str, str]) -> ObservationFilter:
        return ObservationFilter(
            metrics=list(dict.fromkeys(self.metric)),
            origin=self.origin,
            destination=self.destination,
            region=self.region,
            dimensions=dimensions,
            bases=self.basis,
            qualifiers=self.qualifier,
            source_ids=self.source,
            period_from=self.period_from,
            period_to=self.period_to,
            reported_from=self.reported_from,
            reported_to=self.reported_to,
            include_retracted=self.include_retracted,
            as_of=self.as_of,
            stated=self.stated,
            text=None if self.q is None else search.parse(self.q),
        )


class CitationQuery(AsOfParameters):
    format: CitationFormat | None = Field(
        default=None,
        description="json (default: every format in one document), text, csl (CSL-JSON), "
        "bibtex or ris. Without it, the Accept header decides (text/plain, "
        "application/vnd.citationstyles.csl+json, application/x-bibtex, "
        "application/x-research-info-systems).",
    )
