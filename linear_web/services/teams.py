"""Teams and their members: create, edit, add, change roles, remove, leave."""
import re
from datetime import date

from sqlalchemy import String, cast, func, literal, null, select, union_all
from sqlalchemy.exc import IntegrityError

from ..events import mark_changed
from ..infra.extensions import db
from ..vocabulary import ESTIMATE_SCALES
from ..models import ROLES, Membership, Team, User
from ..models.user import initials
from ..vocabulary import DESCRIPTION_MAX, NAME_MAX, TEAM_KEY_MAX, TEAM_KEY_MIN, TEAM_KEY_PATTERN
from . import access
from .auth import normalize_email
from .errors import Conflict, NotFound
from .validation import clean_text, parse_uuid, raise_if

KEY_MESSAGE = f"Key must be {TEAM_KEY_MIN}–{TEAM_KEY_MAX} characters: a letter, then letters or digits."


def create_team(actor: User, key, name, description="") -> Team:
    """A new team with the actor as its first admin."""
    errors: dict = {}
    key_c = clean_text(errors, "key", key, label="Key", required=True, max_len=TEAM_KEY_MAX)
    if key_c is not None:
        key_c = key_c.upper()
        if not re.fullmatch(TEAM_KEY_PATTERN, key_c, re.ASCII):
            errors["key"] = KEY_MESSAGE
    name_c = clean_text(errors, "name", name, label="Name", required=True, max_len=NAME_MAX)
    desc_c = clean_text(errors, "description", description, label="Description", max_len=DESCRIPTION_MAX)
    raise_if(errors)
    if db.session.scalar(select(func.count()).select_from(Team).where(Team.key == key_c)):
        raise Conflict(f"The key {key_c} is already taken.", {"key": f"The key {key_c} is already taken."})
    team = Team(key=key_c, name=name_c, description=desc_c or "")
    db.session.add(team)
    try:
        db.session.flush()
        db.session.add(Membership(team_id=team.id, user_id=actor.id, role="admin"))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(f"The key {key_c} is already taken.", {"key": f"The key {key_c} is already taken."})
    return team


def update_team(actor: User, team_ref, name=None, description=None, estimates=None) -> Team:
    """Rename or describe a team, or choose its estimate scale (admins). Estimates already set
    outside a newly chosen scale are kept as they are."""
    team = access.team_for(actor, team_ref)
    access.require_admin(actor, team)
    errors: dict = {}
    if name is not None:
        name = clean_text(errors, "name", name, label="Name", required=True, max_len=NAME_MAX)
    if description is not None:
        description = clean_text(errors, "description", description, label="Description", max_len=DESCRIPTION_MAX)
    if estimates is not None and estimates not in ESTIMATE_SCALES:
        errors["estimates"] = "Estimates must be one of: " + ", ".join(ESTIMATE_SCALES) + "."
    raise_if(errors)
    if estimates is not None and estimates != team.estimates:
        team.estimates = estimates
        mark_changed(team.id)  # rows, cards and group sums show estimates on the scale
    if name is not None and name != team.name:
        team.name = name
        mark_changed(team.id)  # pages showing the team's name in the sidebar (web/inbox_cache.py)
    if description is not None:
        team.description = description
    db.session.commit()
    return team


def list_teams(actor: User) -> list[tuple[Team, str]]:
    """The actor's teams with the actor's role in each."""
    return [(m.team, m.role) for m in access.memberships(actor)]


def members_of(team_id):
    """The select of a team's memberships (users joined) by name, without an access check: for
    callers that made it (list_members) or that check each reader (live pushes)."""
    return (select(Membership).join(User, Membership.user_id == User.id)
            .where(Membership.team_id == team_id).order_by(User.name))


class PickerOption:
    """A member, project, label or cycle as a picker or filter menu offers it: id, name and, for a
    member, the avatar's initials, for a label its colour, for a cycle when it runs ("current",
    "from Dec 21")."""

    __slots__ = ("id", "name", "email", "color", "note")

    def __init__(self, id, name: str, email: str | None = None, color: str | None = None, note: str | None = None):
        self.id, self.name, self.email, self.color, self.note = id, name, email, color, note

    @property
    def initials(self) -> str:
        return initials(self.name) or (self.email or "")[:1].upper()


def picker_options(team_id, *, labels: bool = True, subscribers_of=None) -> dict:
    """The team's members (by name), projects (by name), cycles that can take issues (current and
    upcoming, by date), with `labels` its labels (by name in any case) and with `subscribers_of`
    (an issue id) the members subscribed to that issue (by name), as the pages order them, for
    pickers, filter menus and the issue page, in one statement; no access check (the caller loaded
    the team through access)."""
    from ..models import Cycle, IssueSubscription, Label, Project
    from .cycles import picker_note, takes_issues
    from .issue_queries import today
    on = today()
    parts = [
        select(literal("members").label("kind"), User.id, User.name, User.email.label("extra"),
               User.name.label("sort_name"))
        .join(Membership, Membership.user_id == User.id).where(Membership.team_id == team_id),
        select(literal("projects"), Project.id, Project.name, null(), Project.name).where(Project.team_id == team_id),
        # A cycle's name column: its name, or its number; its sort column: its first day as text.
        select(literal("cycles"), Cycle.id, Cycle.name, cast(Cycle.number, String), cast(Cycle.starts_on, String))
        .where(*takes_issues(team_id, on)),
    ]
    if labels:
        parts.append(select(literal("labels"), Label.id, Label.name, Label.color, func.lower(Label.name))
                     .where(Label.team_id == team_id))
    if subscribers_of is not None:
        parts.append(select(literal("subscribers"), User.id, User.name, User.email, User.name)
                     .join(Membership, Membership.user_id == User.id)
                     .join(IssueSubscription, IssueSubscription.user_id == User.id)
                     .where(Membership.team_id == team_id, IssueSubscription.issue_id == subscribers_of,
                            IssueSubscription.subscribed.is_(True)))
    stmt = union_all(*parts).order_by("kind", "sort_name", "id")
    out: dict = {"members": [], "projects": [], "cycles": []} | ({"labels": []} if labels else {}) \
        | ({"subscribers": []} if subscribers_of is not None else {})
    for kind, id_, name, extra, sort in db.session.execute(stmt):
        if kind == "labels":
            option = PickerOption(id_, name, color=extra)
        elif kind == "cycles":
            option = PickerOption(id_, name or f"Cycle {extra}", note=picker_note(date.fromisoformat(str(sort)[:10]), on))
        else:
            option = PickerOption(id_, name, email=extra)
        out[kind].append(option)
    return out


def list_members(actor: User, team_ref) -> list[Membership]:
    """The members of one of the actor's teams, by name."""
    team = access.team_for(actor, team_ref)
    return list(db.session.scalars(members_of(team.id)).unique())


def _check_role(errors: dict, role) -> str | None:
    if role is None:
        return "member"
    if role not in ROLES:
        errors["role"] = "Role must be admin or member."
        return None
    return role


def add_member(actor: User, team_ref, *, email=None, user_id=None, role="member") -> Membership:
    """Add an existing user by email or id (admins)."""
    team = access.team_for(actor, team_ref)
    access.require_admin(actor, team)
    errors: dict = {}
    role = _check_role(errors, role)
    user = None
    if user_id is not None:
        uid = parse_uuid(user_id)
        user = db.session.get(User, uid) if uid else None
        if user is None:
            errors["user_id"] = "No user with this id."
    elif isinstance(email, str) and email.strip() and "\x00" not in email:
        user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
        if user is None:
            errors["email"] = "No account uses this email. Ask them to sign up first."
    else:
        errors["email"] = "Enter the email of the person to add."
    raise_if(errors)
    if access.is_member(user.id, team.id):
        raise Conflict(f"{user.name} is already a member.", {"email": f"{user.name} is already a member."})
    m = Membership(team_id=team.id, user_id=user.id, role=role)
    db.session.add(m)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(f"{user.name} is already a member.", {"email": f"{user.name} is already a member."})
    return m


def _admin_count(team_id) -> int:
    return db.session.scalar(select(func.count()).select_from(Membership)
                             .where(Membership.team_id == team_id, Membership.role == "admin"))


def _lock_team(team: Team) -> None:
    """Serialise role changes of one team (the last-admin rule must hold under concurrency)."""
    db.session.execute(select(Team.id).where(Team.id == team.id).with_for_update())


def change_role(actor: User, team_ref, user_id, role) -> Membership:
    """Make a member admin or member (admins); the last admin cannot be demoted."""
    team = access.team_for(actor, team_ref)
    access.require_admin(actor, team)
    errors: dict = {}
    role = _check_role(errors, role)
    raise_if(errors)
    uid = parse_uuid(user_id)
    _lock_team(team)
    m = db.session.get(Membership, (team.id, uid)) if uid else None
    if m is None:
        raise NotFound("Member not found.")
    if m.role == "admin" and role != "admin" and _admin_count(team.id) <= 1:
        db.session.rollback()
        raise Conflict("A team needs at least one admin: make someone else admin first.",
                       {"role": "A team needs at least one admin."})
    m.role = role
    db.session.commit()
    return m


def remove_member(actor: User, team_ref, user_id) -> None:
    """Remove a member (admins), or leave (anyone); the last admin cannot go."""
    team = access.team_for(actor, team_ref)
    uid = parse_uuid(user_id)
    if uid != actor.id:
        access.require_admin(actor, team)
    _lock_team(team)
    m = db.session.get(Membership, (team.id, uid)) if uid else None
    if m is None:
        raise NotFound("Member not found.")
    if m.role == "admin" and _admin_count(team.id) <= 1:
        db.session.rollback()
        raise Conflict("The last admin cannot leave or be removed: make someone else admin first.",
                       {"user_id": "The last admin cannot be removed."})
    db.session.delete(m)
    db.session.commit()
