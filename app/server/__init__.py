"""The server's machinery around the routers: middleware (caching, rate limits, security
headers, HEAD and OPTIONS, observability), error handling, the OpenAPI document and docs
pages, and the HTTP protocol `laborstats serve` gives uvicorn. Routers never import it."""
