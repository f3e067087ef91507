"""Blueprint "realtime": WebSocket routes (flask-sock)."""
from flask import Blueprint

bp = Blueprint("realtime", __name__)

from . import ws  # noqa: E402,F401
from ..events.broker import route_with  # noqa: E402
from .loaded import audience  # noqa: E402

route_with(audience)  # each event wakes only the sockets of the users it may concern
