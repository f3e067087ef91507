"""Projects of a team."""
from sqlalchemy import case, func, insert, select, update

from .. import events
from ..events import Event, emit
from ..infra.extensions import db
from ..list_cache import mark_changed
from ..models import Activity, Issue, Project, User, utcnow
from ..vocabulary import DESCRIPTION_MAX, NAME_MAX, OPEN_STATUSES, identifier
from . import access
from .validation import clean_text, raise_if


def _fields(name, description, *, partial: bool) -> tuple:
    errors: dict = {}
    if name is not None or not partial:
        name = clean_text(errors, "name", name, label="Name", required=True, max_len=NAME_MAX)
    if description is not None:
        description = clean_text(errors, "description", description, label="Description", max_len=DESCRIPTION_MAX)
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


def projects_of(team_ids):
    """The select of the projects of some teams (ids or a subquery of them) by name, without an
    access check: for callers that made it (list_projects) or that check each reader (live pushes)."""
    return select(Project).where(Project.team_id.in_(team_ids)).order_by(Project.name, Project.id)


def list_projects(actor: User, team_ref=None) -> list[Project]:
    """Projects of one team, or of all the actor's teams."""
    if team_ref is not None:
        return list(db.session.scalars(projects_of([access.team_for(actor, team_ref).id])))
    return list(db.session.scalars(projects_of(access.team_ids_of(actor))))


def update_project(actor: User, project_ref, name=None, description=None) -> Project:
    """Rename or describe a project (any member of its team)."""
    project = access.project_for(actor, project_ref)
    name, description = _fields(name, description, partial=True)
    if name is not None:
        project.name = name
    if description is not None:
        project.description = description
    mark_changed(project.team_id)  # rows show project names: cached lists refresh
    db.session.commit()
    return project


def project_stats(actor: User, team_ref) -> list[tuple[Project, int, int]]:
    """The team's projects with (open, total) issue counts, from one GROUP BY."""
    team = access.team_for(actor, team_ref)
    counts = (select(Issue.project_id.label("pid"), func.count().label("total"),
                     func.sum(case((Issue.status.in_(OPEN_STATUSES), 1), else_=0)).label("open"))
              .where(Issue.team_id == team.id, Issue.project_id.is_not(None))
              .group_by(Issue.project_id).subquery())
    stmt = (select(Project, func.coalesce(counts.c.open, 0), func.coalesce(counts.c.total, 0))
            .outerjoin(counts, counts.c.pid == Project.id)
            .where(Project.team_id == team.id).order_by(Project.name, Project.id))
    return [(p, int(o), int(t)) for p, o, t in db.session.execute(stmt)]


def delete_project(actor: User, project_ref) -> int:
    """Delete a project; its issues stay without one (an activity row and event each). Returns how many."""
    project = access.project_for(actor, project_ref)
    key = project.team.key
    # Lock the project row: a concurrent "assign to this project" waits (its FK check) until we finish.
    db.session.execute(select(Project.id).where(Project.id == project.id).with_for_update())
    rows = db.session.execute(select(Issue.id, Issue.number).where(Issue.project_id == project.id)).all()
    if rows:
        now = utcnow()
        # One UPDATE for all issues; bumping `version` makes open editors see the change (409).
        db.session.execute(update(Issue).where(Issue.project_id == project.id)
                           .values(project_id=None, updated_at=now, version=Issue.version + 1)
                           .execution_options(synchronize_session=False))
        db.session.execute(insert(Activity), [
            {"issue_id": iid, "actor_id": actor.id, "action": "updated", "field": "project",
             "old_value": project.name, "new_value": None, "created_at": now} for iid, _ in rows])
        for iid, number in rows:
            emit(Event(type=events.ISSUE_UPDATED, team_id=str(project.team_id), actor_id=str(actor.id),
                       issue_id=str(iid), identifier=identifier(key, number)))
    db.session.delete(project)
    db.session.commit()
    return len(rows)
