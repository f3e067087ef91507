"""Blueprint "web": the browser UI (HTML pages and htmx fragments)."""
from flask import Blueprint

bp = Blueprint("web", __name__)

from . import (account, attachments, boards, context, dashboard, home, issues, projects,  # noqa: E402,F401
               search, teams)
