"""API: docs (being built)."""
from . import bp  # noqa: F401
