"""API: teams (being built)."""
from . import bp  # noqa: F401
