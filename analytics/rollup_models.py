"""Rollup tables: pre-aggregated reports (filled by analytics.rollups)."""

ROLLUP_MODELS: list = []
