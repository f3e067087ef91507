"""Notification mail through the outbox, against a real SMTP server (aiosmtpd on a free port):
one mail per burst, text and HTML with links, nothing for those who turned it off, a dead server
delays mail but loses none and sends it once, and concurrent senders send it once."""
import email
import email.policy
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from linear_web.infra.extensions import db
from linear_web.models import OutboxMessage, User, utcnow
from linear_web.services import comments, outbox

from ..concurrency import run_in_threads


class Inbox:
    """An aiosmtpd handler keeping what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    """A real SMTP server, and the app configured to mail through it (batching: 120 s)."""
    port, received = free_port(), Inbox()
    server = Controller(received, hostname="127.0.0.1", port=port)
    server.start()
    saved = {k: app.config.get(k) for k in ("SMTP_URL", "MAIL_FROM", "PUBLIC_URL", "MAIL_BATCH_SECONDS")}
    app.config.update(SMTP_URL=f"smtp://127.0.0.1:{port}", MAIL_FROM="linear_web <noreply@example.com>",
                      PUBLIC_URL="https://tracker.example.com", MAIL_BATCH_SECONDS=120)

    class Smtp:
        inbox = received

        def stop(self):
            server.stop()

        def start(self):
            nonlocal server
            server = Controller(received, hostname="127.0.0.1", port=port)
            server.start()
    handle = Smtp()
    yield handle
    try:
        server.stop()
    except Exception:  # noqa: BLE001 - already stopped by the test
        pass
    app.config.update(saved)


@pytest.fixture
def crew(f):
    ada = f.user("Ada Lovelace", email="ada@example.com")
    bob = f.user("Bob Stone", email="bob@example.com")
    eng = f.team(ada, key="ENG", members=[bob])
    return type("Crew", (), {"ada": ada, "bob": bob, "eng": eng})


def make_due() -> None:
    """The batching window has passed (and any back-off): everything pending is due now."""
    db.session.execute(update(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                       .values(available_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def parts(message) -> tuple[str, str]:
    text = html = ""
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            text = part.get_content()
        elif part.get_content_type() == "text/html":
            html = part.get_content()
    return text, html


def test_a_burst_of_notifications_is_one_mail_with_text_html_and_links(smtp, crew, f):
    first = f.issue(crew.eng, crew.ada, title="Fix the login", assignee_id=crew.bob)
    comment = comments.create_comment(crew.ada, first.id, "@bob can you look <today>?")
    f.issue(crew.eng, crew.ada, title="Second thing", assignee_id=crew.bob)
    pending = db.session.scalars(select(OutboxMessage)).all()
    assert [(m.key, m.sent_at) for m in pending] == [(f"mail:{crew.bob.id}", None)]   # one per person
    assert outbox.run_once() == 0 and smtp.inbox.messages == []                        # still batching
    make_due()
    assert outbox.run_once() == 1
    [(to, message)] = smtp.inbox.messages
    assert to == ["bob@example.com"] and message["Subject"] == "3 updates in linear_web"
    text, html = parts(message)
    assert "Ada Lovelace assigned you ENG-1: Fix the login" in text
    assert f"https://tracker.example.com/issue/ENG-1#comment-{comment.id}" in text
    assert "Ada Lovelace mentioned you in ENG-1" in text and "ENG-2: Second thing" in text
    assert "https://tracker.example.com/account#email" in text
    assert '<a href="https://tracker.example.com/issue/ENG-2">Ada Lovelace assigned you ENG-2</a>' in html
    assert "Turn them off on your account page" in html and "<today>" not in html
    assert outbox.run_once() == 0                                                    # sent once
    f.issue(crew.eng, crew.ada, title="Later", assignee_id=crew.bob)                 # a new burst: a new mail
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.sent_at.is_(None))) == 1


def test_no_mail_for_whoever_turned_it_off_or_read_everything_meanwhile(smtp, crew, f):
    db.session.execute(update(User).where(User.id == crew.bob.id).values(email_notifications=False))
    db.session.commit()
    f.issue(crew.eng, crew.ada, title="Quiet", assignee_id=crew.bob)
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 0
    issue = f.issue(crew.eng, crew.bob, title="Ada's turn", assignee_id=crew.ada)
    from linear_web.services import notifications
    notifications.mark_all_read(db.session.get(User, crew.ada.id))
    make_due()
    assert outbox.run_once() == 1 and smtp.inbox.messages == []       # nothing left to tell: no mail
    assert issue.id


def test_a_rolled_back_change_queues_nothing(smtp, crew, f):
    outbox.enqueue(outbox.NOTIFICATION_MAIL, "mail:someone", {"user_id": str(crew.bob.id), "since": "2026-01-01"})
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == 0


def test_a_dead_server_delays_mail_and_loses_none_then_it_arrives_once(smtp, crew, f):
    f.issue(crew.eng, crew.ada, title="While the server is down", assignee_id=crew.bob)
    smtp.stop()
    make_due()
    assert outbox.run_once() == 0
    row = db.session.scalar(select(OutboxMessage))
    assert row.attempts == 1 and row.sent_at is None and "ConnectionRefusedError" in row.last_error
    assert row.available_at > utcnow() + timedelta(seconds=20)              # backs off
    assert outbox.run_once() == 0                                            # not due yet: no attempt
    assert db.session.scalar(select(OutboxMessage.attempts)) == 1
    smtp.start()
    make_due()
    assert outbox.run_once() == 1 and outbox.run_once() == 0
    assert len(smtp.inbox.messages) == 1
    assert "While the server is down" in parts(smtp.inbox.messages[0][1])[0]


def test_concurrent_senders_send_each_mail_once(app, smtp, crew, f):
    people = [f.user(f"Member {i}", email=f"member{i}@example.com") for i in range(6)]
    from linear_web.services import teams
    for p in people:
        teams.add_member(crew.ada, crew.eng.id, user_id=str(p.id))
        f.issue(crew.eng, crew.ada, title=f"For {p.name}", assignee_id=p)
    make_due()
    sent = run_in_threads(app, 4, lambda i: outbox.run_once(limit=2))
    assert all(isinstance(n, int) for n in sent), sent
    while outbox.run_once():
        pass
    assert sorted(to[0] for to, _ in smtp.inbox.messages) == sorted(p.email for p in people)
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.sent_at.is_(None))) == 0


def test_the_sender_thread_mails_without_anyone_asking(app, smtp, crew, f):
    import time
    app.config.update(MAIL_BATCH_SECONDS=0, OUTBOX_POLL_SECONDS=0.2)
    f.issue(crew.eng, crew.ada, title="Sent in the background", assignee_id=crew.bob)
    assert outbox.start_sender(app) and not outbox.start_sender(app)     # one per process
    try:
        deadline = time.monotonic() + 10
        while not smtp.inbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        outbox.stop_sender()
        time.sleep(0.5)
        app.config.update(OUTBOX_POLL_SECONDS=5)
    assert [to for to, _ in smtp.inbox.messages] == [["bob@example.com"]]
