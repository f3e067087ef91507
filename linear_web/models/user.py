"""User accounts."""
import uuid
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import String, true as sa_true
from sqlalchemy.orm import Mapped, mapped_column

from ..infra.extensions import db
from ..vocabulary import EMAIL_MAX, HANDLE_MAX, NAME_MAX
from .base import created_at, iso, uuid_pk


def initials(name: str) -> str:
    """The avatar letters of a name: the first letters of its first two words, upper case."""
    return "".join(word[0] for word in name.split()[:2]).upper()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(String(EMAIL_MAX), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    # What @mentions name: [a-z0-9._-], unique (services/notifications.py makes and checks them).
    handle: Mapped[str] = mapped_column(String(HANDLE_MAX), unique=True, nullable=False)
    # Notifications are also mailed (when the server has SMTP) unless the user turned it off.
    email_notifications: Mapped[bool] = mapped_column(default=True, server_default=sa_true(), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(100), nullable=False)
    # Bumped on logout-everywhere / password change: old session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1, nullable=False)
    created_at: Mapped[datetime] = created_at()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def initials(self) -> str:
        """Avatar letters; the email's first letter when the name has none."""
        return initials(self.name) or self.email[:1].upper()

    def to_json(self) -> dict:
        return {"id": str(self.id), "email": self.email, "name": self.name, "handle": self.handle,
                "created_at": iso(self.created_at)}

    def brief(self) -> dict:
        return {"id": str(self.id), "name": self.name}
