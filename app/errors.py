"""One family of errors, rendered by one handler (app.server.errors) as RFC 9457
problem+json, and by the CLI as a message.

Services raise these with what went wrong (a detail, the field, when to retry); each error
says how it is answered over HTTP (its status, and the headers that follow from what it
says), so that no service writes a header.
"""

import difflib
from collections.abc import Iterable
from typing import Any


def did_you_mean(value: str, known: Iterable[str]) -> str:
    """' Did you mean X?' for the known values closest to what was sent; '' when none is
    close. For messages that name a value the API does not know."""
    close = difflib.get_close_matches(value, list(known), n=3, cutoff=0.6)
    if not close:
        close = [k for k in known if value and k.lower() == value.lower()][:1]
    return f" Did you mean {' or '.join(close)}?" if close else ""


class AppError(Exception):
    """An error a client can act on: `detail` says what was wrong and how to put it right."""

    status: int = 500
    slug: str = "internal-error"
    title: str = "Internal server error"

    def __init__(
        self,
        detail: str,
        *,
        subject: str | None = None,
        retry_after_s: int | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        # What kind of record the error is about ("observation", "source"), so that the
        # HTTP layer can say where to find the ones that exist.
        self.subject = subject
        # When the same request may succeed: the fault passes without the client changing it.
        self.retry_after_s = retry_after_s
        self.extra = extra

    @property
    def headers(self) -> dict[str, str]:
        """The headers its answer carries besides the problem, from what the error says."""
        return {} if self.retry_after_s is None else {"Retry-After": str(self.retry_after_s)}


class BadRequest(AppError):
    status = 400
    slug = "bad-request"
    title = "Bad request"


class InvalidParameter(BadRequest):
    slug = "invalid-parameter"
    title = "Invalid parameter"


class UnknownParameter(BadRequest):
    slug = "unknown-parameter"
    title = "Unknown query parameter"


class UnknownReference(BadRequest):
    """A filter names a metric, source or dimension that does not exist."""

    slug = "unknown-reference"
    title = "Unknown reference"


class Unauthorized(AppError):
    """No token: the answer challenges the client for one (RFC 6750)."""

    status = 401
    slug = "unauthorized"
    title = "Unauthorized"
    challenge = 'Bearer realm="laborstats"'

    @property
    def headers(self) -> dict[str, str]:
        return {**super().headers, "WWW-Authenticate": self.challenge}


class InvalidToken(Unauthorized):
    """A token that is unknown or revoked."""

    challenge = 'Bearer realm="laborstats", error="invalid_token"'


class Forbidden(AppError):
    """A valid token whose role does not allow this."""

    status = 403
    slug = "forbidden"
    title = "Forbidden"


class NotFound(AppError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(AppError):
    """The request contradicts the current state: a stale revision named in the body, an
    edit of a retracted observation, a code that is taken."""

    status = 409
    slug = "conflict"
    title = "Conflict"


class StaleRevision(Conflict):
    """An edit names a revision that is no longer current: someone else edited first.
    409 when the revision was named in the body; routers answer 412 for If-Match."""

    slug = "stale-revision"
    title = "Stale revision"


class PreconditionFailed(AppError):
    """If-Match names a revision that is no longer current."""

    status = 412
    slug = "precondition-failed"
    title = "Precondition failed"


class PayloadTooLarge(AppError):
    status = 413
    slug = "payload-too-large"
    title = "Payload too large"


class UnsupportedMediaType(AppError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


class PreconditionRequired(AppError):
    """An edit that names no revision: it could overwrite someone else's."""

    status = 428
    slug = "precondition-required"
    title = "Precondition required"


class TooManyRequests(AppError):
    """A client went over a rate limit: `violated-policies` names it (the IETF RateLimit
    draft's quota-exceeded problem) and `Retry-After` says when to try again."""

    status = 429
    slug = "quota-exceeded"
    title = "Too many requests"


class InvalidData(AppError):
    """Data sent to be stored breaks a rule (a bound, a reference, a country code)."""

    status = 422
    slug = "invalid-data"
    title = "Invalid data"


class ImportFailed(InvalidData):
    """Some rows of an import break a rule; `problems` lists each by file and line."""

    slug = "import-failed"
    title = "Import failed"


class DatabaseUnavailable(AppError):
    status = 503
    slug = "database-unavailable"
    title = "Database unavailable"


class DatabaseBusy(AppError):
    """Too many writes at once: the write lock could not be had in time."""

    status = 503
    slug = "database-busy"
    title = "Database busy"


class NotReady(AppError):
    """The database does not answer, or its schema is not the one this code needs."""

    status = 503
    slug = "not-ready"
    title = "Not ready"


class DatabaseReadOnly(AppError):
    """The database (or the disk under it) takes no writes for now; reads go on."""

    status = 503
    slug = "database-read-only"
    title = "Database read-only"


class DiskFull(AppError):
    """The disk under the database, or under an upload, is full: nothing was written."""

    status = 503
    slug = "disk-full"
    title = "Disk full"


class ExportsBusy(AppError):
    """Every place for a whole export in this process is taken."""

    status = 503
    slug = "exports-busy"
    title = "Too many exports at once"
