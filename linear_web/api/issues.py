"""API: issues (being built)."""
from . import bp  # noqa: F401
