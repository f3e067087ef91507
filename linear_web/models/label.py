"""Labels: coloured tags per team, on any number of the team's issues."""
import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, Uuid, func
from sqlalchemy.orm import Mapped, mapped_column

from ..infra.extensions import db
from .base import created_at, iso, uuid_pk

# Which labels an issue carries. The label index serves "issues with label X" and label counts.
issue_labels = Table(
    "issue_labels", db.metadata,
    Column("issue_id", Uuid, ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True),
    Column("label_id", Uuid, ForeignKey("labels.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_issue_labels_label", "label_id", "issue_id"),
)


class Label(db.Model):
    __tablename__ = "labels"

    id: Mapped[uuid.UUID] = uuid_pk()
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(50), nullable=False)
    color: Mapped[str] = mapped_column(String(7), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    created_at: Mapped[datetime] = created_at()

    def to_json(self) -> dict:
        return {"id": str(self.id), "team_id": str(self.team_id), "name": self.name, "color": self.color,
                "description": self.description, "created_at": iso(self.created_at)}

    def brief(self) -> dict:
        return {"id": str(self.id), "name": self.name, "color": self.color}


# Names are unique in a team ignoring case: the database keeps it so under concurrent creates.
Index("uq_labels_team_name", Label.team_id, func.lower(Label.name), unique=True)
