"""API: comments (being built)."""
from . import bp  # noqa: F401
