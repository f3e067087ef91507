"""The inbox: notifications of changes to a user, and who is subscribed to an issue."""
import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..infra.extensions import db
from .base import UTCDateTime, created_at, uuid_pk


class Notification(db.Model):
    """One change told to one user (services/notifications.py writes them in the transaction of
    the change). They go with their issue; a deleted comment leaves comment_id null."""

    __tablename__ = "notifications"
    __table_args__ = (
        # The inbox, newest first, keyset (created_at, id).
        Index("ix_notifications_user_created", "user_id", "created_at", "id"),
        # The unread count: only unread rows are in it.
        Index("ix_notifications_unread", "user_id", postgresql_where=text("read_at IS NULL"),
              sqlite_where=text("read_at IS NULL")),
        Index("ix_notifications_issue", "issue_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    issue_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("issues.id", ondelete="CASCADE"), nullable=False)
    actor_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    comment_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("comments.id", ondelete="SET NULL"))
    # status_changed: the status the change set (the issue may have moved on since); else null.
    status: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = created_at()
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    issue = relationship("Issue", lazy="raise")
    actor = relationship("User", foreign_keys=[actor_id], lazy="raise")


class IssueSubscription(db.Model):
    """A user's subscription to an issue: made when they create, are assigned, comment, are
    mentioned or subscribe by hand; `subscribed` false when they unsubscribed (and stays so until
    they subscribe again by hand)."""

    __tablename__ = "issue_subscriptions"
    # My issues' "Subscribed" tab reads a user's subscriptions (migration 0013).
    __table_args__ = (Index("ix_issue_subscriptions_user", "user_id", "issue_id"),)

    issue_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("issues.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    subscribed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = created_at()
