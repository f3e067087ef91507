"""Team pages: create a team, the team's landing page."""
from flask import g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..services import access, teams as team_service
from ..services.errors import ServiceError
from . import bp


def load_team(key: str):
    """The current team for a team-scoped page (NotFound for outsiders) and the sidebar."""
    team = access.team_for(current_user, key)
    g.current_team = team
    return team


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
            return redirect(url_for("web.team_home", key=team.key), 303)
    first = not access.memberships(current_user)
    return render_template("teams/new.html", form=form, errors=errors, first=first), status


@bp.get("/team/<key>")
@login_required
def team_home(key):
    """A team's landing page is its issue list."""
    team = load_team(key)
    from flask import current_app
    target = "web.issue_list" if "web.issue_list" in current_app.view_functions else "web.project_list"
    return redirect(url_for(target, key=team.key))
