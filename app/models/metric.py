"""The metric table: the fields come from app.domain.metric."""

from app.domain.metric import MetricBase, MetricKind
from app.models.base import one_of


class Metric(MetricBase, table=True):
    """What a figure counts: `workers_entered`, `entries`, `monthly_pay_usd`..."""

    __table_args__ = (one_of("kind", MetricKind),)
