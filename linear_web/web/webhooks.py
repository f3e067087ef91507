"""A team's Webhooks settings page (team admins): add a URL with the event types to send (its
secret shown once), pause and resume, send a test ping, delete; a webhook's page lists its
deliveries with a "Redeliver" button and lets its URL and event types be changed. The rules
(who may, which URLs) are services/webhooks.py's."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from . import bp
from ..services import webhooks as webhook_service
from ..services.errors import NotFound, ValidationError
from .common import load_team


def _form() -> dict:
    return {"url": request.form.get("url", ""), "events": request.form.getlist("events")}


def _list_page(team, status=200, *, form=None, errors=None, created=None):
    return render_template("webhooks/list.html", team=team, hooks=webhook_service.list_webhooks(current_user, team.id),
                           event_types=webhook_service.EVENT_TYPES, form=form or {}, errors=errors or {},
                           created=created), status


def _hook_of(team, webhook_id):
    hook = webhook_service.webhook_for(current_user, webhook_id)
    if hook.team_id != team.id:
        raise NotFound("Webhook not found.")
    return hook


def _detail_page(team, hook, status=200, *, form=None, errors=None):
    return render_template("webhooks/detail.html", team=team, hook=hook, event_types=webhook_service.EVENT_TYPES,
                           rows=webhook_service.deliveries(current_user, hook.id), form=form, errors=errors or {}), status


@bp.get("/team/<key>/webhooks")
@login_required
def webhook_list(key):
    """The team's webhooks and the form to add one (admins; 403 for other members)."""
    return _list_page(load_team(key))


@bp.post("/team/<key>/webhooks")
@login_required
def webhook_create(key):
    """Add a webhook; the answer shows its secret, this once."""
    team = load_team(key)
    form = _form()
    try:
        hook, secret = webhook_service.create_webhook(current_user, team.id, {"url": form["url"],
                                                                             "events": form["events"]})
    except ValidationError as err:
        return _list_page(team, 422, form=form, errors=err.details)
    resp = _list_page(team, 201, created=(hook, secret))
    return resp[0], 201, {"Cache-Control": "no-store"}


@bp.get("/team/<key>/webhooks/<webhook_id>")
@login_required
def webhook_detail(key, webhook_id):
    """A webhook: its deliveries, newest first, and its settings."""
    team = load_team(key)
    return _detail_page(team, _hook_of(team, webhook_id))


@bp.post("/team/<key>/webhooks/<webhook_id>")
@login_required
def webhook_update(key, webhook_id):
    """Change a webhook's URL and event types (none ticked: every type)."""
    team = load_team(key)
    hook = _hook_of(team, webhook_id)
    form = _form()
    try:
        webhook_service.update_webhook(current_user, hook.id, {"url": form["url"], "events": form["events"]})
    except ValidationError as err:
        return _detail_page(team, hook, 422, form=form, errors=err.details)
    flash("Webhook saved.", "success")
    return redirect(url_for("web.webhook_detail", key=team.key, webhook_id=hook.id), 303)


@bp.post("/team/<key>/webhooks/<webhook_id>/active")
@login_required
def webhook_active(key, webhook_id):
    """Pause (active=false) or resume a webhook."""
    team = load_team(key)
    hook = _hook_of(team, webhook_id)
    active = request.form.get("active") == "true"
    webhook_service.update_webhook(current_user, hook.id, {"active": active})
    flash("Webhook resumed: pending deliveries go out now." if active
          else "Webhook paused: nothing is sent until you resume it.", "success")
    return redirect(request.form.get("next") == "detail" and url_for("web.webhook_detail", key=team.key,
                                                                     webhook_id=hook.id)
                    or url_for("web.webhook_list", key=team.key), 303)


@bp.post("/team/<key>/webhooks/<webhook_id>/test")
@login_required
def webhook_test(key, webhook_id):
    """Queue a PING event; its delivery shows on the webhook's page."""
    team = load_team(key)
    hook = _hook_of(team, webhook_id)
    webhook_service.ping(current_user, hook.id)
    flash("Test event queued: its delivery shows below.", "success")
    return redirect(url_for("web.webhook_detail", key=team.key, webhook_id=hook.id), 303)


@bp.post("/team/<key>/webhooks/<webhook_id>/deliveries/<delivery_id>/redeliver")
@login_required
def webhook_redeliver(key, webhook_id, delivery_id):
    """Send a delivery's body again, as a new delivery."""
    team = load_team(key)
    hook = _hook_of(team, webhook_id)
    webhook_service.redeliver(current_user, hook.id, delivery_id)
    flash("Queued for redelivery.", "success")
    return redirect(url_for("web.webhook_detail", key=team.key, webhook_id=hook.id), 303)


@bp.post("/team/<key>/webhooks/<webhook_id>/delete")
@login_required
def webhook_delete(key, webhook_id):
    """Delete a webhook and its deliveries."""
    team = load_team(key)
    hook = _hook_of(team, webhook_id)
    webhook_service.delete_webhook(current_user, hook.id)
    flash("Webhook deleted.", "success")
    return redirect(url_for("web.webhook_list", key=team.key), 303)
