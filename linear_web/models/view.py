"""Saved views: a named set of issue-list filters of a team, with a layout, private to its owner
or shared with the team (services/views.py holds the rules)."""
import json
import uuid
from datetime import datetime

from sqlalchemy import (Boolean, CheckConstraint, ForeignKey, Index, String, Text, Uuid, and_, case, cast, func,
                        or_, select)
from sqlalchemy.orm import Mapped, column_property, mapped_column

from ..infra.extensions import db
from ..vocabulary import NAME_MAX
from .base import created_at, iso, uuid_pk
from .team import Membership

VIEW_LAYOUTS = ("list", "board")
SIDEBAR_MAX = 10  # views the sidebar lists under a team; the team's views page lists them all
FIELD_SEP, ITEM_SEP = "\x1e", "\x1f"


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
    # The display options as a JSON object {group_by?, properties?}; "{}": the defaults
    # (services/display.Display, which reads and checks it).
    display: Mapped[str] = mapped_column(Text, default="{}", server_default="{}", nullable=False)
    shared: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    created_at: Mapped[datetime] = created_at()

    @property
    def saved_filters(self) -> dict:
        """The stored filters as a dict."""
        return json.loads(self.filters or "{}")

    @property
    def saved_display(self) -> dict:
        """The stored display options as a dict."""
        return json.loads(self.display or "{}")

    def to_json(self, filters: dict | None = None, dropped=(), display: dict | None = None) -> dict:
        """The API's View; `filters` and `dropped` are what the service made of the stored filters,
        `display` of its display options."""
        return {"id": str(self.id), "team_id": str(self.team_id), "name": self.name,
                "filters": self.saved_filters if filters is None else filters, "layout": self.layout,
                "display": self.saved_display if display is None else display,
                "shared": self.shared, "owner_id": str(self.owner_id), "created_at": iso(self.created_at),
                "dropped_filters": list(dropped)}


class ViewFavourite(db.Model):
    """A user's star on a view they may see: starred views come first in their sidebar. A star on a
    view the user can no longer see (made private, or a team they left) stays but is never shown."""

    __tablename__ = "view_favourites"
    __table_args__ = (
        # The primary key (user_id, view_id) serves the sidebar's join; this one a view's deletion.
        Index("ix_view_favourites_view", "view_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    view_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("saved_views.id", ondelete="CASCADE"),
                                               primary_key=True)
    created_at: Mapped[datetime] = created_at()


def _sidebar_sql():
    """SQL, per membership row: the views its user sees in its team (shared, or their own), starred
    ones first then by name, at most SIDEBAR_MAX, as one text of items "<id> FIELD_SEP <shared 0/1>
    <starred 0/1> FIELD_SEP <name>" joined by ITEM_SEP (in no particular order: parse_sidebar sorts).
    Names lose the two separator characters there (they are control characters, shown as nothing)."""
    starred = ViewFavourite.view_id.is_not(None)
    top = (select(View.id.label("id"), View.name.label("name"), View.shared.label("shared"), starred.label("starred"))
           .outerjoin(ViewFavourite, and_(ViewFavourite.view_id == View.id, ViewFavourite.user_id == Membership.user_id))
           .where(View.team_id == Membership.team_id, or_(View.shared.is_(True), View.owner_id == Membership.user_id))
           .order_by(starred.desc(), func.lower(View.name), View.id).limit(SIDEBAR_MAX)
           .correlate(Membership).subquery("sidebar_top"))
    name = func.replace(func.replace(top.c.name, FIELD_SEP, " "), ITEM_SEP, " ")
    item = (cast(top.c.id, String) + FIELD_SEP + case((top.c.shared, "1"), else_="0")
            + case((top.c.starred, "1"), else_="0") + FIELD_SEP + name)
    return select(func.aggregate_strings(item, ITEM_SEP)).select_from(top).scalar_subquery()


# A membership row can carry its sidebar's views: the session's user is loaded with their
# memberships in one statement on every page (services/auth.session_user, access.memberships), which
# undefer this; other loads of memberships (member lists, role checks) leave it out.
Membership.sidebar_views = column_property(_sidebar_sql(), deferred=True)


def parse_sidebar(raw: str | None) -> list[tuple[uuid.UUID, str, bool, bool]]:
    """(id, name, shared, starred) of a membership's `sidebar_views`, starred first, then by name."""
    items = []
    for item in (raw or "").split(ITEM_SEP):
        if item:
            vid, flags, name = item.split(FIELD_SEP, 2)
            items.append((uuid.UUID(vid), name, flags[0] == "1", flags[1] == "1"))
    return sorted(items, key=lambda v: (not v[3], v[1].lower(), str(v[0])))
