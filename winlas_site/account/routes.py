"""Account views (placeholder)."""
