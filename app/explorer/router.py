"""The explorer: the home page, where a reader sees every figure for a pair of countries
over time, reads each one's quote and copies its citation, without writing a query.

The page, its script and its styles are files of this package (`static/`), written for it:
no framework, no build step, nothing from another host. The page reads the public API
like any client; its state (pair, metrics, date, selected figure, search) lives in its own
URL, which is why `/` takes any query string: the script, not this route, reads it."""

import os
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.http.pages import STRICT_PAGE_POLICY

STATIC = Path(__file__).parent / "static"
ASSETS_PATH = "/explorer"
# Revalidated on every use (a 304 when unchanged), so a new release is seen at once.
REVALIDATE = {"Cache-Control": "no-cache"}

router = APIRouter(include_in_schema=False)


class ExplorerAssets(StaticFiles):
    """The page's script and styles, with ETag and Last-Modified from StaticFiles."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers.update(REVALIDATE)
        return response


assets = ExplorerAssets(directory=STATIC)


@router.get("/", response_class=FileResponse)
def read_explorer() -> FileResponse:
    headers = {**REVALIDATE, "Content-Security-Policy": STRICT_PAGE_POLICY}
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=headers)
