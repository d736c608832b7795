from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.changes import feeds, service
from app.changes.params import ChangeFormat, ChangeQuery
from app.changes.schemas import ChangeList
from app.http.context import ContextDep
from app.http.envelopes import list_envelope
from app.http.formats import json_response
from app.http.openapi import PROBLEM
from app.http.paging import next_url, paging_headers

router = APIRouter(prefix="/v1/changes", tags=["changes"])

FEED_EXAMPLE = '<feed xmlns="http://www.w3.org/2005/Atom"><entry>...</entry></feed>'


@router.get(
    "",
    response_model=ChangeList,
    responses={
        200: {
            "description": "A page of changes, oldest first; an Atom feed or a JSON Feed on "
            "request (`format`).",
            "content": {
                "application/atom+xml": {"schema": {"type": "string"}, "example": FEED_EXAMPLE},
                "application/feed+json": {"schema": {"type": "object"}},
            },
        },
        400: {"description": "An unknown parameter, or a bad since or country.", **PROBLEM},
    },
)
def list_changes(
    request: Request, params: Annotated[ChangeQuery, Query()], context: ContextDep
) -> Response:
    """List every change to sources, events and observations (a creation, a revision, a
    retraction), oldest first, in the order they were committed: a dashboard stays in
    sync by asking for the changes `since` the last page's `meta.next_cursor`, which never
    skips nor repeats one, whatever is written meanwhile. Each change names the record, its
    revision, when, by whom and why, and links to the record and its history."""
    after = service.start_after(context.session, params.since)
    where = service.ChangeFilter(
        origin=params.origin,
        destination=params.destination,
        kind=params.kind.value if params.kind else None,
    )
    changes = service.list_changes(context.session, where, after=after, limit=params.limit + 1)
    page, more = changes[: params.limit], len(changes) > params.limit
    last = page[-1].key if page else after
    # The next page starts after this one's last change; on the last page, `since` the same
    # place asks again later for what came after.
    following = service.cursor(last) if last is not None else None
    next_cursor = following if more else None
    documents = list(service.documents(page))
    if params.format in (ChangeFormat.atom, ChangeFormat.jsonfeed):
        base = str(request.base_url).rstrip("/")
        next_link = next_url(request, next_cursor, name="since")
        write = feeds.atom if params.format is ChangeFormat.atom else feeds.json_feed
        media_type = (
            feeds.ATOM_MEDIA_TYPE
            if params.format is ChangeFormat.atom
            else feeds.JSON_FEED_MEDIA_TYPE
        )
        body = write(documents, base=base, self_url=str(request.url), next_url=next_link)
        return Response(body, media_type=media_type)
    envelope = list_envelope(
        request,
        documents,
        data_version=context.data_version,
        limit=params.limit,
        next_cursor=next_cursor,
        sort="data_version",
    )
    envelope["meta"]["resume_cursor"] = following
    envelope["links"]["next"] = next_url(request, next_cursor, name="since")
    return json_response(envelope, headers=paging_headers(request, next_cursor, name="since"))
