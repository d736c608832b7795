"""Log lines: JSON (one object a line, for machines) or text (for a person at a terminal),
each stamped with the id of the request it was written for, and the logging configuration
`laborstats serve` hands uvicorn, so that its lines and the application's look alike."""

import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

import orjson

# The id of the request being served (set by app.server.observability), so that every line
# written while serving it, an error's traceback included, can be joined to its access line.
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def stamp_request_ids() -> None:
    """Have every log record carry the id of the request it was written for, read when it
    is written: a handler may format it later, outside the request."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "stamps_request_ids", False):
        return

    def make_stamped_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        record.request_id = request_id.get()
        return record

    make_stamped_record.stamps_request_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make_stamped_record)


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    """What a line says besides its message: the request id and the record's `fields`."""
    fields: dict[str, Any] = {}
    current = getattr(record, "request_id", None) or request_id.get()
    if current is not None:
        fields["request_id"] = current
    fields.update(getattr(record, "fields", None) or {})
    return fields


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, then the record's fields.
    Newlines and control characters in a value are escaped, so a line is always one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,  # which worker process
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(line, default=str).decode()


def _text(value: object) -> str:
    text = str(value)
    return text if text.isprintable() and " " not in text else repr(text)


class TextFormatter(logging.Formatter):
    """`time level logger message key=value...`, values escaped like Python literals so
    that a newline sent in a path cannot forge a line."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = " ".join(f"{key}={_text(value)}" for key, value in _fields(record).items())
        return f"{line} {fields}" if fields else line


def chosen_format(log_format: str | None, stream: IO[str] | None = None) -> str:
    """`log_format` if set (LOG_FORMAT); otherwise text when the log goes to a terminal,
    where a person reads it, and JSON when it goes anywhere else (a file, a pipe, a
    container's log collector)."""
    if log_format:
        return log_format
    stream = sys.stderr if stream is None else stream
    try:
        return "text" if stream.isatty() else "json"
    except (AttributeError, ValueError):  # no stream, or a closed one
        return "json"


def logging_config(log_format: str | None, level: str) -> dict[str, Any]:
    """A `logging.config.dictConfig` for the server: uvicorn's loggers and the
    application's (and any library's, through the root) all write lines to standard error,
    in `log_format` or, if it is None, the format `chosen_format` picks for standard error.
    uvicorn's access log is left off: app.server.observability writes one."""
    formatter = JsonFormatter if chosen_format(log_format) == "json" else TextFormatter
    level = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"handlers": ["default"], "level": level},
        "loggers": {
            # Through the root's handler, once.
            "uvicorn": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.error": {"handlers": [], "level": level, "propagate": True},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
        },
    }
