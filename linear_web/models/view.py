"""Saved views: a named set of issue-list filters of a team, with a layout, private to its owner
or shared with the team (services/views.py holds the rules)."""
import json
import uuid
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from ..infra.extensions import db
from ..vocabulary import NAME_MAX
from .base import created_at, iso, uuid_pk

VIEW_LAYOUTS = ("list", "board")


class View(db.Model):
    """`filters` is a JSON object as text: the list filters' names and values, as the service
    validated them when they were saved (a label, project or cycle they name may since be gone:
    the service drops those when the view is read)."""

    __tablename__ = "saved_views"
    __table_args__ = (
        CheckConstraint("layout in ('list', 'board')", name="layout"),
        # A team's views (shared, or the caller's own); the owner's, for a user's deletion.
        Index("ix_saved_views_team", "team_id"),
        Index("ix_saved_views_owner", "owner_id"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    team_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("teams.id", ondelete="CASCADE"), nullable=False)
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(NAME_MAX), nullable=False)
    filters: Mapped[str] = mapped_column(Text, default="{}", nullable=False)
    layout: Mapped[str] = mapped_column(String(10), default="list", nullable=False)
    shared: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[datetime] = created_at()

    @property
    def saved_filters(self) -> dict:
        """The stored filters as a dict."""
        return json.loads(self.filters or "{}")

    def to_json(self, filters: dict | None = None, dropped=()) -> dict:
        """The API's View; `filters` and `dropped` are what the service made of the stored filters."""
        return {"id": str(self.id), "team_id": str(self.team_id), "name": self.name,
                "filters": self.saved_filters if filters is None else filters, "layout": self.layout,
                "shared": self.shared, "owner_id": str(self.owner_id), "created_at": iso(self.created_at),
                "dropped_filters": list(dropped)}
