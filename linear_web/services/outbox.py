"""The outbox: background work written in the transaction of the change that causes it, sent by a
sender thread in each server process, retried, and sent once however many processes run. Two
topics use it: notification mail, and webhook deliveries (services/webhooks.py).

Writing (`enqueue`) adds a row in the caller's transaction: a rollback drops it, a commit keeps it
through any crash or restart. A row's `key` says what it stands for; while one is pending, another
with the same key is not added (`ON CONFLICT DO NOTHING` on a partial unique index), so a burst of
notifications for one person becomes one mail.

Sending (`run_once`) claims due rows by setting a lease (`locked_until`): on PostgreSQL with
`SELECT … FOR UPDATE SKIP LOCKED`, so concurrent senders take different rows; on SQLite with a
conditional UPDATE per row (one writer at a time anyway). The message goes out after the claim
commits. Success sets `sent_at`; failure counts the attempt, keeps the error, and makes the row
due again after its topic's next back-off (mail: 30 s, 1 min, 2 min … at most an hour, 20
attempts; webhooks: 10 s, 1 min, 5 min, 30 min, 2 h, 6 h), and after the last one sets
`failed_at`. A topic may also ask to be tried later without counting an attempt (`Later`: a
paused webhook). A sender that dies holding a lease only delays its rows until the lease ends
(then another takes them): delivery is at least once, and exactly once unless a process dies
between the receiver's answer and its own commit.

Lanes: messages with the same `lane` (one webhook's deliveries) go out one at a time, oldest
first: only a lane's oldest pending message can be claimed, and only while nobody holds it. So a
receiver that is down gets everything in order once it is back, and a slow one holds one sender
worker, never the others' (each process sends with OUTBOX_WORKERS threads).
"""
from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from flask import current_app
from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import aliased

from ..infra.extensions import db
from ..models import Notification, OutboxMessage, User, utcnow

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=120)      # how long a claimed row is another sender's to leave alone
BACKOFF_START, BACKOFF_MAX = 30, 3600
MAX_ATTEMPTS = 20                   # mail: then the row is failed, with its last error, for an operator
BATCH = 20
PRUNE_EVERY = 300                   # seconds between two prunings of sent rows by one sender
NOTIFICATION_MAIL = "notification_mail"


class Later(Exception):
    """Raised by a topic's sender: not now, try again in `seconds`, and it is no attempt."""

    def __init__(self, seconds: float, why: str = ""):
        super().__init__(why)
        self.seconds = seconds


@dataclass(frozen=True)
class Topic:
    """How to send one topic's messages: `send(payload)` raises on failure; `backoff[i]` is the
    wait after failed attempt i+1, and after the last one the message is failed (`failed` told)."""

    send: Callable[[dict], None]
    backoff: tuple[float, ...]
    failed: Callable[[dict, str], None] | None = None


TOPICS: dict[str, Topic] = {}


def enqueue(topic: str, key: str, payload: dict, *, delay: float = 0, lane: str | None = None,
            at: datetime | None = None) -> None:
    """Add a message in the caller's transaction, unless one with this key is still pending.
    `lane`: sent after the lane's older messages; `at`: its place in the lane (default now)."""
    now = at or utcnow()
    values = {"id": uuid.uuid4(), "topic": topic, "key": key, "payload": json.dumps(payload),
              "available_at": now + timedelta(seconds=delay), "attempts": 0, "created_at": now, "lane": lane}
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(OutboxMessage).values(**values).on_conflict_do_nothing(
        index_elements=["key"], index_where=and_(OutboxMessage.sent_at.is_(None), OutboxMessage.failed_at.is_(None)))
    db.session.execute(stmt)
    db.session.info["outbox_added"] = True   # wake this process's sender after the commit


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

def _pending(row=OutboxMessage):
    return and_(row.sent_at.is_(None), row.failed_at.is_(None))


def _due(now: datetime):
    """Messages that may be sent now: pending, due, not held by a sender, first of their lane."""
    older = aliased(OutboxMessage)
    first_of_lane = ~exists().where(older.lane == OutboxMessage.lane, _pending(older),
                                    or_(older.created_at < OutboxMessage.created_at,
                                        and_(older.created_at == OutboxMessage.created_at, older.id < OutboxMessage.id)))
    return (select(OutboxMessage).where(_pending(), OutboxMessage.available_at <= now,
                                        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
                                        or_(OutboxMessage.lane.is_(None), first_of_lane))
            .order_by(OutboxMessage.available_at))


def _claim(limit: int) -> list[OutboxMessage]:
    """Take up to `limit` due rows for this sender (committed before anything is sent)."""
    now = utcnow()
    due = _due(now).limit(limit)
    if db.session.get_bind().dialect.name == "postgresql":
        rows = list(db.session.scalars(due.with_for_update(skip_locked=True, of=OutboxMessage)))
        for row in rows:
            row.locked_until = now + LEASE
        db.session.commit()
        return rows
    claimed = []
    for row_id in list(db.session.scalars(due.with_only_columns(OutboxMessage.id))):
        taken = db.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id, _pending(),
                                        or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now))
            .values(locked_until=now + LEASE).execution_options(synchronize_session=False)).rowcount
        if taken:
            claimed.append(row_id)
    db.session.commit()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(claimed)))) if claimed else []


def _deliver(row: OutboxMessage) -> None:
    """Do what one message says (raises when it could not be done)."""
    topic = TOPICS.get(row.topic)
    if topic is None:
        raise ValueError(f"unknown outbox topic {row.topic!r}")
    topic.send(json.loads(row.payload))


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


TOPICS[NOTIFICATION_MAIL] = Topic(_send_notification_mail,
                                  tuple(min(BACKOFF_START * 2 ** i, BACKOFF_MAX) for i in range(MAX_ATTEMPTS - 1)))


def _send_one(row_id) -> bool:
    """Send one claimed message and record how it went; True when it was sent."""
    row = db.session.get(OutboxMessage, row_id)
    if row is None:
        return False
    try:
        _deliver(row)
    except Later as later:
        db.session.rollback()
        _postpone(row_id, later.seconds)
        return False
    except Exception as err:  # noqa: BLE001 - any failure is retried later, never lost
        db.session.rollback()
        _failed(row_id, err)
        return False
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                       .values(sent_at=utcnow(), locked_until=None).execution_options(synchronize_session=False))
    db.session.commit()
    return True


def run_once(limit: int = BATCH) -> int:
    """Send the due messages this sender can claim, one after another; how many were sent."""
    return sum(_send_one(row.id) for row in _claim(limit))


def _postpone(row_id, seconds: float) -> None:
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id)
                       .values(available_at=utcnow() + timedelta(seconds=seconds), locked_until=None)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _failed(row_id, err: Exception) -> None:
    row = db.session.get(OutboxMessage, row_id)
    topic = TOPICS.get(row.topic)
    backoff = topic.backoff if topic else ()
    row.attempts += 1
    row.locked_until = None
    row.last_error = f"{type(err).__name__}: {err}"[:2000]
    if row.attempts > len(backoff):
        row.failed_at = utcnow()
        if topic and topic.failed:
            topic.failed(json.loads(row.payload), row.last_error)
        db.session.commit()
        log.warning("outbox message %s failed for good after %s attempts: %s", row_id, row.attempts, err)
        return
    wait = backoff[row.attempts - 1]
    row.available_at = utcnow() + timedelta(seconds=wait)
    db.session.commit()
    log.warning("outbox message %s failed (attempt %s, again in %s s): %s", row_id, row.attempts, wait, err)


# -- the sender thread ---------------------------------------------------------------------------

_started = threading.Event()
_stop = threading.Event()
_wake = threading.Event()


def wake() -> None:
    """Look for due messages now (this process just committed some), not at the next poll."""
    _wake.set()


def _after_commit(session) -> None:
    if session.info.pop("outbox_added", False):
        wake()


def install() -> None:
    """Wake the sender after each commit that queued a message (installed once per process)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    if not getattr(install, "_done", False):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, prev: s.info.pop("outbox_added", None))
        install._done = True


def start_sender(app) -> bool:
    """Start this process's sender (once): a thread that claims due messages and hands each to
    one of OUTBOX_WORKERS worker threads, so a slow receiver holds one worker, not the others."""
    if _started.is_set():
        return False
    _started.set()
    _stop.clear()
    workers = max(1, int(app.config.get("OUTBOX_WORKERS", 4)))
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="outbox-worker")
    busy = threading.Semaphore(workers)

    def work(row_id):
        try:
            with app.app_context():
                try:
                    _send_one(row_id)
                finally:
                    db.session.remove()
        except Exception:  # noqa: BLE001 - the lease runs out and another attempt follows
            log.exception("the outbox worker failed on %s", row_id)
        finally:
            busy.release()
            _wake.set()   # a lane's next message may be due now

    def loop():
        pause = float(app.config.get("OUTBOX_POLL_SECONDS", 5))
        pruned = 0.0
        while not _stop.is_set():
            _wake.clear()
            if time.monotonic() - pruned > PRUNE_EVERY:
                pruned = time.monotonic()
                try:
                    with app.app_context():
                        try:
                            from .webhooks import prune
                            prune()
                        finally:
                            db.session.remove()
                except Exception:  # noqa: BLE001 - pruning again later is fine
                    log.exception("pruning the outbox and webhook deliveries failed")
            try:
                free = 0
                while busy.acquire(blocking=False):
                    free += 1
                if free:
                    with app.app_context():
                        try:
                            claimed = [row.id for row in _claim(free)]
                        finally:
                            db.session.remove()
                    for row_id in claimed:
                        pool.submit(work, row_id)
                    for _ in range(free - len(claimed)):
                        busy.release()
                    if claimed:
                        continue   # there may be more
            except Exception:  # noqa: BLE001 - the database may be restarting: try again later
                log.exception("the outbox sender failed; trying again in %s s", pause)
            _wake.wait(pause)
        pool.shutdown(wait=False)
        _started.clear()

    threading.Thread(target=loop, name="outbox-sender", daemon=True).start()
    return True


def stop_sender() -> None:
    _stop.set()
    _wake.set()
