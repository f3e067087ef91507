"""Mail: configuration, the notification digest (text and HTML), and sending over SMTP.

The message is built with the standard library's `email` package and sent with `smtplib`:
smtp://user:pass@host:587 (STARTTLS, also smtp+starttls://), smtps://host:465 (TLS from the
start), smtp://host:25 (plain, for a local relay). Nothing here runs on a request: the outbox
sender (services/outbox.py) calls `send`.
"""
from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app

from ..vocabulary import STATUS_LABELS

TIMEOUT = 15  # seconds for connecting and each SMTP command: a dead server fails the attempt


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    security: str  # starttls | tls | none
    user: str | None
    password: str | None


def smtp_settings(url: str | None = None) -> Smtp | None:
    """SMTP_URL parsed, or None when mail is off (no SMTP_URL or no MAIL_FROM)."""
    url = current_app.config.get("SMTP_URL", "") if url is None else url
    if not url or not current_app.config.get("MAIL_FROM"):
        return None
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps", "smtp+starttls") or not parts.hostname:
        raise RuntimeError("SMTP_URL must look like smtp://user:password@host:587 (or smtps://, smtp+starttls://)")
    port = parts.port or {"smtps": 465, "smtp+starttls": 587}.get(scheme, 25)
    security = "tls" if scheme == "smtps" else "starttls" if scheme == "smtp+starttls" or port == 587 else "none"
    return Smtp(parts.hostname, port, security, unquote(parts.username) if parts.username else None,
                unquote(parts.password) if parts.password else None)


def enabled() -> bool:
    return bool(current_app.config.get("SMTP_URL") and current_app.config.get("MAIL_FROM"))


def digest(user, items: list) -> EmailMessage:
    """One mail for a user's new notifications: a line each with a link to the issue (at the
    comment), and the account page's email setting to turn it off."""
    base = current_app.config["PUBLIC_URL"]
    lines = [{"words": words(n), "url": f"{base}/issue/{n.issue.identifier}"
              + (f"#comment-{n.comment_id}" if n.comment_id else ""), "title": n.issue.title} for n in items]
    settings = f"{base}/account#email"
    msg = EmailMessage()
    count = len(items)
    msg["Subject"] = lines[0]["words"] if count == 1 else f"{count} updates in linear_web"
    msg["From"] = current_app.config["MAIL_FROM"]
    msg["To"] = formataddr((user.name, user.email))
    msg["Message-ID"] = make_msgid(domain="linear_web")
    # The app's templates without the pages' context processors (no request, no current user).
    env = current_app.jinja_env
    msg.set_content(env.get_template("mail/digest.txt").render(user=user, lines=lines, settings=settings))
    msg.add_alternative(env.get_template("mail/digest.html").render(user=user, lines=lines, settings=settings),
                        subtype="html")
    return msg


def words(n) -> str:
    """"Ada assigned you ENG-42", as the inbox says it."""
    ident, who = n.issue.identifier, n.actor.name
    return {"assigned": f"{who} assigned you {ident}", "mentioned": f"{who} mentioned you in {ident}",
            "commented": f"{who} commented on {ident}",
            "status_changed": f"{who} changed the status of {ident} to {STATUS_LABELS.get(n.new_status, n.new_status)}"}.get(n.type, f"{who} changed {ident}")


def send(message: EmailMessage, smtp: Smtp) -> None:
    """Deliver one message; raises (OSError, smtplib.SMTPException) when the server does not take it."""
    context = ssl.create_default_context()
    if smtp.security == "tls":
        client = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=TIMEOUT, context=context)
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=TIMEOUT)
    with client:
        if smtp.security == "starttls":
            client.starttls(context=context)
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
        client.send_message(message)
