"""Who may see what. Every team-scoped lookup goes through here: outsiders get NotFound."""
import uuid

from sqlalchemy import inspect, select
from sqlalchemy.orm import undefer

from ..infra.database import prepared
from ..infra.extensions import db
from ..models import Issue, IssueAlias, Membership, Project, Team, User
from ..vocabulary import parse_identifier
from .errors import Forbidden, NotFound
from .validation import parse_uuid


def user_id_of(user: User):
    """The user's id, read from the session's identity key: no reload of a user whose attributes
    a commit expired (a write request's later reads would otherwise select the user again)."""
    identity = inspect(user).identity
    return identity[0] if identity else user.id


def team_ids_of(user: User):
    """A subquery of the ids of the user's teams, for scoping selects."""
    return select(Membership.team_id).where(Membership.user_id == user_id_of(user)).scalar_subquery()


def member_ids_of(team_id):
    """A select of the ids of a team's members (who may receive its events)."""
    return select(Membership.user_id).where(Membership.team_id == team_id)


def memberships(user: User) -> list[Membership]:
    """The user's memberships with their teams, ordered by team key."""
    stmt = (select(Membership).join(Team).where(Membership.user_id == user.id)
            .options(undefer(Membership.sidebar_views)).order_by(Team.key))   # what the sidebar shows
    return list(db.session.scalars(stmt).unique())


def membership(user: User, team: Team) -> Membership | None:
    return db.session.get(Membership, (team.id, user.id))


def team_for(user: User, ref) -> Team:
    """The team by key or id, if the user is a member; NotFound otherwise."""
    if ref is None or "\x00" in str(ref) or len(str(ref)) > 100:
        raise NotFound("Team not found.")
    tid = parse_uuid(ref)
    cond = Team.id == tid if tid else Team.key == str(ref).upper()
    stmt = select(Team).join(Membership).where(cond, Membership.user_id == user.id)
    team = db.session.scalars(prepared(stmt)).first()
    if team is None:
        raise NotFound("Team not found.")
    return team


def role_in(user: User, team: Team) -> str | None:
    m = membership(user, team)
    return m.role if m else None


def require_admin(user: User, team: Team) -> None:
    """Members may see the team; only admins may change it."""
    if role_in(user, team) != "admin":
        raise Forbidden("Only team admins can do that.")


def project_for(user: User, ref) -> Project:
    pid = parse_uuid(ref)
    if pid is None:
        raise NotFound("Project not found.")
    stmt = select(Project).where(Project.id == pid, Project.team_id.in_(team_ids_of(user)))
    project = db.session.scalars(stmt).first()
    if project is None:
        raise NotFound("Project not found.")
    return project


def visible_issues(user: User):
    """A select of the issues of the user's teams; add filters to it."""
    return select(Issue).where(Issue.team_id.in_(team_ids_of(user)))


def resolve_issue_id(ref) -> uuid.UUID | None:
    """An issue id from a UUID or an identifier (ENG-42, or an old one after a move)."""
    iid = parse_uuid(ref)
    if iid:
        return iid
    parsed = parse_identifier(ref)
    if parsed is None:
        return None
    key, number = parsed
    found = db.session.execute(
        select(Issue.id).join(Team, Issue.team_id == Team.id).where(Team.key == key, Issue.number == number)
    ).scalar()
    if found:
        return found
    return _moved_issue_id(key, number)


def _moved_issue_id(key: str, number: int) -> uuid.UUID | None:
    """The issue that was KEY-number before it moved team, if any."""
    return db.session.execute(
        select(IssueAlias.issue_id).join(Team, IssueAlias.team_id == Team.id)
        .where(Team.key == key, IssueAlias.number == number)
    ).scalar()


def narrow_to_ref(stmt, ref):
    """`stmt` (a select of issues) narrowed to the issue `ref` names by UUID or by its current
    identifier, in the same statement; None when ref is neither. An old identifier (the issue
    moved team) is not matched here: load_issue looks it up next."""
    iid = parse_uuid(ref)
    if iid:
        return stmt.where(Issue.id == iid)
    parsed = parse_identifier(ref)
    if parsed is None:
        return None
    key, number = parsed
    return stmt.where(Issue.number == number,
                      Issue.team_id == select(Team.id).where(Team.key == key).scalar_subquery())


def load_issue(stmt, ref):
    """The first row of `stmt` (a select of issues, options and all) for the issue `ref` names,
    or None: one statement for a UUID or a current identifier, a lookup of the old identifier
    and a second statement only for an issue that moved team."""
    narrowed = narrow_to_ref(stmt, ref)
    if narrowed is None:
        return None
    found = _first(narrowed)
    old = parse_identifier(ref) if found is None and parse_uuid(ref) is None else None
    if old is not None:
        moved = _moved_issue_id(*old)
        if moved is not None:
            found = _first(stmt.where(Issue.id == moved))
    return found


def _first(stmt):
    """The statement's first issue, every row read: a collection joined in (the issue page's
    attachments) spans several rows of the one issue."""
    found = db.session.scalars(prepared(stmt)).unique().all()
    return found[0] if found else None


def issue_for(user: User, ref, *, for_update: bool = False) -> Issue:
    """The issue by id or identifier if the user may see it; NotFound otherwise."""
    stmt = visible_issues(user)
    if for_update:
        stmt = stmt.with_for_update(of=Issue)
    issue = load_issue(stmt, ref)
    if issue is None:
        raise NotFound("Issue not found.")
    return issue


def is_member(user_id, team_id) -> bool:
    return db.session.get(Membership, (team_id, user_id)) is not None


def issue_part_for(actor: User, model, ref, issue_ref=None, *, what: str):
    """A row of `model` (a comment, an attachment: anything with an issue_id) on an issue of the
    actor's teams, and of that issue when issue_ref is given; NotFound("<what> not found.") otherwise."""
    pk = parse_uuid(ref)
    stmt = (select(model).join(Issue, model.issue_id == Issue.id)
            .where(model.id == pk, Issue.team_id.in_(team_ids_of(actor))))
    if issue_ref is not None:
        stmt = stmt.where(Issue.id == resolve_issue_id(issue_ref))
    row = db.session.scalars(stmt).first() if pk else None
    if row is None:
        raise NotFound(f"{what} not found.")
    return row
