"""The query string of GET /v1/observations, as a model: every filter, the sort, paging
and format. Breakdown filters (`visa_type=student`) arrive as extra fields."""

from enum import StrEnum
from typing import Annotated

from pydantic import (
    BeforeValidator,
    Field,
    StringConstraints,
    model_validator,
)

from app.dataset.catalog import Catalog
from app.domain.bounds import RecordId
from app.domain.codes import CountryCode, SubdivisionCode
from app.domain.dates import DATED_FORM, PartialDateWithYear
from app.domain.figures import Basis, Qualifier, one_of_words, qualifier_said_as
from app.domain.metric import MetricCode
from app.domain.observation import INFERABLE, SERVED_FIELDS
from app.errors import InvalidParameter
from app.http.formats import Format
from app.http.paging import DEFAULT_LIMIT, MAX_LIMIT
from app.http.query import (
    AsOfParameter,
    AsOfParameters,
    BreakdownParameters,
    CursorToken,
    FigureFormatChoice,
    LimitOrAll,
    UpdatedAfter,
    check_order,
)
from app.observations import matching, search
from app.observations.citations import CitationFormat
from app.observations.facets import COLUMN_FACETS, MAX_FACET_VALUES, check_facets
from app.observations.filters import (
    STATED_ALL,
    ObservationFilter,
    ObservationSort,
    check_references,
)

SearchWords = Annotated[str, StringConstraints(max_length=search.MAX_LENGTH)]
Q_DESCRIPTION = (
    "Full-text search: words to find in each observation's quote, claimant "
    "(`attributed_to`), notes and its source's title. Every word must be found (in any of "
    "these fields); case does not count, accents do, words are not stemmed; a word with "
    "punctuation (`10,000`, `North-Korean`) is found as its parts in that order; the last "
    f"word, if {search.MIN_PREFIX} letters or more, also finds longer words it begins "
    "(`labor` finds `laborers`). Nothing typed is search syntax: quotes, `*`, AND, OR, "
    "NEAR are words or ignored. Without `sort`, results come best match first "
    "(`sort=relevance`: the quote and claimant weigh most, then the source's title, then "
    "notes). Each result then carries `match`: the field most words were found in, its "
    "text (cut around the first match when long) and the matched words' places in it "
    "(JSON and NDJSON), or in CSV the columns `match_field` and `match_snippet` (the words "
    f"between {matching.CSV_MARK}), which are there only with q. Combines with every filter; with "
    "`as_of`, matches the texts each observation and its source had on that day. "
    f"At most {search.MAX_WORDS} words, {search.MAX_LENGTH} characters."
)


def _hedge_is_not_a_qualifier(value: object) -> object:
    """`qualifier=about`: the word a source hedges with, not a qualifier; say which it is."""
    if isinstance(value, str) and value not in set(Qualifier):
        said_as = qualifier_said_as(value)
        if said_as is not None:
            raise ValueError(
                f"'{value[:40]}' is a word sources hedge with, not a qualifier: a figure "
                f"stated '{value[:40]}' is stored as {said_as}. Use qualifier={said_as}"
            )
    return value


QualifierChoice = Annotated[Qualifier, BeforeValidator(_hedge_is_not_a_qualifier)]
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
    qualifier: list[QualifierChoice] = Field(
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
    q: SearchWords | None = Field(
        default=None,
        description=Q_DESCRIPTION,
        examples=["laborers Russia"],
    )
    include_retracted: bool = Field(
        default=False, description="Also list retracted observations (marked `retracted`)."
    )
    updated_after: UpdatedAfter = None
    as_of: AsOfParameter = None
    sort: ObservationSort = Field(
        default=ObservationSort.id,
        description=f"One of: {', '.join(ObservationSort)}. "
        + " ".join((ObservationSort.__doc__ or "").split()),
    )
    limit: LimitOrAll = DEFAULT_LIMIT
    cursor: CursorToken = None
    format: FigureFormatChoice = None
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

    def check_sdmx_csv(self) -> None:
        """SDMX-CSV has the columns its structure gives, and no envelope, and holds figures
        an import can read back: a 400 for what would change its columns (`fields`), needs
        the envelope (`facet`), or adds figures no import may revise (`include_retracted`:
        a retracted figure stays as it was retracted, and SDMX-CSV has no mark for it)."""
        if self.include_retracted:
            raise InvalidParameter(
                "SDMX-CSV holds the current figures, as an import reads them back; retracted "
                "figures are listed (marked `retracted`) in JSON, CSV and NDJSON: leave out "
                "include_retracted, or ask for one of those.",
                parameter="include_retracted",
            )
        if self.facet:
            raise InvalidParameter(
                "Facet counts are served in the JSON envelope (meta.facets); SDMX-CSV has "
                "none: ask for JSON, or leave out facet.",
                parameter="facet",
            )
        if self.fields:
            raise InvalidParameter(
                "SDMX-CSV has the columns its structure gives (a dimension per part of the "
                "key, the status and every attribute): leave out fields, or ask for JSON, "
                "CSV or NDJSON.",
                parameter="fields",
            )

    def check_jsonstat(self) -> None:
        """A JSON-stat dataset is one cube of the whole selection, with no envelope and no
        pages: a 400 for what would page it (`cursor`, `limit=all`'s stream), change its
        fields (`fields`), need the envelope (`facet`), or add figures its cells could not
        mark as retracted (`include_retracted`)."""
        if self.cursor is not None:
            raise InvalidParameter(
                "A JSON-stat dataset is the whole selection in one cube, with no pages: "
                "leave out cursor (narrow the filters instead).",
                parameter="cursor",
            )
        if self.limit == "all":
            raise InvalidParameter(
                f"limit=all streams CSV, NDJSON or SDMX-CSV; a JSON-stat dataset holds at "
                f"most {MAX_LIMIT} figures: give a limit up to that, or narrow the filters.",
                parameter="limit",
            )
        if self.include_retracted:
            raise InvalidParameter(
                "A JSON-stat dataset holds the current figures: a cell has no mark for a "
                "retracted one. Leave out include_retracted, or ask for JSON, CSV or NDJSON.",
                parameter="include_retracted",
            )
        if self.facet:
            raise InvalidParameter(
                "Facet counts are served in the JSON envelope (meta.facets); a JSON-stat "
                "dataset has none: ask for JSON, or leave out facet.",
                parameter="facet",
            )
        if self.fields:
            raise InvalidParameter(
                "A JSON-stat dataset has the dimensions, values and extension its format "
                "gives: leave out fields, or ask for JSON, CSV or NDJSON.",
                parameter="fields",
            )

    def jsonstat_limit(self) -> int:
        """How many figures a JSON-stat dataset may hold: `limit` if given, else as many as
        a page can (a dataset is the whole selection, so a default of 100 would cut it)."""
        if "limit" in self.model_fields_set and isinstance(self.limit, int):
            return self.limit
        return MAX_LIMIT

    @model_validator(mode="after")
    def _relevance_with_q(self) -> "ObservationQuery":
        """With q and no sort, the best matches come first."""
        if self.q is not None and "sort" not in self.model_fields_set:
            self.sort = ObservationSort.relevance
        return self

    def facet_names(self, catalog: Catalog, representation: Format) -> list[str]:
        """The facets asked for, checked (a 400 names an unknown one); only in JSON."""
        names = check_facets(self.facet, catalog.dimension_names)
        if names and representation is not Format.json:
            raise InvalidParameter(
                "Facet counts are served in the JSON envelope (meta.facets): ask for JSON "
                "(no format=csv or ndjson), or leave out facet.",
                parameter="facet",
            )
        return names

    def to_filter(self, catalog: Catalog) -> ObservationFilter:
        """The filter, with its breakdowns (extra parameters) and the metrics and sources
        it names checked against the catalog: an unknown one is a 400."""
        check_order(self, "period_from", "period_to")
        check_order(self, "reported_from", "reported_to")
        query = self._filter(self.breakdowns(catalog.dimension_names))
        check_references(query, catalog)
        return query

    def _filter(self, dimensions: dict[str, str]) -> ObservationFilter:
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
            updated_after=self.updated_after,
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
