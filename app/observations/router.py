from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, Response

from app.auth.dependencies import require_editor
from app.dataset.files import OBSERVATION_COLUMNS
from app.domain.edits import Retraction
from app.domain.lists import ListResponse
from app.domain.revisions import revision_entry
from app.errors import InvalidParameter
from app.http.bodies import body_openapi
from app.http.conditional import record_etag, record_response, written_response
from app.http.context import ContextDep, RequestContext, WriteSessionDep, closing_after
from app.http.envelopes import list_envelope, served_list
from app.http.formats import (
    AcceptedFigureFormatDep,
    FigureFormat,
    Format,
    csv_stream,
    json_response,
    jsonstat_response,
    ndjson_stream,
    preferred,
    sdmx_csv_response,
    sdmx_csv_stream,
)
from app.http.openapi import (
    PROBLEM,
    WRITE_RESPONSES,
    edit_responses,
    not_found,
    sdmx_csv_content,
    table_content,
)
from app.http.paging import MAX_LIMIT, decode_cursor, encode_cursor, paging_headers
from app.http.query import AsOfParameters, NoParameters, record_id
from app.http.writes import NewRecord, RecordChange, new_record, record_change
from app.observations import (
    citations,
    claims,
    documents,
    editing,
    jsonstat,
    matching,
    sdmx,
    service,
)
from app.observations.citations import CitationFormat
from app.observations.filters import ObservationFilter
from app.observations.params import CitationQuery, ObservationQuery
from app.observations.schemas import (
    ObservationCitations,
    ObservationCreate,
    ObservationDetail,
    ObservationList,
    ObservationUpdate,
    RevisionPublic,
)

router = APIRouter(prefix="/v1/observations", tags=["observations"])

LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of observations; CSV, NDJSON and SDMX-CSV on request. "
        "With format=jsonstat, the whole selection as a JSON-stat 2.0 dataset, also "
        "application/json (dimensions metric, origin, destination, period and figure, one "
        "category per observation id; docs/api.md).",
        "content": {
            **table_content(
                OBSERVATION_COLUMNS,
                then=", then one per breakdown dimension, by its name; with q, then "
                "match_field and match_snippet",
            ),
            **sdmx_csv_content(
                sdmx.columns(["<dimension>"]),
                then=", where `<dimension>` stands for a column per breakdown dimension, by "
                "its name",
            ),
        },
    },
    400: {
        "description": "An unknown parameter, metric, source or country, or a bad value.",
        **PROBLEM,
    },
}
SDMX_CSV_FILE = "observations.sdmx.csv"
JSONSTAT_LABEL = "Labor-migration figures (laborstats observations)"
ObservationId = Annotated[int, record_id("observation", example=1)]
NOT_FOUND = not_found("observation")
EDIT_RESPONSES = edit_responses("observation")
Creation = Annotated[
    NewRecord[ObservationCreate], new_record(ObservationCreate, writer=require_editor)
]
Correction = Annotated[
    RecordChange[ObservationUpdate],
    record_change(
        ObservationUpdate, kind="observation", record=ObservationId, writer=require_editor
    ),
]
Withdrawal = Annotated[
    RecordChange[Retraction],
    record_change(Retraction, kind="observation", record=ObservationId, writer=require_editor),
]


@router.get(
    "",
    response_model=ObservationList,
    responses=LIST_RESPONSES,
    description=(
        "Every filter narrows the list; a filter that matches nothing gives an empty list. "
        "Filter by any breakdown dimension by its name, e.g. `visa_type=student` "
        "(GET /v1/metrics lists each metric's dimensions). Periods match when they overlap "
        "`period_from`..`period_to`; observations with no period match no period filter. "
        'Pages follow `meta.next_cursor` (also the `Link: rel="next"` header).'
    ),
)
def list_observations(
    request: Request,
    params: Annotated[ObservationQuery, Query()],
    context: ContextDep,
    accepted: AcceptedFigureFormatDep,
) -> Response:
    """List observations, filtered, sorted and paged (or all at once as CSV, NDJSON or
    SDMX-CSV; or as a JSON-stat dataset)."""
    catalog, asked = context.catalog, params.format or accepted
    query = params.to_filter(catalog)
    fields = params.chosen_fields()
    if asked is FigureFormat.jsonstat:
        params.check_jsonstat()
        return _jsonstat(context, params, query)
    if asked is FigureFormat.sdmx_csv:
        params.check_sdmx_csv()
        facet_names: list[str] = []
    else:
        facet_names = params.facet_names(catalog, Format(asked))
    if params.limit == "all":
        return _stream_all(context, params, query, asked, fields)
    page = service.list_page(
        context.session,
        catalog=catalog,
        query=query,
        sort=params.sort,
        limit=params.limit,
        after=decode_cursor(params.cursor, sort=params.sort) if params.cursor else None,
        count=params.count,
        facet_names=facet_names,
        facet_timeout_ms=request.app.state.settings.facet_timeout_ms,
    )
    meta: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if page.total is not None:
        meta["total"] = page.total
        headers["X-Total-Count"] = str(page.total)
    if page.facets is not None:
        meta["facets"] = {
            name: _facet(request, name, service.named_facet(facet, catalog))
            for name, facet in page.facets.items()
        }
    next_cursor = None if page.next_cursor is None else encode_cursor(page.next_cursor)
    if asked is FigureFormat.sdmx_csv:
        return sdmx_csv_response(
            sdmx.sdmx_csv_text(page.documents, catalog.dimension_names),
            filename=SDMX_CSV_FILE,
            headers={**paging_headers(request, next_cursor), **headers},
        )
    columns = documents.csv_columns(catalog.dimension_names, fields)
    return served_list(
        request,
        documents.only_fields(page.documents, fields),
        representation=Format(asked),
        csv_columns=matching.csv_columns(columns, query.text),
        csv_rows=lambda: matching.csv_rows(documents.csv_rows(page.documents)),
        filename="observations.csv",
        data_version=context.data_version,
        sort=params.sort,
        limit=params.limit,
        next_cursor=next_cursor,
        extra_meta=meta,
        headers=headers,
    )


def _jsonstat(
    context: RequestContext, params: ObservationQuery, query: ObservationFilter
) -> Response:
    """The whole selection as one JSON-stat dataset. One read of a row more than the limit
    tells whether it fits: a cube cut at a page boundary would look whole, so a selection
    larger than the limit is a 400 rather than a part of it."""
    limit = params.jsonstat_limit()
    page = service.list_page(
        context.session,
        catalog=context.catalog,
        query=query,
        sort=params.sort,
        limit=limit,
        count=params.count,
    )
    if page.next_cursor is not None:
        raise InvalidParameter(
            f"The selection holds more than {limit} figures, and a JSON-stat dataset is the "
            "whole selection (it has no pages): narrow the filters"
            + (f", or raise limit (at most {MAX_LIMIT})." if limit < MAX_LIMIT else "."),
            parameter="limit",
        )
    headers = {} if page.total is None else {"X-Total-Count": str(page.total)}
    names = {code: metric.name for code, metric in context.catalog.metrics.items()}
    served = jsonstat.dataset(page.documents, metric_names=names, label=JSONSTAT_LABEL)
    return jsonstat_response(served, headers=headers)


def _facet(request: Request, name: str, facet: dict[str, Any]) -> dict[str, Any]:
    """A facet as served: each value with a link to the list narrowed to it (any cursor
    left out)."""
    if facet.get("timed_out"):
        return facet
    url = request.url.remove_query_params("cursor")
    values = []
    for value, count, labels in facet["values"]:
        href = None if value is None else str(url.include_query_params(**{name: value}))
        values.append({"value": value, "count": count, "href": href, **labels})
    return {**facet, "values": values}


def _stream_all(
    context: RequestContext,
    params: ObservationQuery,
    query: ObservationFilter,
    representation: FigureFormat,
    fields: list[str] | None,
) -> Response:
    """Everything the filter selects in one streamed response, a batch of rows per chunk,
    read in the request's snapshot. X-Total-Count says how many rows it holds; an
    interrupted stream ends without HTTP's final chunk, so a client (curl: error 18) can
    always tell a truncated export from a whole one."""
    if representation is FigureFormat.json:
        raise InvalidParameter(
            "limit=all streams the whole selection as CSV or NDJSON: add format=csv or "
            "format=ndjson (JSON pages hold at most 1000 observations).",
            parameter="limit",
        )
    if params.cursor is not None:
        raise InvalidParameter("limit=all reads everything: leave out cursor.", parameter="cursor")
    stream = context.hand_over()
    try:
        headers = {"X-Total-Count": str(service.count_observations(stream.session, query=query))}
        batches = service.row_batches(stream.session, query=query, sort=params.sort)
    except Exception:
        stream.close()
        raise
    session, catalog = stream.session, stream.catalog
    if representation is FigureFormat.sdmx_csv:
        whole = (service.documents(session, rows, catalog=catalog, query=query) for rows in batches)
        return sdmx_csv_stream(
            sdmx.sdmx_csv_chunks(closing_after(stream, whole), catalog.dimension_names),
            filename=SDMX_CSV_FILE,
            headers=headers,
            on_close=stream.close,  # also when its batches were never started (a HEAD)
        )
    if representation is FigureFormat.ndjson:
        served = (
            documents.only_fields(
                service.documents(session, rows, catalog=catalog, query=query), fields
            )
            for rows in batches
        )
        return ndjson_stream(closing_after(stream, served), headers=headers, on_close=stream.close)
    dimension_names = catalog.dimension_names
    records = (
        documents.only_columns(
            service.csv_records(session, rows, catalog=catalog, query=query),
            dimension_names,
            fields,
        )
        for rows in batches
    )
    return csv_stream(
        matching.csv_columns(documents.csv_columns(dimension_names, fields), query.text),
        closing_after(stream, records),
        filename="observations.csv",
        headers=headers,
        # The header row is sent before the batches start: a HEAD never starts them.
        on_close=stream.close,
    )


# What Accept may ask one observation as: the API's JSON, or a schema.org Claim in JSON-LD.
_READ_ACCEPTED = {"application/json": False, claims.MEDIA_TYPE: True}
READ_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The observation; with `Accept: application/ld+json`, a schema.org "
        "Claim in JSON-LD (docs/api.md).",
        "content": {
            claims.MEDIA_TYPE: {
                "schema": {
                    "type": "object",
                    "description": "A schema.org Claim: author, datePublished, appearance "
                    "(the source and its relays), isBasedOn (the Quotation), about (the "
                    "figure, an Observation), temporalCoverage, spatialCoverage.",
                }
            }
        },
    },
    **NOT_FOUND,
}


@router.get("/{observation_id}", response_model=ObservationDetail, responses=READ_RESPONSES)
def read_observation(
    observation_id: ObservationId,
    request: Request,
    params: Annotated[AsOfParameters, Query()],
    context: ContextDep,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Read one observation, with its source, the sources it was relayed through, and its parts.

    Retracted observations stay readable here, marked `retracted`. The ETag header names
    the current revision: send it back as If-Match to edit. `Accept: application/ld+json`
    answers a schema.org Claim instead, with an ETag of its own."""
    if preferred(accept, _READ_ACCEPTED, False):
        return _claim(request, observation_id, params, context)
    detail, revision = service.read_detail(
        context.session, observation_id, catalog=context.catalog, as_of=params.as_of
    )
    if params.as_of is not None:  # a past state: cached by data version, not edited
        return json_response(detail)
    return record_response(detail, kind="observation", record_id=observation_id, revision=revision)


def _claim(
    request: Request, observation_id: int, params: AsOfParameters, context: RequestContext
) -> Response:
    """The observation (now, or as of a day) as a schema.org Claim, with its relay chain."""
    read = citations.read_claim(
        context.session, observation_id, catalog=context.catalog, as_of=params.as_of
    )
    metric = context.catalog.metrics.get(read.observation["metric"])
    body = orjson.dumps(
        claims.claim(
            read.observation,
            read.chain,
            metric_name=read.observation["metric"] if metric is None else metric.name,
            base_url=str(request.base_url).rstrip("/"),
        )
    )
    revision = read.observation["revision"]
    headers = {"ETag": record_etag("claim", observation_id, revision, body)}
    return Response(body, media_type=claims.MEDIA_TYPE, headers=headers)


@router.get(
    "/{observation_id}/history",
    response_model=ListResponse[RevisionPublic],
    responses=NOT_FOUND,
)
def read_observation_history(
    observation_id: ObservationId,
    request: Request,
    _: Annotated[NoParameters, Query()],
    context: ContextDep,
) -> Response:
    """List every revision of an observation: when, by whom, why, and what it said."""
    revisions = editing.list_history(context.session, observation_id)
    served = service.object_documents(revisions, catalog=context.catalog)
    data = [
        {**revision_entry(revision), "observation": document}
        for revision, document in zip(revisions, served, strict=True)
    ]
    envelope = list_envelope(request, data, data_version=context.data_version, sort="revision")
    return json_response(envelope)


CITATION_MEDIA_TYPES = {
    CitationFormat.json: "application/json",
    CitationFormat.text: "text/plain; charset=utf-8",
    CitationFormat.csl: "application/vnd.citationstyles.csl+json",
    CitationFormat.bibtex: "application/x-bibtex; charset=utf-8",
    CitationFormat.ris: "application/x-research-info-systems; charset=utf-8",
}
_CITATION_ACCEPTED = {
    media_type.split(";")[0]: citation_format
    for citation_format, media_type in CITATION_MEDIA_TYPES.items()
}
CITATION_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The citation, in the format asked for.",
        "content": {
            media_type.split(";")[0]: {
                "example": citations.formatted(citations.EXAMPLE, citation_format),
                "schema": {"type": "array" if citation_format is CitationFormat.csl else "string"},
            }
            for citation_format, media_type in CITATION_MEDIA_TYPES.items()
            if citation_format is not CitationFormat.json
        },
    },
    **NOT_FOUND,
}


@router.get(
    "/{observation_id}/citation",
    response_model=ObservationCitations,
    responses=CITATION_RESPONSES,
)
def read_observation_citation(
    observation_id: ObservationId,
    params: Annotated[CitationQuery, Query()],
    context: ContextDep,
    accept: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> Response:
    """Cite an observation as text, CSL-JSON, BibTeX or RIS, for reference managers.

    `format=` or the Accept header chooses; JSON gives every format at once. All are made
    from the same data: the claimant as author, the source's type, title, publisher, date
    (only the parts it has) and URL, and a note with the period, when the claim was made,
    the sources it was relayed through and any retraction. Nothing missing is guessed.
    The ETag changes with the observation's revision and with anything the citation shows."""
    citation_format = params.format or preferred(accept, _CITATION_ACCEPTED, CitationFormat.json)
    claim = citations.read_claim(
        context.session, observation_id, catalog=context.catalog, as_of=params.as_of
    )
    content = citations.formatted(claim, citation_format)
    body = content.encode() if isinstance(content, str) else orjson.dumps(content)
    headers = {"ETag": record_etag("citation", observation_id, claim.observation["revision"], body)}
    return Response(body, media_type=CITATION_MEDIA_TYPES[citation_format], headers=headers)


@router.post(
    "",
    status_code=201,
    response_model=ObservationDetail,
    responses=WRITE_RESPONSES,
    openapi_extra=body_openapi(ObservationCreate),
)
def create_observation(creation: Creation, session: WriteSessionDep) -> Response:
    """Add an observation (editor). Answers 201 with Location and ETag."""
    observation = editing.create_observation(session, creation.body, actor=creation.actor.name)
    detail = service.written_detail(session, observation)
    return written_response(detail, kind="observation", record=observation, created=True)


@router.patch(
    "/{observation_id}",
    response_model=ObservationDetail,
    responses=EDIT_RESPONSES,
    openapi_extra=body_openapi(ObservationUpdate),
)
def edit_observation(change: Correction, session: WriteSessionDep) -> Response:
    """Correct an observation (editor): a new revision, with a reason. Name the revision
    replaced with If-Match (or `revision` in the body); a stale one changes nothing."""
    with change.replacing():
        observation, _outcome = editing.edit_observation(
            session,
            change.record_id,
            change.body.changes(),
            expected_revision=change.revision,
            actor=change.actor.name,
            reason=change.body.reason,
        )
    detail = service.written_detail(session, observation)
    return written_response(detail, kind="observation", record=observation)


@router.post(
    "/{observation_id}/retract",
    response_model=ObservationDetail,
    responses=EDIT_RESPONSES,
    openapi_extra=body_openapi(Retraction),
)
def retract_observation(change: Withdrawal, session: WriteSessionDep) -> Response:
    """Retract an observation (editor): it leaves the lists but stays readable, with why."""
    with change.replacing():
        observation = editing.retract_observation(
            session,
            change.record_id,
            expected_revision=change.revision,
            actor=change.actor.name,
            reason=change.body.reason,
        )
    detail = service.written_detail(session, observation)
    return written_response(detail, kind="observation", record=observation)
