"""Blueprint "auth": sign up, log in, log out (session cookies, CSRF)."""
from flask import Blueprint

bp = Blueprint("auth", __name__)

from . import routes  # noqa: E402,F401
