"""Account page: name and @handle, change password, log out everywhere, personal API keys (the API's
service functions)."""
from flask import flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..services import api_keys, auth as auth_service
from ..services.errors import Conflict, ValidationError
from . import bp


def _page(status: int = 200, **context):
    """The account page with its key list; never cached (it may show a new key once)."""
    context.setdefault("errors", {})
    context.setdefault("form", {})
    from ..services import mail
    html = render_template("account/index.html", keys=api_keys.list_api_keys(current_user),
                           mail_enabled=mail.enabled(), **context)
    return html, status, {"Cache-Control": "no-store"}


@bp.get("/account")
@login_required
def account():
    """The account page."""
    return _page()


@bp.post("/account/profile")
@login_required
def account_profile():
    """Change one's name and handle: 422 per field, 409 when the handle is someone else's (input kept)."""
    form = {k: request.form.get(k, "") for k in ("name", "handle")}
    try:
        auth_service.update_profile(current_user, name=form["name"], handle=form["handle"])
    except (ValidationError, Conflict) as err:
        return _page(err.status, errors=err.details or {"form": err.message}, form=form, section="profile")
    flash("Profile saved.", "success")
    return redirect(url_for("web.account"), 303)


@bp.post("/account/email")
@login_required
def account_email():
    """Turn notification mail on or off (the link at the bottom of each mail leads here)."""
    on = request.form.get("email_notifications") == "on"
    auth_service.update_profile(current_user, email_notifications=on)
    flash("Notification mail is on." if on else "Notification mail is off.", "success")
    return redirect(url_for("web.account", _anchor="email"), 303)


@bp.post("/account/password")
@login_required
def account_password():
    """Change the password; every other session (and API token) ends, this one stays logged in."""
    try:
        auth_service.change_password(current_user, request.form.get("current_password"),
                                     request.form.get("new_password"))
    except ValidationError as err:
        return _page(422, errors=err.details, section="password")
    user = current_user._get_current_object()
    session.clear()
    login_user(user)  # the session now carries the new session version
    flash("Password changed. Your other sessions were logged out.", "success")
    return redirect(url_for("web.account"), 303)


@bp.post("/account/logout-everywhere")
@login_required
def account_logout_everywhere():
    """End every session of this account, this one included, and every API token."""
    auth_service.end_sessions(current_user)
    logout_user()
    session.clear()
    flash("You were logged out everywhere.", "info")
    return redirect(url_for("auth.login"), 303)


@bp.post("/account/api-keys")
@login_required
def account_api_key_create():
    """Create a personal API key and show it this once."""
    name = request.form.get("name", "")
    try:
        key, raw = api_keys.create_api_key(current_user, name)
    except ValidationError as err:
        return _page(422, errors=err.details, form={"name": name}, section="keys")
    return _page(200, new_key=raw, new_key_name=key.name)


@bp.post("/account/api-keys/<key_id>/revoke")
@login_required
def account_api_key_revoke(key_id):
    """Revoke one of your keys (someone else's key is 404)."""
    api_keys.revoke_api_key(current_user, key_id)
    flash("API key revoked: integrations using it stop working now.", "success")
    return redirect(url_for("web.account"), 303)
