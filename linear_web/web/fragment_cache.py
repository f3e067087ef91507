"""A small per-process cache of rendered list fragments, keyed by team data version.

The issue list fragment is the most requested response (every filter change, every live
refresh) and costs tens of milliseconds of SQL and Jinja. A cached copy is served only while
the team's version (linear_web.events.changes) is the one it was rendered at, and for at most
TTL seconds (ages like "5m", project and member names, which change without an issue event).
Access is checked before the cache is consulted, and the key includes the user.

Renders are single-flight: a live event makes every open list re-fetch at once, and the
requests for one key wait for the first render instead of all rendering the same thing.
"""
import threading
import time
from collections import OrderedDict

from ..events import changes

TTL = 15.0
MAX_ENTRIES = 512
WAIT = 5.0  # seconds a request waits for another's render of the same key before rendering itself

_lock = threading.Lock()
_entries: OrderedDict = OrderedDict()
_inflight: dict = {}


def _fresh(full_key, current, now):
    hit = _entries.get(full_key)
    if hit and hit[0] == current and hit[1] > now:
        _entries.move_to_end(full_key)
        return hit[2]
    return None


def get_or_render(team_id, key: tuple, render):
    """The cached HTML for key, or render() (a str) stored under the team's current version."""
    full_key = (str(team_id),) + key
    current = changes.version(team_id)
    with _lock:
        html = _fresh(full_key, current, time.monotonic())
        if html is not None:
            return html
        flight = _inflight.get(full_key)
        leader = flight is None or flight[0] != current
        if leader:
            flight = _inflight[full_key] = (current, threading.Event())
    if not leader:
        flight[1].wait(WAIT)
        with _lock:
            html = _fresh(full_key, current, time.monotonic())
        return html if html is not None else render()
    try:
        html = render()  # rendered at `current` or later: a change meanwhile makes it miss next time
        with _lock:
            _entries[full_key] = (current, time.monotonic() + TTL, html)
            _entries.move_to_end(full_key)
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
        return html
    finally:
        with _lock:
            if _inflight.get(full_key) is flight:
                del _inflight[full_key]
        flight[1].set()


def clear() -> None:
    with _lock:
        _entries.clear()
