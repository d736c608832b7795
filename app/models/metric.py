"""The metric table: the fields come from app.domain.metric."""

from sqlalchemy import CheckConstraint

from app.domain.metric import MetricBase


class Metric(MetricBase, table=True):
    """What a figure counts: `workers_entered`, `entries`, `monthly_pay_usd`..."""

    __table_args__ = (CheckConstraint("kind IN ('flow', 'stock')", name="kind"),)
