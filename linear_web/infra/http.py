"""HTTP basics every response shares: security headers, the API/browser split, /health."""
from flask import Flask, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def is_api() -> bool:
    """True for the JSON API's URLs (JSON errors, no Vary: HX-Request)."""
    return request.path.startswith("/api/")


def install(app: Flask) -> None:
    """Security headers on every response, and /health."""

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

    @app.get("/health")
    def health():
        """Liveness with a database check: 200 ok, 503 when the database is unreachable."""
        try:
            db.session.execute(text("SELECT 1"))
            return jsonify({"status": "ok", "database": "ok"})
        except SQLAlchemyError:
            db.session.rollback()
            return jsonify({"status": "error", "database": "unreachable"}), 503
