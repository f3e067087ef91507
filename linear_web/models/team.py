"""Teams and their memberships."""
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, false as sa_false, ForeignKey, Index, SmallInteger, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..infra.extensions import db
from ..vocabulary import NAME_MAX, TEAM_KEY_MAX
from .base import created_at, iso, uuid_pk

ROLES = ("admin", "member")


class Team(db.Model):
    __tablename__ = "teams"

    id: Mapped[uuid.UUID] = uuid_pk()
    key: Mapped[str] = mapped_column(String(TEAM_KEY_MAX), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    # Last issue number handed out; bumped atomically (UPDATE … RETURNING) so numbers never repeat.
    issue_counter: Mapped[int] = mapped_column(default=0, nullable=False)
    # The estimate scale its issues use (vocabulary.ESTIMATE_SCALES); "none" hides estimates.
    estimates: Mapped[str] = mapped_column(String(16), default="none", server_default="none", nullable=False)
    # Cycles: the last cycle number handed out (bumped like issue_counter, which also serialises
    # cycle date changes of a team); automatic cycles (off by default): length in weeks, start weekday
    # (0 Monday … 6 Sunday).
    cycle_counter: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)
    cycles_auto: Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa_false(), nullable=False)
    cycle_weeks: Mapped[int] = mapped_column(SmallInteger, default=2, server_default="2", nullable=False)
    cycle_start_day: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0", nullable=False)
    created_at: Mapped[datetime] = created_at()

    def to_json(self, role: str | None = None) -> dict:
        return {"id": str(self.id), "key": self.key, "name": self.name,
                "description": self.description, "created_at": iso(self.created_at), "role": role,
                "estimates": self.estimates}


class TeamVersion(db.Model):
    """One stripe of a team's data version (list_cache.py): the version is the sum of its stripes.

    Every transaction that changes what the team's issue lists show adds 1 to one stripe chosen at
    random at commit, so concurrent writers in a team rarely wait for each other's row lock (they
    did when the version was one column of the team's row). Rows appear on first use."""

    __tablename__ = "team_versions"

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0", nullable=False)


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (
        CheckConstraint("role in ('admin', 'member')", name="role"),
        Index("ix_memberships_user", "user_id"),
    )

    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10), default="member", nullable=False)
    joined_at: Mapped[datetime] = created_at()

    team = relationship("Team", lazy="joined")
    user = relationship("User", lazy="joined")

    def to_json(self) -> dict:
        return {"user": {"id": str(self.user.id), "email": self.user.email, "name": self.user.name},
                "role": self.role, "joined_at": iso(self.joined_at)}
