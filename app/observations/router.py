from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from sqlmodel import Session

from app.auth.dependencies import EditorDep, require_editor
from app.bodies import body_openapi, json_body
from app.catalog import current_catalog
from app.dataset.service import bump_data_version
from app.db import SessionDep, WriteSessionDep
from app.errors import InvalidParameter
from app.fields import CountryCode, PartialDate, SubdivisionCode
from app.formats import Format, csv_response, ndjson_response, negotiate
from app.models import Observation
from app.observations import editing, service
from app.observations.columns import CORE_COLUMNS
from app.observations.schemas import (
    Basis,
    ObservationData,
    ObservationDetail,
    ObservationPublic,
    ObservationUpdate,
    Qualifier,
    Retraction,
    RevisionPublic,
)
from app.pagination import DEFAULT_LIMIT
from app.preconditions import expected_revision, stale_revision_as
from app.query import dimension_filters, forbid_unknown_params
from app.responses import (
    PROBLEM,
    WRITE_RESPONSES,
    AcceptHeader,
    AsOfParam,
    CursorParam,
    ExportLimitParam,
    FormatParam,
    edit_responses,
    json_response,
    list_envelope,
    not_found,
    paging_headers,
    versioned_json_response,
)
from app.schemas import ListResponse

router = APIRouter(prefix="/v1/observations", tags=["observations"])

LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A page of observations; CSV and NDJSON on request.",
        "content": {"text/csv": {}, "application/x-ndjson": {}},
    },
    400: {
        "description": "An unknown parameter, metric, source or country, or a bad value.",
        **PROBLEM,
    },
}

MetricFilter = Annotated[
    list[str],
    Query(
        description="Metric code; repeat for several (`metric=entries&metric=workers_entered`).",
        examples=["entries"],
    ),
]
SORT_DESCRIPTION = (
    f"One of: {', '.join(service.SORT_OPTIONS)}. A leading - sorts descending; "
    "ties break on id in the same direction; empty values count as the largest (last "
    "going up, first going down)."
)
DateFilter = Annotated[PartialDate | None, Query(description="YYYY, YYYY-MM or YYYY-MM-DD.")]


@router.get(
    "",
    response_model=ListResponse[ObservationPublic],
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
    response: Response,
    session: SessionDep,
    accept: AcceptHeader = None,
    metric: MetricFilter = [],  # noqa: B006 - FastAPI copies defaults
    origin: Annotated[
        CountryCode | None,
        Query(description="Country of origin, ISO 3166-1 alpha-3.", examples=["PRK"]),
    ] = None,
    destination: Annotated[
        CountryCode | None, Query(description="Destination, ISO 3166-1 alpha-3.", examples=["RUS"])
    ] = None,
    region: Annotated[
        SubdivisionCode | None,
        Query(description="Region of the destination, ISO 3166-2.", examples=["RU-KRS"]),
    ] = None,
    basis: Annotated[
        list[Basis], Query(description="official, estimate or projection; repeatable.")
    ] = [],  # noqa: B006
    qualifier: Annotated[
        list[Qualifier],
        Query(description="exact, approximate, at_least, at_most or range; repeatable."),
    ] = [],  # noqa: B006
    source: Annotated[list[int], Query(description="Source id; repeatable.", examples=[2])] = [],  # noqa: B006
    period_from: DateFilter = None,
    period_to: DateFilter = None,
    reported_from: DateFilter = None,
    reported_to: DateFilter = None,
    include_retracted: Annotated[
        bool, Query(description="Also list retracted observations (marked `retracted`).")
    ] = False,
    as_of: AsOfParam = None,
    sort: Annotated[str, Query(description=SORT_DESCRIPTION)] = "id",
    limit: ExportLimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    format: FormatParam = None,
) -> Any:
    """List observations, filtered, sorted and paged (or all at once as CSV or NDJSON)."""
    known_dimensions = current_catalog(session).dimension_names
    dimensions = dimension_filters(request, known_dimensions)
    query = service.ObservationFilter(
        metrics=list(dict.fromkeys(metric)),
        origin=origin,
        destination=destination,
        region=region,
        dimensions=dimensions,
        bases=basis,
        qualifiers=qualifier,
        source_ids=source,
        period_from=period_from,
        period_to=period_to,
        reported_from=reported_from,
        reported_to=reported_to,
        include_retracted=include_retracted,
        as_of=as_of,
    )
    representation = negotiate(format, accept)
    if limit == "all":
        return _stream_all(request, query, sort, representation, cursor, known_dimensions)
    page = service.list_observations(session, query=query, sort=sort, limit=limit, cursor=cursor)
    documents = service.observation_documents(session, page.rows, as_of=as_of)
    headers = paging_headers(request, page.next_cursor)
    match representation:
        case Format.csv:
            rows = [{**d, **d["dimensions"]} for d in documents]
            return csv_response(
                CORE_COLUMNS + known_dimensions, rows, filename="observations.csv", headers=headers
            )
        case Format.ndjson:
            return ndjson_response(documents, headers=headers)
    envelope = list_envelope(
        request,
        documents,
        data_version=current_catalog(session).data_version,
        limit=limit,
        next_cursor=page.next_cursor,
        sort=sort,
    )
    return json_response(envelope, headers=headers)


def _stream_all(
    request: Request,
    query: service.ObservationFilter,
    sort: str,
    representation: Format,
    cursor: str | None,
    known_dimensions: list[str],
) -> Response:
    """Everything the filter selects in one streamed response, row by row. X-Total-Count
    says how many rows it holds; an interrupted stream ends without HTTP's final chunk,
    so a client (curl: error 18) can always tell a truncated export from a whole one."""
    if representation is Format.json:
        raise InvalidParameter(
            "limit=all streams the whole selection as CSV or NDJSON: add format=csv or "
            "format=ndjson (JSON pages hold at most 1000 observations).",
            parameter="limit",
        )
    if cursor is not None:
        raise InvalidParameter("limit=all reads everything: leave out cursor.", parameter="cursor")
    stream = service.ObservationStream(request.app.state.engine, query=query, sort=sort)
    headers = {"X-Total-Count": str(stream.count)}
    if representation is Format.ndjson:
        return ndjson_response(stream.documents(), headers=headers)
    rows = ({**d, **d["dimensions"]} for d in stream.documents())
    columns = CORE_COLUMNS + known_dimensions
    return csv_response(columns, rows, filename="observations.csv", headers=headers)


ObservationId = Annotated[int, Path(description="The observation's id.", examples=[1])]
IfMatch = Annotated[
    str | None,
    Header(description="The ETag of the revision you are replacing (from GET)."),
]
NOT_FOUND = not_found("observation")
EDIT_RESPONSES = edit_responses("observation")


def _detail_response(
    session: Session, observation: Observation, *, status_code: int = 200
) -> Response:
    headers = {"Location": f"/v1/observations/{observation.id}"} if status_code == 201 else {}
    return versioned_json_response(
        service.observation_detail(session, observation),
        revision_etag=service.etag(observation),
        status_code=status_code,
        headers=headers,
    )


@router.get(
    "/{observation_id}",
    response_model=ObservationDetail,
    responses=NOT_FOUND,
    dependencies=[Depends(forbid_unknown_params)],
)
def read_observation(
    observation_id: ObservationId, session: SessionDep, as_of: AsOfParam = None
) -> Response:
    """Read one observation, with its source, the sources it was relayed through, and its parts.

    Retracted observations stay readable here, marked `retracted`. The ETag header names
    the current revision: send it back as If-Match to edit."""
    observation = service.get_observation(session, observation_id, as_of=as_of)
    detail = service.observation_detail(session, observation, as_of=as_of)
    if as_of is not None:  # a past state: cached by data version, not edited
        return json_response(detail)
    return versioned_json_response(detail, revision_etag=service.etag(observation))


@router.get(
    "/{observation_id}/history",
    response_model=ListResponse[RevisionPublic],
    responses=NOT_FOUND,
    dependencies=[Depends(forbid_unknown_params)],
)
def read_observation_history(
    observation_id: ObservationId, request: Request, session: SessionDep
) -> Response:
    """List every revision of an observation: when, by whom, why, and what it said."""
    revisions = editing.list_history(session, observation_id)
    documents = service.observation_documents(session, revisions)
    data = [
        {
            "revision": revision.revision,
            "action": revision.action,
            "recorded_at": revision.recorded_at,
            "recorded_by": revision.recorded_by,
            "reason": revision.reason,
            "observation": document,
        }
        for revision, document in zip(revisions, documents, strict=True)
    ]
    envelope = list_envelope(
        request, data, data_version=current_catalog(session).data_version, sort="revision"
    )
    return json_response(envelope)


@router.post(
    "",
    status_code=201,
    response_model=ObservationDetail,
    responses=WRITE_RESPONSES,
    dependencies=[Depends(forbid_unknown_params)],
    openapi_extra=body_openapi(ObservationData),
)
def create_observation(
    actor: EditorDep,
    data: Annotated[ObservationData, Depends(json_body(ObservationData, after=require_editor))],
    session: WriteSessionDep,
) -> Response:
    """Add an observation (editor). Answers 201 with Location and ETag."""
    observation = editing.create_observation(session, data, actor=actor.name)
    bump_data_version(session)
    return _detail_response(session, observation, status_code=201)


@router.patch(
    "/{observation_id}",
    response_model=ObservationDetail,
    responses=EDIT_RESPONSES,
    dependencies=[Depends(forbid_unknown_params)],
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
        observation, outcome = editing.edit_observation(
            session,
            observation_id,
            changes.changes(),
            expected_revision=revision,
            actor=actor.name,
            reason=changes.reason,
        )
    if outcome == "updated":
        bump_data_version(session)
    return _detail_response(session, observation)


@router.post(
    "/{observation_id}/retract",
    response_model=ObservationDetail,
    responses=EDIT_RESPONSES,
    dependencies=[Depends(forbid_unknown_params)],
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
    bump_data_version(session)
    return _detail_response(session, observation)
