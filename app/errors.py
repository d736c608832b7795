"""One family of errors, rendered by one handler (app.http.problems) as RFC 9457
problem+json, and by the CLI as a message.

Services raise these; they know nothing of HTTP beyond the status each one maps to.
"""

from typing import Any


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
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        # What kind of record the error is about ("observation", "source"), so that the
        # HTTP layer can say where to find the ones that exist.
        self.subject = subject
        self.headers = headers or {}
        self.extra = extra


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
    """No token, or one that is unknown or revoked."""

    status = 401
    slug = "unauthorized"
    title = "Unauthorized"


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
