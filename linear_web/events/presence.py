"""Who is viewing which issue right now.

Each process keeps a table of viewers (issue id → socket key → user). Sockets announce `join`
when they open, re-announce every HEARTBEAT seconds and announce `leave` when they close. On
PostgreSQL announcements travel by NOTIFY, so every process (this one included) applies them from
its listener; entries expire after TTL seconds without a heartbeat, which clears the viewers of a
process that died. On SQLite (one process) they are applied directly. Each change is published to
the broker as PresenceChanged(issue_id) so the sockets on that issue re-render the viewer list.
"""
from __future__ import annotations

import itertools
import json
import os
import socket
import threading
import time
from dataclasses import dataclass

TTL = 60.0
HEARTBEAT = 20.0
CHANNEL = "linear_web_presence"


@dataclass(frozen=True)
class PresenceChanged:
    """Queue item: the set of viewers of this issue changed."""

    issue_id: str


def origin() -> str:
    """This process's name in announcements (differs per forked worker)."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Presence:
    """The viewer table of this process."""

    def __init__(self, ttl: float = TTL):
        self.ttl = ttl
        self._lock = threading.Lock()
        self._issues: dict[str, dict[str, tuple[str, str, float]]] = {}
        self._seq = itertools.count(1)

    def join(self, broker, issue_id: str, user_id: str, name: str) -> str:
        """Announce a viewer; returns the key to refresh and leave with."""
        key = f"{origin()}#{next(self._seq)}"
        self.refresh(broker, key, issue_id, user_id, name)
        return key

    def refresh(self, broker, key: str, issue_id: str, user_id: str, name: str) -> None:
        """Heartbeat: the viewer is still there (extends its TTL everywhere)."""
        self._announce(broker, {"op": "join", "key": key, "issue_id": issue_id, "user_id": user_id,
                                "name": name})

    def leave(self, broker, key: str, issue_id: str) -> None:
        self._announce(broker, {"op": "leave", "key": key, "issue_id": issue_id})

    def hello(self, broker) -> None:
        """Ask other processes to re-announce their viewers (after this listener connected)."""
        broker.notify(CHANNEL, json.dumps({"op": "hello", "origin": origin()}))

    def viewers(self, issue_id: str) -> list[dict]:
        """Distinct current viewers of an issue, by name: [{"id", "name"}]."""
        now = time.monotonic()
        with self._lock:
            entries = list(self._issues.get(issue_id, {}).values())
        users = {uid: name for uid, name, expires in entries if expires > now}
        return [{"id": uid, "name": name} for uid, name in sorted(users.items(), key=lambda u: (u[1], u[0]))]

    def receive(self, payload: str, broker) -> None:
        """Apply an announcement from the LISTEN connection."""
        msg = json.loads(payload)
        if not isinstance(msg, dict):
            raise ValueError("presence payload must be an object")
        if msg.get("op") == "hello":
            if msg.get("origin") != origin():
                self._reannounce(broker)
            return
        if self._apply(msg):
            broker.publish(PresenceChanged(str(msg["issue_id"])))

    def _announce(self, broker, msg: dict) -> None:
        if not broker.notify(CHANNEL, json.dumps(msg)):
            if self._apply(msg):
                broker.publish(PresenceChanged(msg["issue_id"]))

    def _apply(self, msg: dict) -> bool:
        """Update the table; True when the visible viewer list may have changed."""
        issue_id, key = str(msg["issue_id"]), str(msg["key"])
        now = time.monotonic()
        with self._lock:
            viewers = self._issues.setdefault(issue_id, {})
            before = {(u, n) for u, n, e in viewers.values() if e > now}
            if msg.get("op") == "join":
                viewers[key] = (str(msg["user_id"]), str(msg["name"])[:100], now + self.ttl)
            elif msg.get("op") == "leave":
                viewers.pop(key, None)
            else:
                raise ValueError("unknown presence op")
            for k in [k for k, (_, _, e) in viewers.items() if e <= now]:
                del viewers[k]
            after = {(u, n) for u, n, _ in viewers.values()}
            if not viewers:
                del self._issues[issue_id]
        return before != after

    def _reannounce(self, broker) -> None:
        mine = origin() + "#"
        with self._lock:
            local = [(key, issue_id, uid, name) for issue_id, viewers in self._issues.items()
                     for key, (uid, name, _) in viewers.items() if key.startswith(mine)]
        for key, issue_id, uid, name in local:
            self.refresh(broker, key, issue_id, uid, name)


presence = Presence()
