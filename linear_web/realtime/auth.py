"""Who is on the other end of a socket: a token (API key or JWT) or the browser session."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import request
from flask_login import current_user

from ..services import access
from ..services.errors import NotFound
from ..services.tokens import user_for_token
from .stream import Close


def socket_user(*, allow_token: bool):
    """The socket's user, or Close(4401) for a bad/missing credential, 4403 for a foreign Origin."""
    token = request.args.get("token")
    header = request.headers.get("Authorization", "")
    if token is None and header.lower().startswith("bearer "):
        token = header[7:].strip()
    if token is not None:
        if not allow_token:
            raise Close(4401, "This socket uses the browser session, not tokens.")
        user = user_for_token(token)
        if user is None:
            raise Close(4401, "Invalid or expired token.")
        return user
    if not current_user.is_authenticated:
        raise Close(4401, "Authentication required: pass ?token=<JWT or API key> or log in.")
    if not same_origin():
        # Cross-site WebSocket hijacking: a cookie rides along on any page's socket.
        raise Close(4403, "Cross-origin socket refused.")
    return current_user._get_current_object()


def same_origin() -> bool:
    """The browser's Origin header names this host (scheme aside: a TLS proxy may sit in front)."""
    origin = request.headers.get("Origin")
    if not origin:
        return False
    try:
        return urlsplit(origin).netloc.lower() == request.host.lower()
    except ValueError:
        return False


def team_filter(user, ref) -> str | None:
    """The id of the team named by ?team_id= (id or key); Close(4404) unless the user is a member."""
    if ref is None:
        return None
    try:
        return str(access.team_for(user, ref).id)
    except NotFound:
        raise Close(4404, "Team not found.") from None
