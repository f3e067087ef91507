"""Loading for live delivery: what an event's receivers see, read once per process with no acting user.

A socket thread loads an event for every socket of its process, so nothing here is scoped to a
user: the caller decides access per receiver from the team's members (`member_ids`). Each function
takes the session to read with; `session()` opens a short-lived one whose rows outlive it.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..infra.extensions import db
from ..models import Activity, Attachment, Comment, Cycle, Issue, IssueAlias, Label, Team
from .access import member_ids_of
from .attachments import attachments_of
from .issues import activity_of
from .projects import projects_of
from .teams import members_of
from .validation import parse_uuid
from ..vocabulary import identifier

RECENT_ACTIVITY = 10  # the newest rows an issue page is offered; it appends the ones it lacks


def session() -> Session:
    """A session of its own: loaded rows are shared read-only by socket threads after it closes."""
    return Session(db.engine, expire_on_commit=False)


def load_issue(session: Session, issue_id) -> Issue | None:
    """The issue as it is now (team, assignee and project joined), or None once deleted."""
    iid = parse_uuid(issue_id)
    return session.get(Issue, iid) if iid else None


def load_comment(session: Session, comment_id) -> Comment | None:
    """The comment as it is now (author joined), or None once deleted."""
    cid = parse_uuid(comment_id)
    return session.get(Comment, cid) if cid else None


def load_label(session: Session, label_id) -> Label | None:
    """The label as it is now (None once deleted)."""
    pk = parse_uuid(label_id)
    return session.get(Label, pk) if pk else None


def load_cycle(session: Session, cycle_id) -> dict | None:
    """The cycle's API body with its figures now (None once deleted)."""
    from .cycles import view_of
    pk = parse_uuid(cycle_id)
    cycle = session.get(Cycle, pk) if pk else None
    return view_of(cycle, session).to_json() if cycle is not None else None


def load_notification(session: Session, notification_id, recipient_id) -> dict | None:
    """The notification's API body, None once gone (its issue was deleted) or out of its
    recipient's reach (they left the issue's team)."""
    from ..models import Notification
    from .notifications import lines_of, read_lines
    pk, uid = parse_uuid(notification_id), parse_uuid(recipient_id)
    found = read_lines(lines_of(uid).where(Notification.id == pk), session) if pk and uid else None
    return found[0].to_json() if found else None


def member_ids(session: Session, team_id) -> frozenset[str]:
    """The ids of the team's members now: a member removed from the team stops receiving its events."""
    return frozenset(str(u) for u in session.scalars(member_ids_of(parse_uuid(team_id))))


def identifier_in_team(session: Session, issue_id, team_id) -> str | None:
    """KEY-N an issue had in a team it left (its newest alias there), or None."""
    row = session.execute(
        select(Team.key, IssueAlias.number).join(Team, Team.id == IssueAlias.team_id)
        .where(IssueAlias.issue_id == parse_uuid(issue_id), IssueAlias.team_id == parse_uuid(team_id))
        .order_by(IssueAlias.number.desc()).limit(1)).first()
    return identifier(row[0], row[1]) if row else None


def team_pickers(session: Session, team_id) -> dict:
    """Members and projects of a team for the property pickers, as the pages load them."""
    from .cycles import picker_note, takes_issues
    from .issue_queries import today
    from .teams import PickerOption
    members = [m.user for m in session.scalars(members_of(parse_uuid(team_id))).unique()]
    on = today()
    cycles = [PickerOption(c.id, c.title, note=picker_note(c.starts_on, on))
              for c in session.scalars(select(Cycle).where(*takes_issues(parse_uuid(team_id), on)).order_by(Cycle.starts_on))]
    return {"members": members, "projects": list(session.scalars(projects_of([parse_uuid(team_id)]))),
            "cycles": cycles}


def recent_activity(session: Session, issue_id, limit: int = RECENT_ACTIVITY) -> list[Activity]:
    """The issue's newest activity rows, oldest first (as its timeline lists them)."""
    rows = session.scalars(activity_of(parse_uuid(issue_id), newest_first=True).limit(limit)).all()
    return list(reversed(rows))


def issue_attachments(session: Session, issue_id) -> list[Attachment]:
    """The issue's attachments as its page lists them (oldest first, uploaders joined)."""
    return list(session.scalars(attachments_of(parse_uuid(issue_id))))


class Planning:
    """An issue's planning sections as every viewer may see them before the per-viewer filter:
    its parent, sub-issues (both in the issue's team) and relations (the other issue in any team)."""

    def __init__(self, issue: Issue, parent: Issue | None, children: list[Issue], relations: list):
        self.issue, self.parent, self.children, self.relations = issue, parent, children, relations

    def issue_ids(self) -> set[str]:
        """The issues these sections show: a change to one of them changes the sections."""
        return {str(i.id) for i in self.children} | {str(r.other.id) for r in self.relations}

    def other_team_ids(self) -> set[str]:
        return {str(r.other.team_id) for r in self.relations}

    def seen_by(self, team_ids_member: set[str]) -> dict:
        """The template context for a viewer who is a member of the given teams (of other_team_ids)."""
        return {"parent": self.parent, "children": self.children,
                "relations": [r for r in self.relations if str(r.other.team_id) in team_ids_member]}


def issue_planning(session: Session, issue_id) -> Planning | None:
    """Parent, sub-issues and relations of an issue (three queries); None once it is deleted."""
    from .planning import children_of
    from .relations import relation_views
    issue = load_issue(session, issue_id)
    if issue is None:
        return None
    parent = session.get(Issue, issue.parent_id) if issue.parent_id else None
    children = list(session.scalars(children_of(issue.id)).unique())
    return Planning(issue, parent, children, relation_views(session, issue.id))


def planning_issue_ids(session: Session, issue_id) -> set[str]:
    """Ids of the sub-issues and related issues an issue page shows (an open page watches them)."""
    from ..models import IssueParent, IssueRelation
    iid = parse_uuid(issue_id)
    children = session.scalars(select(IssueParent.issue_id).where(IssueParent.parent_id == iid))
    pairs = session.execute(select(IssueRelation.source_id, IssueRelation.target_id)
                            .where((IssueRelation.source_id == iid) | (IssueRelation.target_id == iid)))
    return {str(c) for c in children} | {str(a if b == iid else b) for a, b in pairs}
