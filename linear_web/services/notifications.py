"""The inbox: handles and @mentions, who is subscribed to an issue, and the notifications a change
writes for them.

An issue's subscribers are its creator, its assignee, everyone who commented on it or was mentioned
in it, and whoever subscribed by hand; unsubscribing sticks until the user subscribes again. A
change notifies each subscriber who is still a member of the issue's team, except the person who
made it, once per change: a mention wins over an assignment, which wins over a comment or a status
change. Everything here runs in the caller's transaction (the change's own), with bulk statements:
one to find the mentioned members, one to add subscriptions, one to read the subscribers, one
insert of all the notifications.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, insert, select, update
from sqlalchemy.orm import aliased

from .. import events
from ..events import Event, emit_many
from ..infra.database import prepared
from ..infra.extensions import db
from ..infra.markdown import link_mentions
from ..models import Issue, IssueSubscription, Membership, Notification, Team, User, utcnow
from ..models.base import iso
from ..models.user import initials
from ..vocabulary import HANDLE_MAX, HANDLE_MIN, HANDLE_PATTERN, MENTION_PATTERN, identifier
from . import access, outbox
from .errors import Conflict, NotFound, ValidationError
from .issue_queries import decode_cursor, encode_cursor

HANDLE = re.compile(HANDLE_PATTERN)
MENTION = re.compile(MENTION_PATTERN)
# When several reasons reach one person in one change, the first of these is what they are told.
PRECEDENCE = ("mentioned", "assigned", "commented", "status_changed")


# -- handles -------------------------------------------------------------------------------------

def handle_base(email: str) -> str:
    """The handle an email suggests: its local part in the handle's characters, lower case."""
    base = re.sub(r"[^a-z0-9._-]", "", (email or "").split("@", 1)[0].lower())[:HANDLE_MAX - 6] or "user"
    return base if len(base) >= HANDLE_MIN else base + "0"


def new_handle(email: str) -> str:
    """A free handle for a new account: the email's, with a number added when it is taken."""
    base = handle_base(email)
    taken = set(db.session.scalars(select(User.handle).where(User.handle.like(f"{base}%"))))
    handle, n = base, 1
    while handle in taken:
        n += 1
        handle = f"{base}{n}"
    return handle


def check_handle(errors: dict, raw) -> str | None:
    """A handle as typed, checked: 2–30 of a–z, 0–9, '.', '_', '-' (upper case is lowered)."""
    if not isinstance(raw, str) or not HANDLE.fullmatch(raw.strip().lower()):
        errors["handle"] = (f"A handle is {HANDLE_MIN}–{HANDLE_MAX} characters: lower-case letters, digits, "
                            "'.', '_' or '-'.")
        return None
    return raw.strip().lower()


def set_handle(user: User, raw) -> None:
    """Change the user's handle in the caller's transaction; 422 malformed, 409 taken."""
    errors: dict = {}
    handle = check_handle(errors, raw)
    if errors:
        raise ValidationError(errors)
    if handle != user.handle and db.session.scalar(select(func.count()).select_from(User)
                                                   .where(User.handle == handle, User.id != user.id)):
        raise Conflict("This handle is taken.", {"handle": "This handle is taken."})
    user.handle = handle


def mentioned_handles(text: str | None) -> list[str]:
    """The @handles a text names, in order, each once."""
    return list(dict.fromkeys(m.group(1) for m in MENTION.finditer(text or "")))


def members_by_handle(team_id, handles) -> dict[str, User]:
    """{handle: user} of the team's members among the handles (one query; others are plain text)."""
    handles = [h for h in handles if HANDLE.fullmatch(h)][:100]
    if not handles:
        return {}
    rows = db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                              .where(Membership.team_id == team_id, User.handle.in_(handles)))
    return {u.handle: u for u in rows}


def team_mention_links(team_id) -> dict:
    """{handle: (URL of their issues in the team, name)} of a team's members: where a mention of
    them links. One query, once per request and team."""
    from flask import g, url_for

    cache = g.setdefault("team_mention_links", {})
    key = str(team_id)
    if key not in cache:
        rows = db.session.execute(
            select(Team.key, User.id, User.handle, User.name).select_from(Membership)
            .join(Team, Team.id == Membership.team_id).join(User, User.id == Membership.user_id)
            .where(Membership.team_id == uuid.UUID(key))).all()
        cache[key] = {handle: (url_for("web.issue_list", key=team_key, assignee=str(user_id)), name)
                      for team_key, user_id, handle, name in rows}
    return cache[key]


def link_html(html: str, team_id) -> str:
    """Rendered Markdown (description_html, body_html) with the team's members' @handles as links
    to them; other text that looks like a handle stays text. No query without a likely mention."""
    if not html or not MENTION.search(html):
        return html
    return link_mentions(html, team_mention_links(team_id))


def link_issue_html(html: str, issue_id) -> str:
    """link_html for a text of an issue (a comment's body): its team read only for a likely mention."""
    if not html or not MENTION.search(html):
        return html
    from flask import g
    teams = g.setdefault("issue_team_ids", {})
    if issue_id not in teams:
        teams[issue_id] = db.session.scalar(select(Issue.team_id).where(Issue.id == issue_id))
    return link_html(html, teams[issue_id])


def mention_targets(session, issue_id) -> list[tuple]:
    """(team key, user id, handle, name) of the members of the issue's team: whom its text can
    mention (pages link them), in one query, in the given session."""
    return session.execute(
        select(Team.key, User.id, User.handle, User.name).select_from(Issue)
        .join(Team, Team.id == Issue.team_id).join(Membership, Membership.team_id == Issue.team_id)
        .join(User, User.id == Membership.user_id).where(Issue.id == issue_id)).all()


# -- subscriptions -------------------------------------------------------------------------------

def _subscribe(issue_id, user_ids, *, by_hand: bool = False) -> None:
    """Subscribe users to an issue: added when they have no row (an unsubscribe sticks), or, by
    hand, set back to subscribed."""
    user_ids = list(dict.fromkeys(u for u in user_ids if u))
    if not user_ids:
        return
    rows = dict(db.session.execute(select(IssueSubscription.user_id, IssueSubscription.subscribed)
                                   .where(IssueSubscription.issue_id == issue_id,
                                          IssueSubscription.user_id.in_(user_ids))).all())
    new = [u for u in user_ids if u not in rows]
    if new:
        now = utcnow()
        db.session.execute(insert(IssueSubscription), [{"issue_id": issue_id, "user_id": u, "subscribed": True,
                                                        "created_at": now} for u in new])
    if by_hand and any(rows.get(u) is False for u in user_ids):
        db.session.execute(update(IssueSubscription).where(IssueSubscription.issue_id == issue_id,
                                                           IssueSubscription.user_id.in_(user_ids))
                           .values(subscribed=True))


def subscribers_of(issue: Issue) -> set:
    """Ids of the issue's subscribers who are members of its team now."""
    stmt = (select(IssueSubscription.user_id)
            .where(IssueSubscription.issue_id == issue.id, IssueSubscription.subscribed.is_(True),
                   exists().where(Membership.user_id == IssueSubscription.user_id,
                                  Membership.team_id == issue.team_id)))
    return set(db.session.scalars(stmt))


def subscribe(actor: User, issue_ref) -> None:
    """Subscribe the actor to an issue of one of their teams."""
    issue = access.issue_for(actor, issue_ref)
    _subscribe(issue.id, [actor.id], by_hand=True)
    db.session.commit()


def unsubscribe(actor: User, issue_ref) -> None:
    """Unsubscribe the actor: nothing more about this issue until they subscribe again."""
    issue = access.issue_for(actor, issue_ref)
    _subscribe(issue.id, [actor.id])
    db.session.execute(update(IssueSubscription).where(IssueSubscription.issue_id == issue.id,
                                                       IssueSubscription.user_id == actor.id).values(subscribed=False))
    db.session.commit()


def subscription_of(actor: User, issue: Issue) -> tuple[bool, list[User]]:
    """(is the actor subscribed, the subscribed members by name) for the issue page."""
    users = list(db.session.scalars(
        select(User).join(IssueSubscription, IssueSubscription.user_id == User.id)
        .where(IssueSubscription.issue_id == issue.id, IssueSubscription.subscribed.is_(True),
               exists().where(Membership.user_id == User.id, Membership.team_id == issue.team_id))
        .order_by(User.name, User.id)))
    return any(u.id == actor.id for u in users), users


# -- writing notifications (called by services/issues.py and services/comments.py) ---------------

def _notify(actor: User, issue: Issue, reasons: dict, comment_id=None) -> None:
    """One notification per recipient (the reason that comes first in PRECEDENCE), one insert,
    and a NOTIFICATION_CREATED for each recipient's sockets."""
    chosen: dict = {}
    for reason in PRECEDENCE:
        for user_id in reasons.get(reason, ()):
            if user_id != actor.id:
                chosen.setdefault(user_id, reason)
    if not chosen:
        return
    now = utcnow()
    rows = [{"id": uuid.uuid4(), "user_id": user_id, "type": reason, "issue_id": issue.id, "actor_id": actor.id,
             "comment_id": comment_id, "created_at": now, "read_at": None,
             "status": issue.status if reason == "status_changed" else None} for user_id, reason in chosen.items()]
    db.session.execute(insert(Notification), rows)
    outbox.notification_mail(list(chosen), since=now)
    emit_many([Event.for_issue(events.NOTIFICATION_CREATED, issue, actor, notification_id=str(row["id"]),
                               recipient_id=str(row["user_id"])) for row in rows])


def issue_created(actor: User, issue: Issue) -> None:
    """The creator subscribes; the assignee is told (and subscribed); mentioned members too."""
    mentioned = members_by_handle(issue.team_id, mentioned_handles(issue.description))
    _subscribe(issue.id, [actor.id, issue.assignee_id, *(u.id for u in mentioned.values())])
    _notify(actor, issue, {"mentioned": [u.id for u in mentioned.values()],
                           "assigned": [issue.assignee_id] if issue.assignee_id else []})


def issue_changed(actor: User, issue: Issue, changes: dict) -> None:
    """After an update's fields were set: `changes` has the old values of assignee_id, status and
    description that changed. A new assignee is told; a status change tells the subscribers; new
    mentions in the description tell those mentioned."""
    if not changes:
        return
    reasons: dict = {}
    new_people = []
    if "assignee_id" in changes and issue.assignee_id:
        reasons["assigned"] = [issue.assignee_id]
        new_people.append(issue.assignee_id)
    if "description" in changes:
        before = set(mentioned_handles(changes["description"]))
        fresh = [h for h in mentioned_handles(issue.description) if h not in before]
        people = [u.id for u in members_by_handle(issue.team_id, fresh).values()]
        reasons["mentioned"] = people
        new_people += people
    _subscribe(issue.id, new_people)
    if "status" in changes:
        reasons["status_changed"] = subscribers_of(issue)
    _notify(actor, issue, reasons)


def comment_added(actor: User, issue: Issue, comment, old_body: str | None = None) -> None:
    """A new comment tells the subscribers (the commenter subscribes); an edit tells only those it
    newly mentions."""
    before = set(mentioned_handles(old_body)) if old_body is not None else set()
    fresh = [h for h in mentioned_handles(comment.body) if h not in before]
    mentioned = [u.id for u in members_by_handle(issue.team_id, fresh).values()]
    _subscribe(issue.id, ([actor.id] if old_body is None else []) + mentioned)
    reasons = {"mentioned": mentioned}
    if old_body is None:
        reasons["commented"] = subscribers_of(issue)
    _notify(actor, issue, reasons, comment_id=comment.id)


# -- reading and marking -------------------------------------------------------------------------

@dataclass(slots=True, frozen=True)
class LineIssue:
    """What a notification line shows of its issue."""
    id: uuid.UUID
    identifier: str
    title: str
    status: str
    team_id: uuid.UUID


@dataclass(slots=True, frozen=True)
class LineActor:
    """Who made the change."""
    id: uuid.UUID
    name: str

    @property
    def initials(self) -> str:
        return initials(self.name)


@dataclass(slots=True)
class Line:
    """One notification as the inbox, the API and the mail show it: plain values from one
    statement (no ORM objects to build for a page of 50)."""
    id: uuid.UUID
    type: str
    created_at: datetime
    read_at: datetime | None
    comment_id: uuid.UUID | None
    issue: LineIssue
    actor: LineActor
    status: str | None = None        # status_changed: the status it was set to

    @property
    def new_status(self) -> str:
        """The status a status change set (lines written before it was kept: the issue's now)."""
        return self.status or self.issue.status

    def to_json(self) -> dict:
        """The API's Notification."""
        issue = self.issue
        return {"id": str(self.id), "type": self.type,
                "issue": {"id": str(issue.id), "identifier": issue.identifier, "title": issue.title,
                          "status": issue.status, "team_id": str(issue.team_id)},
                "actor": {"id": str(self.actor.id), "name": self.actor.name},
                "comment_id": str(self.comment_id) if self.comment_id else None,
                "created_at": iso(self.created_at), "read_at": iso(self.read_at) if self.read_at else None}


_LINE_ACTOR = aliased(User, name="line_actor")


def lines_of(user_id):
    """The user's notifications of issues in their teams now (one who left a team no longer sees
    what happened there), with what a line shows of the issue and the actor: one statement."""
    return (select(Notification.id, Notification.type, Notification.created_at, Notification.read_at,
                   Notification.comment_id, Issue.id, Team.key, Issue.number, Issue.title, Issue.status,
                   Issue.team_id, _LINE_ACTOR.id, _LINE_ACTOR.name, Notification.status)
            .join(Issue, Issue.id == Notification.issue_id).join(Team, Team.id == Issue.team_id)
            .join(Membership, and_(Membership.team_id == Issue.team_id, Membership.user_id == user_id))
            .join(_LINE_ACTOR, _LINE_ACTOR.id == Notification.actor_id)
            .where(Notification.user_id == user_id))


def read_lines(stmt, session=None) -> list[Line]:
    """Lines from a lines_of statement (planned once per connection), in the request's session or
    the given one."""
    return [Line(nid, ntype, created, read, comment, LineIssue(iid, identifier(key, number), title, status, team_id),
                 LineActor(aid, aname), set_to)
            for nid, ntype, created, read, comment, iid, key, number, title, status, team_id, aid, aname, set_to
            in (session or db.session).execute(prepared(stmt))]


def list_notifications(actor: User, *, unread: bool = False, limit: int = 50, cursor: str | None = None):
    """(lines newest first, next cursor): keyset on (created_at, id)."""
    stmt = lines_of(actor.id)
    if unread:
        stmt = stmt.where(Notification.read_at.is_(None))
    if cursor:
        at, nid = decode_cursor(cursor, [datetime, uuid.UUID])
        stmt = stmt.where((Notification.created_at < at) | and_(Notification.created_at == at, Notification.id < nid))
    rows = read_lines(stmt.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor([rows[-1].created_at, rows[-1].id]) if more else None)


def unread_select(user_id):
    """The count of a user's unread notifications in their teams now (the partial index's rows):
    `user_id` a value, or User.id to correlate it into the session's user statement."""
    # Correlated to the user statement's own users row (a subquery two levels down is not
    # correlated by itself: it read every user's memberships).
    teams = select(Membership.team_id).where(Membership.user_id == user_id).correlate(User)
    return select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None),
        Notification.issue_id.in_(select(Issue.id).where(Issue.team_id.in_(teams))))


def unread_count(actor: User, session=None) -> int:
    """How many of the actor's notifications are unread (any session: the request's by default)."""
    return (session or db.session).scalar(prepared(unread_select(actor.id if isinstance(actor, User) else actor))) or 0


def notification_for(actor: User, ref) -> Line:
    """One of the actor's own notifications; NotFound for anyone else's."""
    from .validation import parse_uuid
    nid = parse_uuid(ref)
    found = read_lines(lines_of(actor.id).where(Notification.id == nid)) if nid else None
    if not found:
        raise NotFound("Notification not found.")
    return found[0]


def mark_read(actor: User, ref) -> Line:
    """Mark one notification read (again: no change)."""
    line = notification_for(actor, ref)
    if line.read_at is None:
        now = utcnow()
        db.session.execute(update(Notification).where(Notification.id == line.id, Notification.read_at.is_(None))
                           .values(read_at=now).execution_options(synchronize_session=False))
        db.session.commit()
        line.read_at = now
    return line


def mark_all_read(actor: User) -> int:
    """Mark every unread notification of the actor read; how many were."""
    count = db.session.execute(update(Notification).where(Notification.user_id == actor.id,
                                                          Notification.read_at.is_(None))
                               .values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return count
