"""A small per-process cache of rendered list fragments, keyed by team data version.

The issue list fragment is the most requested response (every filter change, every live
refresh) and costs tens of milliseconds of SQL and Jinja. A cached copy is served only while
the team's version (linear_web.events.changes) is the one it was rendered at, and for at most
TTL seconds (ages like "5m", project and member names, which change without an issue event).
Access is checked before the cache is consulted, and the key includes the user.
"""
import threading
import time
from collections import OrderedDict

from ..events import changes

TTL = 15.0
MAX_ENTRIES = 512

_lock = threading.Lock()
_entries: OrderedDict = OrderedDict()


def get_or_render(team_id, key: tuple, render):
    """The cached HTML for key, or render() (a str) stored under the team's current version."""
    full_key = (str(team_id),) + key
    now = time.monotonic()
    current = changes.version(team_id)
    with _lock:
        hit = _entries.get(full_key)
        if hit and hit[0] == current and hit[1] > now:
            _entries.move_to_end(full_key)
            return hit[2]
    html = render()  # rendered at `current` or later: a change meanwhile makes it miss next time
    with _lock:
        _entries[full_key] = (current, now + TTL, html)
        _entries.move_to_end(full_key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return html


def clear() -> None:
    with _lock:
        _entries.clear()
