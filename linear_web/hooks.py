"""App-wide request hooks: security headers, htmx conveniences, error pages, health."""
import json
import logging

from flask import Flask, flash, get_flashed_messages, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import text
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .htmx import is_htmx
from .services.errors import ServiceError

log = logging.getLogger(__name__)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def is_api() -> bool:
    return request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, details: dict | None = None):
    resp = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    resp.status_code = status
    return resp


def install(app: Flask) -> None:
    """Attach hooks, error handlers and /health."""

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if not is_api():
            resp.headers.add("Vary", "HX-Request")
        return resp

    @app.after_request
    def htmx_conveniences(resp):
        """Redirects become HX-Location, login redirects HX-Redirect; flashes ride along OOB."""
        if not is_htmx() or is_api():
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

    @app.errorhandler(ServiceError)
    def service_error(err: ServiceError):
        """Errors a view did not handle itself: the API's JSON body, or a page in the app's style."""
        if is_api():
            return api_error(err.status, err.code, err.message, err.details)
        titles = {404: "Not found", 403: "Forbidden", 409: "Conflict", 422: "Invalid input"}
        message = _friendly_status(err.status) if err.status in (403, 404) else err.message
        return render_template("errors/error.html", status=err.status, title=titles.get(err.status, "Error"),
                               message=message), err.status

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        if is_api():
            return api_error(400, "csrf_error", "Missing or invalid CSRF token.")
        return render_template("errors/error.html", status=400, title="Form expired",
                               message="Your form was missing its security token or it expired. "
                                       "Reload the page and try again."), 400

    @app.errorhandler(HTTPException)
    def http_error(err):
        if is_api():
            code = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                    405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
                    429: "rate_limited"}.get(err.code, "http_error")
            message = _friendly_status(429) if err.code == 429 else (err.description or err.name)
            resp = api_error(err.code, code, message)
            if err.code == 429 or err.code == 405:
                for k, v in err.get_headers():
                    if k.lower() in ("retry-after", "allow"):
                        resp.headers[k] = v
            return resp
        resp = app.make_response((render_template(
            "errors/error.html", status=err.code, title=err.name, message=_friendly(err)), err.code))
        for k, v in err.get_headers():
            if k.lower() in ("retry-after", "allow"):
                resp.headers[k] = v
        return resp

    @app.errorhandler(OperationalError)
    def db_down(err):
        log.exception("database error")
        _without_database()
        if is_api():
            return api_error(503, "database_unavailable", "The database is unreachable. Try again shortly.")
        return render_template("errors/error.html", status=503, title="Service unavailable",
                               message="The database is unreachable right now. Try again in a moment."), 503

    @app.errorhandler(Exception)
    def server_error(err):
        log.exception("unhandled error")
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        if isinstance(err, RecursionError) and (request.is_json or is_api()):
            return api_error(400, "bad_request", "The JSON body is nested too deeply.")
        if is_api():
            return api_error(500, "internal_error", "Something went wrong on our side.")
        return render_template("errors/error.html", status=500, title="Something went wrong",
                               message="An unexpected error happened. It has been logged."), 500

    @app.get("/health")
    def health():
        """Liveness with a database check: 200 ok, 503 when the database is unreachable."""
        try:
            db.session.execute(text("SELECT 1"))
            return jsonify({"status": "ok", "database": "ok"})
        except SQLAlchemyError:
            db.session.rollback()
            return jsonify({"status": "error", "database": "unreachable"}), 503


def _without_database() -> None:
    """Render error pages without touching the database: an anonymous frame, no team list."""
    from flask import g
    from flask_login import AnonymousUserMixin
    try:
        db.session.rollback()
    except SQLAlchemyError:
        pass
    g._login_user = AnonymousUserMixin()
    g.my_memberships = []


def _friendly(err: HTTPException) -> str:
    return _friendly_status(err.code) or err.description or ""


def _friendly_status(code: int) -> str:
    return {
        404: "This page does not exist, or you do not have access to it.",
        403: "You do not have permission to do that.",
        405: "That action is not allowed here.",
        413: "That upload or form is too large.",
        429: "Too many attempts. Wait a minute, then try again.",
    }.get(code, "")


__all__ = ["install", "api_error", "is_api", "flash"]
