"""Page sockets: HTML pushes for the issue list, the board and the issue page.

Each message is HTML whose top-level elements static/js/live.js applies:
  - an element with an id replaces the element with that id (an updated row, card or panel);
  - `hx-swap-oob="delete"` removes its target (a deleted issue);
  - `<template data-live="append" data-target=… data-key=…>` appends once (a new comment);
  - `<div data-live="refresh">` re-fetches the page's own fragment with its filters (placement
    of rows and cards depends on filters and order, so the page asks the server);
  - `<div data-live="gone">message</div>` says the issue is no longer there;
  - `<div data-live="ready">` tells the page the socket is subscribed.
Fragments come from the same partial templates the pages use, rendered in the socket's request
context (so they see the same user and CSRF token as the page).
"""
from __future__ import annotations

import time

from flask import render_template
from jinja2 import TemplateNotFound
from markupsafe import escape

from ..events import ATTACHMENTS_CHANGED, COMMENT_CREATED, ISSUE_DELETED, Event
from ..events.broker import RESYNC, get_broker
from ..events.presence import HEARTBEAT, PresenceChanged, presence
from ..services import access
from ..services.errors import NotFound
from .loaded import issue_attachments, load, recent_activity, team_people
from .stream import Close

KINDS = ("list", "board", "issue", "dashboard")
TIMELINE_ID = "issue-timeline"
READY = '<div data-live="ready"></div>'
REFRESH = '<div data-live="refresh"></div>'


def gone(message: str) -> str:
    return f'<div data-live="gone">{escape(message)}</div>'


def delete(dom_id: str) -> str:
    return f'<div id="{escape(dom_id)}" hx-swap-oob="delete"></div>'


def append(target: str, key: str, html: str) -> str:
    return (f'<template data-live="append" data-target="{escape(target)}" data-key="{escape(key)}">'
            f"{html}</template>")


def _render(name: str, **context) -> str:
    """A partial, or nothing if that template does not exist (a page without that part)."""
    try:
        return render_template(name, **context)
    except TemplateNotFound:
        return ""


class PageStream:
    """HTML pushes for one page of one user: kind list/board (a team) or issue (one issue)."""

    def __init__(self, user, team_id: str | None, kind: str, issue_id: str | None = None):
        self.user_id, self.user_name = str(user.id), user.name
        self.team_id, self.kind, self.issue_id = team_id, kind, issue_id
        self._presence_key: str | None = None
        self._presence_shown = ""
        self._heartbeat = 0.0

    @classmethod
    def for_request(cls, user, args) -> "PageStream":
        """From ?kind=list|board|issue|dashboard&team=<id or key>[&issue=<id>]; 4404 for outsiders.

        A dashboard may omit the team (all the user's teams)."""
        kind = args.get("kind")
        if kind not in KINDS:
            raise Close(4400, "kind must be list, board, issue or dashboard.")
        if kind == "dashboard" and not args.get("team"):
            return cls(user, None, kind)
        try:
            team = access.team_for(user, args.get("team"))
            issue = access.issue_for(user, args.get("issue")) if kind == "issue" else None
        except NotFound:
            raise Close(4404, "Not found.") from None
        if issue is not None and issue.team_id != team.id:
            raise Close(4404, "Not found.")
        return cls(user, str(team.id), kind, str(issue.id) if issue else None)

    def opened(self) -> list[str]:
        if self.kind == "issue":
            self._presence_key = presence.join(get_broker(), self.issue_id, self.user_id, self.user_name)
            self._heartbeat = time.monotonic()
        self._presence_shown = self._presence_html()
        return [READY + self._presence_shown]

    def idle(self) -> list[str]:
        """Heartbeat our presence (it expires elsewhere without one)."""
        if self._presence_key and time.monotonic() - self._heartbeat > HEARTBEAT:
            self._heartbeat = time.monotonic()
            presence.refresh(get_broker(), self._presence_key, self.issue_id, self.user_id, self.user_name)
        return []

    def closed(self) -> None:
        if self._presence_key:
            presence.leave(get_broker(), self._presence_key, self.issue_id)
            self._presence_key = None

    def render(self, item) -> list[str]:
        if item == RESYNC:
            return [REFRESH]
        if isinstance(item, PresenceChanged):
            return self._presence_update() if item.issue_id == self.issue_id else []
        if not isinstance(item, Event):
            return []
        if self.kind == "dashboard":
            html = self._dashboard(item)
        else:
            html = self._issue_page(item) if self.kind == "issue" else self._team_page(item)
        return [html] if html else []

    def _dashboard(self, event: Event) -> str:
        """Stats of one team (or all the user's teams): re-fetch on any change to its issues."""
        if event.type in (COMMENT_CREATED, ATTACHMENTS_CHANGED):
            return ""
        view = load(event)
        for team_id, members in ((view.team_id, view.members), (event.old_team_id, view.old_members)):
            if team_id and self.user_id in members and self.team_id in (None, team_id):
                return REFRESH
        return ""

    def _team_page(self, event: Event) -> str:
        """List or board: swap the row/card at once, then the page re-fetches with its filters."""
        view = load(event)
        prefix = "issue-" if self.kind == "list" else "card-"
        if event.old_team_id == self.team_id and self.user_id in view.old_members:
            return delete(prefix + (view.old_identifier or event.identifier)) + REFRESH
        if view.team_id != self.team_id or self.user_id not in view.members:
            return ""
        if event.type == ISSUE_DELETED:
            return delete(prefix + event.identifier) + REFRESH
        if event.type in (COMMENT_CREATED, ATTACHMENTS_CHANGED) or view.issue is None:
            return ""
        name = "issues/_row.html" if self.kind == "list" else "boards/_card.html"
        return _render(name, issue=view.issue) + REFRESH

    def _issue_page(self, event: Event) -> str:
        """The issue page: title, description, properties, new timeline entries."""
        if event.issue_id != self.issue_id:
            return ""
        if event.type == ISSUE_DELETED:
            return gone("This issue was deleted.")
        view = load(event)
        if view.issue is None:
            return ""
        if self.user_id not in view.members:
            return gone("This issue moved to a team you are not a member of.")
        if event.type == COMMENT_CREATED:
            if view.comment is None:
                return ""
            html = _render("issues/_comment.html", comment=view.comment)
            return append(TIMELINE_ID, f"comment-{view.comment.id}", html)
        if event.type == ATTACHMENTS_CHANGED:
            # The list and its count only: the panel's upload form and progress stay as they are.
            files = view.extra("attachments", lambda s: issue_attachments(s, view.issue.id))
            parts = [_render("issues/_attachment_list.html", issue=view.issue, attachments=files),
                     f'<span class="badge" id="attachment-count">{len(files)}</span>']
            parts += self._new_activity(view, event)
            return "".join(parts)
        people = view.extra("people", lambda s: team_people(s, view.issue.team_id))
        ctx = dict(issue=view.issue, form={}, errors={}, message=None, **people)
        parts = [_render(name, **ctx) for name in
                 ("issues/_title.html", "issues/_description.html", "issues/_properties.html")]
        parts += self._new_activity(view, event)
        return "".join(parts)

    @staticmethod
    def _new_activity(view, event: Event) -> list[str]:
        """Timeline entries the event's change wrote (appended once, by their ids)."""
        return [append(TIMELINE_ID, f"activity-{activity.id}", _render("issues/_activity.html", activity=activity))
                for activity in view.extra("activity", lambda s: recent_activity(s, event))
                if activity.action != "commented"]

    def _presence_update(self) -> list[str]:
        """The viewer list, when who *else* is here changed (our own join is no news)."""
        html = self._presence_html()
        if html == self._presence_shown:
            return []
        self._presence_shown = html
        return [html]

    def _presence_html(self) -> str:
        if self.kind != "issue":
            return ""
        others = [v for v in presence.viewers(self.issue_id) if v["id"] != self.user_id]
        return _render("issues/_presence.html", viewers=others)
