"""The activity log of an issue: one row per change."""
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..infra.extensions import db
from .base import created_at, iso, uuid_pk


class Activity(db.Model):
    __tablename__ = "activities"
    __table_args__ = (Index("ix_activities_issue_created", "issue_id", "created_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    issue_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False)
    actor_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    action: Mapped[str] = mapped_column(String(16), nullable=False)  # created|updated|commented|attached|deleted
    field: Mapped[str | None] = mapped_column(String(16))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()

    actor = relationship("User", lazy="joined", innerjoin=True)

    def to_json(self) -> dict:
        return {"id": str(self.id), "issue_id": str(self.issue_id), "actor": self.actor.brief(),
                "action": self.action, "field": self.field, "old_value": self.old_value,
                "new_value": self.new_value, "created_at": iso(self.created_at)}
