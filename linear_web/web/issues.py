"""Issue pages: the grouped list (filters, load more, bulk edit), create, detail, CSV export."""
import json
from dataclasses import replace

from flask import (Response, flash, make_response, redirect, render_template, request, stream_with_context,
                   url_for)
from flask_login import current_user, login_required

from . import htmx
from ..infra.markdown import render_markdown
from ..vocabulary import BODY_MAX, DEFAULT_STATUS, NO_PRIORITY, STATUSES
from ..infra.extensions import login_manager
from .. import list_cache
from ..services import access, display as display_service, exports, issue_queries as queries
from ..services import issues as issue_service, notifications
from ..services.display import Display
from ..services.errors import ValidationError
from ..services.issue_queries import IssueFilters, Page
from ..services.validation import clean_text, raise_if
from . import bp, counts
from .common import filter_url, load_team, pickers, plural

PAGE_SIZE = 50
# The first page of each status group: five groups of 25 fill several screens, and rendering rows is
# most of the fragment's time, so the list answers sooner than with 5 × 50. "Load more" then
# fetches PAGE_SIZE at a time.
FIRST_PAGE = 25
FORM_FIELDS = ("title", "description", "status", "priority", "assignee_id", "project_id")
BULK_FIELDS = {"set_status": "status", "set_priority": "priority", "set_assignee": "assignee_id",
               "set_project": "project_id", "set_cycle": "cycle_id"}
BULK_LABELS = ("add_label_ids", "remove_label_ids")
DEFAULT_DISPLAY = Display()


def _grouped(filters: IssueFilters, display: Display = DEFAULT_DISPLAY) -> dict:
    """Counts and estimate sums per group, the first page of each shown group (fixed queries).
    Status groups are always the five statuses (their counts update in place: _counts.html);
    other groupings show the groups that hold an issue (services/display.py)."""
    if display.group_by != "status":
        groups, left_out = display_service.grouped(current_user, filters, display.group_by, limit=FIRST_PAGE)
        return {"groups": groups, "left_out": left_out, "counts": {g.key: g.count for g in groups},
                "points": {}, "errors": {}, "display": display}
    counts, points = queries.totals_by_status(current_user, filters)
    shown = [s for s in STATUSES if not filters.statuses or s in filters.statuses]
    groups = [(s, queries.list_issues(current_user, replace(filters, statuses=[s]), limit=FIRST_PAGE)
               if counts[s] else Page([], None)) for s in shown]
    return {"groups": groups, "counts": counts, "points": points, "errors": {}, "display": display}


def _list_response(team, filters: IssueFilters, data: dict, status: int = 200, **page):
    """The #issue-list fragment for htmx, else the full list page (with `page` in its context)."""
    if htmx.targets("issue-list"):
        return render_template("issues/_rows.html", team=team, filters=filters, **data), status
    return render_template("issues/list.html", team=team, filters=filters, **pickers(team), **data, **page), status


def _refused(errors: dict) -> dict:
    return {"groups": [], "counts": {}, "points": {}, "errors": errors, "display": DEFAULT_DISPLAY}


def list_response(team, filters: IssueFilters, errors: dict | None = None, display: Display = DEFAULT_DISPLAY,
                  **page):
    """The grouped list of these filters as the list route answers it (#issue-list for htmx), for
    other pages showing it (a saved view's, with its header in `page`); `errors`: refused filters,
    their messages in place of the rows, 422."""
    if errors:
        return _list_response(team, IssueFilters(team_id=team.id), _refused(errors), 422, **page)
    return _list_response(team, filters, _grouped(filters, display), **page)


def _wants_more() -> bool:
    """Is this htmx request one group's "load more" (never cached)?"""
    return htmx.is_htmx() and bool(request.args.get("group")) and bool(request.args.get("cursor"))


@bp.get("/team/<key>/issues")
def issue_list(key):
    """Issues grouped (by status unless ?group_by=) with filters; #issue-list or one group's next
    page for htmx."""
    more = _wants_more()
    fragment = htmx.targets("issue-list") and not more
    if fragment and (hit := list_cache.quick_hit(key)) is not None:
        return hit  # served before the sign-in check: its one statement checked session and membership
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # what login_required does
    team = load_team(key)
    try:
        filters = IssueFilters.from_args(request.args, team_id=team.id)
        display = Display.from_args(request.args)
        if fragment:
            return list_cache.fragment(team, lambda: render_template(
                "issues/_rows.html", team=team, filters=filters, **_grouped(filters, display)))
        return _more(team, filters, display) if more else _list_response(team, filters, _grouped(filters, display))
    except ValidationError as err:
        return _invalid(team, err, more)


def _more(team, filters: IssueFilters, display: Display):
    """One group's next page ("load more")."""
    group = display_service.parse_key(display.group_by, request.args["group"])
    page = queries.list_issues(current_user, filters, limit=PAGE_SIZE, cursor=request.args["cursor"],
                               where=display_service.condition(display.group_by, group))
    return render_template("issues/_more.html", team=team, filters=filters, display=display, status=group,
                           dom=display_service.dom_id(display.group_by, group), page=page)


def _invalid(team, err: ValidationError, more: bool):
    """Bad filters or cursor: the error in place of the rows, status 422."""
    if more:
        return render_template("issues/_more.html", errors=err.details), 422
    return _list_response(team, IssueFilters(team_id=team.id), _refused(err.details), 422)


def _form_response(team, form: dict, errors: dict, status: int = 200):
    """The create form: inside the dialog, as the bare #issue-form, or as a full page."""
    ctx = {"team": team, "form": form, "errors": errors, **pickers(team)}
    if htmx.targets("issue-dialog-slot", "issue-dialog"):
        return render_template("issues/_dialog.html", **ctx), status
    if htmx.targets("issue-form"):
        return render_template("issues/_form.html", **ctx), status
    return render_template("issues/new.html", **ctx), status


@bp.get("/team/<key>/issues/new")
@login_required
def issue_new(key):
    """The create form (in a dialog for htmx); ?status= preselects a status."""
    team = load_team(key)
    status = request.args.get("status")
    form = {"status": status if status in STATUSES else DEFAULT_STATUS, "priority": str(NO_PRIORITY)}
    return _form_response(team, form, {})


def _list_filters_of_page(team) -> IssueFilters | None:
    """The filters of the list page the request came from (HX-Current-URL), or None elsewhere."""
    found = counts.page_filters(team, "web.issue_list")
    return found and found[0]


@bp.post("/team/<key>/issues")
@login_required
def issue_create(key):
    """Create an issue; on the list page the row and the counts update in place, else go to it."""
    team = load_team(key)
    form = {k: request.form.get(k, "") for k in FORM_FIELDS}
    try:
        data = {k: v for k, v in form.items() if v != "" or k not in ("status", "priority")}  # defaults
        issue = issue_service.create_issue(current_user, team.id, data)
    except ValidationError as err:
        return _form_response(team, form, err.details, 422)
    filters = _list_filters_of_page(team)
    if filters is None:
        flash(f"Created {issue.identifier}.", "success")
        return redirect(url_for("web.issue_detail", ref=issue.identifier), 303)
    shown = queries.matches(current_user, filters, issue.id)
    if not shown:
        flash(f"Created {issue.identifier}; the current filters hide it.", "success")
    resp = make_response(render_template("issues/_created.html", issue=issue, shown=shown) + counts.list_counts(team))
    resp.headers["HX-Trigger"] = json.dumps({"issue-created": {"identifier": issue.identifier, "shown": shown}})
    return resp


@bp.post("/team/<key>/issues/bulk")
@login_required
def issue_bulk(key):
    """Set status, priority, assignee, project or cycle, add or remove labels, of the selected issues at once."""
    team = load_team(key)
    try:
        filters = IssueFilters.from_args(request.form, team_id=team.id)
        display = Display.from_args(request.form)
        change = {BULK_FIELDS[k]: (None if v == "none" and k in ("set_assignee", "set_project", "set_cycle") else v)
                  for k, v in request.form.items() if k in BULK_FIELDS and v != ""}
        change.update({k: ids for k in BULK_LABELS if (ids := [v for v in request.form.getlist(k) if v])})
        raise_if({} if change else {"change": "Choose a status, priority, assignee, project, cycle or labels to change."})
        done = issue_service.bulk_update(current_user, request.form.getlist("ids"), change)
    except ValidationError as err:
        return _bulk_failed(team, err)
    flash(f"Updated {plural(len(done), 'issue')}.", "success")
    if htmx.is_htmx():
        return render_template("issues/_rows.html", team=team, filters=filters, **_grouped(filters, display))
    return redirect(filter_url("web.issue_list", team.key, filters, display), 303)


def _bulk_failed(team, err: ValidationError):
    """The bulk bar's message (htmx) or the list page with it (422, nothing written)."""
    if not htmx.is_htmx():
        data = {**_grouped(IssueFilters(team_id=team.id)), "bulk_error": err.message}
        return _list_response(team, IssueFilters(team_id=team.id), data, 422)
    resp = make_response(render_template("issues/_bulk_error.html", message=err.message), 422)
    resp.headers.update({"HX-Retarget": "#bulk-error", "HX-Reswap": "outerHTML"})
    return resp


@bp.get("/team/<key>/issues/export.csv")
@login_required
def issue_export(key):
    """The list's current filter as CSV, streamed in batches."""
    team = load_team(key)
    filters = IssueFilters.from_args(request.args, team_id=team.id)
    rows = exports.export_rows(current_user._get_current_object(), filters)
    resp = Response(stream_with_context(rows), mimetype="text/csv")
    resp.headers["Content-Type"] = "text/csv; charset=utf-8"
    resp.headers["Content-Disposition"] = f'attachment; filename="{exports.export_filename(team.key)}"'
    return resp


@bp.post("/markdown/preview")
@login_required
def markdown_preview():
    """Render Markdown exactly as it will be saved (description or comment preview)."""
    text = request.form.get("description", request.form.get("body", ""))
    errors: dict = {}
    clean_text(errors, "text", text, label="Text", max_len=BODY_MAX, strip=False)
    if errors:
        return render_template("issues/_preview.html", html="", error=errors["text"]), 422
    html = render_markdown(text)
    if request.args.get("issue"):  # an issue's text: its team's @mentions link as they will when saved
        html = notifications.link_html(html, access.issue_for(current_user, request.args["issue"]).team_id)
    return render_template("issues/_preview.html", html=html, error=None)


__all__ = ["issue_list", "issue_new", "issue_create", "issue_bulk", "issue_export", "markdown_preview"]
