"""Blueprint "web": the browser UI (HTML pages and htmx fragments)."""
from flask import Blueprint

bp = Blueprint("web", __name__)

from . import (account, attachments, boards, common, context, dashboard, home, issue_detail, issue_planning,  # noqa: E402,F401
               issues, projects, search, teams)
