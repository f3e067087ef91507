"""Search: the header box's dropdown (as you type) and the /search results page."""
from flask import render_template, request
from flask_login import current_user, login_required

from . import htmx
from ..services.errors import ValidationError
from ..services.issue_queries import IssueFilters, Page, search_issues
from . import bp

DROPDOWN_LIMIT = 8
PAGE_LIMIT = 25


@bp.get("/search")
@login_required
def search():
    """Issues of the user's teams ranked by relevance: full page, dropdown or "more" fragment."""
    dropdown = htmx.targets("search-results")
    errors, page = {}, Page([], None)
    try:
        filters = IssueFilters.from_args(request.args)
        page = search_issues(current_user, filters, limit=DROPDOWN_LIMIT if dropdown else PAGE_LIMIT,
                             cursor=None if dropdown else request.args.get("cursor") or None)
    except ValidationError as err:
        errors = err.details
    q = (request.args.get("q") or "").strip()
    context = dict(q=q, page=page, errors=errors)
    status = 422 if errors else 200
    if dropdown:
        return render_template("search/_dropdown.html", **context), status
    if htmx.targets("search-more"):
        return render_template("search/_results.html", **context), status
    return render_template("search/page.html", **context), status
