"""Blueprint "realtime": WebSocket routes (flask-sock)."""
from flask import Blueprint

bp = Blueprint("realtime", __name__)
