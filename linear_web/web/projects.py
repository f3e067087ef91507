"""Project pages of a team: the list with issue counts, create, edit, delete."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..services import access, projects as project_service
from ..services.errors import NotFound, ValidationError
from . import bp
from .common import load_team


def _project_of(team, project_id):
    """The project named in the URL, only if it belongs to the URL's team (NotFound otherwise)."""
    project = access.project_for(current_user, project_id)
    if project.team_id != team.id:
        raise NotFound("Project not found.")
    return project


def _render_list(team, *, form=None, errors=None, status=200):
    rows = project_service.project_stats(current_user, team.id)
    return render_template("projects/list.html", team=team, rows=rows, form=form or {},
                           errors=errors or {}), status


def _form():
    return {k: request.form.get(k, "") for k in ("name", "description")}


@bp.get("/team/<key>/projects")
@login_required
def project_list(key):
    """The team's projects with open and total issue counts, and a form for a new one."""
    return _render_list(load_team(key))


@bp.post("/team/<key>/projects")
@login_required
def project_create(key):
    """Create a project in this team."""
    team = load_team(key)
    form = _form()
    try:
        project = project_service.create_project(current_user, team.id, form["name"], form["description"])
    except ValidationError as err:
        return _render_list(team, form=form, errors=err.details, status=422)
    flash(f"Project {project.name} created.", "success")
    return redirect(url_for("web.project_list", key=team.key), 303)


@bp.route("/team/<key>/projects/<project_id>/edit", methods=["GET", "POST"])
@login_required
def project_edit(key, project_id):
    """Rename or describe a project."""
    team = load_team(key)
    project = _project_of(team, project_id)
    form, errors, status = {"name": project.name, "description": project.description}, {}, 200
    if request.method == "POST":
        form = _form()
        try:
            project_service.update_project(current_user, project.id, form["name"], form["description"])
        except ValidationError as err:
            errors, status = err.details, 422
        else:
            flash(f"Project {project.name} saved.", "success")
            return redirect(url_for("web.project_list", key=team.key), 303)
    return render_template("projects/edit.html", team=team, project=project, form=form, errors=errors), status


@bp.post("/team/<key>/projects/<project_id>/delete")
@login_required
def project_delete(key, project_id):
    """Delete a project; its issues stay, without a project."""
    team = load_team(key)
    project = _project_of(team, project_id)
    name = project.name
    moved = project_service.delete_project(current_user, project.id)
    kept = f" Its {moved} issue{'s stay' if moved != 1 else ' stays'} in the team, without a project." if moved else ""
    flash(f"Project {name} deleted.{kept}", "success")
    return redirect(url_for("web.project_list", key=team.key), 303)
