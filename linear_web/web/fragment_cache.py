"""A small per-process cache of rendered list fragments, keyed by each team's data_version.

The issue list fragment is the most requested response (every filter change, every live
refresh). A cached copy is served only while the team's `data_version` (a counter in the
database that goes up at the commit of every change to what the list shows, events.mark_changed)
is the one it was rendered at, and for at most TTL seconds (ages like "5m" and member names
change without a team change). The version is read in the same statement that checks the
session and the membership (access.session_team_version), so a commit in any process is seen by
every process at once, and access is checked on every request. The key includes the user.

Renders are single-flight: a live event makes every open list re-fetch at once, and the
requests for one key wait for the first render instead of all rendering the same thing. When an
entry only got old (same data_version, past TTL), one request re-renders it while the others are
served the old copy meanwhile: its data is current, only its ages may be a few seconds behind.
"""
import threading
import time
from collections import OrderedDict

TTL = 15.0
MAX_ENTRIES = 512
WAIT = 5.0  # seconds a request waits for another's render of the same key before rendering itself

_lock = threading.Lock()
_entries: OrderedDict = OrderedDict()
_inflight: dict = {}
_refreshing: dict = {}  # full key -> monotonic deadline of the request that re-renders an old entry


def _fresh(full_key, version, now):
    hit = _entries.get(full_key)
    if hit and hit[0] == version and hit[1] > now:
        _entries.move_to_end(full_key)
        return hit[2]
    return None


def peek(team_id, version, key: tuple):
    """The cached HTML for key at the team's data_version, or None (the caller renders).

    An entry past its TTL at the same version is still returned, except to one request at a
    time, which gets None and re-renders it through get_or_render."""
    full_key = (str(team_id),) + key
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


def get_or_render(team_id, version, key: tuple, render):
    """The cached HTML for key, or render() (str or bytes) stored under `version`.

    `version` must be read before render() reads the data: a change committed in between then
    makes the entry miss next time, never hides the change."""
    full_key = (str(team_id),) + key
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
    with _lock:
        _entries.clear()
        _refreshing.clear()
