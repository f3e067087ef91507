"""Blueprint "api" at /api/v1: JSON only, Bearer tokens only."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import (api_keys, attachments, comments, cycles, dashboard, docs, errors, imports, issues,  # noqa: E402,F401
               labels, notifications, projects, relations, teams, users, views, webhooks)
