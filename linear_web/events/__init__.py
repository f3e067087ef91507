"""Domain events: services emit them inside a transaction; they go out only after commit.

On PostgreSQL `emit` also sends `pg_notify` inside the transaction, which the server delivers
only on commit, to every process's listener. On SQLite the in-process broker publishes from the
session's `after_commit` hook. A rollback drops pending events either way.
"""
from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field

from sqlalchemy import event as sa_event, func, select

from ..extensions import db
from ..models import iso, utcnow

CHANNEL = "linear_web_events"
TYPES = ("ISSUE_CREATED", "ISSUE_UPDATED", "ISSUE_DELETED", "COMMENT_CREATED")


@dataclass(frozen=True)
class Event:
    """A small, id-only description of a committed change (fits a NOTIFY payload)."""

    type: str
    team_id: str
    actor_id: str
    issue_id: str
    identifier: str
    at: str = field(default_factory=lambda: iso(utcnow()))
    comment_id: str | None = None
    # Team the issue left, for ISSUE_UPDATED after a move (pages of that team drop the row).
    old_team_id: str | None = None

    @classmethod
    def for_issue(cls, type_: str, issue, actor, **extra) -> "Event":
        return cls(type=type_, team_id=str(issue.team_id), actor_id=str(actor.id),
                   issue_id=str(issue.id), identifier=issue.identifier, **extra)

    def to_payload(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_payload(cls, payload: str) -> "Event":
        return cls(**json.loads(payload))


def emit(event: Event) -> None:
    """Queue an event on the current transaction (PostgreSQL: NOTIFY now, delivered on commit)."""
    session = db.session()
    session.info.setdefault("changed_teams", set()).update(t for t in (event.team_id, event.old_team_id) if t)
    # Flask-SQLAlchemy's session has no `bind` of its own: ask which engine it would use.
    if session.get_bind().dialect.name == "postgresql":
        # No autoflush: pending changes flush at commit, where services handle their errors
        # (a stale version becomes a Conflict there). NOTIFY is delivered only if that commit succeeds.
        with session.no_autoflush:
            session.execute(select(func.pg_notify(CHANNEL, event.to_payload())))
    else:
        session.info.setdefault("pending_events", []).append(event)


def _after_commit(session):
    teams = session.info.pop("changed_teams", None)
    if teams:
        from . import changes
        changes.bump(*teams)  # this process's caches see its own commit at once
    pending = session.info.pop("pending_events", None)
    if pending:
        from .broker import get_broker
        broker = get_broker()
        for ev in pending:
            broker.publish(ev)


def _after_rollback(session):
    session.info.pop("pending_events", None)
    session.info.pop("changed_teams", None)


def install(app) -> None:
    """Hook the session so SQLite events go out after commit and vanish on rollback."""
    from sqlalchemy.orm import Session
    if not getattr(install, "_done", False):
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_soft_rollback", lambda s, prev: _after_rollback(s))
        install._done = True


def new_id() -> str:
    return str(uuid.uuid4())
