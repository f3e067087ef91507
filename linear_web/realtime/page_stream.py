"""Page sockets: HTML pushes for the issue list, the board and the issue page.

Each message is HTML whose top-level elements static/js/live.js applies:
  - an element with an id replaces the element with that id (an updated row, card or panel);
  - `hx-swap-oob="delete"` removes its target (a deleted issue);
  - `<template data-live="append" data-target=… data-key=…>` appends once (a new comment);
  - `<div data-live="refresh">` re-fetches the page's own fragment with its filters (placement
    of rows and cards depends on filters and order, so the page asks the server);
  - `<div data-live="gone">message</div>` says the issue is no longer there;
  - `<div data-live="ready">` tells the page the socket is subscribed.
Every push is a template (templates/live/), built from the same partials the pages use and
rendered in the socket's request context (so they see the same user and CSRF token as the page).
"""
from __future__ import annotations

import time

from flask import get_template_attribute, render_template

from ..events import ATTACHMENTS_CHANGED, COMMENT_CREATED, COMMENT_DELETED, COMMENT_UPDATED, ISSUE_DELETED, Event
from ..events.broker import RESYNC, get_broker
from ..events.presence import HEARTBEAT, PresenceChanged, presence
from ..services import access, delivery
from ..services.errors import NotFound
from ..services.validation import parse_uuid
from .loaded import load
from .stream import Close

KINDS = ("list", "board", "issue", "dashboard", "cycles", "inbox", "user", "my")
# Pages of no team: the inbox (its list and the badge follow new notifications) and any other page
# (account, search, settings…), whose socket only keeps the sidebar's unread badge live.
USER_KINDS = ("inbox", "user")
# Events that change only what an issue page shows (its timeline, its files): lists, boards and
# dashboards ignore them.
ISSUE_PAGE_ONLY = (COMMENT_CREATED, COMMENT_UPDATED, COMMENT_DELETED, ATTACHMENTS_CHANGED)


def op(name: str, *args) -> str:
    """One protocol element on its own (live/_ops.html): refresh, or gone with its message."""
    return str(get_template_attribute("live/_ops.html", name)(*args))


class PageStream:
    """HTML pushes for one page of one user: kind list/board (a team) or issue (one issue)."""

    def __init__(self, user, team_id: str | None, kind: str, issue_id: str | None = None):
        """For one user's page of `kind` (a team's list or board, an issue, a dashboard)."""
        self.user_id, self.user_name = str(user.id), user.name
        self.team_id, self.kind, self.issue_id = team_id, kind, issue_id
        self._presence_key: str | None = None
        self._viewers_shown: list[dict] | None = None   # None: not an issue page, no viewer list
        # Issue page: the sub-issues and related issues it shows; their changes update its sections.
        self._shown_ids: set[str] = set()
        self._heartbeat = 0.0

    @classmethod
    def for_request(cls, user, args) -> PageStream:
        """From ?kind=list|board|issue|dashboard&team=<id or key>[&issue=<id>]; 4404 for outsiders.

        A dashboard may omit the team (all the user's teams)."""
        kind = args.get("kind")
        if kind not in KINDS:
            raise Close(4400, "kind must be list, board, issue, dashboard, cycles, inbox, user or my.")
        if kind in USER_KINDS or kind == "my" or (kind == "dashboard" and not args.get("team")):
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
        """The ready marker (with the other viewers on an issue page); join the issue's presence."""
        if self.kind == "issue":
            self._presence_key = presence.join(get_broker(), self.issue_id, self.user_id, self.user_name)
            self._heartbeat = time.monotonic()
            self._viewers_shown = self._other_viewers()
            with delivery.session() as session:
                self._shown_ids = delivery.planning_issue_ids(session, self.issue_id)
        return [render_template("live/opened.html", viewers=self._viewers_shown)]

    def idle(self) -> list[str]:
        """Heartbeat our presence (it expires elsewhere without one)."""
        if self._presence_key and time.monotonic() - self._heartbeat > HEARTBEAT:
            self._heartbeat = time.monotonic()
            presence.refresh(get_broker(), self._presence_key, self.issue_id, self.user_id, self.user_name)
        return []

    def closed(self) -> None:
        """Leave the issue's presence."""
        if self._presence_key:
            presence.leave(get_broker(), self._presence_key, self.issue_id)
            self._presence_key = None

    def render(self, item) -> list[str]:
        """The push for this page, if the item concerns it (access checked per event)."""
        if item == RESYNC:   # events may have been missed: catch up
            return self._badge_now() if self.kind in USER_KINDS else [op("refresh")]
        if isinstance(item, PresenceChanged):
            return self._presence_update() if item.issue_id == self.issue_id else []
        if not isinstance(item, Event):
            return []
        if item.recipient_id:                 # a notification: only its recipient's pages hear of it
            return self._inbox_badge(item)
        if self.kind in USER_KINDS:
            return []
        if self.kind == "my":
            html = self._my_issues(item)
        elif self.kind in ("dashboard", "cycles"):
            html = self._dashboard(item)
        else:
            html = self._issue_page(item) if self.kind == "issue" else self._team_page(item)
        return [html] if html else []

    def _dashboard(self, event: Event) -> str:
        """Stats of one team (or all the user's teams), or a team's cycles and cycle pages:
        re-fetch on any change to its issues or cycles."""
        if event.type in ISSUE_PAGE_ONLY:
            return ""
        view = load(event)
        for team_id, members in ((view.team_id, view.members), (event.old_team_id, view.old_members)):
            if team_id and self.user_id in members and self.team_id in (None, team_id):
                return op("refresh")
        return ""

    def _my_issues(self, event: Event) -> str:
        """My issues (all the user's teams): re-fetch on any change to an issue of one of them, its
        comments too (commenting subscribes). Membership is checked per event, as for dashboards."""
        view = load(event)
        for team_id, members in ((view.team_id, view.members), (event.old_team_id, view.old_members)):
            if team_id and self.user_id in members:
                return op("refresh")
        return ""

    def _team_page(self, event: Event) -> str:
        """List or board: swap the row/card at once, then the page re-fetches with its filters."""
        view = load(event)
        if event.old_team_id == self.team_id and self.user_id in view.old_members:
            return render_template("live/team_page.html", kind=self.kind,
                                   deleted=view.old_identifier or event.identifier)
        if view.team_id != self.team_id or self.user_id not in view.members:
            return ""
        if event.type == ISSUE_DELETED:
            return render_template("live/team_page.html", kind=self.kind, deleted=event.identifier)
        if event.label_id or event.cycle_id:  # rows, cards and the cycle filter show their names
            return op("refresh") if event.kind.changes_lists else ""
        if event.type in ISSUE_PAGE_ONLY or view.issue is None:
            return ""
        return render_template("live/team_page.html", kind=self.kind, issue=view.issue)

    def _issue_page(self, event: Event) -> str:
        """The issue page: title, description, properties, new timeline entries."""
        if event.issue_id != self.issue_id:
            return self._planning_change(event)
        if event.type == ISSUE_DELETED:
            return op("gone", "This issue was deleted.")
        view = load(event)
        if view.issue is None:
            return ""
        if self.user_id not in view.members:
            return op("gone", "This issue moved to a team you are not a member of.")
        if event.type == COMMENT_CREATED:
            if view.comment is None:
                return ""
            return render_template("live/issue_comment.html", comment=view.comment)
        activities = view.extra(delivery.recent_activity, event.issue_id)
        if event.type in (COMMENT_UPDATED, COMMENT_DELETED):
            # An edit replaces the comment in place; a deletion removes it (the comment is
            # None when it was deleted before delivery: remove it then too).
            return render_template("live/issue_comment_changed.html", comment=view.comment,
                                   comment_id=event.comment_id, activities=activities)
        if event.type == ATTACHMENTS_CHANGED:
            return render_template("live/issue_attachments.html", issue=view.issue, activities=activities,
                                   attachments=view.extra(delivery.issue_attachments, event.issue_id))
        return render_template("live/issue_fields.html", issue=view.issue, activities=activities,
                               form={}, errors={}, message=None,
                               **view.extra(delivery.team_pickers, view.team_id),
                               **{k: v for k, v in self._planning(view).items() if k != "page_issue"})

    def _planning_change(self, event: Event) -> str:
        """Another issue changed: when it is one of this page's sub-issues or related issues (or
        has just become a sub-issue), the page's sub-issues, progress and relations follow."""
        if event.type in (COMMENT_CREATED, ATTACHMENTS_CHANGED):
            return ""
        if event.issue_id not in self._shown_ids:
            if event.type == ISSUE_DELETED or event.team_id != self.team_id:
                return ""
            view = load(event)
            if view.issue is None or str(view.issue.parent_id or "") != self.issue_id:
                return ""
        else:
            view = load(event)
        if self.user_id not in view.extra(delivery.member_ids, self.team_id):
            return ""
        planning = self._planning(view)
        if not planning:
            return ""
        return render_template("live/issue_planning.html", issue=planning.pop("page_issue"), **planning)

    def _planning(self, view) -> dict:
        """This page's breadcrumb, parent, sub-issues and relations as its viewer may see them
        (loaded once per event per process; relations to teams the viewer left are dropped)."""
        planning = view.extra(delivery.issue_planning, self.issue_id)
        if planning is None:
            return {}
        self._shown_ids = planning.issue_ids()
        teams = {t for t in planning.other_team_ids() if self.user_id in view.extra(delivery.member_ids, t)}
        return {"planning": True, "page_issue": planning.issue, **planning.seen_by(teams)}

    def _inbox_badge(self, event: Event) -> list[str]:
        """A notification for this page's user: the sidebar's unread badge with the count now (read
        once per event per process for all of the user's pages, in a session of its own)."""
        if event.recipient_id != self.user_id:
            return []
        view = load(event)
        if self.user_id not in view.members:  # gone, or no longer in the issue's team
            return []
        badge = render_template("live/inbox_badge.html", count=view.extra(unread_count, self.user_id))
        return [badge, op("refresh")] if self.kind == "inbox" else [badge]

    def _badge_now(self) -> list[str]:
        """The badge (and on the inbox, its list) as they are now, after a gap in the events."""
        with delivery.session() as session:
            badge = render_template("live/inbox_badge.html", count=unread_count(session, self.user_id))
        return [badge, op("refresh")] if self.kind == "inbox" else [badge]

    def _presence_update(self) -> list[str]:
        """The viewer list, when who *else* is here changed (our own join is no news)."""
        others = self._other_viewers()
        if others == self._viewers_shown:
            return []
        self._viewers_shown = others
        return [render_template("issues/_presence.html", viewers=others)]

    def _other_viewers(self) -> list[dict]:
        """Who else has this issue open now (from the presence registry)."""
        return [v for v in presence.viewers(self.issue_id) if v["id"] != self.user_id]



def unread_count(session, user_id) -> int:
    """A user's unread notifications now, in a delivery session (a `Loaded.extra` loader)."""
    from ..services.notifications import unread_count as count
    return count(parse_uuid(user_id), session)
