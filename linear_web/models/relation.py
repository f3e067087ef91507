"""How issues relate: a parent and its sub-issues; blocks, related, duplicate of."""
import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..infra.extensions import db
from .base import created_at, uuid_pk

# Stored once per pair, from the side that reads naturally: "source blocks target", "source is a
# duplicate of target", "source is related to target". The other side reads the inverse.
STORED_TYPES = ("blocks", "related", "duplicate_of")


class IssueRelation(db.Model):
    __tablename__ = "issue_relations"
    __table_args__ = (
        CheckConstraint("type in ('blocks','related','duplicate_of')", name="type"),
        CheckConstraint("source_id <> target_id", name="not_self"),
        Index("ix_issue_relations_source", "source_id"),
        Index("ix_issue_relations_target", "target_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    source_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False)
    target_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False)
    # "smaller id:larger id": one relation per pair of issues, whatever its type or direction.
    pair_key: Mapped[str] = mapped_column(String(73), unique=True, nullable=False)
    creator_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id"), nullable=False)
    created_at: Mapped[datetime] = created_at()

    source = relationship("Issue", foreign_keys=[source_id], lazy="raise")
    target = relationship("Issue", foreign_keys=[target_id], lazy="raise")

    @staticmethod
    def pair(a: uuid.UUID, b: uuid.UUID) -> str:
        low, high = sorted((str(a), str(b)))
        return f"{low}:{high}"


class IssueParent(db.Model):
    """An issue's parent. A table of its own rather than a column of `issues`, so that adding it
    needed no rewrite of the issues table on SQLite, and both foreign keys cascade: deleting
    either issue removes the link (the child becomes top-level)."""

    __tablename__ = "issue_parents"
    __table_args__ = (Index("ix_issue_parents_parent", "parent_id"),
                      CheckConstraint("issue_id <> parent_id", name="not_self"))

    issue_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True)
    parent_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False)
