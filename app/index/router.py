from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from app import API_VERSION
from app.dataset import license as data_license
from app.http.context import ContextDep
from app.http.query import NoParameters
from app.index import metadata, service

router = APIRouter(tags=["index"])

LINKS = {
    "metrics": "/v1/metrics",
    "sources": "/v1/sources",
    "events": "/v1/events",
    "observations": "/v1/observations",
    "series": "/v1/series",
    "countries": "/v1/countries",
    "pairs": "/v1/pairs",
    "docs": "/docs",
    "openapi": "/openapi.json",
    "changes": "/v1/changes",
    "health": "/healthz",
}
# The promise of /v1 (README, "Versioning"), as the index states it.
VERSIONING = {
    "may_change": "Without notice: new fields in documents, new parameters, new routes, new "
    "formats, new values of an open list (metrics, sources, countries). Clients ignore what "
    "they do not know.",
    "never_changes": "Within /v1: a field's name, meaning or type; a parameter's meaning; an "
    "id or a URL once served (a record is retracted, never deleted); the order a documented "
    "sort gives; the problem types of errors.",
    "retirement": "A parameter to be retired keeps working for at least 180 days; meanwhile "
    "every response to a request using it carries Deprecation (RFC 9745), Sunset (RFC 8594) "
    "and a Link to what replaces it. Anything else that breaks a client is /v2, beside /v1.",
}


class DataLicense(BaseModel):
    id: str = Field(description="SPDX identifier.")
    name: str
    url: str
    applies_to: str = Field(description="What the licence covers.")
    quotes: str = Field(description="What it does not: the text quoted from sources.")


class ApiIndex(BaseModel):
    name: str
    description: str
    api_version: str
    data_version: int = Field(description="Bumped by every write to the data.")
    last_updated: datetime | None = Field(description="When the data last changed (UTC).")
    license: DataLicense = Field(
        description="The data's licence (the code's is MIT), and what it does not cover."
    )
    links: dict[str, str]
    versioning: dict[str, str] = Field(
        description="What may change without notice, what never will, and how a parameter "
        "is retired."
    )
    dataset: dict[str, Any] = Field(
        description="The dataset described in schema.org's vocabulary: a JSON-LD `Dataset` "
        "(licence, creator, temporal and spatial coverage, each metric as a variable "
        "measured, downloads), as the home page carries it for search engines."
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "laborstats",
                    "description": "Sourced, dated labor-migration statistics.",
                    "api_version": "1",
                    "data_version": 1,
                    "last_updated": "2026-11-26T15:00:00Z",
                    "license": data_license.index_license(),
                    "links": LINKS,
                    "versioning": VERSIONING,
                    "dataset": metadata.EXAMPLE,
                }
            ]
        }
    )


@router.get("/v1", response_model=ApiIndex)
def read_index(
    request: Request, _: Annotated[NoParameters, Query()], context: ContextDep
) -> ApiIndex:
    """Read the API index: versions, when the data last changed, and where everything is."""
    facts = service.dataset_facts(context.session, catalog=context.catalog, state=context.state)
    return ApiIndex(
        name="laborstats",
        description="Sourced, dated labor-migration statistics.",
        api_version=API_VERSION,
        data_version=context.state.version,
        last_updated=context.state.updated_at,
        license=DataLicense(**data_license.index_license()),
        links=LINKS,
        versioning=VERSIONING,
        dataset=metadata.dataset(facts, base_url=str(request.base_url)),
    )
