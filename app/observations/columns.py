"""The fields of an observation as clients see them, in the stable order of CSV columns.

Breakdown dimensions (visa_type, sector...) follow these as extra CSV columns.
"""

CORE_COLUMNS = [
    "id",
    "metric",
    "unit",
    "origin",
    "destination",
    "region",
    "period_start",
    "period_end",
    "period_label",
    "value",
    "lower_bound",
    "upper_bound",
    "qualifier",
    "basis",
    "attributed_to",
    "source_id",
    "reported_on",
    "quote",
    "notes",
    "citation",
    "part_of",
]

# Derived on the way out; an import file may carry them, and they are checked or ignored.
DERIVED_COLUMNS = {"unit", "citation"}
