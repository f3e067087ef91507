"""Projects of a team."""
from sqlalchemy import select

from ..extensions import db
from ..models import Project, User
from . import access
from .validation import clean_text, raise_if


def _fields(name, description, *, partial: bool) -> tuple:
    errors: dict = {}
    if name is not None or not partial:
        name = clean_text(errors, "name", name, label="Name", required=True, max_len=100)
    if description is not None:
        description = clean_text(errors, "description", description, label="Description", max_len=10_000)
    raise_if(errors)
    return name, description


def create_project(actor: User, team_ref, name, description="") -> Project:
    """A project in one of the actor's teams."""
    team = access.team_for(actor, team_ref)
    name, description = _fields(name, description, partial=False)
    project = Project(team_id=team.id, name=name, description=description or "")
    db.session.add(project)
    db.session.commit()
    return project


def list_projects(actor: User, team_ref=None) -> list[Project]:
    """Projects of one team, or of all the actor's teams."""
    stmt = select(Project).order_by(Project.name, Project.id)
    if team_ref is not None:
        stmt = stmt.where(Project.team_id == access.team_for(actor, team_ref).id)
    else:
        stmt = stmt.where(Project.team_id.in_(access.team_ids_of(actor)))
    return list(db.session.scalars(stmt))


def update_project(actor: User, project_ref, name=None, description=None) -> Project:
    project = access.project_for(actor, project_ref)
    name, description = _fields(name, description, partial=True)
    if name is not None:
        project.name = name
    if description is not None:
        project.description = description
    db.session.commit()
    return project


def delete_project(actor: User, project_ref) -> None:
    """Delete a project; its issues stay, without a project."""
    from ..models import Issue
    project = access.project_for(actor, project_ref)
    db.session.execute(Issue.__table__.update().where(Issue.project_id == project.id).values(project_id=None))
    db.session.delete(project)
    db.session.commit()
