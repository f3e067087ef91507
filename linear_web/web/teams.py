"""Team pages: create a team, its landing page, settings and members (add, roles, remove, leave)."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from . import htmx
from ..services import access, teams as team_service
from ..services.errors import Conflict, ServiceError, ValidationError
from ..services.validation import parse_uuid
from ..vocabulary import ESTIMATE_SCALE_LABELS, ESTIMATE_SCALES
from . import bp
from .common import load_team

MEMBERS_ID = "team-members"


@bp.route("/teams/new", methods=["GET", "POST"])
@login_required
def team_new():
    """Create a team; the creator becomes its admin."""
    form, errors, status = {}, {}, 200
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("key", "name", "description")}
        try:
            team = team_service.create_team(current_user, form["key"], form["name"], form["description"])
        except ServiceError as err:
            errors, status = err.details or {"form": err.message}, 422
        else:
            flash(f"Team {team.name} created. Add your teammates in its settings.", "success")
            return redirect(url_for("web.team_home", key=team.key), 303)
    first = not access.memberships(current_user)
    return render_template("teams/new.html", form=form, errors=errors, first=first), status


@bp.get("/team/<key>")
@login_required
def team_home(key):
    """A team's landing page is its issue list (its projects until the issue list exists)."""
    team = load_team(key)
    target = "web.issue_list" if "web.issue_list" in current_app.view_functions else "web.project_list"
    return redirect(url_for(target, key=team.key))


def _render_settings(team, *, status=200, team_form=None, team_errors=None, add_form=None,
                     add_errors=None, members_error=None, estimates_form=None, estimates_errors=None):
    """The settings page, or only its #team-members fragment when htmx targets it."""
    members = team_service.list_members(current_user, team.id)
    me = next((m for m in members if m.user_id == current_user.id), None)
    context = dict(team=team, members=members, is_admin=bool(me and me.role == "admin"),
                   admin_count=sum(m.role == "admin" for m in members),
                   team_form=team_form or {"name": team.name, "description": team.description},
                   team_errors=team_errors or {}, add_form=add_form or {}, add_errors=add_errors or {},
                   members_error=members_error, estimates_value=estimates_form or team.estimates,
                   estimates_errors=estimates_errors or {}, scale_labels=ESTIMATE_SCALE_LABELS,
                   scales=ESTIMATE_SCALES)
    template = "teams/_members.html" if htmx.targets(MEMBERS_ID) else "teams/settings.html"
    return render_template(template, **context), status


@bp.route("/team/<key>/settings", methods=["GET", "POST"])
@login_required
def team_settings(key):
    """Team settings: name and description (admins edit), members with roles."""
    team = load_team(key)
    if request.method == "GET":
        return _render_settings(team)
    form = {k: request.form.get(k, "") for k in ("name", "description")}
    try:
        team_service.update_team(current_user, team.id, form["name"], form["description"])
    except ValidationError as err:
        return _render_settings(team, status=422, team_form=form, team_errors=err.details)
    flash("Team settings saved.", "success")
    return redirect(url_for("web.team_settings", key=team.key), 303)


@bp.post("/team/<key>/estimates")
@login_required
def team_estimates(key):
    """Choose the team's estimate scale (admins); estimates already set are kept as they are."""
    team = load_team(key)
    choice = request.form.get("estimates", "")
    try:
        team_service.update_team(current_user, team.id, estimates=choice)
    except ValidationError as err:
        return _render_settings(team, status=422, estimates_form=choice, estimates_errors=err.details)
    flash(f"Estimates: {ESTIMATE_SCALE_LABELS[team.estimates]}.", "success")
    return redirect(url_for("web.team_settings", key=team.key, _anchor="estimates-heading"), 303)


def _members_changed(team, message: str, *, whole_page: bool = False):
    """After a member action: the fresh fragment for htmx, else (or when more changed) the page."""
    flash(message, "success")
    if htmx.targets(MEMBERS_ID) and not whole_page:
        return _render_settings(team)
    return redirect(url_for("web.team_settings", key=team.key), 303)


@bp.post("/team/<key>/members")
@login_required
def member_add(key):
    """Add an existing account to the team by email, with a role (admins)."""
    team = load_team(key)
    form = {"email": request.form.get("email", ""), "role": request.form.get("role", "member")}
    try:
        m = team_service.add_member(current_user, team.id, email=form["email"], role=form["role"])
    except (ValidationError, Conflict) as err:
        return _render_settings(team, status=err.status, add_form=form, add_errors=err.details)
    return _members_changed(team, f"{m.user.name} was added as {m.role}.")


@bp.post("/team/<key>/members/<user_id>/role")
@login_required
def member_role(key, user_id):
    """Make a member admin or member (admins); the last admin keeps the role."""
    team = load_team(key)
    try:
        m = team_service.change_role(current_user, team.id, user_id, request.form.get("role"))
    except (ValidationError, Conflict) as err:
        return _render_settings(team, status=err.status, members_error=err.message)
    # Stepping down changes what the whole page offers, not only the members list.
    return _members_changed(team, f"{m.user.name} is now {m.role}.", whole_page=m.user_id == current_user.id)


@bp.post("/team/<key>/members/<user_id>/remove")
@login_required
def member_remove(key, user_id):
    """Remove a member (admins); removing yourself is leaving."""
    team = load_team(key)
    if parse_uuid(user_id) == current_user.id:
        return team_leave(key)
    try:
        team_service.remove_member(current_user, team.id, user_id)
    except Conflict as err:
        return _render_settings(team, status=409, members_error=err.message)
    return _members_changed(team, "The member was removed from the team.")


@bp.post("/team/<key>/leave")
@login_required
def team_leave(key):
    """Leave the team (anyone but its last admin), then go home."""
    team = load_team(key)
    name = team.name
    try:
        team_service.remove_member(current_user, team.id, current_user.id)
    except Conflict as err:
        return _render_settings(team, status=409, members_error=err.message)
    flash(f"You left {name}.", "info")
    return redirect(url_for("web.home"), 303)
