"""Blueprint "web": the browser UI (HTML pages and htmx fragments)."""
from flask import Blueprint

bp = Blueprint("web", __name__)

from . import (account, activity_words, attachments, boards, common, context, cycles, dashboard,  # noqa: E402,F401
               home, inbox, issue_detail, issue_planning, issues, labels, palette, projects, search, teams)
from . import imports, my_issues, saved_views  # noqa: E402,F401
from . import webhooks  # noqa: E402,F401
