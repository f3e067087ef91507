"""What every socket of this process needs to know about one event, loaded once per process.

A thousand sockets receiving one event must not run a thousand queries: the first socket thread
to look at an event loads it in a short-lived session (its team's current members, the issue and
comment as they are now, the API message) and the others reuse the result. Membership is read
when the event is delivered, so a member removed from a team stops receiving its events.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..events import API_TYPES, COMMENT_CREATED, ISSUE_DELETED, Event
from ..infra.extensions import db
from ..models import Activity, Attachment, Comment, Issue, IssueAlias, Membership, Project, Team, User
from ..services.attachments import attachments_of
from ..vocabulary import identifier

CACHE_SIZE = 256


class Loaded:
    """One event as this process delivers it; `extra()` memoises more data for HTML pushes."""

    def __init__(self, event: Event):
        self.event = event
        self.team_id = event.team_id          # the issue's current team (after later moves too)
        self.members: frozenset[str] = frozenset()
        self.old_members: frozenset[str] = frozenset()
        self.issue: Issue | None = None
        self.comment: Comment | None = None
        self.old_identifier: str | None = None
        self.json_text: str | None = None     # the API message for members of team_id
        self.left_text: str | None = None     # ISSUE_DELETED for the team an issue moved out of
        self._extras: dict = {}
        self._lock = threading.Lock()

    def extra(self, name: str, loader):
        """loader(session) once per event per process, e.g. the team's members for a panel."""
        with self._lock:
            if name not in self._extras:
                with Session(db.engine, expire_on_commit=False) as session:
                    self._extras[name] = loader(session)
            return self._extras[name]


_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


def load(event: Event) -> Loaded:
    """The Loaded view of an event (computed by the first caller, shared by the rest)."""
    entry = _cache.get(event)
    if entry is not None and entry[1] is not None:
        return entry[1]
    with _cache_lock:
        entry = _cache.get(event)
        if entry is None:
            entry = _cache[event] = [threading.Lock(), None]
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    if entry[1] is not None:                  # loaded already: no lock convoy of socket threads
        return entry[1]
    with entry[0]:
        if entry[1] is None:
            entry[1] = _load(event)
        return entry[1]


def _member_ids(session: Session, team_id) -> frozenset[str]:
    return frozenset(str(u) for u in session.scalars(select(Membership.user_id).where(Membership.team_id == team_id)))


def _load(event: Event) -> Loaded:
    view = Loaded(event)
    with Session(db.engine, expire_on_commit=False) as session:
        if event.type != ISSUE_DELETED:
            view.issue = session.scalars(select(Issue).where(Issue.id == _uuid(event.issue_id))).first()
            if view.issue is None:
                return view                   # deleted since: its ISSUE_DELETED follows
            view.team_id = str(view.issue.team_id)
        if event.comment_id:
            view.comment = session.scalars(select(Comment).where(Comment.id == _uuid(event.comment_id))).first()
        view.members = _member_ids(session, _uuid(view.team_id))
        if event.old_team_id and event.old_team_id != view.team_id:
            view.old_members = _member_ids(session, _uuid(event.old_team_id))
            view.old_identifier = _old_identifier(session, event)
    view.json_text = _message(view)
    if view.old_members:
        view.left_text = json.dumps({"type": ISSUE_DELETED, "team_id": event.old_team_id,
                                     "actor_id": event.actor_id, "at": event.at,
                                     "issue": {"id": event.issue_id, "identifier": view.old_identifier}})
    return view


def _message(view: Loaded) -> str | None:
    """The API's live event (shared/API.md "Live events"), or None when there is nothing to say."""
    ev = view.event
    if ev.type not in API_TYPES:
        return None                           # a page-only event
    msg = {"type": ev.type, "team_id": view.team_id, "actor_id": ev.actor_id, "at": ev.at}
    if ev.type == ISSUE_DELETED:
        msg["issue"] = {"id": ev.issue_id, "identifier": ev.identifier}
    else:
        msg["issue"] = view.issue.to_json()
    if ev.type == COMMENT_CREATED:
        if view.comment is None:
            return None                       # deleted before delivery
        msg["comment"] = view.comment.to_json()
    return json.dumps(msg)


def _old_identifier(session: Session, event: Event) -> str:
    """KEY-N the issue had in the team it left (its newest alias there)."""
    row = session.execute(
        select(Team.key, IssueAlias.number).join(Team, Team.id == IssueAlias.team_id)
        .where(IssueAlias.issue_id == _uuid(event.issue_id), IssueAlias.team_id == _uuid(event.old_team_id))
        .order_by(IssueAlias.number.desc()).limit(1)).first()
    return identifier(row[0], row[1]) if row else event.identifier


def team_people(session: Session, team_id) -> dict:
    """Members (for the assignee picker) and projects of a team, for the properties panel."""
    members = session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                              .where(Membership.team_id == team_id).order_by(User.name)).all()
    projects = session.scalars(select(Project).where(Project.team_id == team_id).order_by(Project.name)).all()
    return {"members": list(members), "projects": list(projects)}


def recent_activity(session: Session, event: Event) -> list[Activity]:
    """The issue's newest activity rows (the page skips the ones it already shows)."""
    rows = session.scalars(select(Activity).where(Activity.issue_id == _uuid(event.issue_id))
                           .order_by(Activity.created_at.desc(), Activity.id.desc()).limit(10)).all()
    return list(reversed(rows))


def issue_attachments(session: Session, issue_id) -> list[Attachment]:
    """The issue's attachments as its page lists them (oldest first, uploaders joined)."""
    return list(session.scalars(attachments_of(_uuid(issue_id))))


def _uuid(value):
    import uuid
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
