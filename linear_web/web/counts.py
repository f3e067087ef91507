"""Counts sent again after a change: the list's group counts and the board's column counts (with
their sums of estimates), as
out-of-band fragments for the page the htmx request came from (HX-Current-URL), with its filters.
One grouped count query each, so the page never keeps counts of its own. Refused filters count as
none, as the board then shows every issue (the list shows only the message, so no counts)."""
from urllib.parse import parse_qsl, urlsplit

from flask import render_template, request, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from ..vocabulary import STATUSES
from ..services import display as display_service
from ..services.display import Display
from ..services.errors import ValidationError
from ..services.issue_queries import IssueFilters, totals_by_status
from . import htmx


def _current_page():
    """The address of the page the htmx request came from, split."""
    return urlsplit(request.headers.get("HX-Current-URL", ""))


def page_filters(team, endpoint: str) -> tuple[IssueFilters, bool] | None:
    """(filters, valid) of the team page the htmx request came from (refused: none), else None."""
    current = _current_page()
    if not htmx.is_htmx() or current.path != url_for(endpoint, key=team.key):
        return None
    try:
        return IssueFilters.from_args(MultiDict(parse_qsl(current.query)), team_id=team.id), True
    except ValidationError:
        return IssueFilters(team_id=team.id), False


def list_counts(team) -> str:
    """The list page's group counts and total, out of band ("" elsewhere or with refused filters)."""
    found = page_filters(team, "web.issue_list")
    if found is None or not found[1]:
        return ""
    filters = found[0]
    statuses = [s for s in STATUSES if not filters.statuses or s in filters.statuses]
    counts, points = totals_by_status(current_user, filters)
    return render_template("issues/_counts.html", counts=counts, points=points, team=team, statuses=statuses)


def board_counts(team, keys=()) -> str:
    """Every column count (and sum of estimates) of the board page, out of band ("" elsewhere).
    On a board grouped other than by status: the counts of its groups holding issues, and of
    `keys` (columns a move left, maybe now empty)."""
    found = page_filters(team, "web.board")
    if found is None:
        return ""
    shown = page_display()
    if shown.group_by != "status":
        totals = display_service.totals(current_user, found[0], shown.group_by)
        for key in keys:
            try:
                totals.setdefault(display_service.parse_key(shown.group_by, key), (0, 0))
            except ValidationError:
                continue
        columns = [(display_service.dom_id(shown.group_by, k), n, p) for k, (n, p) in totals.items()]
        return render_template("boards/_counts.html", columns=columns, team=team)
    counts, points = totals_by_status(current_user, found[0])
    return render_template("boards/_counts.html", counts=counts, points=points, team=team)


def page_display() -> Display:
    """The display options of the page the htmx request came from (the default if refused)."""
    try:
        return Display.from_args(MultiDict(parse_qsl(_current_page().query)))
    except ValidationError:
        return Display()
