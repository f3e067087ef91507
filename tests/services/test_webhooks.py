"""Webhooks against a real HTTP receiver (tests/webhook_receiver.py): deliveries written with the
change, signed as documented, retried with the same delivery id, in order per webhook after an
outage, failed after the last back-off, pruned; SSRF refusals; who may manage them."""
import hashlib
import hmac
import os
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from linear_web.infra.extensions import db
from linear_web.models import OutboxMessage, WebhookDelivery, utcnow
from linear_web.services import comments, issues, labels, outbox, webhooks
from linear_web.services.errors import Forbidden, NotFound, ValidationError

from ..webhook_receiver import start_receiver

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def hook(eng, receiver):
    created, secret = webhooks.create_webhook(eng.admin, eng.team.id, {"url": receiver.url})
    return type("Hook", (), {"hook": created, "secret": secret, "id": created.id})


def make_due() -> None:
    db.session.execute(update(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                       .values(available_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()


def send_all() -> int:
    """Run the sender until nothing is due (each lane one message at a time)."""
    total = 0
    while (sent := outbox.run_once()):
        total += sent
    return total


def delivery_rows(hook_id) -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook_id)
                                   .order_by(WebhookDelivery.created_at)))


def test_a_change_is_posted_signed_with_the_sockets_json(eng, hook, receiver, f):
    issue = f.issue(eng.team, eng.member, title="Signed")
    [row] = delivery_rows(hook.id)
    assert row.state == "pending" and row.event_type == "ISSUE_CREATED"
    assert send_all() == 1
    [got] = receiver.requests
    h = got.headers
    assert h["content-type"] == "application/json" and h["x-linearweb-event"] == "ISSUE_CREATED"
    assert h["x-linearweb-delivery"] == str(row.id)
    expected = "sha256=" + hmac.new(hook.secret.encode(), h["x-linearweb-timestamp"].encode() + b"." + got.body,
                                    hashlib.sha256).hexdigest()
    assert hmac.compare_digest(h["x-linearweb-signature"], expected)
    body = got.json
    assert body["type"] == "ISSUE_CREATED" and body["team_id"] == str(eng.team.id)
    assert body["actor_id"] == str(eng.member.id) and body["issue"]["identifier"] == issue.identifier
    assert body["issue"]["title"] == "Signed" and "at" in body
    [row] = delivery_rows(hook.id)
    assert (row.state, row.status_code, row.attempt, row.error) == ("delivered", 200, 1, None)
    assert row.delivered_at is not None and row.duration_ms is not None


def test_comments_labels_and_deletions_are_sent_but_not_notifications(eng, hook, receiver, f):
    issue = f.issue(eng.team, eng.admin, title="Talk")
    comments.create_comment(eng.member, issue.id, f"@{eng.admin.handle} look")   # notifies Ada: not sent
    labels.create_label(eng.admin, eng.team.id, "Bug")
    issues.delete_issue(eng.admin, issue.id)
    send_all()
    assert [r.json["type"] for r in receiver.requests] == ["ISSUE_CREATED", "COMMENT_CREATED", "LABEL_CREATED",
                                                           "ISSUE_DELETED"]
    assert receiver.requests[1].json["comment"]["issue_id"] == str(issue.id)
    assert receiver.requests[3].json["issue"] == {"id": str(issue.id), "identifier": issue.identifier}


def test_a_rolled_back_change_queues_nothing_and_event_types_filter(eng, hook, receiver, f):
    webhooks.update_webhook(eng.admin, hook.id, {"events": ["ISSUE_UPDATED"]})
    issue = f.issue(eng.team, eng.admin, title="Quiet")                      # ISSUE_CREATED: not wanted
    with pytest.raises(ValidationError):
        issues.update_issue(eng.admin, issue.id, {"status": "nope"})
    assert delivery_rows(hook.id) == []
    issues.update_issue(eng.admin, issue.id, {"status": "done"})
    assert [r.event_type for r in delivery_rows(hook.id)] == ["ISSUE_UPDATED"]


def test_other_teams_events_never_reach_the_webhook(eng, hook, receiver, f, outsider):
    f.issue(outsider.team, outsider.user, title="Not yours")
    assert delivery_rows(hook.id) == []


def test_a_failing_receiver_is_retried_with_the_same_delivery_id_then_succeeds(eng, hook, receiver, f):
    f.issue(eng.team, eng.admin, title="Retry me")
    receiver.status = 500
    assert outbox.run_once() == 0
    [row] = delivery_rows(hook.id)
    assert (row.state, row.attempt, row.status_code) == ("pending", 1, 500) and "HTTP 500" in row.error
    message = db.session.scalar(select(OutboxMessage))
    wait = (message.available_at - utcnow()).total_seconds()
    assert 5 < wait <= 10                                   # the first back-off: about 10 s
    assert outbox.run_once() == 0 and len(receiver.requests) == 1   # not due yet
    receiver.status = 204
    make_due()
    assert outbox.run_once() == 1
    first, second = receiver.requests
    assert first.headers["x-linearweb-delivery"] == second.headers["x-linearweb-delivery"] == str(row.id)
    assert first.body == second.body
    [row] = delivery_rows(hook.id)
    assert (row.state, row.attempt, row.status_code) == ("delivered", 2, 204)


def test_a_receiver_down_for_a_while_gets_every_event_once_and_in_order(eng, hook, receiver, f):
    issue = f.issue(eng.team, eng.admin, title="Order")
    for status in ("todo", "in_progress", "done"):
        issues.update_issue(eng.admin, issue.id, {"status": status})
    receiver.status = 503
    for _ in range(3):                                      # down: only the lane's first is tried
        make_due()
        outbox.run_once()
    assert {r.headers["x-linearweb-delivery"] for r in receiver.requests} == {str(delivery_rows(hook.id)[0].id)}
    receiver.status = 200
    receiver.requests.clear()
    make_due()
    assert send_all() == 4
    bodies = [r.json for r in receiver.requests]
    assert [b["type"] for b in bodies] == ["ISSUE_CREATED", "ISSUE_UPDATED", "ISSUE_UPDATED", "ISSUE_UPDATED"]
    assert [b["issue"]["status"] for b in bodies] == ["backlog", "todo", "in_progress", "done"]
    assert len({r.headers["x-linearweb-delivery"] for r in receiver.requests}) == 4
    make_due()
    assert send_all() == 0                                  # once each


def test_after_the_last_back_off_the_delivery_fails_and_the_lane_moves_on(eng, hook, receiver, f):
    f.issue(eng.team, eng.admin, title="Doomed")
    f.issue(eng.team, eng.admin, title="Next")
    receiver.status = 410
    for _ in range(len(webhooks.BACKOFF) + 1):
        make_due()
        outbox.run_once()
    first, second = delivery_rows(hook.id)
    assert (first.state, first.attempt) == ("failed", 7) and second.attempt == 0
    receiver.status = 200
    make_due()
    assert send_all() == 1
    assert delivery_rows(hook.id)[1].state == "delivered"


def test_redirects_are_not_followed(eng, hook, receiver, f):
    receiver.redirect_to = "http://169.254.169.254/latest/meta-data/"
    f.issue(eng.team, eng.admin)
    outbox.run_once()
    [row] = delivery_rows(hook.id)
    assert row.status_code == 302 and row.state == "pending" and len(receiver.requests) == 1


def test_a_paused_webhook_gets_nothing_new_and_holds_its_pending_deliveries(eng, hook, receiver, f):
    f.issue(eng.team, eng.admin, title="Before the pause")
    webhooks.update_webhook(eng.admin, hook.id, {"active": False})
    f.issue(eng.team, eng.admin, title="While paused")
    assert len(delivery_rows(hook.id)) == 1
    make_due()
    assert outbox.run_once() == 0 and receiver.requests == []
    assert delivery_rows(hook.id)[0].attempt == 0           # waiting is no attempt
    webhooks.update_webhook(eng.admin, hook.id, {"active": True})
    make_due()
    assert send_all() == 1 and receiver.requests[0].json["issue"]["title"] == "Before the pause"


def test_ping_and_redeliver(eng, hook, receiver):
    ping = webhooks.ping(eng.admin, hook.id)
    assert send_all() == 1
    body = receiver.requests[0].json
    assert body["type"] == "PING" and body["webhook_id"] == str(hook.id)
    again = webhooks.redeliver(eng.admin, hook.id, ping.id)
    assert again.id != ping.id
    send_all()
    assert receiver.requests[1].body == receiver.requests[0].body
    assert receiver.requests[1].headers["x-linearweb-delivery"] == str(again.id)
    assert [d.id for d in webhooks.deliveries(eng.admin, hook.id)] == [again.id, ping.id]   # newest first


def test_old_deliveries_are_pruned(eng, hook, receiver, f, monkeypatch):
    monkeypatch.setattr(webhooks, "KEEP_MAX", 3)
    for n in range(3):
        f.issue(eng.team, eng.admin, title=f"n{n}")
    send_all()
    db.session.execute(update(WebhookDelivery).values(created_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    f.issue(eng.team, eng.admin, title="new")
    webhooks.prune()                                        # the sender's, every few minutes
    assert [r.event_type for r in delivery_rows(hook.id)] == ["ISSUE_CREATED"]
    for n in range(5):
        f.issue(eng.team, eng.admin, title=f"m{n}")
    send_all()
    f.issue(eng.team, eng.admin, title="last")
    webhooks.prune()
    rows = delivery_rows(hook.id)
    assert [r.state for r in rows] == ["delivered", "delivered", "pending"]     # the newest 3


def test_deleting_a_webhook_drops_its_pending_outbox_messages(eng, hook, receiver, f):
    f.issue(eng.team, eng.admin)
    webhooks.delete_webhook(eng.admin, hook.id)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


# -- who, and where to --------------------------------------------------------------------------

def test_only_team_admins_manage_webhooks_and_outsiders_get_not_found(eng, hook, outsider):
    with pytest.raises(Forbidden):
        webhooks.create_webhook(eng.member, eng.team.id, {"url": "http://127.0.0.1:9/x"})
    for call in (lambda u: webhooks.list_webhooks(u, eng.team.id), lambda u: webhooks.deliveries(u, hook.id),
                 lambda u: webhooks.ping(u, hook.id), lambda u: webhooks.delete_webhook(u, hook.id)):
        with pytest.raises(Forbidden):
            call(eng.member)
        with pytest.raises(NotFound):
            call(outsider.user)


@pytest.mark.parametrize("url, message", [
    ("ftp://example.com/x", "http:// or https://"),
    ("http://127.0.0.1:8080/hook", "private, loopback"),
    ("http://localhost/hook", "private, loopback"),            # a name resolving to 127.0.0.1
    ("http://10.1.2.3/hook", "private, loopback"),
    ("http://169.254.169.254/latest/meta-data/", "private, loopback"),
    ("http://[::1]/hook", "private, loopback"),
    ("http://0.0.0.0/hook", "private, loopback"),
    ("http://user:pw@example.com/", "user name"),
    ("https://example.com/" + "a" * 2000, "at most 2000"),
    ("", "Enter the URL"),
])
def test_unsafe_or_malformed_urls_are_refused(eng, url, message):
    with pytest.raises(ValidationError) as err:
        webhooks.create_webhook(eng.admin, eng.team.id, {"url": url})
    assert message in err.value.details["url"]


def test_the_address_is_checked_again_at_each_attempt(eng, hook, receiver, f, app):
    f.issue(eng.team, eng.admin)
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False             # as if DNS now pointed somewhere private
    assert outbox.run_once() == 0 and receiver.requests == []
    [row] = delivery_rows(hook.id)
    assert "private, loopback" in row.error and row.attempt == 1


def test_unknown_event_types_are_refused(eng, receiver):
    with pytest.raises(ValidationError) as err:
        webhooks.create_webhook(eng.admin, eng.team.id, {"url": receiver.url, "events": ["NOTIFICATION_CREATED"]})
    assert "Unknown event type" in err.value.details["events"]


# -- many senders --------------------------------------------------------------------------------

SENDER = textwrap.dedent("""
    import sys, time
    from linear_web import create_app
    from linear_web.config import TestConfig
    from linear_web.services import outbox
    app = create_app(TestConfig(sys.argv[1], sys.argv[2]))
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    idle_since = time.monotonic()
    with app.app_context():
        while time.monotonic() - idle_since < 3:
            if outbox.run_once(limit=5):
                idle_since = time.monotonic()
            else:
                time.sleep(0.05)
""")


def test_two_server_processes_deliver_each_event_once(eng, hook, receiver, f, database, is_postgres, tmp_path):
    if not is_postgres:
        pytest.skip("PostgreSQL: on SQLite one process sends")
    for i in range(3):
        webhooks.create_webhook(eng.admin, eng.team.id, {"url": f"{receiver.url}/{i}"})
    for n in range(10):
        f.issue(eng.team, eng.admin, title=f"issue {n}")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", SENDER, database, str(tmp_path)], env=env, cwd=ROOT)
             for _ in range(2)]
    for p in procs:
        assert p.wait(timeout=120) == 0
    ids = [r.headers["x-linearweb-delivery"] for r in receiver.requests]
    assert len(ids) == 40 and len(set(ids)) == 40
    per_hook = {}
    for r in receiver.requests:
        per_hook.setdefault(r.path, []).append(r.json["issue"]["title"])
    assert sorted(per_hook) == ["/hook", "/hook/0", "/hook/1", "/hook/2"]
    for titles in per_hook.values():   # each webhook got its ten in order, whichever process sent them
        assert titles == [f"issue {n}" for n in range(10)]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)
                             .where(WebhookDelivery.state == "delivered")) == 40


def test_a_slow_receiver_does_not_hold_up_another_webhooks_deliveries(app, eng, hook, receiver, f):
    """The sender thread hands deliveries to workers: a receiver taking 2 s per request holds one
    worker; the other webhook's events go out at once, while the slow one's wait their turn."""
    import time
    fast = start_receiver()
    try:
        webhooks.create_webhook(eng.admin, eng.team.id, {"url": fast.url})
        receiver.delay = 2.0
        app.config.update(OUTBOX_POLL_SECONDS=0.2, OUTBOX_WORKERS=3)
        assert outbox.start_sender(app)
        try:
            started = time.monotonic()
            for n in range(5):
                f.issue(eng.team, eng.admin, title=f"burst {n}")
            while len(fast.requests) < 5 and time.monotonic() - started < 10:
                time.sleep(0.05)
            fast_done = time.monotonic() - started
            slow_so_far = len(receiver.requests)
        finally:
            outbox.stop_sender()
            time.sleep(0.3)
            app.config.update(OUTBOX_POLL_SECONDS=5, OUTBOX_WORKERS=4)
        assert len(fast.requests) == 5 and fast_done < 1.5
        assert [r.json["issue"]["title"] for r in fast.requests] == [f"burst {n}" for n in range(5)]
        assert slow_so_far <= 2                             # one at a time, 2 s each
    finally:
        receiver.delay = 0
        fast.stop()
