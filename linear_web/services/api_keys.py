"""Personal API keys: `lw_…` secrets shown once, stored only as a sha256 hash."""
import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from ..infra.extensions import db
from ..models import ApiKey, User, utcnow
from ..vocabulary import NAME_MAX
from .errors import NotFound, ValidationError
from .validation import clean_text, parse_uuid, raise_if

PREFIX = "lw_"
MAX_KEYS = 50
# last_used_at is refreshed at most this often, so a busy integration does not write on every call.
TOUCH_EVERY = timedelta(seconds=60)


def hash_key(raw: str) -> str:
    """The stored form of a key: sha256 hex of its full text."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_api_key(actor: User, name) -> tuple[ApiKey, str]:
    """A new key for the actor; returns (row, the raw key) — the raw key is never stored."""
    errors: dict = {}
    name_c = clean_text(errors, "name", name, label="Name", required=True, max_len=NAME_MAX)
    raise_if(errors)
    count = db.session.scalar(select(db.func.count()).select_from(ApiKey).where(ApiKey.user_id == actor.id))
    if count >= MAX_KEYS:
        raise ValidationError({"name": f"You can have at most {MAX_KEYS} API keys: revoke one first."})
    raw = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(user_id=actor.id, name=name_c, key_hash=hash_key(raw), prefix=raw[:11])
    db.session.add(key)
    db.session.commit()
    return key, raw


def list_api_keys(actor: User) -> list[ApiKey]:
    """The actor's keys, newest first."""
    stmt = select(ApiKey).where(ApiKey.user_id == actor.id).order_by(ApiKey.created_at.desc(), ApiKey.id)
    return list(db.session.scalars(stmt))


def revoke_api_key(actor: User, key_ref) -> None:
    """Delete one of the actor's keys; someone else's key is NotFound."""
    kid = parse_uuid(key_ref)
    key = db.session.scalar(select(ApiKey).where(ApiKey.id == kid, ApiKey.user_id == actor.id)) if kid else None
    if key is None:
        raise NotFound("API key not found.")
    db.session.delete(key)
    db.session.commit()


def user_for_api_key(raw: str) -> User | None:
    """The owner of a valid key (refreshing last_used_at), or None."""
    if not raw.startswith(PREFIX) or len(raw) > 200:
        return None
    key = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(raw)))
    if key is None:
        return None
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= TOUCH_EVERY:
        db.session.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        db.session.commit()
    return db.session.get(User, key.user_id)
