"""The inbox (notifications of changes to the user), subscribing to an issue, and @mentions: the
autocomplete's member list and the links a rendered description or comment gets for them."""
import time

from flask import flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from ..infra.extensions import db, login_manager
from ..infra.markdown import link_mentions
from ..services import access, delivery, notifications, teams as team_service
from ..services.errors import ValidationError
from . import bp, htmx, inbox_cache
from .common import plural

MENTION_OPTIONS = 8        # members the autocomplete offers at once
SOCKET_LINKS_TTL = 5.0     # seconds a live push reuses a team's handles (see mention_links)


# -- the inbox page ------------------------------------------------------------------------------

@bp.get("/inbox")
def inbox():
    """Notifications newest first (?unread=true: unread only); #inbox-list or the next page for htmx.
    Served again from inbox_cache while nothing it shows changed."""
    if (hit := inbox_cache.quick_hit()) is not None:
        return hit  # before the sign-in check: its one statement checked the session
    if not current_user.is_authenticated:
        return login_manager.unauthorized()  # what login_required does
    return inbox_cache.page(_inbox_page)


def _inbox_page() -> str:
    unread = request.args.get("unread") == "true"
    rows, cursor = notifications.list_notifications(current_user, unread=unread,
                                                    cursor=request.args.get("cursor") or None)
    ctx = {"rows": rows, "next_cursor": cursor, "unread": unread}
    if htmx.targets("inbox-more"):
        return render_template("inbox/_rows.html", **ctx)
    if htmx.targets("inbox-list"):
        return render_template("inbox/_list.html", **ctx)
    return render_template("inbox/page.html", **ctx)


@bp.get("/inbox/<notification_id>")
@login_required
def inbox_open(notification_id):
    """Mark one notification read and go to its issue (at its comment, when it has one)."""
    found = notifications.mark_read(current_user, notification_id)
    anchor = f"comment-{found.comment_id}" if found.comment_id else None
    return redirect(url_for("web.issue_detail", ref=found.issue.identifier, _anchor=anchor), 303)


@bp.post("/inbox/read-all")
@login_required
def inbox_read_all():
    """Mark every notification read and show the inbox again."""
    count = notifications.mark_all_read(current_user)
    flash(f"Marked {plural(count, 'notification')} read." if count else "Nothing was unread.", "success")
    return redirect(url_for("web.inbox", unread="true" if request.form.get("unread") == "true" else None), 303)


# -- subscribing to an issue ---------------------------------------------------------------------

@bp.post("/issue/<ref>/subscription")
@login_required
def issue_subscription(ref):
    """Subscribe or unsubscribe (the hidden `action`); htmx gets the #issue-subscription section back."""
    issue = access.issue_for(current_user, ref)  # outsiders: 404 before the action is even read
    action = request.form.get("action")
    if action not in ("subscribe", "unsubscribe"):
        raise ValidationError({"action": "Action must be subscribe or unsubscribe."})
    (notifications.subscribe if action == "subscribe" else notifications.unsubscribe)(current_user, issue.id)
    if not htmx.is_htmx():
        return redirect(url_for("web.issue_detail", ref=issue.identifier), 303)
    subscribed, subscribers = notifications.subscription_of(current_user, issue)
    return render_template("issues/_subscription.html", issue=issue, subscribed=subscribed, subscribers=subscribers)


# -- @mentions -----------------------------------------------------------------------------------

@bp.get("/team/<key>/members/mentions")
@login_required
def member_mentions(key):
    """The team's members whose handle or name starts with ?q= (or has it in the name), as the
    options of the mention autocomplete (static/js/mentions.js)."""
    q = (request.args.get("q") or "").strip().lower().lstrip("@")[:50]
    users = [m.user for m in team_service.list_members(current_user, key)]
    if q:
        starts = [u for u in users if u.handle.startswith(q) or any(w.startswith(q) for w in u.name.lower().split())]
        users = starts + [u for u in users if u not in starts and q in u.name.lower()]
    return render_template("inbox/_mention_options.html", members=users[:MENTION_OPTIONS])


def _load_links(session, issue_id) -> dict:
    """{handle: (URL of their issues in the team, name)} of the members of the issue's team, one query."""
    return {handle: (url_for("web.issue_list", key=key, assignee=str(user_id)), name)
            for key, user_id, handle, name in notifications.mention_targets(session, issue_id)}


_socket_links: dict = {}


def mention_links(issue_id) -> dict:
    """The mention links of an issue's team: loaded once per request (a page shows one issue's
    description and comments). A live push renders in its socket's request, whose `g` lasts as long
    as the socket, so pushes read through a short shared cache in a session of their own instead:
    every viewer of the issue gets the same push."""
    if request.endpoint == "realtime.page_ws":
        now = time.monotonic()
        hit = _socket_links.get(issue_id)
        if hit is None or hit[0] < now:
            with delivery.session() as session:
                hit = (now + SOCKET_LINKS_TTL, _load_links(session, issue_id))
            if len(_socket_links) > 512:
                _socket_links.clear()
            _socket_links[issue_id] = hit
        return hit[1]
    cache = g.setdefault("mention_links", {})
    if issue_id not in cache:
        cache[issue_id] = _load_links(db.session, issue_id)
    return cache[issue_id]


@bp.app_template_filter("mentions")
def mentions_filter(html: str, issue_id) -> Markup:
    """Sanitised Markdown HTML (description_html, body_html) with the @handles of the issue's team's
    members as links; no query unless the text has something that looks like a mention."""
    if not html or not notifications.MENTION.search(html):
        return Markup(html or "")
    return Markup(link_mentions(html, mention_links(issue_id)))

