"""WebSocket routes: /api/v1/ws (JSON events for integrations) and /ws (HTML for pages)."""
from flask import current_app, request

from ..infra.extensions import sock
from . import bp
from .auth import socket_user, team_filter
from .json_stream import JsonStream
from .page_stream import PageStream
from .stream import Close, close, serve


def _max_message_size(state) -> None:
    """Clients only send tiny messages: a huge one closes the socket instead of filling memory."""
    state.app.config.setdefault("SOCK_SERVER_OPTIONS", {}).setdefault("max_message_size", 4096)


bp.record_once(_max_message_size)


@bp.before_request
def _no_compression():
    """Decline permessage-deflate unless WS_COMPRESSION is set.

    Every socket would compress every event separately (one zlib context per socket), and that CPU
    grows with the sockets until it dominates delivery time (bench/results-realtime.md). Events
    are small; on a LAN the bytes are cheaper than the CPU.
    """
    if not current_app.config.get("WS_COMPRESSION", False):
        request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)


@sock.route("/api/v1/ws", bp=bp)
def api_ws(ws):
    """Live JSON events of the user's teams (token, API key or session cookie; optional team_id)."""
    try:
        user = socket_user(allow_token=True)
        team_id = team_filter(user, request.args.get("team_id"))
    except Close as err:
        return close(ws, err.code, err.reason)
    serve(ws, str(user.id), JsonStream(str(user.id), team_id))


@sock.route("/ws", bp=bp)
def page_ws(ws):
    """Live HTML fragments for a list, board or issue page (session cookie, same origin only)."""
    try:
        user = socket_user(allow_token=False)
        stream = PageStream.for_request(user, request.args)
    except Close as err:
        return close(ws, err.code, err.reason)
    current_app.logger.debug("page socket %s for %s", stream.kind, user.id)
    serve(ws, str(user.id), stream)
