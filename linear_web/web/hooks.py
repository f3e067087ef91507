"""Browser-side response hooks (htmx conveniences) and the error pages in the app's style."""
import json

from flask import Flask, get_flashed_messages, render_template, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from ..infra.extensions import db
from ..services.errors import ServiceError
from .htmx import is_htmx

TITLES = {404: "Not found", 403: "Forbidden", 409: "Conflict", 422: "Invalid input"}
FRIENDLY = {
    404: "This page does not exist, or you do not have access to it.",
    403: "You do not have permission to do that.",
    405: "That action is not allowed here.",
    413: "That upload or form is too large.",
    429: "Too many attempts. Wait a minute, then try again.",
}


def install(app: Flask) -> None:
    """Redirects become HX-Location, login redirects HX-Redirect; flashes ride along OOB."""

    @app.after_request
    def htmx_conveniences(resp):
        if not is_htmx() or request.path.startswith("/api/"):
            return resp
        if resp.status_code in (301, 302, 303) and "HX-Redirect" not in resp.headers:
            location = resp.headers["Location"]
            header = "HX-Redirect" if "/login" in location else "HX-Location"
            resp.headers[header] = location if header == "HX-Redirect" else json.dumps(
                {"path": location, "target": "body"})
            resp.status_code = 200
            resp.headers.pop("Location")
            resp.set_data(b"")
            return resp
        if resp.mimetype == "text/html" and resp.status_code < 500 and not resp.direct_passthrough:
            messages = get_flashed_messages(with_categories=True)
            if messages:
                html = render_template("_flash.html", messages=messages, oob=True)
                resp.set_data(resp.get_data() + html.encode("utf-8"))
        return resp


def _page(status: int, title: str, message: str, headers=()):
    return render_template("errors/error.html", status=status, title=title, message=message), status, \
        list(headers)


def service_error(err: ServiceError):
    """An error a view did not handle itself, as a page; outsiders' 404s say no more than that."""
    message = FRIENDLY[err.status] if err.status in (403, 404) else err.message
    return _page(err.status, TITLES.get(err.status, "Error"), message)


def csrf_error(_err):
    return _page(400, "Form expired", "Your form was missing its security token or it expired. "
                                      "Reload the page and try again.")


def http_error(err: HTTPException):
    headers = [(k, v) for k, v in err.get_headers() if k.lower() in ("retry-after", "allow")]
    return _page(err.code, err.name, FRIENDLY.get(err.code) or err.description or "", headers)


def database_unavailable(_err):
    """Rendered without touching the database: an anonymous frame, no team list."""
    from flask import g
    from flask_login import AnonymousUserMixin
    g._login_user = AnonymousUserMixin()
    g.my_memberships = []
    return _page(503, "Service unavailable", "The database is unreachable right now. Try again in a moment.")


def server_error(_err):
    return _page(500, "Something went wrong", "An unexpected error happened. It has been logged.")


def rollback() -> None:
    """Drop the failed transaction before rendering anything."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass
