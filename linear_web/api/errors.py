"""Every API error is the JSON body {"error": {code, message, details}}; 401s also name the
Bearer scheme. The app-level handlers (create_app) call these for /api/ URLs, so routing
404s and 405s, CSRF, database and unexpected errors get the same body."""
from flask import jsonify
from werkzeug.exceptions import HTTPException

from ..services.errors import ServiceError

HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
              429: "rate_limited"}
PASSED_HEADERS = ("retry-after", "allow")


def api_error(status: int, code: str, message: str, details: dict | None = None):
    """The API's error response."""
    resp = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    resp.status_code = status
    return resp


def service_error(err: ServiceError):
    """A service error with its status; 401 names the Bearer scheme."""
    resp = api_error(err.status, err.code, err.message, err.details)
    if err.status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="linear_web"'
    return resp


def csrf_error(_err):
    return api_error(400, "csrf_error", "Missing or invalid CSRF token.")


def http_error(err: HTTPException):
    """Werkzeug's HTTP errors (routing 404/405, 413, 429…), keeping Retry-After and Allow."""
    message = "Too many attempts. Wait a minute, then try again." if err.code == 429 \
        else (err.description or err.name)
    resp = api_error(err.code, HTTP_CODES.get(err.code, "http_error"), message)
    for k, v in err.get_headers():
        if k.lower() in PASSED_HEADERS:
            resp.headers[k] = v
    return resp


def database_unavailable(_err):
    return api_error(503, "database_unavailable", "The database is unreachable. Try again shortly.")


def server_error(err: Exception):
    if isinstance(err, RecursionError):
        return api_error(400, "bad_request", "The JSON body is nested too deeply.")
    return api_error(500, "internal_error", "Something went wrong on our side.")
