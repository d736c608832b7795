"""The explorer: the home page, where a reader sees every figure for a pair of countries
over time, reads each one's quote and copies its citation, without writing a query.

The page, its script and its styles are files of this package (`static/`), written for it:
no framework, no build step, nothing from another host. The page reads the public API
like any client; its state (pair, metrics, date, selected figure, search) lives in its own
URL, which is why `/` takes any query string: the script, not this route, reads it.

The home page also carries the dataset's schema.org description (`app.index.metadata`, as
`GET /v1` serves it) in a JSON-LD data block, for search engines and dataset catalogs: a
`<script type="application/ld+json">` is data, never run, so the CSP (`script-src 'self'`)
neither applies to it nor reports it."""

import hashlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Scope

from app.http.conditional import matches
from app.http.context import ContextDep
from app.http.pages import STRICT_PAGE_POLICY
from app.index import metadata
from app.index import service as index_service

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


@lru_cache(maxsize=4)
def _page_text(path: str, modified_ns: int, size: int) -> str:
    return Path(path).read_text("utf-8")


def json_ld_block(document: dict[str, Any]) -> str:
    """A JSON-LD data block. `<`, `>` and `&` are written as JSON's escapes, so no text of
    the data (a metric's definition) can end the element or open a comment in it."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/ld+json">{text}</script>'


def with_block(page: str, block: str) -> str:
    """The page with `block` as the last element of its head."""
    head_ends = page.index("</head>")
    return f"{page[:head_ends]}  {block}\n{page[head_ends:]}"


def home_etag(page: str, document: dict[str, Any], data_version: int) -> str:
    """From the page's file, the description and the data version, leaving out the moment
    the data changed (the version moves with it): the same page over the same data is
    named alike on every instance, as the assets are."""
    lasting = {name: value for name, value in document.items() if name != "dateModified"}
    named = f"{page}\n{json.dumps(lasting, sort_keys=True)}\nv{data_version}".encode()
    return f'"{hashlib.blake2b(named, digest_size=16).hexdigest()}"'


@router.get("/", response_class=HTMLResponse)
def read_explorer(request: Request, context: ContextDep) -> Response:
    """The explorer, with the dataset's description; a 304 while page and data are the
    ones the browser holds (the description reads no more than the data version then,
    since its facts are kept per version)."""
    page_file = STATIC / "index.html"
    found = page_file.stat()
    page = _page_text(str(page_file), found.st_mtime_ns, found.st_size)
    facts = index_service.dataset_facts(
        context.session, catalog=context.catalog, state=context.state
    )
    document = metadata.dataset(facts, base_url=str(request.base_url))
    headers = {
        **REVALIDATE,
        "Content-Security-Policy": STRICT_PAGE_POLICY,
        "ETag": home_etag(page, document, facts.data_version),
    }
    if matches(request.headers.get("if-none-match", ""), headers["ETag"]):
        return NotModifiedResponse(Headers(headers=headers))
    return HTMLResponse(with_block(page, json_ld_block(document)), headers=headers)


@router.get("/review", response_class=FileResponse)
def read_review() -> FileResponse:
    """The review page: drafts proposed from a source's text, for an editor to decide
    (the page asks for the editor's token and sends it to the API only)."""
    return _page("review.html")
