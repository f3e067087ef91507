"""Cycles: time-boxed sprints of a team, and the daily history their burndown is drawn from."""
import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..infra.extensions import db
from ..vocabulary import CYCLE_NAME_MAX
from .base import UTCDateTime, created_at, uuid_pk


class Cycle(db.Model):
    """Dates are calendar days in UTC, both inclusive. Its state comes from today's date and
    `completed_at` (services/cycles.py). A completed cycle keeps the figures it ended with: its
    unfinished issues move on to the next cycle, and `final_scope`/`final_completed` (and the
    estimate points, `final_points`/`final_points_done`) remember them."""

    __tablename__ = "cycles"
    __table_args__ = (
        UniqueConstraint("team_id", "number", name="uq_cycles_team_number"),
        CheckConstraint("ends_on >= starts_on", name="dates"),
        Index("ix_cycles_team_starts", "team_id", "starts_on"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(CYCLE_NAME_MAX), default="", nullable=False)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    final_scope: Mapped[int | None] = mapped_column(Integer)
    final_completed: Mapped[int | None] = mapped_column(Integer)
    final_points: Mapped[int | None] = mapped_column(Integer)
    final_points_done: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = created_at()

    @property
    def title(self) -> str:
        """How pages and the activity history name it: its name, or "Cycle N"."""
        return self.name or f"Cycle {self.number}"


class CycleChange(db.Model):
    """One change to a cycle's figures on a day: an issue added (scope +1) or removed (-1), an
    issue in it done (+1 done) or reopened (-1). Written in the transaction of the change; the
    burndown sums them per day in one query. No foreign key to the issue: a deleted issue's
    history stays (its removal is a change too)."""

    __tablename__ = "cycle_changes"
    __table_args__ = (Index("ix_cycle_changes_cycle_day", "cycle_id", "day"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    cycle_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("cycles.id", ondelete="CASCADE"), nullable=False)
    issue_id: Mapped[uuid.UUID] = mapped_column(Uuid, nullable=False)
    day: Mapped[date] = mapped_column(Date, nullable=False)
    scope: Mapped[int] = mapped_column(SmallInteger, nullable=False)
    done: Mapped[int] = mapped_column(SmallInteger, nullable=False)
