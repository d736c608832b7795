"""Every table model, imported here so Alembic and every module see the whole registry."""

from app.models.base import metadata
from app.models.dataset import DatasetState
from app.models.metric import Metric
from app.models.observation import Observation, ObservationDimension
from app.models.source import Source

__all__ = ["DatasetState", "Metric", "Observation", "ObservationDimension", "Source", "metadata"]
