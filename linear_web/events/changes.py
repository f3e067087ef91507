"""Per-process version numbers of each team's issue data, for caches of rendered fragments.

A version goes up when this process commits a change to the team's issues (synchronously, in
the session's after_commit hook) and when the broker hears of a change from another process
(LISTEN/NOTIFY), before that event reaches any socket. A lost LISTEN connection bumps them all.
"""
import threading
from collections import defaultdict

_lock = threading.Lock()
_versions: defaultdict = defaultdict(int)
_epoch = 0  # bumped by bump_all(): every team's version changes at once


def version(team_id) -> tuple[int, int]:
    """The current version of a team's data (compare for equality only)."""
    with _lock:
        return _epoch, _versions[str(team_id)]


def bump(*team_ids) -> None:
    with _lock:
        for team_id in team_ids:
            if team_id:
                _versions[str(team_id)] += 1


def bump_all() -> None:
    global _epoch
    with _lock:
        _epoch += 1


def observe(item) -> None:
    """Called by the broker for every published item, before fan-out."""
    team_id = getattr(item, "team_id", None)
    if team_id:
        bump(team_id, getattr(item, "old_team_id", None))
    elif isinstance(item, str):  # RESYNC: events may have been missed
        bump_all()
