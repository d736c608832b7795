"""The application factory: `uvicorn app.main:create_app --factory`, or `laborstats serve`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware
from fastapi_offline import FastAPIOffline

from app import API_VERSION
from app.audit.router import router as audit_router
from app.auth.service import token_key_id
from app.changes.router import router as changes_router
from app.config import Settings, get_settings
from app.countries.router import router as countries_router
from app.dataset.catalog import CatalogCache
from app.db import create_db_engine, create_health_engine, is_sqlite, migrate
from app.drafts.router import router as drafts_router
from app.events.router import router as events_router
from app.explorer.router import ASSETS_PATH
from app.explorer.router import assets as explorer_assets
from app.explorer.router import router as explorer_router
from app.health.router import router as health_router
from app.http.context import ExportSlots
from app.imports.router import router as imports_router
from app.index.router import router as index_router
from app.metrics.router import router as metrics_router
from app.observations.router import router as observations_router
from app.series.router import router as series_router
from app.server import observability, retirements, security
from app.server.caching import HttpCacheMiddleware
from app.server.documentation import install_openapi, operation_id, use_docstrings_as_summaries
from app.server.errors import DatabaseFaultMiddleware, install_error_handlers
from app.server.methods import MethodsMiddleware
from app.server.ratelimit import RateLimitMiddleware
from app.server.retirements import RetirementMiddleware
from app.server.security import SplitCorsMiddleware
from app.server.stopping import stop_with_the_supervisor
from app.server.telemetry import Telemetry
from app.sources.router import router as sources_router
from app.webhooks.delivery import start_deliveries
from app.webhooks.router import router as webhooks_router

DESCRIPTION = """
Sourced, dated labor-migration statistics. Every figure is an **observation**: a value of a
metric between an origin and a destination country, for a period, with how certain it is
(`qualifier`), what kind of figure it is (`basis`), who said it, where it was published,
when, and the verbatim quote. Competing figures are shown side by side, never merged.

* Lists answer `{"data": [...], "meta": {...}, "links": {...}}` and page with `cursor`.
* `format=csv` or `format=ndjson` (or the Accept header) on observations and series.
* Errors are RFC 9457 `application/problem+json` naming what was wrong.
* A query parameter an endpoint does not know is refused with 400, never ignored.
* Reads are public. Writes need `Authorization: Bearer <token>`; nothing is overwritten:
  every edit is a revision (`/v1/observations/{id}/history`), and `as_of=YYYY-MM-DD`
  answers with what the API held at the end of that day.
"""

TAGS = [
    {"name": "observations", "description": "Sourced figures, filtered and paged."},
    {"name": "series", "description": "Figures per period for a country pair, side by side."},
    {"name": "countries", "description": "The countries and pairs the figures name."},
    {"name": "metrics", "description": "What each figure counts."},
    {"name": "sources", "description": "Where figures were published, and relayed."},
    {"name": "events", "description": "Dated events sources report, drawn beside figures."},
    {
        "name": "changes",
        "description": "Every change, in commit order: stay in sync without downloading again.",
    },
    {
        "name": "webhooks",
        "description": "Changes POSTed to a subscriber as they commit, signed (admin).",
    },
    {"name": "imports", "description": "Bulk CSV or JSON-lines imports: all rows or none."},
    {
        "name": "drafts",
        "description": "Figures proposed from a source's text, for an editor to accept or reject.",
    },
    {"name": "audit", "description": "Every write, for admins."},
    {"name": "index", "description": "Versions and links."},
    {"name": "health", "description": "Liveness, readiness and Prometheus metrics."},
]
ROUTERS = (
    index_router,
    observations_router,
    series_router,
    countries_router,
    metrics_router,
    sources_router,
    events_router,
    changes_router,
    webhooks_router,
    imports_router,
    drafts_router,
    audit_router,
    health_router,
    explorer_router,
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            migrate(settings.database_url)
        # Few threads beat many for SQLite-bound work: each row read retakes the GIL.
        to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        deliveries = start_deliveries(app.state.engine, app.state.write_engine, settings)
        stop_with_the_supervisor()
        yield
        if deliveries is not None:
            deliveries.stop()
        app.state.engine.dispose()
        app.state.write_engine.dispose()
        app.state.health_engine.dispose()

    app = FastAPIOffline(
        title="laborstats",
        version=API_VERSION,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        static_url="/docs-assets",
        generate_unique_id_function=operation_id,
    )
    app.state.settings = settings
    # A connection for every request thread and every export place: stalled exports never
    # leave a request waiting for one (the overflow covers the brief rest).
    limits = {
        "busy_timeout_ms": settings.sqlite_busy_timeout_ms,
        "statement_timeout_ms": settings.statement_timeout_ms,
        "pool_size": settings.request_threads + settings.exports_per_process,
        "pool_timeout_s": settings.pool_timeout_s,
    }
    app.state.engine = create_db_engine(settings.database_url, **limits)
    app.state.write_engine = (
        create_db_engine(settings.database_url, for_writes=True, **limits)
        if is_sqlite(settings.database_url)
        else app.state.engine
    )
    app.state.health_engine = create_health_engine(settings.database_url)
    app.state.export_slots = ExportSlots(
        settings.exports_per_process, retry_after_s=settings.retry_after_s
    )
    app.state.catalogs = CatalogCache()
    # Starlette runs the last middleware added first. From the outside in: observability,
    # security headers, Starlette's error middleware, CORS, database faults, rate limits,
    # HEAD and OPTIONS, compression, then caching (whose 304s carry no body).
    app.add_middleware(HttpCacheMiddleware, max_age=settings.cache_max_age)
    # Level 1 (nginx's default): most of the saving on JSON and CSV at a sixth of level 9's
    # CPU, so that a streamed export is compressed as fast as it is read.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=1)
    # Outside compression: a HEAD's headers are those of the compressed GET.
    app.add_middleware(MethodsMiddleware)
    # Inside CORS, which exposes its headers to a dashboard in a browser.
    app.add_middleware(RetirementMiddleware, retired=retirements.RETIRED)
    # Inside CORS, so that a 429 still tells a browser it may read it.
    app.add_middleware(RateLimitMiddleware, settings=settings, token_key=token_key_id)
    # Inside CORS: a database or disk fault raised in any middleware below is a 503 problem
    # a browser may read.
    app.add_middleware(DatabaseFaultMiddleware)
    app.add_middleware(
        SplitCorsMiddleware,
        read_origins=settings.cors_origins,
        write_origins=settings.cors_write_origin_list,
        expose_headers=[
            "X-Total-Count",
            "Link",
            "ETag",
            "Last-Modified",
            "Location",
            "X-Request-ID",
            "RateLimit",
            "RateLimit-Policy",
            "Retry-After",
            "Deprecation",
            "Sunset",
        ],
    )
    install_error_handlers(app)
    use_docstrings_as_summaries(ROUTERS)
    for router in ROUTERS:
        app.include_router(router)
    app.mount(ASSETS_PATH, explorer_assets, name="explorer")
    install_openapi(app)
    # Outside every middleware above and Starlette's own: request ids, access log, metrics.
    app.state.telemetry = Telemetry()
    # Security headers just inside it, outside CORS and Starlette's own error middleware:
    # on every response, a crash's 500 and the answers to preflights included.
    security.install(app)
    observability.install(app, app.state.telemetry)
    return app
