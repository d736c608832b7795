"""All settings in one class, read from the environment (or a `.env` file)."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = PROJECT_ROOT / "seed"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


class Settings(BaseSettings):
    """Every setting is an environment variable of the same name in upper case."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///laborstats.db",
        description=(
            "SQLAlchemy URL of the database. Default: the SQLite file laborstats.db in the "
            "working directory. PostgreSQL: postgresql+psycopg://user@host:5432/dbname"
        ),
    )
    migrate_on_start: bool = Field(
        default=True,
        description="Apply pending migrations when the API starts.",
    )
    cors_allow_origins: str = Field(
        default="*",
        description="Comma-separated origins whose pages may read the public API (GET, HEAD "
        "without a token) from a browser; * for any.",
    )
    cors_write_origins: str = Field(
        default="",
        description="Comma-separated origins whose pages may write (POST, PATCH, DELETE) or "
        "send a token from a browser; empty for none: a page elsewhere cannot have a "
        "reader's browser use an editor's token.",
    )
    sqlite_busy_timeout_ms: int = Field(
        default=5000,
        ge=0,
        description="How long a SQLite connection waits for a lock before giving up.",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1,
        description="Largest body of a single write (an observation, a source), in bytes.",
    )
    import_max_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1,
        description="Largest file POST /v1/imports accepts, in bytes.",
    )
    cache_max_age: int = Field(
        default=60,
        ge=0,
        description="Seconds a browser, cache or CDN may reuse a public read (Cache-Control).",
    )
    threadpool_size: int | None = Field(
        default=None,
        ge=1,
        description="Threads per process running requests. Default: 2 on SQLite (few threads "
        "beat many: each row read retakes the GIL), 8 on PostgreSQL (threads wait on the "
        "network).",
    )
    log_level: str = Field(default="info", description="uvicorn and application log level.")
    statement_timeout_ms: int = Field(
        default=10_000,
        ge=0,
        description="PostgreSQL: longest a request's statement may run (or wait for a lock) "
        "before it is cancelled and answered 503 with Retry-After; 0 for no limit. The CLI "
        "has none.",
    )
    facet_timeout_ms: int = Field(
        default=1000,
        ge=1,
        description="Longest one facet of GET /v1/observations (`facet=origin`) may take; one "
        'past it is answered `{"timed_out": true}` and the rest of the response is served.',
    )
    pool_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Longest a request waits for a pooled database connection before it is "
        "answered 503 with Retry-After.",
    )
    exports_per_process: int = Field(
        default=4,
        ge=1,
        description="Whole exports (limit=all) one process streams at once, each holding a "
        "database connection; one more is answered 503 with Retry-After. With the request "
        "threads, it sizes the connection pool, so exports never take the connections other "
        "requests need.",
    )
    send_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="`laborstats serve`: a client that reads nothing of a response for this "
        "long is disconnected (a stalled export then frees its connection).",
    )
    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="`laborstats serve`: a connection whose request head (request line and "
        "headers) is not complete this long after it opened, or after its last response, "
        "is closed (idle and slowloris clients).",
    )
    body_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="`laborstats serve`: a connection whose request body stops arriving for "
        "this long is closed (slowloris on the body); the server's own pauses do not count.",
    )
    keep_alive_timeout_s: float = Field(
        default=5.0,
        gt=0,
        description="`laborstats serve`: an idle kept-alive connection is closed after this long.",
    )
    shutdown_timeout_s: float = Field(
        default=8.0,
        gt=0,
        description="`laborstats serve`: on SIGTERM (a deploy stopping it) or Ctrl-C, the "
        "server stops accepting connections and gives the requests in flight, streamed "
        "exports included, this long to finish; any still running are then ended (a "
        "streamed body without its last chunk, which a client sees as cut short) and the "
        "server exits, with status 0 on SIGTERM. The default fits within `docker stop`'s "
        "10 s; raise both together to let long exports finish.",
    )
    retry_after_s: int = Field(
        default=5,
        ge=1,
        description="Retry-After (seconds) sent with a 503: the database is unreachable, "
        "locked, read-only, full or slow, or every export place is taken.",
    )
    rate_limit_reads: int = Field(
        default=1800,
        ge=0,
        description="Reads (GET, HEAD) one client address may make per RATE_LIMIT_WINDOW_SECONDS "
        "(IPv6: per /64 network); 0 for no limit. 1,800 a minute is 30 a second: a dashboard "
        "polls a few routes a minute, a journalist's script paging through everything or a "
        "newsroom behind one address stay far below it, while one client cannot take more than "
        "a few percent of what a worker serves.",
    )
    rate_limit_writes: int = Field(
        default=300,
        ge=0,
        description="Writes (POST, PATCH...) one token may make per RATE_LIMIT_WINDOW_SECONDS; 0 "
        "for no limit. Five a second is more than an editor or a correcting script needs (bulk "
        "data goes through one import request) and bounds what a runaway script or a leaked "
        "token does to the one database writer.",
    )
    rate_limit_window_seconds: int = Field(
        default=60,
        ge=1,
        description="The window of the read and write limits, in seconds; a spent budget comes "
        "back gradually over it.",
    )
    rate_limit_auth_failures: int = Field(
        default=20,
        ge=0,
        description="Requests with a wrong token (answered 401) one client address may make per "
        "RATE_LIMIT_AUTH_FAILURE_WINDOW_SECONDS; past it every request carrying a token gets 429 "
        "before the token is looked at. 0 for no limit. Someone mistyping a token tries a few "
        "times; twenty per ten minutes leaves a guesser nothing to time and no load to cause.",
    )
    rate_limit_auth_failure_window_seconds: int = Field(
        default=600,
        ge=1,
        description="The window of RATE_LIMIT_AUTH_FAILURES, in seconds.",
    )
    rate_limit_workers: int = Field(
        default=1,
        ge=1,
        description="How many worker processes share each budget: each process enforces its "
        "share (budget / workers), so no client gets more than the budget across them. "
        "`laborstats serve` sets it to its --workers; set it when starting uvicorn by hand.",
    )
    webhooks_allow_private_addresses: bool = Field(
        default=False,
        description="Deliver webhooks to URLs that resolve to loopback, private or link-local "
        "addresses too. Off by default: a subscription must not make the API a client of its "
        "own network. Set it for receivers on the same machine or a private network.",
    )
    webhooks_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Longest a webhook delivery may take, connecting included; past it the "
        "attempt has failed and is retried.",
    )
    webhooks_retry_base_s: float = Field(
        default=5.0,
        gt=0,
        description="Wait before the first retry of a failed delivery; each further failure "
        "doubles it (with jitter), up to WEBHOOKS_RETRY_MAX_S.",
    )
    webhooks_retry_max_s: float = Field(
        default=3600.0, gt=0, description="Longest wait between two attempts."
    )
    webhooks_max_failures: int = Field(
        default=12,
        ge=1,
        description="Failed attempts in a row after which a subscription is paused (an admin "
        "resumes it); with the defaults, about eight hours of failures.",
    )
    webhooks_poll_s: float = Field(
        default=1.0,
        gt=0,
        description="How often each server process looks for changes to deliver.",
    )
    webhooks_deliver: bool = Field(
        default=True,
        description="Whether the server's processes deliver webhooks (one deliverer per "
        "subscription at a time, whatever the number of processes or instances).",
    )
    log_format: Literal["json", "text"] | None = Field(
        default=None,
        description="Server log lines: json (one object a line, for a log collector) or text "
        "(for a person reading a terminal). Default: text when standard error is a terminal, "
        "json otherwise (a file, a pipe, a container's log).",
    )

    @property
    def request_threads(self) -> int:
        if self.threadpool_size is not None:
            return self.threadpool_size
        return 2 if self.database_url.startswith("sqlite") else 8

    @property
    def cors_origins(self) -> list[str]:
        return _origins(self.cors_allow_origins)

    @property
    def cors_write_origin_list(self) -> list[str]:
        return _origins(self.cors_write_origins)


def _origins(listed: str) -> list[str]:
    return [origin.strip() for origin in listed.split(",") if origin.strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()
