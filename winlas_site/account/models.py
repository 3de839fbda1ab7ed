"""Models of the account and data-protection features."""

ACCOUNT_MODELS: list = []
