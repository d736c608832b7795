"""Every table model, imported here so Alembic and every module see the whole registry."""

from app.models.audit import AuditEntry
from app.models.base import metadata
from app.models.dataset import DatasetState
from app.models.draft import Draft
from app.models.event import Event, EventRevision
from app.models.metric import Metric, MetricRevision
from app.models.observation import Observation, ObservationDimension, ObservationRevision
from app.models.source import Source, SourceRevision
from app.models.stored_file import StoredFile
from app.models.token import ApiToken
from app.models.webhook import Webhook, WebhookDelivery

__all__ = [
    "ApiToken",
    "AuditEntry",
    "DatasetState",
    "Draft",
    "Event",
    "EventRevision",
    "Metric",
    "MetricRevision",
    "Observation",
    "ObservationDimension",
    "ObservationRevision",
    "Source",
    "SourceRevision",
    "StoredFile",
    "Webhook",
    "WebhookDelivery",
    "metadata",
]
