"""My issues: the issues of all the user's teams assigned to them (default), created by them or
that they follow, grouped by status with the list's status, priority, text and sort filters; "Load
more" per group; the #my-list fragment for htmx and the page socket's re-fetch."""
from dataclasses import replace

from flask import render_template, request
from flask_login import current_user, login_required
from werkzeug.datastructures import MultiDict

from ..services import my_issues as my_service
from ..services.errors import ValidationError
from ..services.issue_queries import IssueFilters, Page
from ..vocabulary import STATUSES
from . import bp, htmx
from .issues import FIRST_PAGE, PAGE_SIZE


def _links(tab: str, filters: IssueFilters) -> dict:
    """What the page's links keep: the tab, and the filters as url_for arguments."""
    return {"tab": tab, "filters": filters, "filters_args": MultiDict(filters.to_args()).to_dict(flat=False)}


def _groups(tab: str, filters: IssueFilters) -> dict:
    """The count of each status and the first page of each shown group (fixed queries)."""
    counts = my_service.my_counts(current_user, tab, filters)
    shown = [s for s in STATUSES if not filters.statuses or s in filters.statuses]
    groups = [(s, my_service.my_issues(current_user, tab, replace(filters, statuses=[s]), limit=FIRST_PAGE)
               if counts[s] else Page([], None)) for s in shown]
    return {"groups": groups, "counts": counts, "errors": {}}


@bp.get("/my")
@login_required
def my_issues():
    """Issues assigned to me (?tab=created, ?tab=subscribed) across my teams; fragments for htmx."""
    tab = my_service.tab_of(request.args.get("tab"))
    group, cursor = request.args.get("group"), request.args.get("cursor")
    more = htmx.is_htmx() and group in STATUSES and bool(cursor)
    try:
        filters = my_service.parse_filters(request.args)
        if more:
            page = my_service.my_issues(current_user, tab, replace(filters, statuses=[group]), limit=PAGE_SIZE,
                                        cursor=cursor)
            return render_template("my/_more.html", status=group, page=page, **_links(tab, filters))
        data, status = _groups(tab, filters), 200
    except ValidationError as err:
        if more:
            return render_template("my/_more.html", errors=err.details), 422
        filters, status = IssueFilters(), 422
        data = {"groups": [], "counts": {}, "errors": err.details}
    template = "my/_list.html" if htmx.targets("my-list") else "my/page.html"
    return render_template(template, **_links(tab, filters), **data), status
