"""Domain events: services emit them inside a transaction; they go out only after commit.

On PostgreSQL `emit` also sends `pg_notify` inside the transaction, which the server delivers
only on commit, to every process's listener. On SQLite the in-process broker publishes from the
session's `after_commit` hook. A rollback drops pending events either way.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from sqlalchemy import event as sa_event, func, select

from ..infra.extensions import db
from ..list_cache import mark_changed
from ..models import iso, utcnow

CHANNEL = "linear_web_events"


@dataclass(frozen=True)
class Kind:
    """What an event type means for its receivers."""

    api: bool  # API sockets receive it (the contract's event types); else browser pages only
    changes_lists: bool  # changes what the team's issue lists show: its data version goes up
    api_as: str | None = None  # the type API sockets see, when it is not the event's own


ISSUE_CREATED = "ISSUE_CREATED"
ISSUE_UPDATED = "ISSUE_UPDATED"
ISSUE_DELETED = "ISSUE_DELETED"
COMMENT_CREATED = "COMMENT_CREATED"
COMMENT_UPDATED = "COMMENT_UPDATED"
COMMENT_DELETED = "COMMENT_DELETED"  # the event keeps comment_id: receivers drop that comment
LABEL_CREATED = "LABEL_CREATED"
LABEL_UPDATED = "LABEL_UPDATED"
LABEL_DELETED = "LABEL_DELETED"
CYCLE_CREATED = "CYCLE_CREATED"
CYCLE_UPDATED = "CYCLE_UPDATED"  # renamed, new dates, completed, or its issues' figures moved
CYCLE_DELETED = "CYCLE_DELETED"
# Only its recipient hears it, on any of their sockets (services/notifications.py).
NOTIFICATION_CREATED = "NOTIFICATION_CREATED"
# Open issue pages update their attachments panel; lists show nothing of attachments. API sockets
# hear it as ISSUE_UPDATED: the issue's attachments and activity changed.
ATTACHMENTS_CHANGED = "ATTACHMENTS_CHANGED"
KINDS: dict[str, Kind] = {
    ISSUE_CREATED: Kind(api=True, changes_lists=True),
    ISSUE_UPDATED: Kind(api=True, changes_lists=True),
    ISSUE_DELETED: Kind(api=True, changes_lists=True),
    COMMENT_CREATED: Kind(api=True, changes_lists=True),
    COMMENT_UPDATED: Kind(api=True, changes_lists=False),  # lists show nothing of comments
    COMMENT_DELETED: Kind(api=True, changes_lists=False),
    LABEL_CREATED: Kind(api=True, changes_lists=False),
    LABEL_UPDATED: Kind(api=True, changes_lists=True),  # rows show label names and colours
    LABEL_DELETED: Kind(api=True, changes_lists=True),
    ATTACHMENTS_CHANGED: Kind(api=True, changes_lists=False, api_as=ISSUE_UPDATED),
    CYCLE_CREATED: Kind(api=True, changes_lists=False),
    CYCLE_UPDATED: Kind(api=True, changes_lists=True),  # the cycle filter's and the pickers' names
    CYCLE_DELETED: Kind(api=True, changes_lists=True),
    NOTIFICATION_CREATED: Kind(api=True, changes_lists=False),
}
API_TYPES = tuple(t for t, k in KINDS.items() if k.api)


@dataclass(frozen=True)
class Event:
    """A small, id-only description of a committed change (fits a NOTIFY payload)."""

    type: str
    team_id: str
    actor_id: str
    issue_id: str = ""  # empty for team-level events (labels, cycles)
    identifier: str = ""
    at: str = field(default_factory=lambda: iso(utcnow()))
    label_id: str | None = None
    comment_id: str | None = None
    cycle_id: str | None = None
    notification_id: str | None = None
    recipient_id: str | None = None  # NOTIFICATION_CREATED: the only user it is for
    # Team the issue left, for ISSUE_UPDATED after a move (pages of that team drop the row).
    old_team_id: str | None = None

    @classmethod
    def for_issue(cls, type_: str, issue, actor, **extra) -> "Event":
        return cls(type=type_, team_id=str(issue.team_id), actor_id=str(actor.id),
                   issue_id=str(issue.id), identifier=issue.identifier, **extra)

    @classmethod
    def for_label(cls, type_: str, label, actor) -> "Event":
        return cls(type=type_, team_id=str(label.team_id), actor_id=str(actor.id), label_id=str(label.id))

    @classmethod
    def for_cycle(cls, type_: str, cycle, actor) -> "Event":
        return cls(type=type_, team_id=str(cycle.team_id), actor_id=str(actor.id), cycle_id=str(cycle.id))

    @property
    def kind(self) -> Kind:
        return KINDS[self.type]

    def to_payload(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_payload(cls, payload: str) -> "Event":
        return cls(**json.loads(payload))


def emit(event: Event) -> None:
    """Queue an event on the current transaction (PostgreSQL: NOTIFY now, delivered on commit)."""
    session = db.session()
    _capture(session, [event])
    if event.kind.changes_lists:
        mark_changed(event.team_id, event.old_team_id)
    # Flask-SQLAlchemy's session has no `bind` of its own: ask which engine it would use.
    if session.get_bind().dialect.name == "postgresql":
        # No autoflush: pending changes flush at commit, where services handle their errors
        # (a stale version becomes a Conflict there). NOTIFY is delivered only if that commit succeeds.
        with session.no_autoflush:
            session.execute(select(func.pg_notify(CHANNEL, event.to_payload())))
    else:
        session.info.setdefault("pending_events", []).append(event)


def emit_many(events_: list[Event]) -> None:
    """Queue several events in one statement (PostgreSQL: one SELECT of pg_notify over the
    payloads, not one round trip each): a comment telling fifty subscribers."""
    if not events_:
        return
    if len(events_) == 1:
        return emit(events_[0])
    session = db.session()
    _capture(session, events_)
    for ev in events_:
        if ev.kind.changes_lists:
            mark_changed(ev.team_id, ev.old_team_id)
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import String
        from sqlalchemy.dialects.postgresql import array
        payloads = func.unnest(array([ev.to_payload() for ev in events_], type_=String)).table_valued("payload") \
            .render_derived()
        with session.no_autoflush:
            session.execute(select(func.pg_notify(CHANNEL, payloads.c.payload)).select_from(payloads))
    else:
        session.info.setdefault("pending_events", []).extend(events_)


def _capture(session, events_) -> None:
    """Webhooks hear the transaction's events too (services/webhooks.py writes their deliveries
    before the commit)."""
    from ..services.webhooks import capture
    capture(session, events_)


def _after_commit(session):
    """Publish the committed transaction's events (SQLite)."""
    pending = session.info.pop("pending_events", None)
    if pending:
        from .broker import get_broker
        broker = get_broker()
        for ev in pending:
            broker.publish(ev)


def _after_rollback(session):
    """Drop the rolled-back transaction's events."""
    session.info.pop("pending_events", None)


def install(app) -> None:
    """Hook the session so SQLite events go out after commit and vanish on rollback."""
    from sqlalchemy.orm import Session
    if not getattr(install, "_done", False):
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_soft_rollback", lambda s, prev: _after_rollback(s))
        install._done = True

