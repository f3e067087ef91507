"""Project pages of a team."""
from . import bp  # noqa: F401
