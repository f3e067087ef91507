"""Blueprint "realtime": WebSocket routes (flask-sock)."""
from flask import Blueprint

bp = Blueprint("realtime", __name__)

from . import ws  # noqa: E402,F401
