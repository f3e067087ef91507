"""Issues and the identifiers they had before a move."""
import uuid
from datetime import date, datetime

from sqlalchemy import (Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, Uuid,
                        cast, false as sa_false, func, literal_column)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..infra.extensions import db
from ..infra.markdown import render_markdown
from ..vocabulary import (DEFAULT_STATUS, IDENTIFIER_SEPARATOR, NO_PRIORITY, PRIORITIES, STATUSES, TITLE_MAX,
                          identifier)
from .base import UTCDateTime, created_at, iso, utcnow, uuid_pk

TRACKED_FIELDS = ("status", "priority", "title", "description", "assignee", "project")
# The check constraints' SQL, built from the vocabulary. The text must stay what the migrations
# created (test_migrations compares them): a new status changes it, and needs a migration.
STATUS_CHECK = "status in (" + ",".join(f"'{s}'" for s in STATUSES) + ")"
if PRIORITIES != tuple(range(min(PRIORITIES), max(PRIORITIES) + 1)):
    raise ValueError("PRIORITIES must be consecutive numbers: the check constraint is a range")
PRIORITY_CHECK = f"priority between {min(PRIORITIES)} and {max(PRIORITIES)}"
STATUS_COLUMN_SIZE = 16  # the column as migrated; every status value must fit
if max(len(s) for s in STATUSES) > STATUS_COLUMN_SIZE:
    raise ValueError(f"A status is longer than the status column ({STATUS_COLUMN_SIZE})")


class Issue(db.Model):
    __tablename__ = "issues"
    __table_args__ = (
        UniqueConstraint("team_id", "number", name="uq_issues_team_number"),
        CheckConstraint(STATUS_CHECK, name="status"),
        CheckConstraint(PRIORITY_CHECK, name="priority"),
        # Keyset pagination and every filter/sort is team-scoped first.
        Index("ix_issues_team_created", "team_id", "created_at", "id"),
        Index("ix_issues_team_updated", "team_id", "updated_at", "id"),
        Index("ix_issues_team_status_position", "team_id", "status", "position"),
        Index("ix_issues_team_priority", "team_id", "priority", "created_at"),
        Index("ix_issues_team_assignee", "team_id", "assignee_id", "created_at"),
        Index("ix_issues_team_project", "team_id", "project_id", "created_at"),
        Index("ix_issues_creator", "creator_id"),
        # Per-status counts and estimate sums under any list/board filter as an index-only scan
        # (migrations 0002 and 0006).
        Index("ix_issues_team_counts", "team_id", "status", "priority", "assignee_id", "project_id", "estimate"),
        # The due-date filters and sort.
        Index("ix_issues_team_due", "team_id", "due_date", "id"),
        # A cycle's issues (the cycle filter, its figures, rollover).
        Index("ix_issues_cycle_status", "cycle_id", "status"),
        # My issues (services/my_issues.py, migration 0013): a user's assigned and created issues,
        # newest first, as one range scan across their teams.
        Index("ix_issues_assignee_created", "assignee_id", "created_at", "id"),
        Index("ix_issues_creator_created", "creator_id", "created_at", "id"),
        # The newest issues of every team at once: search's candidates when a word is common
        # (services/issue_queries.search_issues, across the user's teams in the palette).
        Index("ix_issues_created", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    title: Mapped[str] = mapped_column(String(TITLE_MAX), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(String(STATUS_COLUMN_SIZE), default=DEFAULT_STATUS, nullable=False)
    priority: Mapped[int] = mapped_column(Integer, default=NO_PRIORITY, nullable=False)
    project_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("projects.id", ondelete="SET NULL"))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    creator_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    due_date: Mapped[date | None] = mapped_column(Date)
    # The team's cycle it is planned in (services/cycles.py keeps the cycle's daily figures).
    cycle_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("cycles.id", ondelete="SET NULL"))
    # A value of the team's estimate scale when set (kept as it is when the team changes scale).
    estimate: Mapped[int | None] = mapped_column(Integer)
    # The issue's labels as rows, cards, the API and the CSV show them: "id<RS>colour<RS>name" items
    # joined by <US> (models/planning.py reads it). Kept by services/labels.py whenever the issue's
    # labels or a label's name or colour change, so a list reads it with the row instead of
    # aggregating issue_labels and labels per row (migration 0007).
    label_summary: Mapped[str | None] = mapped_column(Text)
    # Sub-issue progress and "blocked" (some open issue blocks it), stored on the row for the same
    # reason and kept by services/rollups.py at the commit of any change that moves them: a child's
    # status or parent link, a blocking relation, a blocker's status, a deletion (migration 0008).
    sub_total: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    sub_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    blocked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false(), nullable=False)
    # Order of cards inside a board column (smaller first).
    position: Mapped[float] = mapped_column(Float, default=0.0, nullable=False)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    # Optimistic locking: every UPDATE checks and bumps `version` (StaleDataError on a race).
    __mapper_args__ = {"version_id_col": version}

    team = relationship("Team", lazy="joined", innerjoin=True)
    assignee = relationship("User", foreign_keys=[assignee_id], lazy="joined")
    creator = relationship("User", foreign_keys=[creator_id], lazy="raise")
    project = relationship("Project", lazy="joined")
    labels = relationship("Label", secondary="issue_labels", order_by="Label.name", lazy="raise")
    # Loaded only on purpose (selectinload on the detail page); the database cascades deletes.
    comments = relationship("Comment", order_by="Comment.created_at", lazy="raise",
                            cascade="all, delete-orphan", passive_deletes=True, overlaps="issue")
    activities = relationship("Activity", order_by="Activity.created_at", lazy="raise",
                              cascade="all, delete-orphan", passive_deletes=True)
    attachments = relationship("Attachment", order_by="Attachment.created_at", lazy="raise",
                               cascade="all, delete-orphan", passive_deletes=True)

    @property
    def identifier(self) -> str:
        """KEY-N: the team's key and the issue's number in it."""
        return identifier(self.team.key, self.number)

    @property
    def description_html(self) -> str:
        return render_markdown(self.description)

    @property
    def label_chips(self) -> list:
        """The issue's labels (id, name, colour) by name, from the row's own SELECT."""
        from .planning import parse_labels
        return parse_labels(self.label_summary)

    @property
    def sub_issues(self) -> dict:
        return sub_issues_of(self)

    def brief(self) -> dict:
        return {"id": str(self.id), "identifier": self.identifier, "title": self.title, "status": self.status}

    def to_json(self) -> dict:
        return issue_json(self, self.team.key, self.assignee.name if self.assignee else None)


def sub_issues_of(issue) -> dict:
    """Sub-issue progress as the API shows it, from an Issue or a page row."""
    return {"total": issue.sub_total or 0, "done": issue.sub_done or 0}


def issue_json(issue, team_key: str, assignee_name: str | None) -> dict:
    """The API's Issue object, from an Issue or from a row of services.issue_queries.ROW_COLUMNS
    (same attribute names): lists serialise rows without building ORM objects
    (bench/results-api-mix-*.md)."""
    from .planning import parse_labels
    chips = parse_labels(issue.label_summary)
    assignee_id = issue.assignee_id
    return {
        "id": str(issue.id), "identifier": identifier(team_key, issue.number), "number": issue.number,
        "title": issue.title, "description": issue.description,
        "description_html": render_markdown(issue.description), "status": issue.status,
        "priority": issue.priority, "team_id": str(issue.team_id),
        "project_id": str(issue.project_id) if issue.project_id else None,
        "assignee_id": str(assignee_id) if assignee_id else None,
        "creator_id": str(issue.creator_id),
        "assignee": {"id": str(assignee_id), "name": assignee_name} if assignee_id else None,
        "created_at": iso(issue.created_at), "updated_at": iso(issue.updated_at),
        "version": issue.version,
        "label_ids": [c.id for c in chips], "labels": [c.brief() for c in chips],
        "parent_id": str(issue.parent_id) if issue.parent_id else None,
        "sub_issues": sub_issues_of(issue),
        "due_date": issue.due_date.isoformat() if issue.due_date else None, "estimate": issue.estimate,
        "cycle_id": str(issue.cycle_id) if issue.cycle_id else None,
    }


# The priority sort: high (1), medium, low, then "no priority" (0) as 4. Literal numbers, not bound
# parameters, so the planner sees the index's expression (migration 0003). COALESCE/NULLIF rather
# than CASE: PostgreSQL reflects it on one line, so autogenerate can compare it with this one.
PRIORITY_RANK = func.coalesce(func.nullif(Issue.priority, literal_column("0")), literal_column("4"))
# Serves `sort=priority` (ORDER BY rank, created_at DESC, id DESC) as an ordered index scan; without
# it every list group sorted all of a team's matching rows (BENCHMARKS.md).
Index("ix_issues_team_priority_rank", Issue.team_id, PRIORITY_RANK, Issue.created_at.desc(), Issue.id.desc())


def identifier_sql(team_key, number):
    """KEY-N computed by the database (exports), the same text as Issue.identifier."""
    return team_key + IDENTIFIER_SEPARATOR + cast(number, String)


class IssueAlias(db.Model):
    """An identifier an issue had before it moved team: KEY-N keeps redirecting."""

    __tablename__ = "issue_aliases"

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True)
    issue_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False)
