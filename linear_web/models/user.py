"""User accounts and personal API keys."""
import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import UTCDateTime, created_at, iso, uuid_pk


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(100), nullable=False)
    # Bumped on logout-everywhere / password change: old session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1, nullable=False)
    created_at: Mapped[datetime] = created_at()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or self.email[:1].upper()

    def to_json(self) -> dict:
        return {"id": str(self.id), "email": self.email, "name": self.name,
                "created_at": iso(self.created_at)}

    def brief(self) -> dict:
        return {"id": str(self.id), "name": self.name}


class ApiKey(db.Model):
    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_user", "user_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)  # sha256 hex
    prefix: Mapped[str] = mapped_column(String(16), nullable=False)  # shown in lists: lw_abcd…
    created_at: Mapped[datetime] = created_at()
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def to_json(self) -> dict:
        return {"id": str(self.id), "name": self.name, "prefix": self.prefix,
                "created_at": iso(self.created_at), "last_used_at": iso(self.last_used_at)}
