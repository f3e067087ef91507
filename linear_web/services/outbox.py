"""The outbox: background work written in the transaction of the change that causes it, sent by a
sender thread in each server process, retried, and sent once however many processes run.

Writing (`enqueue`) adds a row in the caller's transaction: a rollback drops it, a commit keeps it
through any crash or restart. A row's `key` says what it stands for; while one is pending, another
with the same key is not added (`ON CONFLICT DO NOTHING` on a partial unique index), so a burst of
notifications for one person becomes one mail.

Sending (`run_once`) claims due rows by setting a lease (`locked_until`): on PostgreSQL with
`SELECT … FOR UPDATE SKIP LOCKED`, so concurrent senders take different rows; on SQLite with a
conditional UPDATE per row (one writer at a time anyway). The message goes out after the claim
commits. Success sets `sent_at`; failure counts the attempt, keeps the error, and makes the row
due again after a back-off (30 s, 1 min, 2 min … at most an hour). A sender that dies holding a
lease only delays its rows until the lease ends (then another takes them): delivery is at least
once, and exactly once unless a process dies between the SMTP server's answer and its own commit.
"""
from __future__ import annotations

import json
import logging
import threading
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from ..infra.extensions import db
from ..models import Notification, OutboxMessage, User, utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)      # how long a claimed row is another sender's to leave alone
BACKOFF_START, BACKOFF_MAX = 30, 3600
MAX_ATTEMPTS = 20                   # then the row stays, unsent, with its last error, for an operator
BATCH = 20
NOTIFICATION_MAIL = "notification_mail"


def enqueue(topic: str, key: str, payload: dict, *, delay: float = 0) -> None:
    """Add a message in the caller's transaction, unless one with this key is still pending."""
    now = utcnow()
    values = {"id": uuid.uuid4(), "topic": topic, "key": key, "payload": json.dumps(payload),
              "available_at": now + timedelta(seconds=delay), "attempts": 0, "created_at": now}
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(
        index_elements=["key"], index_where=OutboxMessage.sent_at.is_(None))
    db.session.execute(stmt)


def notification_mail(user_ids, since: datetime) -> None:
    """Queue the notification mail of these users (each one pending mail at most): it goes out
    MAIL_BATCH_SECONDS after the first notification, with every notification made by then."""
    from . import mail
    if not mail.enabled():
        return
    wanting = list(db.session.scalars(select(User.id).where(User.id.in_(list(user_ids)),
                                                            User.email_notifications.is_(True))))
    delay = current_app.config.get("MAIL_BATCH_SECONDS", 120)
    for user_id in wanting:
        enqueue(NOTIFICATION_MAIL, f"mail:{user_id}", {"user_id": str(user_id), "since": since.isoformat()},
                delay=delay)


# -- sending -------------------------------------------------------------------------------------

def _claim(limit: int) -> list[OutboxMessage]:
    """Take up to `limit` due rows for this sender (committed before anything is sent)."""
    now = utcnow()
    due = (select(OutboxMessage).where(OutboxMessage.sent_at.is_(None), OutboxMessage.available_at <= now,
                                       OutboxMessage.attempts < MAX_ATTEMPTS,
                                       or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))
           .order_by(OutboxMessage.available_at).limit(limit))
    if db.session.get_bind().dialect.name == "postgresql":
        rows = list(db.session.scalars(due.with_for_update(skip_locked=True)))
        for row in rows:
            row.locked_until = now + LEASE
        db.session.commit()
        return rows
    claimed = []
    for row_id in list(db.session.scalars(due.with_only_columns(OutboxMessage.id))):
        taken = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.sent_at.is_(None),
                                        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))
            .values(locked_until=now + LEASE).execution_options(synchronize_session=False)).rowcount
        if taken:
            claimed.append(row_id)
    db.session.commit()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed)))) if claimed else []


def _deliver(row: OutboxMessage) -> None:
    """Do what one message says (raises when it could not be done)."""
    if row.topic == NOTIFICATION_MAIL:
        return _send_notification_mail(json.loads(row.payload))
    raise ValueError(f"unknown outbox topic {row.topic!r}")


def _send_notification_mail(payload: dict) -> None:
    """The user's notifications since the first one queued, still unread and still in their
    teams: one mail, or none when they read them all meanwhile or turned mail off."""
    from . import mail
    from .notifications import lines_of, read_lines
    user = db.session.get(User, uuid.UUID(payload["user_id"]))
    settings = mail.smtp_settings()
    if user is None or not user.email_notifications or settings is None:
        return
    since = datetime.fromisoformat(payload["since"])
    items = read_lines(lines_of(user.id).where(Notification.created_at >= since, Notification.read_at.is_(None))
                       .order_by(Notification.created_at, Notification.id).limit(50))
    if items:
        mail.send(mail.digest(user, items), settings)


def run_once(limit: int = BATCH) -> int:
    """Send the due messages this sender can claim; how many were sent."""
    sent = 0
    for row in _claim(limit):
        row_id = row.id
        try:
            _deliver(row)
        except Exception as err:  # noqa: BLE001 - any failure is retried later, never lost
            db.session.rollback()
            _failed(row_id, err)
            continue
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                           .values(sent_at=utcnow(), locked_until=None).execution_options(synchronize_session=False))
        db.session.commit()
        sent += 1
    return sent


def _failed(row_id, err: Exception) -> None:
    row = db.session.get(OutboxMessage, row_id)
    row.attempts += 1
    wait = min(BACKOFF_START * 2 ** (row.attempts - 1), BACKOFF_MAX)
    row.available_at, row.locked_until = utcnow() + timedelta(seconds=wait), None
    row.last_error = f"{type(err).__name__}: {err}"[:2000]
    db.session.commit()
    log.warning("outbox message %s failed (attempt %s, again in %s s): %s", row_id, row.attempts, wait, err)


# -- the sender thread ---------------------------------------------------------------------------

_started = threading.Event()
_stop = threading.Event()


def start_sender(app) -> bool:
    """Start this process's sender thread (once), when mail is configured; False otherwise."""
    if not (app.config.get("SMTP_URL") and app.config.get("MAIL_FROM")) or _started.is_set():
        return False
    _started.set()
    _stop.clear()

    def loop():
        pause = float(app.config.get("OUTBOX_POLL_SECONDS", 5))
        while not _stop.is_set():
            try:
                with app.app_context():
                    while run_once():
                        pass
                    db.session.remove()
            except Exception:  # noqa: BLE001 - the database may be restarting: try again later
                log.exception("the outbox sender failed; trying again in %s s", pause)
            _stop.wait(pause)
        _started.clear()

    threading.Thread(target=loop, name="outbox-sender", daemon=True).start()
    return True


def stop_sender() -> None:
    _stop.set()
