"""Files attached to issues (stored outside static/, under a random name)."""
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..infra.extensions import db
from ..vocabulary import FILENAME_MAX
from .base import created_at, iso, uuid_pk


class Attachment(db.Model):
    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_issue_created", "issue_id", "created_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    issue_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False)
    uploader_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    filename: Mapped[str] = mapped_column(String(FILENAME_MAX), nullable=False)
    content_type: Mapped[str] = mapped_column(String(100), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)  # random, on disk
    created_at: Mapped[datetime] = created_at()

    uploader = relationship("User", lazy="joined", innerjoin=True)

    def to_json(self) -> dict:
        return {"id": str(self.id), "issue_id": str(self.issue_id), "filename": self.filename,
                "content_type": self.content_type, "size": self.size,
                "uploader_id": str(self.uploader_id), "created_at": iso(self.created_at),
                "content_url": f"/api/v1/attachments/{self.id}/content"}
