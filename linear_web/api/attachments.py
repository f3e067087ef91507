"""API: attachments (being built)."""
from . import bp  # noqa: F401
