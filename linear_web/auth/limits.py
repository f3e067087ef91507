"""Login throttling shared by the browser form and the API: 10 failures a minute per email and per address."""
from flask import request

from ..infra.extensions import limiter
from ..infra.net import client_address
from ..services.auth import normalize_email

LOGIN_LIMIT = "10 per minute"


def _login_email() -> str:
    data = request.get_json(silent=True) if request.is_json else None
    raw = (data.get("email") if isinstance(data, dict) else None) or request.form.get("email") \
        or request.form.get("username") or ""
    return "login-email:" + normalize_email(raw if isinstance(raw, str) else "")


def _login_address() -> str:
    return "login-addr:" + client_address()


LIMITED_METHODS = ("POST",)  # every limit of the app counts login POSTs


@limiter.request_filter
def _not_limited() -> bool:
    """Requests no limit counts skip the limiter's bookkeeping (7 % of a cached list hit's CPU)."""
    return request.method not in LIMITED_METHODS


def _failed(resp) -> bool:
    return resp.status_code in (401, 422)


def login_limits(view):
    """Count only failed attempts; the 11th within a minute gets 429 with Retry-After."""
    view = limiter.limit(LOGIN_LIMIT, key_func=_login_email, deduct_when=_failed,
                         methods=list(LIMITED_METHODS), scope="login-email")(view)
    return limiter.limit(LOGIN_LIMIT, key_func=_login_address, deduct_when=_failed,
                         methods=list(LIMITED_METHODS), scope="login-address")(view)
