"""What every socket of this process needs to know about one event, loaded once per process.

A thousand sockets receiving one event must not run a thousand queries: the first socket thread
to look at an event loads it through the delivery services in a short-lived session (its team's
current members, the issue and comment as they are now, the API message) and the others reuse the
result. Membership is read when the event is delivered, so a member removed from a team stops
receiving its events.
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict

from ..events import (API_TYPES, COMMENT_CREATED, COMMENT_DELETED, COMMENT_UPDATED, CYCLE_DELETED, ISSUE_DELETED,
                      LABEL_DELETED, Event)
from ..models import Comment, Issue
from ..services import delivery

CACHE_SIZE = 256


class Loaded:
    """One event as this process delivers it; `extra()` memoises more data for HTML pushes."""

    def __init__(self, event: Event):
        """Nothing loaded yet: _load fills it in."""
        self.event = event
        self.team_id = event.team_id          # the issue's current team (after later moves too)
        self.members: frozenset[str] = frozenset()
        self.old_members: frozenset[str] = frozenset()
        self.issue: Issue | None = None
        self.comment: Comment | None = None
        self.old_identifier: str | None = None
        self.json_text: str | None = None     # the API message for members of team_id
        self.left_text: str | None = None     # ISSUE_DELETED for the team an issue moved out of
        self._extras: dict = {}
        self._lock = threading.Lock()

    def extra(self, loader, *args):
        """loader(session, *args), a delivery service, once per event per process (the pickers for a panel)."""
        key = (loader, *args)
        with self._lock:
            if key not in self._extras:
                with delivery.session() as session:
                    self._extras[key] = loader(session, *args)
            return self._extras[key]


_cache: OrderedDict = OrderedDict()
_cache_lock = threading.Lock()


def load(event: Event) -> Loaded:
    """The Loaded view of an event (computed by the first caller, shared by the rest)."""
    entry = _cache.get(event)
    if entry is not None and entry[1] is not None:
        return entry[1]
    with _cache_lock:
        entry = _cache.get(event)
        if entry is None:
            entry = _cache[event] = [threading.Lock(), None]
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    if entry[1] is not None:                  # loaded already: no lock convoy of socket threads
        return entry[1]
    with entry[0]:
        if entry[1] is None:
            entry[1] = _load(event)
        return entry[1]


def audience(item) -> frozenset[str] | None:
    """The users an item may concern, for the broker's routing: an event's team members (and
    those of the team an issue moved out of); None (every socket) for anything else."""
    if not isinstance(item, Event):
        return None
    view = load(item)
    return view.members | view.old_members


def _load(event: Event) -> Loaded:
    """Read the event's issue, comment and team members now; build the API messages."""
    view = Loaded(event)
    if event.label_id:
        return _load_label(view)
    if event.cycle_id:
        return _load_cycle(view)
    if event.notification_id:
        return _load_notification(view)
    with delivery.session() as session:
        if event.type != ISSUE_DELETED:
            view.issue = delivery.load_issue(session, event.issue_id)
            if view.issue is None:
                return view                   # deleted since: its ISSUE_DELETED follows
            view.team_id = str(view.issue.team_id)
        if event.comment_id and event.type != COMMENT_DELETED:
            view.comment = delivery.load_comment(session, event.comment_id)
        view.members = delivery.member_ids(session, view.team_id)
        if event.old_team_id and event.old_team_id != view.team_id:
            view.old_members = delivery.member_ids(session, event.old_team_id)
            view.old_identifier = (delivery.identifier_in_team(session, event.issue_id, event.old_team_id)
                                   or event.identifier)
    view.json_text = _message(view)
    if view.old_members:
        view.left_text = _left_text(event, view.old_identifier)
    return view


def message_in(session, event: Event) -> list[tuple[str, str]]:
    """(team id, API message) pairs of an event, read in `session` (the transaction that made it,
    before it commits): what webhooks send, the JSON an API socket of that team receives. An issue
    that moved teams is also ISSUE_DELETED for the team it left."""
    if event.label_id:
        label = None if event.type == LABEL_DELETED else delivery.load_label(session, event.label_id)
        return [(event.team_id, _label_text(event, label.to_json() if label else {"id": event.label_id}))]
    if event.cycle_id:
        body = None if event.type == CYCLE_DELETED else delivery.load_cycle(session, event.cycle_id)
        return [(event.team_id, _cycle_text(event, body or {"id": event.cycle_id}))]
    view = Loaded(event)
    if event.type != ISSUE_DELETED:
        view.issue = delivery.load_issue(session, event.issue_id)
        if view.issue is None:
            return []
        view.team_id = str(view.issue.team_id)
    if event.comment_id and event.type != COMMENT_DELETED:
        view.comment = delivery.load_comment(session, event.comment_id)
    out = [(view.team_id, text)] if (text := _message(view)) else []
    if event.old_team_id and event.old_team_id != view.team_id:
        out.append((event.old_team_id, _left_text(event, delivery.identifier_in_team(session, event.issue_id,
                                                                                     event.old_team_id))))
    return out


def _left_text(ev: Event, old_identifier: str | None) -> str:
    return json.dumps({"type": ISSUE_DELETED, "team_id": ev.old_team_id, "actor_id": ev.actor_id, "at": ev.at,
                       "issue": {"id": ev.issue_id, "identifier": old_identifier or ev.identifier}})


def _label_text(ev: Event, body: dict) -> str:
    return json.dumps({"type": ev.type, "team_id": ev.team_id, "actor_id": ev.actor_id, "at": ev.at, "label": body})


def _cycle_text(ev: Event, body: dict) -> str:
    return json.dumps({"type": ev.type, "team_id": ev.team_id, "actor_id": ev.actor_id, "at": ev.at, "cycle": body})


def _load_label(view: Loaded) -> Loaded:
    """A LABEL_* event: the team's members and the label as it is now ({"id"} once deleted)."""
    ev = view.event
    with delivery.session() as session:
        view.members = delivery.member_ids(session, ev.team_id)
        label = None if ev.type == LABEL_DELETED else delivery.load_label(session, ev.label_id)
        body = label.to_json() if label else {"id": ev.label_id}
    view.json_text = _label_text(ev, body)
    return view


def _load_cycle(view: Loaded) -> Loaded:
    """A CYCLE_* event: the team's members and the cycle with its figures now ({"id"} once deleted)."""
    ev = view.event
    with delivery.session() as session:
        view.members = delivery.member_ids(session, ev.team_id)
        body = None if ev.type == CYCLE_DELETED else delivery.load_cycle(session, ev.cycle_id)
    view.json_text = _cycle_text(ev, body or {"id": ev.cycle_id})
    return view


def _load_notification(view: Loaded) -> Loaded:
    """NOTIFICATION_CREATED: for its recipient alone (while a member of the issue's team)."""
    ev = view.event
    with delivery.session() as session:
        body = delivery.load_notification(session, ev.notification_id, ev.recipient_id)
        if body is None:
            return view                       # gone, or the recipient left the team: nobody
    view.team_id = body["issue"]["team_id"]
    view.members = frozenset({ev.recipient_id})
    view.json_text = json.dumps({"type": ev.type, "team_id": view.team_id, "actor_id": ev.actor_id, "at": ev.at,
                                 "notification": body})
    return view


def _message(view: Loaded) -> str | None:
    """The API contract's live event, or None when there is nothing to say."""
    ev = view.event
    if ev.type not in API_TYPES:
        return None                           # a page-only event
    msg = {"type": ev.kind.api_as or ev.type, "team_id": view.team_id, "actor_id": ev.actor_id, "at": ev.at}
    if ev.type == ISSUE_DELETED:
        msg["issue"] = {"id": ev.issue_id, "identifier": ev.identifier}
    else:
        msg["issue"] = view.issue.to_json()
    if ev.type in (COMMENT_CREATED, COMMENT_UPDATED):
        if view.comment is None:
            return None                       # deleted before delivery: its COMMENT_DELETED follows
        msg["comment"] = view.comment.to_json()
    elif ev.type == COMMENT_DELETED:
        msg["comment"] = {"id": ev.comment_id, "issue_id": ev.issue_id}
    return json.dumps(msg)
