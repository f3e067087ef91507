"""Brokers: in-process fan-out, and the PostgreSQL listener (commit delivers, rollback does not)."""
import queue
import time

import pytest

from linear_web.events import CHANNEL, Event, emit
from linear_web.events.broker import RESYNC, InProcessBroker, get_broker, set_broker
from linear_web.events.presence import Presence, PresenceChanged
from linear_web.infra.extensions import db


def event(title="x", **kw) -> Event:
    return Event(type="ISSUE_UPDATED", team_id="t", actor_id="a", issue_id=title, identifier="K-1", **kw)


def test_in_process_fan_out_reaches_every_subscriber_until_unsubscribed():
    broker = InProcessBroker(queue_size=5)
    a, b = broker.subscribe(), broker.subscribe()
    broker.publish(event("1"))
    assert a.queue.get_nowait().issue_id == b.queue.get_nowait().issue_id == "1"
    broker.unsubscribe(b)
    broker.publish(event("2"))
    assert a.queue.get_nowait().issue_id == "2"
    assert b.queue.empty() and broker.subscriber_count == 1


def test_slow_subscriber_overflows_without_blocking_others():
    broker = InProcessBroker(queue_size=2)
    slow, fast = broker.subscribe(), broker.subscribe(maxsize=50)
    started = time.monotonic()
    for n in range(10):
        broker.publish(event(str(n)))
    assert time.monotonic() - started < 0.5
    assert slow.overflowed and slow.queue.qsize() == 2
    assert not fast.overflowed and fast.queue.qsize() == 10


def test_event_payload_round_trips_and_fits_a_notify():
    ev = event("a" * 36, comment_id="c" * 36, old_team_id="o" * 36)
    assert Event.from_payload(ev.to_payload()) == ev
    assert len(ev.to_payload().encode()) < 8000


def test_sqlite_events_go_out_after_commit_only(f, is_postgres):
    if is_postgres:
        pytest.skip("SQLite path: PostgreSQL delivers through NOTIFY")
    admin = f.user()
    team = f.team(admin)
    issue = f.issue(team, admin)
    sub = get_broker().subscribe()
    try:
        emit(Event.for_issue("ISSUE_UPDATED", issue, admin))
        assert sub.queue.empty()                      # not before commit
        db.session.rollback()
        db.session.commit()
        assert sub.queue.empty()                      # a rollback dropped it
        emit(Event.for_issue("ISSUE_UPDATED", issue, admin))
        db.session.commit()
        assert sub.queue.get(timeout=1).issue_id == str(issue.id)
    finally:
        get_broker().unsubscribe(sub)


def test_presence_tracks_viewers_and_expires_them():
    broker = InProcessBroker()
    sub = broker.subscribe()
    table = Presence(ttl=0.2)
    key = table.join(broker, "I1", "u1", "Ada")
    table.join(broker, "I1", "u2", "Bob")
    table.join(broker, "I1", "u1", "Ada")             # a second tab of Ada
    assert [v["name"] for v in table.viewers("I1")] == ["Ada", "Bob"]
    assert sub.queue.get_nowait() == PresenceChanged("I1")
    table.leave(broker, key, "I1")
    assert [v["name"] for v in table.viewers("I1")] == ["Ada", "Bob"]   # the other tab stays
    time.sleep(0.25)
    assert table.viewers("I1") == []


# -- PostgreSQL listener -------------------------------------------------------------------

@pytest.fixture
def pg_broker(app, is_postgres):
    if not is_postgres:
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    from linear_web.events.pg import PostgresBroker, dsn_from_url
    broker = PostgresBroker(dsn_from_url(app.config["SQLALCHEMY_DATABASE_URI"]), poll_timeout=0.5)
    yield broker
    broker.stop()


def _get(sub, timeout=3.0):
    return sub.queue.get(timeout=timeout)


def test_pg_committed_notify_arrives_and_rolled_back_does_not(pg_broker, f):
    admin = f.user()
    team = f.team(admin)
    issue = f.issue(team, admin, title="pg")
    sub = pg_broker.subscribe()
    assert pg_broker.listening.is_set()
    emit(Event.for_issue("ISSUE_UPDATED", issue, admin, old_team_id="rolled-back"))
    db.session.rollback()
    emit(Event.for_issue("ISSUE_UPDATED", issue, admin))
    assert sub.queue.empty()                          # NOTIFY waits for the commit
    db.session.commit()
    got = _get(sub)
    assert got.issue_id == str(issue.id) and got.old_team_id is None
    with pytest.raises(queue.Empty):
        _get(sub, 0.3)


def test_pg_lost_connection_reconnects_and_tells_subscribers_to_resync(pg_broker, f):
    admin = f.user()
    team = f.team(admin)
    sub = pg_broker.subscribe()
    pg_broker.drop_connection()
    assert _get(sub, 10) == RESYNC
    assert pg_broker.reconnects == 1
    issue = f.issue(team, admin, title="after reconnect")
    assert _get(sub).issue_id == str(issue.id)


def test_pg_terminated_backend_is_noticed(pg_broker, f):
    sub = pg_broker.subscribe()
    # Only this database's listener: CASE makes PostgreSQL check the database before terminating
    # (another suite or app may be using the same server).
    db.session.execute(db.text("SELECT CASE WHEN datname = current_database() AND pid <> pg_backend_pid() "
                               "AND (query LIKE 'LISTEN%%' OR query = 'SELECT 1') THEN pg_terminate_backend(pid) END "
                               "FROM pg_stat_activity"))
    db.session.commit()
    assert _get(sub, 10) == RESYNC


def test_pg_malformed_notification_is_ignored(pg_broker):
    sub = pg_broker.subscribe()
    db.session.execute(db.select(db.func.pg_notify(CHANNEL, "{not json")))
    db.session.execute(db.select(db.func.pg_notify(CHANNEL, event("ok").to_payload())))
    db.session.commit()
    assert _get(sub).issue_id == "ok"


def test_broker_is_chosen_by_dialect(app, is_postgres):
    set_broker(None)
    broker = get_broker()
    assert type(broker).__name__ == ("PostgresBroker" if is_postgres else "InProcessBroker")


def test_a_router_wakes_only_the_named_users_sockets():
    named = {"ada"}
    broker = InProcessBroker(queue_size=5, router=lambda item: named if isinstance(item, Event) else None)
    ada, bob, anyone = broker.subscribe(user_id="ada"), broker.subscribe(user_id="bob"), broker.subscribe()
    broker.publish(event("1"))
    assert ada.queue.get_nowait().issue_id == anyone.queue.get_nowait().issue_id == "1"
    assert bob.queue.empty()
    broker.publish(RESYNC)                            # not an event: the router names everyone
    assert ada.queue.get_nowait() == bob.queue.get_nowait() == anyone.queue.get_nowait() == RESYNC
    broker.unsubscribe(ada)
    broker.publish(event("2"))
    assert ada.queue.empty() and anyone.queue.get_nowait().issue_id == "2"


def test_a_failing_router_offers_the_event_to_everyone():
    def broken(item):
        raise RuntimeError("database away")
    broker = InProcessBroker(queue_size=5, router=broken)
    ada, bob = broker.subscribe(user_id="ada"), broker.subscribe(user_id="bob")
    broker.publish(event("1"))
    assert ada.queue.get_nowait().issue_id == bob.queue.get_nowait().issue_id == "1"


def test_events_reach_the_sockets_of_the_teams_members_as_they_are_now(f):
    """The app's broker routes by the team's members when the event is delivered: an outsider's
    socket is not woken, and a member added later gets the next event without reconnecting."""
    ada, bob = f.user(), f.user()
    team = f.team(ada)
    issue = f.issue(team, ada)
    broker = get_broker()
    mine, theirs = broker.subscribe(user_id=str(ada.id)), broker.subscribe(user_id=str(bob.id))
    try:
        emit(Event.for_issue("ISSUE_UPDATED", issue, ada))
        db.session.commit()
        assert mine.queue.get(timeout=5).issue_id == str(issue.id)
        assert theirs.queue.empty()
        f.add_member(team, bob)
        emit(Event.for_issue("ISSUE_UPDATED", issue, ada))
        db.session.commit()
        assert theirs.queue.get(timeout=5).issue_id == str(issue.id)
    finally:
        broker.unsubscribe(mine)
        broker.unsubscribe(theirs)
