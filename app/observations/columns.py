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
    "revision",
    "updated_at",
    "retracted",
    "retracted_at",
    "retraction_reason",
]

# Derived on the way out, or kept by the API itself; an import file may carry them, and
# they are checked or ignored. A `revision` in an import row must be the current one.
DERIVED_COLUMNS = {
    "unit",
    "citation",
    "updated_at",
    "retracted",
    "retracted_at",
    "retraction_reason",
}
