"""Personal API keys (only a hash and a prefix are stored)."""
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..infra.extensions import db
from ..vocabulary import NAME_MAX
from .base import UTCDateTime, created_at, iso, uuid_pk


class ApiKey(db.Model):
    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_user", "user_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)  # sha256 hex
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)  # shown in lists: lw_abcd…
    created_at: Mapped[datetime] = created_at()
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def to_json(self) -> dict:
        return {"id": str(self.id), "name": self.name, "prefix": self.prefix,
                "created_at": iso(self.created_at), "last_used_at": iso(self.last_used_at)}
