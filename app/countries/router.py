"""GET /v1/countries and GET /v1/pairs: from the index to the figures by following links."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response

from app.countries import service
from app.countries.schemas import (
    COUNTRY_CSV_COLUMNS,
    PAIR_CSV_COLUMNS,
    CountryPublic,
    PairPublic,
)
from app.domain.lists import ListResponse
from app.http.context import ContextDep
from app.http.envelopes import served_list
from app.http.formats import AcceptedFormatDep
from app.http.openapi import table_responses
from app.http.query import FormatParameters

router = APIRouter(tags=["countries"])


def _observations(**filters: str) -> str:
    return f"/v1/observations?{urlencode(filters)}"


@router.get(
    "/v1/countries",
    response_model=ListResponse[CountryPublic],
    responses=table_responses(
        "Every country some figure names, by code; CSV and NDJSON on request.",
        COUNTRY_CSV_COLUMNS,
    ),
    description=(
        "Every country a figure names as origin or destination (retracted figures left out), "
        "with its ISO 3166 name, how many figures name it each way, and links to them."
    ),
)
def list_countries(
    request: Request,
    params: Annotated[FormatParameters, Query()],
    context: ContextDep,
    accepted: AcceptedFormatDep,
) -> Response:
    """List the countries the figures name, with links to their figures."""
    documents = [
        {
            **country.model_dump(mode="json"),
            "links": {
                "observations_from": _observations(origin=country.code),
                "observations_to": _observations(destination=country.code),
            },
        }
        for country in service.countries(context.session)
    ]
    return served_list(
        request,
        documents,
        representation=params.format or accepted,
        csv_columns=COUNTRY_CSV_COLUMNS,
        filename="countries.csv",
        data_version=context.data_version,
        sort="code",
    )


@router.get(
    "/v1/pairs",
    response_model=ListResponse[PairPublic],
    responses=table_responses(
        "Every origin-destination pair with figures, by origin then destination; CSV (metrics "
        "space-separated) and NDJSON on request.",
        PAIR_CSV_COLUMNS,
    ),
    description=(
        "Every origin and destination some figures are about (retracted figures left out): "
        "the metrics they count, how many there are, the span of their periods, and links to "
        "the figures and to their series."
    ),
)
def list_pairs(
    request: Request,
    params: Annotated[FormatParameters, Query()],
    context: ContextDep,
    accepted: AcceptedFormatDep,
) -> Response:
    """List the origin-destination pairs with figures, with links to them."""
    documents = []
    for pair in service.pairs(context.session):
        both = {"origin": pair.origin, "destination": pair.destination}
        series = urlencode({**both, "parts": "true"})
        links = {"observations": _observations(**both), "series": f"/v1/series?{series}"}
        documents.append({**pair.model_dump(mode="json"), "links": links})
    return served_list(
        request,
        documents,
        representation=params.format or accepted,
        csv_columns=PAIR_CSV_COLUMNS,
        csv_rows=lambda: service.pair_csv_rows(documents),
        filename="pairs.csv",
        data_version=context.data_version,
        sort="origin,destination",
    )
