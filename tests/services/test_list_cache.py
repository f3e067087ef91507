"""The list cache's parts without HTTP: the data version goes up once per committed change to what a
team's lists show (never on a failure), opposite moves do not deadlock, the hit check applies the
user loader's and membership's rules, and the store renders once and never serves across a change."""
import io
import threading
import time

import pytest

from linear_web import list_cache
from linear_web.infra.extensions import db
from linear_web.models import Issue, User
from linear_web.services import attachments, auth, comments, issues, projects, teams
from linear_web.services.errors import Conflict, ValidationError

from ..concurrency import run_in_threads


def team_version(team_id) -> int:
    db.session.commit()  # a fresh transaction: what every process sees now
    return list_cache.team_version(team_id)


def test_every_change_the_list_shows_moves_the_team_version_once(app, cache_team, f):
    ada, t = cache_team
    other = f.team(ada, key="OTH")
    p = f.project(t, ada, name="Road")
    steps = [
        lambda: issues.create_issue(ada, t.id, {"title": "New"}),
        lambda: issues.update_issue(ada, "CCH-1", {"status": "done"}),
        lambda: issues.bulk_update(ada, ["CCH-1", "CCH-2"], {"priority": 2}),
        lambda: comments.create_comment(ada, "CCH-1", "A comment"),
        lambda: projects.update_project(ada, p.id, name="Roadmap"),
        lambda: issues.delete_issue(ada, "CCH-2"),
    ]
    for step in steps:
        before = team_version(t.id)
        step()
        assert team_version(t.id) == before + 1, step
    before = team_version(t.id)
    attachments.upload(ada, "CCH-1", io.BytesIO(b"a file\n"), "notes.txt")  # lists show no files
    assert team_version(t.id) == before
    before_t, before_o = team_version(t.id), team_version(other.id)
    issues.update_issue(ada, "CCH-1", {"team_id": str(other.id)})  # a move changes both lists
    assert (team_version(t.id), team_version(other.id)) == (before_t + 1, before_o + 1)


def test_a_failed_change_leaves_the_version(cache_team):
    ada, t = cache_team
    before = team_version(t.id)
    with pytest.raises(Conflict):
        issues.update_issue(ada, "CCH-1", {"title": "Stale"}, version=999)
    with pytest.raises(ValidationError):
        issues.create_issue(ada, t.id, {"title": ""})
    assert team_version(t.id) == before


def test_a_marked_transaction_bumps_once_at_commit_and_not_after_a_rollback(cache_team):
    _ada, t = cache_team
    before = team_version(t.id)
    list_cache.mark_changed(t.id)
    list_cache.mark_changed(str(t.id), None)
    db.session.rollback()
    db.session.commit()
    assert team_version(t.id) == before  # the rollback forgot the mark
    list_cache.mark_changed(t.id)
    db.session.commit()
    assert team_version(t.id) == before + 1
    db.session.commit()
    assert team_version(t.id) == before + 1  # the next transaction starts unmarked


def test_opposite_moves_between_two_teams_do_not_deadlock(app, f):
    ada = f.user()
    a, b = f.team(ada, key="AAA"), f.team(ada, key="BBB")
    pairs = [(f.issue(a, ada).id, b.id) if i % 2 == 0 else (f.issue(b, ada).id, a.id) for i in range(8)]
    uid = ada.id

    def move(i):
        issue_id, target = pairs[i]
        return issues.update_issue(db.session.get(User, uid), issue_id, {"team_id": str(target)}).identifier

    results = run_in_threads(app, len(pairs), move)
    assert not [r for r in results if isinstance(r, Exception)], results


def test_the_hit_check_applies_the_session_and_membership_rules(cache_team, f):
    ada, t = cache_team
    ref = ada.get_id()
    assert list_cache.session_team_version(ref, "cch") == (str(t.id), team_version(t.id))
    uid, _, version = ref.partition(":")
    for bad in (None, "", "nonsense", f"{uid}:0{version}", f"{uid}:{int(version) + 1}", f"{uid}:-1", uid):
        assert list_cache.session_team_version(bad, "CCH") is None, bad
    for key in ("NOPE", "", "C\x00H", "X" * 101):
        assert list_cache.session_team_version(ref, key) is None, key
    outsider = f.user()
    assert list_cache.session_team_version(outsider.get_id(), "CCH") is None
    auth.end_sessions(db.session.get(User, ada.id))
    assert list_cache.session_team_version(ref, "CCH") is None
    bob = f.user()
    teams.add_member(db.session.get(User, ada.id), t.id, user_id=str(bob.id))
    assert list_cache.session_team_version(bob.get_id(), "CCH") is not None


def test_concurrent_misses_render_once(empty_list_cache):
    calls = []

    def slow_render():
        calls.append(1)
        time.sleep(0.2)
        return "<div>rows</div>"

    results = []
    threads = [threading.Thread(target=lambda: results.append(
        list_cache.get_or_render(("team-x", "u", b""), 1, slow_render))) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(5)
    assert results == ["<div>rows</div>"] * 8
    assert len(calls) == 1


def test_a_failed_render_does_not_block_the_next_request(empty_list_cache):
    def broken():
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        list_cache.get_or_render(("team-y", "u", b""), 1, broken)
    assert list_cache.get_or_render(("team-y", "u", b""), 1, lambda: "ok") == "ok"


def test_an_old_entry_is_re_rendered_by_one_request_while_others_get_the_copy(monkeypatch, empty_list_cache):
    clock = [1000.0]
    monkeypatch.setattr(list_cache.time, "monotonic", lambda: clock[0])
    key = ("team-z", "u", b"")
    list_cache.get_or_render(key, 7, lambda: "v1")
    assert list_cache.peek(key, 7) == "v1"
    clock[0] += list_cache.TTL + 1
    assert list_cache.peek(key, 7) is None       # this one re-renders
    assert list_cache.peek(key, 7) == "v1"       # the others meanwhile
    assert list_cache.peek(key, 8) is None       # never across a change
    assert list_cache.get_or_render(key, 7, lambda: "v2") == "v2"
    assert list_cache.peek(key, 7) == "v2"
    clock[0] += list_cache.TTL + 1
    assert list_cache.peek(key, 7) is None
    clock[0] += list_cache.WAIT + 1                              # the re-render never came
    assert list_cache.peek(key, 7) is None


def test_the_store_keeps_the_most_recently_used_entries(monkeypatch, empty_list_cache):
    monkeypatch.setattr(list_cache, "MAX_ENTRIES", 2)
    for n in range(3):
        list_cache.get_or_render(("t", "u", str(n).encode()), 1, lambda n=n: f"html {n}")
        list_cache.peek(("t", "u", b"0"), 1)  # entry 0 stays in use
    assert list_cache.peek(("t", "u", b"0"), 1) == "html 0"
    assert list_cache.peek(("t", "u", b"1"), 1) is None
    assert list_cache.peek(("t", "u", b"2"), 1) == "html 2"


def test_writes_in_one_team_do_not_wait_for_each_others_commit(app, cache_team, f, monkeypatch, is_postgres):
    """Two updates of different issues in one team: the second commits while the first, which has
    already bumped the team's version, is still open (it used to wait for the team row's lock)."""
    if not is_postgres:
        pytest.skip("SQLite has one writer at a time whatever the schema")
    ada, t = cache_team
    second = f.issue(t, ada)
    first_id, second_id, uid = f.issue(t, ada).id, second.id, ada.id
    slots = iter([3, 7])
    monkeypatch.setattr(list_cache.random, "randrange", lambda n: next(slots))
    bumped, done = threading.Event(), threading.Event()

    def first_writer():
        with app.app_context():
            sess = db.session()
            sess.get(Issue, first_id).title = "First, held open"
            sess.flush()
            list_cache.mark_changed(t.id)
            list_cache._bump(sess, {str(t.id)})  # what its commit does first ...
            bumped.set()
            done.wait(10)                          # ... then it stays open until the other has committed
            sess.rollback()
            db.session.remove()

    holder = threading.Thread(target=first_writer)
    holder.start()
    try:
        assert bumped.wait(10)
        began = time.monotonic()
        results = run_in_threads(app, 1, lambda _i: issues.update_issue(db.session.get(User, uid), second_id,
                                                                         {"status": "done"}).status)
        waited = time.monotonic() - began
    finally:
        done.set()
        holder.join(15)
    assert results == ["done"] and waited < 5
