"""The query string of GET /v1/sources: paging, format, and what changed after a moment."""

from app.http.query import PagedFormatParameters, UpdatedAfter


class SourceQuery(PagedFormatParameters):
    updated_after: UpdatedAfter = None
