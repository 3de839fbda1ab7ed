"""DSAR views (placeholder)."""
