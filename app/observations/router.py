from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Header, Query, Request, Response
from pydantic import ConfigDict, Field
from sqlmodel import Session

from app.auth.dependencies import EditorDep, require_editor
from app.dataset.catalog import Catalog, load_catalog
from app.dataset.files import OBSERVATION_COLUMNS
from app.domain.edits import Retraction
from app.domain.observation import OBSERVATION_EXAMPLE
from app.domain.revisions import revision_entry
from app.errors import InvalidParameter
from app.http.bodies import body_openapi, json_body
from app.http.conditional import (
    IfMatch,
    expected_revision,
    record_etag,
    record_response,
    stale_revision_as,
)
from app.http.context import ContextDep, RequestContext, WriteSessionDep, closing_after
from app.http.envelopes import ListMeta, ListResponse, list_envelope
from app.http.formats import (
    AcceptedFormatDep,
    Format,
    csv_response,
    csv_stream,
    json_response,
    ndjson_response,
    ndjson_stream,
    preferred,
)
from app.http.openapi import (
    PROBLEM,
    WRITE_RESPONSES,
    edit_responses,
    not_found,
    table_content,
)
from app.http.paging import decode_cursor, paging_headers, trim_page
from app.http.query import AsOfParameters, NoParameters, record_id
from app.models import Observation
from app.observations import citations, documents, editing, facets, search, service
from app.observations.citations import CitationFormat
from app.observations.params import CitationQuery, ObservationQuery
from app.observations.schemas import (
    FacetCounts,
    ObservationCitations,
    ObservationCreate,
    ObservationDetail,
    ObservationListed,
    ObservationUpdate,
    RevisionPublic,
)

router = APIRouter(prefix="/v1/observations", tags=["observations"])

LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of observations; CSV and NDJSON on request.",
        "content": table_content(
            OBSERVATION_COLUMNS,
            then=", then one per breakdown dimension, by its name; with q, then "
            "match_field and match_snippet",
        ),
    },
    400: {
        "description": "An unknown parameter, metric, source or country, or a bad value.",
        **PROBLEM,
    },
}


class ObservationListMeta(ListMeta):
    total: int | None = Field(
        default=None,
        description="With count=true: how many observations the filter selects, on every page.",
    )
    facets: dict[str, FacetCounts] | None = Field(
        default=None, description="With facet=: counts per value for the filter, by facet."
    )


class ObservationList(ListResponse[ObservationListed]):
    """A page of observations; with count=true its total, with facet= its facets."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "data": [OBSERVATION_EXAMPLE],
                    "meta": {
                        "data_version": 12,
                        "returned": 1,
                        "limit": 1,
                        "next_cursor": None,
                        "sort": "id",
                        "total": 1,
                        "facets": {
                            "origin": {
                                "values": [
                                    {
                                        "value": "PRK",
                                        "count": 1,
                                        "href": "/v1/observations?facet=origin&origin=PRK",
                                    }
                                ],
                                "distinct": 1,
                                "truncated": False,
                            }
                        },
                    },
                    "links": {"self": "/v1/observations?facet=origin&limit=1", "next": None},
                }
            ]
        }
    )

    meta: ObservationListMeta


ObservationId = Annotated[int, record_id("observation", example=1)]
NOT_FOUND = not_found("observation")
EDIT_RESPONSES = edit_responses("observation")


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
    accepted: AcceptedFormatDep,
) -> Response:
    """List observations, filtered, sorted and paged (or all at once as CSV or NDJSON)."""
    catalog = context.catalog
    query = params.to_filter(params.breakdowns(catalog.dimension_names))
    service.check_references(query, catalog)
    representation = params.format or accepted
    fields = params.chosen_fields()
    facet_names = facets.check_facets(params.facet, catalog.dimension_names)
    if facet_names and representation is not Format.json:
        raise InvalidParameter(
            "Facet counts are served in the JSON envelope (meta.facets): ask for JSON "
            "(no format=csv or ndjson), or leave out facet.",
            parameter="facet",
        )
    if params.limit == "all":
        return _stream_all(context, params, query, representation, fields)
    after = decode_cursor(params.cursor, sort=params.sort) if params.cursor else None
    read = service.list_observations(
        context.session, query=query, sort=params.sort, limit=params.limit + 1, after=after
    )
    rows, next_cursor = trim_page(
        read,
        params.limit,
        sort=params.sort,
        sort_value=lambda row: service.sort_value(params.sort, row),
    )
    served = service.documents(
        context.session, rows, catalog=catalog, as_of=query.as_of, text=query.text
    )
    headers = paging_headers(request, next_cursor)
    meta: dict[str, Any] = {}
    if params.count:
        meta["total"] = service.count_observations(context.session, query=query)
        headers["X-Total-Count"] = str(meta["total"])
    match representation:
        case Format.csv:
            return csv_response(
                search.csv_columns(
                    documents.csv_columns(catalog.dimension_names, fields), query.text
                ),
                search.csv_rows(documents.csv_rows(served)),
                filename="observations.csv",
                headers=headers,
            )
        case Format.ndjson:
            return ndjson_response(documents.only_fields(served, fields), headers=headers)
    if facet_names:
        timeout_ms = request.app.state.settings.facet_timeout_ms
        counted = facets.facet_counts(context.session, query, facet_names, timeout_ms=timeout_ms)
        meta["facets"] = {name: _facet(request, catalog, facet) for name, facet in counted.items()}
    envelope = list_envelope(
        request,
        documents.only_fields(served, fields),
        data_version=context.data_version,
        limit=params.limit,
        next_cursor=next_cursor,
        sort=params.sort,
        extra_meta=meta,
    )
    return json_response(envelope, headers=headers)


def _facet(request: Request, catalog: Catalog, facet: facets.Facet) -> dict[str, Any]:
    """A facet as served: each value with a link to the list narrowed to it (any cursor
    left out), a source with its title, a metric with its name."""
    if facet.timed_out:
        return {"timed_out": True}
    url = request.url.remove_query_params("cursor")
    values = []
    for value, count in facet.values:
        entry: dict[str, Any] = {"value": value, "count": count}
        entry["href"] = (
            None if value is None else str(url.include_query_params(**{facet.name: value}))
        )
        if facet.name == "source" and value in catalog.sources:
            entry["title"] = catalog.sources[value].title
        elif facet.name == "metric" and value in catalog.metrics:
            entry["name"] = catalog.metrics[value].name
        values.append(entry)
    return {"values": values, "distinct": facet.distinct, "truncated": facet.truncated}


def _stream_all(
    context: RequestContext,
    params: ObservationQuery,
    query: service.ObservationFilter,
    representation: Format,
    fields: list[str] | None,
) -> Response:
    """Everything the filter selects in one streamed response, a batch of rows per chunk,
    read in the request's snapshot. X-Total-Count says how many rows it holds; an
    interrupted stream ends without HTTP's final chunk, so a client (curl: error 18) can
    always tell a truncated export from a whole one."""
    if representation is Format.json:
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
    session, catalog, as_of = stream.session, stream.catalog, query.as_of
    if representation is Format.ndjson:
        served = (
            documents.only_fields(
                service.documents(session, rows, catalog=catalog, as_of=as_of, text=query.text),
                fields,
            )
            for rows in batches
        )
        return ndjson_stream(closing_after(stream, served), headers=headers)
    dimension_names = catalog.dimension_names
    records = (
        documents.only_columns(
            service.csv_records(session, rows, catalog=catalog, as_of=as_of, text=query.text),
            dimension_names,
            fields,
        )
        for rows in batches
    )
    return csv_stream(
        search.csv_columns(documents.csv_columns(dimension_names, fields), query.text),
        closing_after(stream, records),
        filename="observations.csv",
        headers=headers,
    )


def _detail_response(
    session: Session, observation: Observation, *, created: bool = False
) -> Response:
    """A written observation as this transaction sees it, with its new ETag."""
    catalog = load_catalog(session, data_version=None)
    (document,) = service.object_documents([observation], catalog=catalog)
    detail = service.observation_detail(session, document, catalog=catalog)
    return record_response(
        detail,
        kind="observation",
        record_id=observation.id,
        revision=observation.revision,
        created=created,
    )


@router.get("/{observation_id}", response_model=ObservationDetail, responses=NOT_FOUND)
def read_observation(
    observation_id: ObservationId,
    params: Annotated[AsOfParameters, Query()],
    context: ContextDep,
) -> Response:
    """Read one observation, with its source, the sources it was relayed through, and its parts.

    Retracted observations stay readable here, marked `retracted`. The ETag header names
    the current revision: send it back as If-Match to edit."""
    session, catalog, as_of = context.session, context.catalog, params.as_of
    observation = service.read_observation(session, observation_id, as_of=as_of)
    (document,) = service.documents(session, [observation], catalog=catalog, as_of=as_of)
    detail = service.observation_detail(session, document, catalog=catalog, as_of=as_of)
    if params.as_of is not None:  # a past state: cached by data version, not edited
        return json_response(detail)
    return record_response(
        detail, kind="observation", record_id=observation.id, revision=observation.revision
    )


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
def create_observation(
    actor: EditorDep,
    data: Annotated[ObservationCreate, Depends(json_body(ObservationCreate, after=require_editor))],
    session: WriteSessionDep,
) -> Response:
    """Add an observation (editor). Answers 201 with Location and ETag."""
    observation = editing.create_observation(session, data, actor=actor.name)
    return _detail_response(session, observation, created=True)


@router.patch(
    "/{observation_id}",
    response_model=ObservationDetail,
    responses=EDIT_RESPONSES,
    openapi_extra=body_openapi(ObservationUpdate),
)
def edit_observation(
    observation_id: ObservationId,
    actor: EditorDep,
    changes: Annotated[
        ObservationUpdate, Depends(json_body(ObservationUpdate, after=require_editor))
    ],
    session: WriteSessionDep,
    if_match: IfMatch = None,
) -> Response:
    """Correct an observation (editor): a new revision, with a reason. Name the revision
    replaced with If-Match (or `revision` in the body); a stale one changes nothing."""
    revision, via_header = expected_revision(
        if_match, changes.revision, kind="observation", record_id=observation_id
    )
    with stale_revision_as(via_header):
        observation, _outcome = editing.edit_observation(
            session,
            observation_id,
            changes.changes(),
            expected_revision=revision,
            actor=actor.name,
            reason=changes.reason,
        )
    return _detail_response(session, observation)


@router.post(
    "/{observation_id}/retract",
    response_model=ObservationDetail,
    responses=EDIT_RESPONSES,
    openapi_extra=body_openapi(Retraction),
)
def retract_observation(
    observation_id: ObservationId,
    actor: EditorDep,
    retraction: Annotated[Retraction, Depends(json_body(Retraction, after=require_editor))],
    session: WriteSessionDep,
    if_match: IfMatch = None,
) -> Response:
    """Retract an observation (editor): it leaves the lists but stays readable, with why."""
    revision, via_header = expected_revision(
        if_match, retraction.revision, kind="observation", record_id=observation_id
    )
    with stale_revision_as(via_header):
        observation = editing.retract_observation(
            session,
            observation_id,
            expected_revision=revision,
            actor=actor.name,
            reason=retraction.reason,
        )
    return _detail_response(session, observation)
