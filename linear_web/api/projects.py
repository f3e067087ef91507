"""API: projects of a team."""
from ..services import access, projects as project_service
from .common import api_route, current_api_user, list_response
from .schemas import ProjectIn, ProjectList, ProjectOut, ProjectPatch, ProjectQuery


@api_route("/projects", methods=["POST"], body=ProjectIn, response=ProjectOut, status=201, tags=["projects"])
def project_create(body: ProjectIn):
    """Create a project in one of the caller's teams."""
    return project_service.create_project(current_api_user(), str(body.team_id), body.name,
                                          body.description or "").to_json()


@api_route("/projects", query=ProjectQuery, response=ProjectList, tags=["projects"])
def project_list(query: ProjectQuery):
    """Projects of one team (team_id), or of all the caller's teams."""
    team = str(query.team_id) if query.team_id else None
    return list_response(project_service.list_projects(current_api_user(), team))


@api_route("/projects/<project_id>", response=ProjectOut, tags=["projects"])
def project_get(project_id):
    """One project."""
    return access.project_for(current_api_user(), project_id).to_json()


@api_route("/projects/<project_id>", methods=["PATCH"], body=ProjectPatch, response=ProjectOut, tags=["projects"])
def project_update(project_id, body: ProjectPatch):
    """Rename or describe a project."""
    return project_service.update_project(current_api_user(), project_id, body.name, body.description).to_json()


@api_route("/projects/<project_id>", methods=["DELETE"], status=204, tags=["projects"])
def project_delete(project_id):
    """Delete a project; its issues stay, with project_id null."""
    project_service.delete_project(current_api_user(), project_id)
