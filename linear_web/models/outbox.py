"""The outbox: work to do off the request path (mail, webhook deliveries), written in the transaction of the change
that causes it, so a crash or a restart loses none of it (services/outbox.py sends it)."""
import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from ..infra.extensions import db
from .base import UTCDateTime, created_at, uuid_pk


PENDING = "sent_at IS NULL AND failed_at IS NULL"


class OutboxMessage(db.Model):
    """One message to deliver. `key` names what a pending message stands for (a user's next
    notification mail): one pending message per key, so a burst of changes makes one message.
    A sender claims a due message by setting `locked_until`; it is sent once `sent_at` is set,
    else retried at `available_at` after a failure, until `failed_at` says its topic gave up."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "available_at", postgresql_where=text(PENDING), sqlite_where=text(PENDING)),
        Index("uq_outbox_pending_key", "key", unique=True, postgresql_where=text(PENDING),
              sqlite_where=text(PENDING)),
        # A lane's messages in order: only its oldest pending one may be sent.
        Index("ix_outbox_lane", "lane", "created_at", postgresql_where=text(PENDING), sqlite_where=text(PENDING)),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    topic: Mapped[str] = mapped_column(String(40), nullable=False)
    key: Mapped[str] = mapped_column(String(100), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False, default="{}")
    available_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Given up on after its topic's last attempt: no longer pending, its lane moves on.
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Messages of one lane (a webhook's deliveries) go out one at a time, oldest first; none: any order.
    lane: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = created_at()
