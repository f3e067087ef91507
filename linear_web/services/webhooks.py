"""Webhooks: a team admin registers a URL; every event of the team that an API socket would carry
(notifications aside) is POSTed to it as the same JSON body, signed.

Rules:
* Team admins make, change, pause, test and delete a team's webhooks and read their deliveries;
  another member gets Forbidden, anyone outside the team NotFound. The secret is shown once.
* A URL is http(s), at most 2,000 characters, and its host must resolve to public addresses only:
  loopback, private, link-local, multicast, reserved and unspecified ones are refused, at saving
  and again at every attempt (DNS can change), unless WEBHOOK_ALLOW_PRIVATE=1. A request goes to
  the address that was checked (no second lookup), follows no redirect, waits at most 10 s and
  reads at most 64 KB of the answer.
* Deliveries are written in the transaction of the change (a `before_commit` hook turns the
  transaction's events into one delivery per webhook that wants them, with the body built from
  the rows as they are committed), and sent by the outbox (services/outbox.py) on the lane of
  their webhook: one at a time, oldest first, retried after 10 s, 1 min, 5 min, 30 min, 2 h and 6 h,
  then failed. A paused webhook gets no new deliveries and holds its pending ones until resumed.
* A webhook keeps its deliveries of the last 30 days, at most 1,000 (the outbox sender prunes the
  rest every few minutes).
"""
from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, select

from ..events import API_TYPES, KINDS, NOTIFICATION_CREATED, Event
from ..infra.extensions import db
from ..models import Webhook, WebhookDelivery, iso, utcnow
from ..models.webhook import URL_MAX
from . import access, outbox
from .errors import NotFound, ValidationError
from .validation import parse_uuid, raise_if

TOPIC = "webhook"
PING = "PING"
# The event types a webhook may ask for: what API sockets carry, as they name them, but notifications.
EVENT_TYPES = tuple(dict.fromkeys(KINDS[t].api_as or t for t in API_TYPES if t != NOTIFICATION_CREATED))
BACKOFF = (10, 60, 300, 1800, 7200, 21600)
TIMEOUT = 10.0
READ_MAX = 64 * 1024
KEEP_DAYS, KEEP_MAX = 30, 1000
PAUSED_RETRY = 60  # a paused webhook's pending delivery looks again this often


# -- URLs ----------------------------------------------------------------------------------------

def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE"))


def _public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
                or ip.is_unspecified or not ip.is_global)


def resolve(host: str, port: int) -> list[str]:
    """The addresses `host` resolves to, every one allowed (ValueError naming why not)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as err:
        raise ValueError(f"The host {host} could not be resolved.") from err
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise ValueError(f"The host {host} could not be resolved.")
    if not _allow_private():
        refused = [a for a in addresses if not _public(a)]
        if refused:
            raise ValueError(f"The host {host} resolves to a private, loopback or link-local address "
                             f"({refused[0]}); webhooks only go to public addresses.")
    return addresses


def _parts(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path?query) of a URL this module accepts (ValueError otherwise)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("The URL must start with http:// or https:// and name a host.")
    if parts.username or parts.password:
        raise ValueError("The URL must not hold a user name or password.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as err:
        raise ValueError("The URL's port is not valid.") from err
    return parts.scheme, parts.hostname, port, (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


def check_url(errors: dict, raw, field: str = "url") -> str | None:
    """A URL to store, checked and resolved now; None with a message in errors."""
    if not isinstance(raw, str) or not raw.strip():
        errors[field] = "Enter the URL to send events to."
        return None
    url = raw.strip()
    if len(url) > URL_MAX or "\x00" in url or any(c.isspace() for c in url):
        errors[field] = f"The URL must be at most {URL_MAX} characters, without spaces."
        return None
    try:
        _, host, port, _ = _parts(url)
        resolve(host, port)
    except ValueError as err:
        errors[field] = str(err)
        return None
    return url


def _check_events(errors: dict, raw) -> list[str] | None:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        errors["events"] = "Events must be a list of event types."
        return None
    unknown = [t for t in raw if t not in EVENT_TYPES]
    if unknown:
        errors["events"] = f"Unknown event type: {', '.join(unknown)[:200]}. Types are: {', '.join(EVENT_TYPES)}."
        return None
    return list(dict.fromkeys(raw))


# -- webhooks ------------------------------------------------------------------------------------

def _team_as_admin(actor, team_ref):
    team = access.team_for(actor, team_ref)
    access.require_admin(actor, team)
    return team


def webhook_for(actor, ref) -> Webhook:
    """A webhook of a team the actor administers; NotFound for outsiders, Forbidden for members."""
    wid = parse_uuid(ref)
    hook = db.session.get(Webhook, wid) if wid else None
    if hook is None:
        raise NotFound("Webhook not found.")
    try:
        _team_as_admin(actor, hook.team_id)
    except NotFound:
        raise NotFound("Webhook not found.") from None
    return hook


def create_webhook(actor, team_ref, data: dict) -> tuple[Webhook, str]:
    """A new active webhook of the team, and its secret (shown this once)."""
    team = _team_as_admin(actor, team_ref)
    errors: dict = {}
    url = check_url(errors, data.get("url"))
    events = _check_events(errors, data.get("events"))
    raise_if(errors)
    secret = "whsec_" + secrets.token_hex(24)
    hook = Webhook(team_id=team.id, url=url, events=json.dumps(events), secret=secret, active=True,
                   creator_id=access.user_id_of(actor))
    db.session.add(hook)
    db.session.commit()
    return hook, secret


def list_webhooks(actor, team_ref) -> list[Webhook]:
    team = _team_as_admin(actor, team_ref)
    return list(db.session.scalars(select(Webhook).where(Webhook.team_id == team.id)
                                   .order_by(Webhook.created_at, Webhook.id)))


def update_webhook(actor, ref, data: dict) -> Webhook:
    """Change the URL, the event types, or pause (active false) and resume."""
    hook = webhook_for(actor, ref)
    errors: dict = {}
    if data.get("url") is not None:
        hook.url = check_url(errors, data["url"]) or hook.url
    if data.get("events") is not None:
        events = _check_events(errors, data["events"])
        if events is not None:
            hook.events = json.dumps(events)
    if data.get("active") is not None:
        if not isinstance(data["active"], bool):
            errors["active"] = "Active must be true or false."
        else:
            hook.active = data["active"]
    if errors:
        db.session.rollback()
        raise ValidationError(errors)
    db.session.commit()
    return hook


def delete_webhook(actor, ref) -> None:
    """Delete a webhook with its deliveries (pending ones are not sent)."""
    from ..models import OutboxMessage
    hook = webhook_for(actor, ref)
    db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id))
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.lane == f"webhook:{hook.id}",
                                                   OutboxMessage.sent_at.is_(None)))
    db.session.delete(hook)
    db.session.commit()


def deliveries(actor, ref, *, limit: int = 50) -> list[WebhookDelivery]:
    """The webhook's deliveries, newest first."""
    hook = webhook_for(actor, ref)
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)
                                   .order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id.desc())
                                   .limit(limit)))


def ping(actor, ref) -> WebhookDelivery:
    """Queue a PING event to the webhook (held while it is paused, as every delivery is)."""
    hook = webhook_for(actor, ref)
    body = {"type": PING, "team_id": str(hook.team_id), "actor_id": str(access.user_id_of(actor)),
            "at": iso(utcnow()), "webhook_id": str(hook.id)}
    delivery = _add_delivery(db.session, hook, PING, json.dumps(body), utcnow())
    db.session.commit()
    return delivery


def redeliver(actor, ref, delivery_ref) -> WebhookDelivery:
    """Send a delivery's body again, as a new delivery (a new id) at the end of the lane."""
    hook = webhook_for(actor, ref)
    did = parse_uuid(delivery_ref)
    old = db.session.get(WebhookDelivery, did) if did else None
    if old is None or old.webhook_id != hook.id:
        raise NotFound("Delivery not found.")
    delivery = _add_delivery(db.session, hook, old.event_type, old.payload, utcnow())
    db.session.commit()
    return delivery


def _add_delivery(session, hook: Webhook, event_type: str, body: str, at) -> WebhookDelivery:
    """A pending delivery and the outbox message that sends it, on the webhook's lane."""
    delivery = WebhookDelivery(id=uuid.uuid4(), webhook_id=hook.id, event_type=event_type, payload=body,
                               state="pending", attempt=0, created_at=at)
    session.add(delivery)
    outbox.enqueue(TOPIC, f"webhook:{delivery.id}", {"delivery_id": str(delivery.id)}, lane=f"webhook:{hook.id}",
                   at=at)
    return delivery


# -- from events to deliveries, in the transaction of the change ----------------------------------

def capture(session, events_) -> None:
    """Remember the transaction's events that webhooks may want (called by events.emit)."""
    wanted = [ev for ev in events_ if ev.type in API_TYPES and ev.type != NOTIFICATION_CREATED]
    if wanted:
        session.info.setdefault("webhook_events", []).extend(wanted)


def _before_commit(session) -> None:
    """Turn the transaction's events into deliveries for the teams' active webhooks that want them."""
    pending: list[Event] = session.info.pop("webhook_events", None)
    if not pending:
        return
    from ..realtime.loaded import message_in
    team_ids = {uuid.UUID(ev.team_id) for ev in pending} | {uuid.UUID(ev.old_team_id) for ev in pending
                                                            if ev.old_team_id}
    hooks = list(session.scalars(select(Webhook).where(Webhook.team_id.in_(team_ids), Webhook.active.is_(True))))
    if not hooks:
        return
    now, step = utcnow(), 0
    for ev in pending:
        for team_id, text in message_in(session, ev):
            kind = json.loads(text)["type"]
            for hook in hooks:
                if str(hook.team_id) == team_id and hook.wants(kind):
                    step += 1   # the lane's order is the order of the events
                    _add_delivery(session, hook, kind, text, now + timedelta(microseconds=step))


def prune() -> None:
    """Drop every webhook's deliveries older than KEEP_DAYS and those beyond its newest KEEP_MAX
    (pending ones stay), and the outbox's sent or failed rows of more than KEEP_DAYS. Run by each
    process's outbox sender every few minutes (outbox.PRUNE_EVERY), off the request path: pruning in
    each commit tripled the cost of a change (BENCHMARKS.md, round 12)."""
    from ..models import OutboxMessage
    now = utcnow()
    done = WebhookDelivery.state != "pending"
    db.session.execute(delete(WebhookDelivery).where(done, WebhookDelivery.created_at < now - timedelta(days=KEEP_DAYS)))
    for webhook_id in db.session.scalars(select(Webhook.id)):
        old = WebhookDelivery.webhook_id == webhook_id
        cutoff = db.session.scalar(select(WebhookDelivery.created_at).where(old)
                                   .order_by(WebhookDelivery.created_at.desc()).offset(KEEP_MAX).limit(1))
        if cutoff is not None:
            db.session.execute(delete(WebhookDelivery).where(old, done, WebhookDelivery.created_at <= cutoff))
    db.session.execute(delete(OutboxMessage).where(
        (OutboxMessage.sent_at.is_not(None)) | (OutboxMessage.failed_at.is_not(None)),
        OutboxMessage.created_at < now - timedelta(days=KEEP_DAYS)))
    db.session.commit()


def install() -> None:
    """Hook every session's commit (once per process)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    if not getattr(install, "_done", False):
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", lambda s, prev: s.info.pop("webhook_events", None))
        install._done = True


# -- sending (the outbox's "webhook" topic) -------------------------------------------------------

def signature(secret: str, timestamp: str, body: bytes) -> str:
    """X-LinearWeb-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address checked beforehand, with the certificate checked for the URL's host."""

    def __init__(self, address: str, host: str, port: int, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    """POST to the URL's checked address (no redirects, TIMEOUT, READ_MAX read); (status, start of
    the answer). Raises OSError/ValueError/HTTPException when no answer came."""
    scheme, host, port, target = _parts(url)
    address = resolve(host, port)[0]
    if scheme == "https":
        conn = _PinnedHTTPSConnection(address, host, port, timeout=TIMEOUT)
    else:
        conn = http.client.HTTPConnection(address, port, timeout=TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    try:
        conn.request("POST", target, body=body, headers={**headers, "Host": host if port in (80, 443) else f"{host}:{port}"})
        resp = conn.getresponse()
        answer = resp.read(READ_MAX)
        if time.monotonic() > deadline:
            raise TimeoutError(f"no answer within {TIMEOUT:.0f} s")
        return resp.status, answer.decode("utf-8", "replace")
    finally:
        conn.close()


def _send(payload: dict) -> None:
    """Send one delivery (the outbox's topic): 2xx is done; anything else raises for a retry."""
    delivery = db.session.get(WebhookDelivery, uuid.UUID(payload["delivery_id"]))
    if delivery is None or delivery.state != "pending":
        return                                     # deleted with its webhook, or pruned: nothing to do
    hook = db.session.get(Webhook, delivery.webhook_id)
    if hook is None:
        return
    if not hook.active:
        raise outbox.Later(PAUSED_RETRY, "the webhook is paused")
    body = delivery.payload.encode()
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "User-Agent": "linear_web-webhooks",
               "X-LinearWeb-Event": delivery.event_type, "X-LinearWeb-Delivery": str(delivery.id),
               "X-LinearWeb-Timestamp": timestamp, "X-LinearWeb-Signature": signature(hook.secret, timestamp, body)}
    url, delivery_id = hook.url, delivery.id
    db.session.commit()                            # no transaction held open while waiting for the receiver
    started = time.monotonic()
    status, error = None, None
    try:
        status, answer = post(url, body, headers)
        if not 200 <= status < 300:
            error = f"HTTP {status}: {answer[:200]}"
    except (OSError, ValueError, http.client.HTTPException) as err:
        error = f"{type(err).__name__}: {err}"[:500]
    took = int((time.monotonic() - started) * 1000)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        return
    delivery.attempt += 1
    delivery.status_code, delivery.duration_ms, delivery.error = status, took, error
    if error is None:
        delivery.state, delivery.delivered_at = "delivered", utcnow()
    db.session.commit()
    if error is not None:
        raise RuntimeError(error)


def _gave_up(payload: dict, error: str) -> None:
    delivery = db.session.get(WebhookDelivery, uuid.UUID(payload["delivery_id"]))
    if delivery is not None:
        delivery.state = "failed"


outbox.TOPICS[TOPIC] = outbox.Topic(_send, BACKOFF, _gave_up)
