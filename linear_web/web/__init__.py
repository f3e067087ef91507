"""Blueprint "web": the browser UI (HTML pages and htmx fragments)."""
from flask import Blueprint

bp = Blueprint("web", __name__)

from . import context, home, teams, projects  # noqa: E402,F401
