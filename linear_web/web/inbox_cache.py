"""The inbox page's fast path: the rendered page served again while nothing it shows changed.

A user reopens their inbox far more often than it changes (every live push re-fetches it, every
`g i`). The page shows the user's notifications with their issues (title, status, identifier),
the sidebar (the user's teams, the unread count, their name) and nothing of anyone else. So it is
a function of the request's query string, the session (its CSRF token is in the page) and this
state, read in one statement that also checks the session, as the list's fast path does
(list_cache.py, whose store and single-flight rendering this reuses):

- the data versions of the user's teams (any change to their issues, labels, cycles, a rename of
  the team: list_cache.mark_changed), and how many teams they are in;
- the unread count and the newest notification (a new one, one read, all read);
- the user's name (the sidebar's "Log out Ada").

Ages ("5m ago") and actors' names can change without any of these: an entry lives at most
list_cache.TTL seconds. Pages with flashed messages are never stored or served from here.
"""
from __future__ import annotations

import uuid

from flask import current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import SQLAlchemyError

from .. import list_cache
from ..infra.database import prepared
from ..models import Membership, Notification, TeamVersion, User

_users, _members, _versions = User.__table__, Membership.__table__, TeamVersion.__table__
_notes = Notification.__table__
_teams = select(_members.c.team_id).where(_members.c.user_id == _users.c.id).correlate(_users)
_STATE = select(
    select(func.coalesce(func.sum(_versions.c.version), 0)).where(_versions.c.team_id.in_(_teams)).scalar_subquery(),
    select(func.count()).select_from(_members).where(_members.c.user_id == _users.c.id).scalar_subquery(),
    select(func.count()).select_from(_notes).where(_notes.c.user_id == _users.c.id, _notes.c.read_at.is_(None))
    .scalar_subquery(),
    select(_notes.c.id).where(_notes.c.user_id == _users.c.id)
    .order_by(_notes.c.created_at.desc(), _notes.c.id.desc()).limit(1).scalar_subquery(),
    _users.c.name,
).where(_users.c.id == bindparam("uid"), _users.c.session_version == bindparam("version"))


def _session_user() -> tuple[uuid.UUID, int] | None:
    """(user id, session version) of the session's "uuid:version", or None."""
    uid, _, version = (session.get("_user_id") or "").partition(":")
    try:
        pk = uuid.UUID(uid)
    except ValueError:
        return None
    # As the user loader reads it: "07" is not version 7.
    if not (version.isascii() and version.isdigit()) or len(version) > 18 or str(int(version)) != version:
        return None
    return pk, int(version)


def _state(who: tuple[uuid.UUID, int]) -> tuple | None:
    """The inbox's state for this session's user, or None (stale session, unknown user, error)."""
    try:
        with list_cache.engine().connect() as conn:
            row = conn.execute(prepared(_STATE), {"uid": who[0], "version": who[1]}).first()
    except SQLAlchemyError:
        return None
    return tuple(str(v) for v in row) if row else None


def _key(who) -> tuple | None:
    """The entry's key: the user, the session's CSRF secret (in the page), the query string and
    the htmx target (the whole page, the list, or the next rows). Under flask-login's "strong"
    protection there is no fast path, as for the list (list_cache.py, part b)."""
    if session.get("_flashes") or not session.get("csrf_token") \
            or current_app.config["SESSION_PROTECTION"] == "strong":
        return None
    return ("inbox", str(who[0]), session.get("csrf_token"), request.query_string,
            request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target"))


def quick_hit() -> bytes | None:
    """The stored page for this session after one statement, or None (then the ordinary path)."""
    who = _session_user()
    key = _key(who) if who else None
    if key is None:
        return None
    state = g.inbox_state = _state(who)
    return list_cache.peek(key, state) if state else None


def page(render) -> str | bytes:
    """The page for the signed-in user, stored under the state read before rendering (a change
    committed meanwhile makes the entry miss next time; it never hides the change)."""
    generate_csrf()  # the session's CSRF secret exists before it goes into the key
    who = _session_user()
    key = _key(who) if who and str(who[0]) == str(current_user.id) else None
    state = (g.get("inbox_state") or _state(who)) if key else None   # read by quick_hit before
    if state is None:
        return render()
    return list_cache.get_or_render(key, state, lambda: render().encode("utf-8"))
