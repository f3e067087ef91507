"""Sign up, log in, log out."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from .limits import login_limits
from ..services import auth as auth_service
from ..services.errors import ServiceError
from . import bp


def safe_next(target: str | None) -> str | None:
    """Only same-origin paths: //evil, /\\evil, schemes and control characters are refused."""
    if not target or not isinstance(target, str):
        return None
    if any(ord(c) < 32 for c in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _home():
    return url_for("web.home")


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create an account and log in."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(_home())
    form, errors = {}, {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("name", "email")}
        try:
            user = auth_service.signup(request.form.get("email"), request.form.get("password"),
                                       request.form.get("name"))
        except ServiceError as err:
            errors = err.details or {"form": err.message}
            return render_template("auth/signup.html", form=form, errors=errors), 422
        session.clear()
        login_user(user, remember=bool(request.form.get("remember")))
        flash(f"Welcome to linear_web, {user.name}.", "success")
        return redirect(_home(), 303)
    return render_template("auth/signup.html", form=form, errors=errors)


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    """Log in with email and password; failures are rate limited."""
    next_url = safe_next(request.values.get("next"))
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_url or _home())
    form, errors = {}, {}
    if request.method == "POST":
        form = {"email": request.form.get("email", "")}
        user = auth_service.authenticate(request.form.get("email"), request.form.get("password"))
        if user is None:
            errors = {"form": "Wrong email or password."}
            return render_template("auth/login.html", form=form, errors=errors, next=next_url), 401
        session.clear()  # a fresh session at login (no fixation)
        login_user(user, remember=bool(request.form.get("remember")))
        return redirect(next_url or _home(), 303)
    return render_template("auth/login.html", form=form, errors=errors, next=next_url)


@bp.post("/logout")
@login_required
def logout():
    """End the session; the cookie is signed client-side, so bump the user's session version too."""
    auth_service.end_sessions(current_user)  # a copied cookie stops working
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"), 303)
