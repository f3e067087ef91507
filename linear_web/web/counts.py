"""Counts sent again after a change: the list's group counts and the board's column counts, as
out-of-band fragments for the page the htmx request came from (HX-Current-URL), with its filters.
One grouped count query each, so the page never keeps counts of its own."""
from urllib.parse import parse_qsl, urlsplit

from flask import render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..models import STATUSES
from ..services.errors import ValidationError
from ..services.issue_queries import IssueFilters, count_by_status
from . import htmx


def page_args(team, endpoint: str) -> MultiDict | None:
    """The query arguments of the team page (endpoint) the htmx request came from, or None."""
    current = urlsplit(request.headers.get("HX-Current-URL", ""))
    if not htmx.is_htmx() or current.path != url_for(endpoint, key=team.key):
        return None
    return MultiDict(parse_qsl(current.query))


def list_counts(team) -> str:
    """The list's shown group counts and total, out of band; nothing when the request did not come
    from the list page, or from one whose filters are refused (it shows no counts then)."""
    args = page_args(team, "web.issue_list")
    if args is None:
        return ""
    try:
        filters = IssueFilters.from_args(args, team_id=team.id)
    except ValidationError:
        return ""
    statuses = [s for s in STATUSES if not filters.statuses or s in filters.statuses]
    return render_template("issues/_counts.html", counts=count_by_status(current_user, filters), statuses=statuses)


def board_counts(team) -> str:
    """Every column count of the board, out of band; nothing when the request did not come from
    the board. Refused filters count as none, as the board then shows all issues."""
    args = page_args(team, "web.board")
    if args is None:
        return ""
    try:
        filters = IssueFilters.from_args(args, team_id=team.id)
    except ValidationError:
        filters = IssueFilters(team_id=team.id)
    return render_template("boards/_counts.html", counts=count_by_status(current_user, filters))
