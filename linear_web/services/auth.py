"""Accounts: sign up, check passwords, end sessions."""
import re

import bcrypt
from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..infra.extensions import db
from ..models import User
from ..vocabulary import EMAIL_MAX, FILTER_TEXT_MAX, NAME_MAX, PASSWORD_MAX_BYTES, PASSWORD_MIN
from .errors import Conflict
from .validation import clean_text, raise_if

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A real hash of a random password: failed logins for unknown emails cost the same time.
_DUMMY_HASH = bcrypt.hashpw(b"not-a-real-password", bcrypt.gensalt(4))


def normalize_email(value) -> str:
    return value.strip().lower() if isinstance(value, str) else ""


def check_password_rules(errors: dict, password, field: str = "password") -> None:
    """At least 8 characters, at most 72 bytes (bcrypt would cut the rest silently)."""
    if not isinstance(password, str) or not password:
        errors[field] = "Password is required."
    elif "\x00" in password:
        errors[field] = "Password must not contain NUL characters."
    elif len(password) < PASSWORD_MIN:
        errors[field] = f"Password must be at least {PASSWORD_MIN} characters."
    else:
        try:
            size = len(password.encode("utf-8"))
        except UnicodeEncodeError:
            errors[field] = "Password contains invalid characters."
            return
        if size > PASSWORD_MAX_BYTES:
            errors[field] = f"Password must be at most {PASSWORD_MAX_BYTES} bytes."


def hash_password(password: str) -> str:
    rounds = current_app.config.get("BCRYPT_ROUNDS", 12)
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def signup(email, password, name) -> User:
    """Create an account; ValidationError per field, Conflict for a taken email."""
    errors: dict = {}
    email_n = normalize_email(email)
    if not isinstance(email, str) or "\x00" in email or not EMAIL.match(email_n) or len(email_n) > EMAIL_MAX:
        errors["email"] = "Enter a valid email address."
    name_c = clean_text(errors, "name", name, label="Name", required=True, max_len=NAME_MAX)
    check_password_rules(errors, password)
    raise_if(errors)
    if db.session.scalar(select(func.count()).select_from(User).where(User.email == email_n)):
        raise Conflict("An account with this email already exists.",
                       {"email": "An account with this email already exists."})
    from .notifications import new_handle
    hashed = hash_password(password)
    for _ in range(3):
        user = User(email=email_n, name=name_c, handle=new_handle(email_n), password_hash=hashed)
        db.session.add(user)
        try:
            db.session.commit()
            return user
        except IntegrityError:  # a concurrent signup with the same email, or the same new handle
            db.session.rollback()
            if db.session.scalar(select(func.count()).select_from(User).where(User.email == email_n)):
                raise Conflict("An account with this email already exists.",
                               {"email": "An account with this email already exists."}) from None
    raise Conflict("Too many accounts were being created at once: try again.",
                   {"email": "Too many accounts were being created at once: try again."})


def update_profile(user: User, *, name=None, handle=None, email_notifications: bool | None = None) -> User:
    """Change one's name, handle or whether notifications are mailed: 422 per field, 409 for a
    handle someone else has."""
    from .notifications import set_handle
    errors: dict = {}
    name_c = clean_text(errors, "name", name, label="Name", required=True, max_len=NAME_MAX) if name is not None else None
    raise_if(errors)
    if handle is not None:
        set_handle(user, handle)
    if name_c is not None:
        user.name = name_c
    if email_notifications is not None:
        user.email_notifications = bool(email_notifications)
    try:
        db.session.commit()
    except IntegrityError:  # the handle was taken meanwhile
        db.session.rollback()
        raise Conflict("This handle is taken.", {"handle": "This handle is taken."}) from None
    return user


def authenticate(email, password) -> User | None:
    """The user when email and password match, else None (constant-ish time)."""
    email_n = normalize_email(email)
    user = db.session.scalar(select(User).where(User.email == email_n)) if email_n else None
    ok_input = isinstance(password, str) and "\x00" not in password
    try:
        pw = password.encode("utf-8") if ok_input else b""
    except UnicodeEncodeError:
        pw, ok_input = b"", False
    if len(pw) > PASSWORD_MAX_BYTES:
        ok_input = False
    hashed = user.password_hash.encode("ascii") if user else _DUMMY_HASH
    matched = bcrypt.checkpw(pw[:PASSWORD_MAX_BYTES], hashed)
    return user if (user and ok_input and matched) else None


def change_password(user: User, current, new) -> None:
    """Change the password and end every other session of this user."""
    errors: dict = {}
    if authenticate(user.email, current) is None:
        errors["current_password"] = "Current password is wrong."
    check_password_rules(errors, new, field="new_password")
    raise_if(errors)
    user.password_hash = hash_password(new)
    user.session_version += 1
    db.session.commit()


def end_sessions(user: User) -> None:
    """Invalidate every browser session of the user (logout everywhere)."""
    user.session_version += 1
    db.session.commit()


def load_session_user(session_id: str) -> User | None:
    """flask-login loader: 'uuid:version' must match the user's current session version."""
    return session_user(session_id)[0]


def session_user(session_id: str) -> tuple[User | None, list, int]:
    """The user of a session id ('uuid:version', the version current), their memberships with
    teams ordered by team key (the sidebar's) and their unread notifications (its badge), in one
    statement: (None, [], 0) for a stale or unknown id."""
    from sqlalchemy.orm import contains_eager, lazyload, undefer
    from ..models import Membership, Team
    from .validation import parse_uuid
    uid, _, version = (session_id or "").partition(":")
    pk = parse_uuid(uid)
    if pk is None:
        return None, [], 0
    from ..infra.database import prepared
    from .notifications import unread_select
    stmt = (select(User, Membership, unread_select(User.id).scalar_subquery())
            .outerjoin(Membership, Membership.user_id == User.id)
            .outerjoin(Team, Team.id == Membership.team_id).where(User.id == pk)
            .options(contains_eager(Membership.team), lazyload(Membership.user),
                     undefer(Membership.sidebar_views)).order_by(Team.key))   # the sidebar's saved views
    rows = db.session.execute(prepared(stmt)).all()   # every page runs it: planned once per connection
    if not rows or str(rows[0][0].session_version) != version:
        return None, [], 0
    return rows[0][0], [m for _, m, _ in rows if m is not None], rows[0][2] or 0


def search_users(actor: User, q: str | None, limit: int = 20) -> list[User]:
    """Users sharing a team with the actor, matching q in name or email (assignee pickers)."""
    errors: dict = {}
    q = clean_text(errors, "q", q, label="Search text", max_len=FILTER_TEXT_MAX, strip=False)
    raise_if(errors)
    from ..models import Membership
    from .access import team_ids_of
    stmt = (select(User).join(Membership, Membership.user_id == User.id)
            .where(Membership.team_id.in_(team_ids_of(actor))).distinct().order_by(User.name).limit(limit))
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").lower() + "%"
        stmt = stmt.where(func.lower(User.name).like(like, escape="\\") | User.email.like(like, escape="\\"))
    return list(db.session.scalars(stmt))
