"""API sockets: the JSON live events of the API contract, for one user."""
from __future__ import annotations

from ..events import Event
from ..events.broker import RESYNC
from .loaded import load
from .stream import Close


class JsonStream:
    """Turns broker items into API messages for one user, optionally narrowed to one team."""

    def __init__(self, user_id: str, team_id: str | None = None):
        """For one user; team_id narrows the stream to that team."""
        self.user_id = user_id
        self.team_id = team_id

    def opened(self) -> list[str]:
        """Nothing on connect: integrations fetch what they need over HTTP."""
        return []

    def idle(self) -> list[str]:
        """Nothing to do while waiting."""
        return []

    def closed(self) -> None:
        """Nothing held per socket."""

    def render(self, item) -> list[str]:
        """The message for this user, if the event's team is theirs (checked now, not at connect)."""
        if item == RESYNC:
            # Events may have been missed: integrations reconnect and re-fetch (1012 = restart).
            raise Close(1012, "The event stream was interrupted. Reconnect and re-fetch.")
        if not isinstance(item, Event):
            return []
        view = load(item)
        if item.recipient_id:                 # a notification: its recipient's, whatever team_id narrows
            return [view.json_text] if view.json_text and self.user_id in view.members else []
        if view.json_text and self.user_id in view.members and self.team_id in (None, view.team_id):
            return [view.json_text]
        # Members of the team an issue moved out of learn that it left (as a delete, without
        # revealing where it went).
        old = item.old_team_id
        if view.left_text and self.user_id in view.old_members and self.team_id in (None, old):
            if self.team_id == old or self.user_id not in view.members:
                return [view.left_text]
        return []
