"""HTTP plumbing shared by every router: query parameters as models, list envelopes and
paging links, formats and negotiation, conditional requests (ETag, If-None-Match, If-Match),
request bodies, the per-request read context, problem+json errors and the OpenAPI document.
Services never import this package; routers and the app factory do."""
