"""Saved views in the browser: save the list's or board's filters, sort, display options and layout under a name
(private or shared with the team); a view's own page (its list or board, its filters applied);
rename, update from the current filters, share, delete, star; the team's views page. Every rule
(who sees, who changes) is services/views.py's: these routes only parse forms and render."""
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from flask import Response, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..models.view import VIEW_LAYOUTS
from ..services import views as view_service
from ..services.display import Display
from ..services.errors import NotFound, ValidationError
from ..services.issue_queries import IssueFilters
from ..services.views import LABELS, NOT_HELD, ShownView
from . import bp, htmx
from .boards import board_response
from .common import load_team
from .issues import list_response

# The list's and board's query parameters (IssueFilters.from_args): a view page's URL with any of
# them shows those filters instead of the view's own ("Unsaved changes").
LIST_ARGS = ("status", "priority", "assignee", "assignee_id", "project_id", "label_id", "q", "sort", "cycle_id",
             "parent_id", "due_after", "due_before", "overdue")
DISPLAY_ARGS = ("group_by", "show")  # the display options' (services/display.py), over the view's own
GONE = {"label_id": "label", "project_id": "project", "cycle_id": "cycle", "parent_id": "parent issue"}


@dataclass
class ViewPage:
    """What a view's page shows around its list or board."""

    shown: ShownView
    team_key: str
    layout: str                    # shown now: the view's, or ?layout=
    filters: IssueFilters          # shown now: the view's, or the URL's
    display: Display               # shown now: the view's, or the URL's
    unsaved: bool                  # the URL's filters or layout differ from the view's
    left_out: list[str]            # list filters in the URL that a view does not hold
    can_change: bool
    favourite: bool
    errors: dict = field(default_factory=dict)   # of a refused rename or update
    rename: str | None = None                     # the name a refused rename typed

    @property
    def view(self):
        return self.shown.view

    @property
    def url(self) -> str:
        return url_for("web.view_detail", key=self.team_key, view_id=self.view.id)

    def switch_url(self, layout: str) -> str:
        """This page in the other layout, with the filters shown now (sort always: they are the URL's)."""
        args = [a for a in self.filters.to_args() if a[0] != "sort"] + [("sort", self.filters.sort), ("layout", layout)]
        return self.url + "?" + urlencode(args + self.display.to_args(self.shown.display))

    @property
    def query(self) -> str:
        """The filters, display options and layout shown now, as a query string (the forms' URLs
        without htmx)."""
        return urlencode(self.filters.to_args() + self.display.to_args() + [("layout", self.layout)])

    @property
    def notes(self) -> list[str]:
        """Why filters the view was saved with are not applied."""
        return [f"The {GONE[name]} filter was removed: the {GONE[name]} no longer exists." if name in GONE
                else f"The {LABELS[name].lower()} filter was removed: it is no longer valid."
                for name in self.shown.dropped]

    @property
    def left_out_labels(self) -> list[str]:
        return [NOT_HELD[name] for name in self.left_out]


def _view_of(team, view_id) -> ShownView:
    """The view named in the URL, only if the user may see it and it is of the URL's team."""
    shown = view_service.get_view(current_user, view_id)
    if shown.view.team_id != team.id:
        raise NotFound("View not found.")
    return shown


def _view_page(team, shown: ShownView, **extra) -> tuple[ViewPage, dict]:
    """The page's state from the query string, and refused filters' messages."""
    args, errors = request.args, {}
    layout = args.get("layout") if args.get("layout") in VIEW_LAYOUTS else shown.view.layout
    filters, held, left_out = view_service.issue_filters(shown), shown.filters, []
    if any(name in args for name in LIST_ARGS):
        try:
            filters = IssueFilters.from_args(args, team_id=team.id)
            held, left_out = view_service.list_filters(args, team.id)
        except ValidationError as err:
            filters, errors = IssueFilters(team_id=team.id), err.details
    display = shown.display
    if any(name in args for name in DISPLAY_ARGS):
        try:
            display = Display.from_args(args, shown.display)
        except ValidationError as err:
            errors.update(err.details)
    unsaved = (bool(errors or left_out) or layout != shown.view.layout or display != shown.display
               or not view_service.same_filters(held, shown.filters))
    page = ViewPage(shown, team.key, layout, filters, display, unsaved, left_out,
                    view_service.may_change(current_user, shown.view),
                    bool(view_service.favourite_ids(current_user, [shown.view.id])), **extra)
    return page, errors


def _show(team, shown: ShownView, status: int | None = None, **extra):
    """The view's page: its list or board with the filters shown now; for htmx filter changes
    and live refreshes the #issue-list or #board fragment, with the "Unsaved changes" state out of band."""
    vp, errors = _view_page(team, shown, **extra)
    if vp.layout == "board":
        body, code = board_response(team, vp.filters, errors, vp.url, vp.display, vp=vp)
    else:
        body, code = list_response(team, vp.filters, errors, vp.display, vp=vp)
    if htmx.targets("issue-list", "board"):
        body += render_template("views/_state.html", vp=vp, team=team, oob=True)
    return body, status or code


@bp.get("/team/<key>/views")
@login_required
def view_list(key):
    """The team's shared views and the user's own: name, owner, shared or private, layout, star."""
    team = load_team(key)
    shown = view_service.list_views(current_user, team.id)
    return render_template("views/list.html", team=team, rows=shown, owners=view_service.owner_names(shown),
                           starred=view_service.favourite_ids(current_user, [s.view.id for s in shown]))


@bp.get("/team/<key>/views/<view_id>")
@login_required
def view_detail(key, view_id):
    """A view's list or board with its filters (or the URL's, as unsaved changes); fragments for htmx."""
    team = load_team(key)
    return _show(team, _view_of(team, view_id))


def _save_form(team, form: dict, errors: dict):
    """The refused "Save view" form, 422: in place for htmx, else as a page of its own."""
    query = urlencode([(k, v) for k, v in request.args.items(multi=True)])
    template = "views/_save_form.html" if htmx.is_htmx() else "views/new.html"
    return render_template(template, team=team, form=form, errors=errors, query=query), 422


@bp.post("/team/<key>/views")
@login_required
def view_create(key):
    """Save the current filters, sort and layout of the list or board as a new view."""
    team = load_team(key)
    form = {"name": request.form.get("name", ""), "shared": request.form.get("shared") == "true",
            "layout": request.form.get("layout") or "list"}
    try:
        # Without htmx the filters are the form URL's query string; htmx sends the filter form's
        # fields in the body (hx-include="#issue-filters") and no query string: `values` has both.
        filters, left_out = view_service.list_filters(request.values, team.id)
        display = Display.from_args(request.values).to_json()
        shown = view_service.create_view(current_user, team.id, {**form, "filters": filters, "display": display})
    except ValidationError as err:
        return _save_form(team, form, err.details)
    flash(f"Saved the view “{shown.view.name}”." + _not_kept(left_out), "success")
    url = url_for("web.view_detail", key=team.key, view_id=shown.view.id)
    if htmx.is_htmx():
        # A full page load, not a swap of the body (HX-Location): a board view saved from the
        # list needs the board's scripts and socket. Not text/html, so the flash waits for that page.
        return Response("", 200, {"HX-Redirect": url}, mimetype="text/plain")
    return redirect(url, 303)


def _not_kept(left_out: list[str]) -> str:
    return f" Not kept in a view: {', '.join(NOT_HELD[n] for n in left_out)}." if left_out else ""


def _back(team, view_id) -> str:
    """The page the form was on (this view's page with its query string, or the team's views page),
    else the view's page."""
    url = url_for("web.view_detail", key=team.key, view_id=view_id)
    came = urlsplit(request.headers.get("HX-Current-URL") or request.referrer or "")
    if came.path == url_for("web.view_list", key=team.key):
        return came.path
    return url + ("?" + came.query if came.path == url and came.query else "")


@bp.post("/team/<key>/views/<view_id>/rename")
@login_required
def view_rename(key, view_id):
    """Rename a view (its owner or a team admin); 422 keeps what was typed next to the message."""
    team = load_team(key)
    shown = _view_of(team, view_id)
    name = request.form.get("name", "")
    try:
        view_service.update_view(current_user, shown.view.id, {"name": name})
    except ValidationError as err:
        if htmx.is_htmx():
            return render_template("views/_rename_form.html", team=team, view=shown.view, name=name,
                                   errors=err.details), 422
        return _show(team, shown, 422, errors=err.details, rename=name)
    flash("View renamed.", "success")
    return redirect(_back(team, shown.view.id), 303)


@bp.post("/team/<key>/views/<view_id>/filters")
@login_required
def view_save_filters(key, view_id):
    """Replace a view's filters, sort and layout with the page's current ones (as view_create reads them)."""
    team = load_team(key)
    shown = _view_of(team, view_id)
    view_service.require_change(current_user, shown.view)  # 403 before reading the filters
    layout = request.values.get("layout") or shown.view.layout
    try:
        filters, left_out = view_service.list_filters(request.values, team.id)
        display = Display.from_args(request.values, shown.display).to_json()
        view_service.update_view(current_user, shown.view.id, {"filters": filters, "layout": layout,
                                                               "display": display})
    except ValidationError as err:
        if not htmx.is_htmx():
            return _show(team, shown, 422, errors=err.details)
        resp = make_response(render_template("views/_errors.html", errors=err.details), 422)
        resp.headers.update({"HX-Retarget": "#view-errors", "HX-Reswap": "outerHTML"})
        return resp
    flash("View updated." + _not_kept(left_out), "success")
    return redirect(url_for("web.view_detail", key=team.key, view_id=shown.view.id), 303)


@bp.post("/team/<key>/views/<view_id>/share")
@login_required
def view_share(key, view_id):
    """Share a view with the team, or make it private to its owner again."""
    team = load_team(key)
    shown = _view_of(team, view_id)
    shared = request.form.get("shared") == "true"
    updated = view_service.update_view(current_user, shown.view.id, {"shared": shared}).view
    flash("View shared with the team." if shared else "View made private.", "success")
    if not shared and updated.owner_id != current_user.id:   # an admin made another's view private
        return redirect(url_for("web.view_list", key=team.key), 303)
    return redirect(_back(team, shown.view.id), 303)


@bp.post("/team/<key>/views/<view_id>/delete")
@login_required
def view_delete(key, view_id):
    """Delete a view (its owner or a team admin)."""
    team = load_team(key)
    shown = _view_of(team, view_id)
    view_service.delete_view(current_user, shown.view.id)
    flash(f"Deleted the view “{shown.view.name}”.", "success")
    return redirect(url_for("web.view_list", key=team.key), 303)


@bp.post("/team/<key>/views/<view_id>/favourite")
@login_required
def view_favourite(key, view_id):
    """Star a view (favourite=true) or take the star off: starred views come first in the sidebar."""
    team = load_team(key)
    shown = _view_of(team, view_id)
    if request.form.get("favourite") == "true":
        view_service.favourite_view(current_user, shown.view.id)
    else:
        view_service.unfavourite_view(current_user, shown.view.id)
    return redirect(_back(team, shown.view.id), 303)
