"""Idempotency-Key: the first response to a create is kept 24 h and replayed for the same key and body.

A key is claimed (a row with status 0) before the work runs, so a concurrent retry sees the claim
and gets 409 instead of creating a duplicate; the same key with a different body gets 422.
"""
import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..infra.extensions import db
from ..models import IdempotencyRecord, User, utcnow
from .errors import Conflict, ValidationError

WINDOW = timedelta(hours=24)
# A claim older than this was left by a crashed request: it may be taken over.
ABANDONED = timedelta(seconds=60)
PENDING = 0
HEADER = "Idempotency-Key"


@dataclass
class Replay:
    status: int
    body: str


def request_hash(data) -> str:
    """A digest of the request body that ignores key order and whitespace."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _check_key(key) -> str:
    if not isinstance(key, str) or not 1 <= len(key) <= 255 or not all(33 <= ord(c) <= 126 for c in key):
        raise ValidationError({HEADER: "The Idempotency-Key must be 1–255 visible ASCII characters."})
    return key


def _reusable(record: IdempotencyRecord) -> bool:
    age = utcnow() - record.created_at
    return age < (ABANDONED if record.status_code == PENDING else WINDOW)


def claim(user: User, key, endpoint: str, digest: str):
    """Reserve the key for this request (returns the record id), or the Replay of its first use."""
    key = _check_key(key)
    _purge_expired(user)
    for _attempt in range(2):
        stmt = select(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id, IdempotencyRecord.key == key,
                                               IdempotencyRecord.endpoint == endpoint)
        record = db.session.scalar(stmt)
        if record is not None and not _reusable(record):  # an abandoned claim
            db.session.delete(record)
            db.session.commit()
            record = None
        if record is not None:
            if record.request_hash != digest:
                raise ValidationError({HEADER: "This key was already used with a different request body."})
            if record.status_code == PENDING:
                raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.")
            return Replay(record.status_code, record.response_body)
        record = IdempotencyRecord(user_id=user.id, key=key, endpoint=endpoint, request_hash=digest,
                                   status_code=PENDING, response_body="")
        db.session.add(record)
        try:
            db.session.commit()
            return record.id
        except IntegrityError:  # a concurrent request claimed it first: look again
            db.session.rollback()
    raise Conflict("A request with this Idempotency-Key is still being processed; retry shortly.")


def finish(record_id, status: int, body: str) -> None:
    """Store the response of a successful first request."""
    record = db.session.get(IdempotencyRecord, record_id)
    if record is not None:
        record.status_code, record.response_body = status, body
        db.session.commit()


def release(record_id) -> None:
    """Drop a claim whose request failed, so the client may retry with the same key."""
    db.session.rollback()
    db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record_id))
    db.session.commit()


def _purge_expired(user: User) -> None:
    """Drop the user's records older than the window, so the table stays small without a cron job."""
    db.session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.user_id == user.id,
                                                       IdempotencyRecord.created_at < utcnow() - WINDOW))
