"""Comments on issues (Markdown, rendered sanitised)."""
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..infra.extensions import db
from .base import UTCDateTime, created_at, iso, utcnow, uuid_pk
from ..infra.markdown import render_markdown


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (Index("ix_comments_issue_created", "issue_id", "created_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    issue_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False)
    author_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = created_at()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    author = relationship("User", lazy="joined", innerjoin=True)
    issue = relationship("Issue", lazy="raise", overlaps="comments")

    @property
    def body_html(self) -> str:
        return render_markdown(self.body)

    def to_json(self) -> dict:
        return {"id": str(self.id), "issue_id": str(self.issue_id), "body": self.body,
                "body_html": self.body_html, "author": self.author.brief(),
                "created_at": iso(self.created_at), "updated_at": iso(self.updated_at)}
