"""The list fast path: rendered #issue-list fragments served while the team's data is unchanged.

The issue list fragment is the most requested response (every filter change, every live refresh
of every open list). This module owns the whole mechanism, in four parts:

(a) Writers. A team's data version is the sum of its rows in `team_versions` (models.TeamVersion):
    it goes up at the commit of every transaction that changes what the team's issue lists show.
    Services call `mark_changed` (events.emit does it for every event whose kind changes lists);
    a session `before_commit` hook then adds 1 to one stripe of each marked team, chosen at
    random, in team id order (an upsert: stripes appear on first use). Concurrent writers in one
    team wait for each other only when they pick the same of 16 stripes (the version was one
    column of the team's row, whose lock every write held until its commit). A rollback bumps
    nothing. Because the version lives in the database, a commit in any process invalidates
    every process's copies at once, without any message between processes: any committed change
    makes the sum differ from every sum read before it.

(b) The hit check. One statement on a small autocommit engine of its own (no BEGIN/ROLLBACK
    round trips, no pre-ping; prepared once per connection on PostgreSQL) returns the team's
    id and data version only if the session's user still has this session version (logout and
    "end all sessions" raise it) and is a member of the team. So access is checked on every
    hit, with the same rules as the user loader and `access.team_for`. Anything else — no
    session, an outsider, an unknown team, a database error — takes the ordinary path, which
    answers with its own redirects, 404s and 422s.

    flask-login's session protection: in "basic" mode (the app's), a session seen from another
    address or user agent stays signed in and is only marked non-fresh. Nothing in the app reads
    freshness (no `fresh_login_required`, `login_fresh` or `needs_refresh`), so a hit answers
    exactly what the ordinary path would, and the next ordinary request marks the session
    non-fresh as before. "strong" mode signs such a session out, which this check cannot see
    without flask-login's private identifier, so under "strong" the fast path is off entirely.

(c) The store: per process, keyed by team, user and query string, valid for one data version
    and at most TTL seconds (ages like "5m" and member names change without a team change),
    least recently used entries dropped beyond MAX_ENTRIES. Renders are single-flight: a live
    event makes every open list re-fetch at once, and requests for one key wait for the first
    render instead of all rendering the same thing. An entry that only got old (same version,
    past TTL) is re-rendered by one request while the others get the old copy meanwhile: its data
    is current, only its ages may lag.

(d) For the route: `quick_hit(key)` before login_required, then `fragment(team, render)` on the
    ordinary path. The version is read before the render reads the data, so a change committed
    in between makes the entry miss next time; it never hides the change.

Imports infra, models and flask only: events.emit calls `mark_changed` without a cycle.
"""
from __future__ import annotations

import random
import threading
import time
import uuid
from collections import OrderedDict

from flask import current_app, request, session
from flask_login import current_user
from sqlalchemy import bindparam, create_engine, func, select
from sqlalchemy import event as sa_event
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError

from .infra.database import prepare_marked, tune_sqlite
from .infra.extensions import db
from .models import Membership, Team, TeamVersion, User

TTL = 15.0
MAX_ENTRIES = 512
WAIT = 5.0  # seconds a request waits for another's render of the same key before rendering itself
ENGINE_KEY = "linear_web_list_cache_engine"

# -- (a) writers: the data version goes up at commit ------------------------------------------


def mark_changed(*team_ids) -> None:
    """This transaction changes what the teams' issue lists show: their version goes up at commit."""
    db.session().info.setdefault("changed_teams", set()).update(str(t) for t in team_ids if t)


STRIPES = 16
_versions = TeamVersion.__table__


def _bump_statement(dialect: str, team_id: uuid.UUID):
    """INSERT a stripe at 1 or add 1 to it (PostgreSQL and SQLite both know ON CONFLICT)."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(_versions).values(team_id=team_id, slot=random.randrange(STRIPES), version=1)
    return stmt.on_conflict_do_update(index_elements=[_versions.c.team_id, _versions.c.slot],
                                      set_={"version": _versions.c.version + 1})


def _bump(sess, team_ids) -> None:
    """+1 on one stripe of each team not bumped yet in this transaction, in id order."""
    done = sess.info.setdefault("bumped_teams", set())
    dialect = sess.get_bind().dialect.name
    for team_id in sorted(set(team_ids) - done):
        # No autoflush: the stripes are written first, then the commit flushes the rest, so a
        # stale issue version still surfaces from that flush (services turn it into a Conflict).
        with sess.no_autoflush:
            sess.execute(_bump_statement(dialect, uuid.UUID(team_id)))
        done.add(team_id)


def version_of(team_id):
    """A select of the team's data version: the sum of its stripes (0 before the first change)."""
    return (select(func.coalesce(func.sum(_versions.c.version), 0))
            .where(_versions.c.team_id == team_id).scalar_subquery())


def team_version(team_id) -> int:
    """The team's data version as this session's transaction sees it."""
    return int(db.session.scalar(select(version_of(team_id))))


def _before_commit(sess) -> None:
    """Bump the teams this transaction marked."""
    if sess.info.get("changed_teams"):
        _bump(sess, sess.info["changed_teams"])


def _forget(sess) -> None:
    """The transaction is over (committed or rolled back): the next one starts unmarked."""
    sess.info.pop("changed_teams", None)
    sess.info.pop("bumped_teams", None)


def install(app) -> None:
    """Hook every session so marked teams are bumped at commit and forgotten afterwards."""
    from sqlalchemy.orm import Session
    if not sa_event.contains(Session, "before_commit", _before_commit):
        sa_event.listen(Session, "before_commit", _before_commit)
        sa_event.listen(Session, "after_commit", _forget)
        sa_event.listen(Session, "after_soft_rollback", _forget_after_rollback)


def _forget_after_rollback(sess, _previous_transaction) -> None:
    """after_soft_rollback passes the transaction too."""
    _forget(sess)


# -- (b) the hit check: one autocommit statement ------------------------------------------------

_teams, _members, _users = Team.__table__, Membership.__table__, User.__table__
_CHECK = (select(_teams.c.id, version_of(_teams.c.id))
          .join(_members, _members.c.team_id == _teams.c.id)
          .join(_users, _users.c.id == _members.c.user_id)
          .where(_teams.c.key == bindparam("key"), _users.c.id == bindparam("uid"),
                 _users.c.session_version == bindparam("version")))
# PostgreSQL: planning the three-table join costs more than running it, so plan it once.
_PREPARE = (
    "PREPARE lw_session_team(text, uuid, bigint) AS "
    "SELECT teams.id, (SELECT COALESCE(sum(v.version), 0) FROM team_versions v WHERE v.team_id = teams.id) "
    "FROM teams "
    "JOIN memberships ON memberships.team_id = teams.id JOIN users ON users.id = memberships.user_id "
    "WHERE teams.key = $1 AND users.id = $2 AND users.session_version = $3")
_EXECUTE = "EXECUTE lw_session_team(%(key)s, %(uid)s, %(version)s)"


def engine():
    """The app's small autocommit engine for the check, created on first use in each process.

    No pre-ping: a dead pooled connection fails the check, SQLAlchemy invalidates the pool and
    the request takes the ordinary path. Small: a check holds its connection only briefly."""
    found = current_app.extensions.get(ENGINE_KEY)
    if found is None:
        found = create_engine(db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False,
                              pool_size=4, max_overflow=4, pool_recycle=3600)
        tune_sqlite(found)
        prepare_marked(found)  # the inbox's check (web/inbox_cache.py) is prepared() too
        if found.dialect.name == "postgresql":
            sa_event.listen(found, "connect", _prepare)
        found = current_app.extensions.setdefault(ENGINE_KEY, found)
    return found


def _prepare(dbapi_conn, _record) -> None:
    """Prepare the check on each new PostgreSQL connection."""
    with dbapi_conn.cursor() as cur:
        cur.execute(_PREPARE)


def session_team_version(session_user_id: str | None, key: str) -> tuple[str, int] | None:
    """(team id, data version) of team `key` if the session's user ("uuid:version", as the user
    loader reads it) still has that session version and is a member; else None (also on errors)."""
    uid, _, version = (session_user_id or "").partition(":")
    try:
        pk = uuid.UUID(uid)
    except ValueError:
        return None
    # The loader compares the version as text: "07" is not version 7 there, nor here.
    if not (version.isascii() and version.isdigit()) or len(version) > 18 or str(int(version)) != version \
            or not key or len(key) > 100 or "\x00" in key:
        return None
    params = {"key": key.upper(), "uid": pk, "version": int(version)}
    try:
        eng = engine()
        with eng.connect() as conn:
            if eng.dialect.name == "postgresql":
                row = conn.exec_driver_sql(_EXECUTE, {**params, "uid": str(pk)}).first()
            else:
                row = conn.execute(_CHECK, params).first()
    except SQLAlchemyError:
        return None
    return (str(row[0]), int(row[1])) if row else None


# -- (c) the per-process store --------------------------------------------------------------------

_lock = threading.Lock()
_entries: OrderedDict = OrderedDict()  # full key -> (data version, expiry, html)
_inflight: dict = {}  # full key -> (data version, Event set when its render ends)
_refreshing: dict = {}  # full key -> monotonic deadline of the request that re-renders an old entry


def _fresh(full_key, version, now):
    """The entry's HTML if it is at `version` and within its TTL, else None (under _lock)."""
    hit = _entries.get(full_key)
    if hit and hit[0] == version and hit[1] > now:
        _entries.move_to_end(full_key)
        return hit[2]
    return None


def peek(full_key: tuple, version):
    """The stored HTML at `version`, or None (the caller renders).

    An entry past its TTL at the same version is still returned, except to one request at a
    time, which gets None and re-renders it through get_or_render."""
    now = time.monotonic()
    with _lock:
        hit = _entries.get(full_key)
        if not hit or hit[0] != version:
            return None
        _entries.move_to_end(full_key)
        if hit[1] > now or _refreshing.get(full_key, 0) > now:
            return hit[2]
        _refreshing[full_key] = now + WAIT
        return None


def get_or_render(full_key: tuple, version, render):
    """The stored HTML at `version`, or render() (str or bytes) stored under it, one render at a time."""
    with _lock:
        html = _fresh(full_key, version, time.monotonic())
        if html is not None:
            return html
        flight = _inflight.get(full_key)
        leader = flight is None or flight[0] != version
        if leader:
            flight = _inflight[full_key] = (version, threading.Event())
    if not leader:
        flight[1].wait(WAIT)
        with _lock:
            html = _fresh(full_key, version, time.monotonic())
        return html if html is not None else render()
    try:
        html = render()
        with _lock:
            _entries[full_key] = (version, time.monotonic() + TTL, html)
            _entries.move_to_end(full_key)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
        return html
    finally:
        with _lock:
            if _inflight.get(full_key) is flight:
                del _inflight[full_key]
            _refreshing.pop(full_key, None)
        flight[1].set()


def clear() -> None:
    """Drop every stored fragment (tests)."""
    with _lock:
        _entries.clear()
        _refreshing.clear()


# -- (d) for the route ----------------------------------------------------------------------------


def _cache_key(team_id, user_ref: str) -> tuple:
    """Team, user and the request's query string: the fragment is a function of these and the data."""
    return str(team_id), user_ref, request.query_string


def quick_hit(key: str) -> bytes | None:
    """The stored fragment of team `key` for this session after one statement, or None."""
    user_ref = session.get("_user_id")
    mode = current_app.config["SESSION_PROTECTION"]
    if not user_ref or mode == "strong":
        return None
    found = session_team_version(user_ref, key)
    if found is None:
        return None
    team_id, version = found
    return peek(_cache_key(team_id, user_ref), version)


def fragment(team: Team, render) -> bytes:
    """The fragment for the signed-in user, stored at the team's data version (read first).

    Kept encoded: a hit then sends the bytes as they are."""
    return get_or_render(_cache_key(team.id, current_user.get_id()), team_version(team.id),
                         lambda: render().encode("utf-8"))
