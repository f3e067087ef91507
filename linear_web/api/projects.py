"""API: projects (being built)."""
from . import bp  # noqa: F401
