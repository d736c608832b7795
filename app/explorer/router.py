"""The explorer: the home page, where a reader sees every figure for a pair of countries
over time, reads each one's quote and copies its citation, without writing a query.

The page, its script and its styles are files of this package (`static/`), written for it:
no framework, no build step, nothing from another host. The page reads the public API
like any client; its state (pair, metrics, date, selected figure, search) lives in its own
URL, which is why `/` takes any query string: the script, not this route, reads it."""

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

from app.http.pages import STRICT_PAGE_POLICY

STATIC = Path(__file__).parent / "static"
ASSETS_PATH = "/explorer"
# Revalidated on every use (a 304 when unchanged), so a new release is seen at once.
REVALIDATE = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


@lru_cache(maxsize=64)
def _digest(path: str, modified_ns: int, size: int) -> str:
    return hashlib.blake2b(Path(path).read_bytes(), digest_size=16).hexdigest()


def content_etag(path: str | os.PathLike[str], stat_result: os.stat_result) -> str:
    """An ETag from a file's bytes, not its modification time (which Starlette's is made
    of): every instance of one release, wherever its files were unpacked, names a file
    alike, so a copy revalidated against any of them is still good."""
    return f'"{_digest(str(path), stat_result.st_mtime_ns, stat_result.st_size)}"'


class ExplorerAssets(StaticFiles):
    """The page's script and styles, with an ETag from their bytes and Last-Modified."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        headers = {**REVALIDATE, "ETag": content_etag(full_path, stat_result)}
        response = FileResponse(
            full_path, status_code=status_code, stat_result=stat_result, headers=headers
        )
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response


assets = ExplorerAssets(directory=STATIC)


def _page(name: str) -> FileResponse:
    page = STATIC / name
    headers = {
        **REVALIDATE,
        "Content-Security-Policy": STRICT_PAGE_POLICY,
        "ETag": content_etag(page, page.stat()),
    }
    return FileResponse(page, media_type="text/html", headers=headers)


@router.get("/", response_class=FileResponse)
def read_explorer() -> FileResponse:
    return _page("index.html")


@router.get("/review", response_class=FileResponse)
def read_review() -> FileResponse:
    """The review page: drafts proposed from a source's text, for an editor to decide
    (the page asks for the editor's token and sends it to the API only)."""
    return _page("review.html")
