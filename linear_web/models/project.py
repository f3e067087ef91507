"""Projects group a team's issues."""
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..infra.extensions import db
from ..vocabulary import NAME_MAX
from .base import created_at, iso, uuid_pk


class Project(db.Model):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_team_name", "team_id", "name"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_at: Mapped[datetime] = created_at()

    team = relationship("Team")

    def to_json(self) -> dict:
        return {"id": str(self.id), "team_id": str(self.team_id), "name": self.name,
                "description": self.description, "created_at": iso(self.created_at)}
