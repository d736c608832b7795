"""Shared domain types: what an observation, a source and a metric are, and the values they
hold (country codes, dates as precise as their source, figures and how they are stated).
Declared once here; tables, request and response models, CSV columns and the data package
are derived from these declarations. Nothing here opens a session or knows HTTP."""
