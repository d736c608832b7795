from sqlalchemy import JSON, CheckConstraint, Text
from sqlmodel import Field, SQLModel


class Metric(SQLModel, table=True):
    """What a figure counts: `workers_entered`, `entries`, `monthly_pay_usd`..."""

    __table_args__ = (CheckConstraint("kind IN ('flow', 'stock')", name="kind"),)

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    unit: str = Field(max_length=64)
    definition: str = Field(sa_type=Text)
    # "flow": counted over a period (entries during 2024); "stock": a level at a date.
    kind: str = Field(max_length=8)
    # Names of the breakdowns an observation of this metric may carry, e.g. ["visa_type"].
    dimensions: list[str] = Field(default_factory=list, sa_type=JSON)
