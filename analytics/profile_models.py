"""Interest-profile tables (filled by analytics.profiles)."""

PROFILE_MODELS: list = []
