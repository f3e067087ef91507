"""Webhooks: a team's URLs that receive its events, and each event's delivery to one of them
(services/webhooks.py holds the rules; services/outbox.py sends)."""
import json
import uuid
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..infra.extensions import db
from .base import UTCDateTime, created_at, iso, uuid_pk

URL_MAX = 2000
DELIVERY_STATES = ("pending", "delivered", "failed")


class Webhook(db.Model):
    """`events` is a JSON list of event types as text ("[]": every type). `secret` signs each
    request (HMAC-SHA256); the API shows it once, when the webhook is made."""

    __tablename__ = "webhooks"
    __table_args__ = (Index("ix_webhooks_team", "team_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False)
    url: Mapped[str] = mapped_column(String(URL_MAX), nullable=False)
    events: Mapped[str] = mapped_column(Text, nullable=False, default="[]")
    secret: Mapped[str] = mapped_column(String(100), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    creator_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = created_at()

    @property
    def event_types(self) -> list[str]:
        return json.loads(self.events or "[]")

    def wants(self, event_type: str) -> bool:
        types = self.event_types
        return not types or event_type in types

    def to_json(self) -> dict:
        return {"id": str(self.id), "team_id": str(self.team_id), "url": self.url, "events": self.event_types,
                "active": self.active, "created_at": iso(self.created_at)}


class WebhookDelivery(db.Model):
    """One event for one webhook: its body as sent on every attempt (its id is the
    X-LinearWeb-Delivery header), and how the last attempt went. The outbox row that sends it
    names it (topic "webhook")."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        # A webhook's deliveries newest first (the deliveries table, pruning).
        Index("ix_webhook_deliveries_hook", "webhook_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    webhook_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("webhooks.id", ondelete="CASCADE"), nullable=False)
    event_type: Mapped[str] = mapped_column(String(40), nullable=False)
    payload: Mapped[str] = mapped_column(Text, nullable=False)
    state: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at()
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def to_json(self) -> dict:
        return {"id": str(self.id), "event_type": self.event_type, "status_code": self.status_code,
                "attempt": self.attempt, "duration_ms": self.duration_ms, "error": self.error,
                "created_at": iso(self.created_at), "delivered_at": iso(self.delivered_at) if self.delivered_at else None,
                "state": self.state}
