"""API: api_keys (being built)."""
from . import bp  # noqa: F401
