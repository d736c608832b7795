"""laborstats: sourced, dated labor-migration statistics over a versioned JSON API."""

API_VERSION = "1"
