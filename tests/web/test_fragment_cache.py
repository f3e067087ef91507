"""The list fragment cache: served while a team's data is unchanged, never after a change."""
import pytest

from linear_web.events import Event
from linear_web.events.broker import get_broker
from linear_web.services import issues, projects
from linear_web.web import fragment_cache

HX = {"HX-Request": "true", "HX-Target": "issue-list"}


@pytest.fixture(autouse=True)
def _empty_cache():
    fragment_cache.clear()
    yield
    fragment_cache.clear()


@pytest.fixture
def cache_team(f):
    ada = f.user(name="Ada")
    t = f.team(ada, key="CCH")
    f.issue(t, ada, title="First issue", status="todo")
    return ada, t


def test_repeat_fragment_is_served_without_issue_queries(client, cache_team, count_queries):
    ada, _t = cache_team
    client.login(ada)
    first = client.get("/team/CCH/issues?status=todo", headers=HX)
    with count_queries() as q:
        again = client.get("/team/CCH/issues?status=todo", headers=HX)
    assert again.data == first.data and b"First issue" in again.data
    assert not any("FROM issues" in s for s in q.statements), q.statements  # only the user and team


def test_a_change_in_this_process_shows_at_once(client, cache_team, f):
    ada, t = cache_team
    client.login(ada)
    assert b"First issue" in client.get("/team/CCH/issues?status=todo", headers=HX).data
    issue = f.issue(t, ada, title="Second issue", status="todo")
    assert b"Second issue" in client.get("/team/CCH/issues?status=todo", headers=HX).data
    issues.update_issue(ada, issue.id, {"title": "Renamed issue"})
    body = client.get("/team/CCH/issues?status=todo", headers=HX).data
    assert b"Renamed issue" in body and b"Second issue" not in body


def test_a_change_heard_from_another_process_invalidates(client, cache_team, app):
    ada, t = cache_team
    client.login(ada)
    client.get("/team/CCH/issues", headers=HX)
    from linear_web.extensions import db
    from linear_web.models import Issue
    # Another process wrote this (no event in this process) and then NOTIFYed it.
    db.session.execute(db.update(Issue).values(title="Changed elsewhere"))
    db.session.commit()
    assert b"First issue" in client.get("/team/CCH/issues", headers=HX).data  # not heard yet: cached
    issue = db.session.scalars(db.select(Issue)).one()
    get_broker().publish(Event.for_issue("ISSUE_UPDATED", issue, ada))
    assert b"Changed elsewhere" in client.get("/team/CCH/issues", headers=HX).data


def test_project_rename_and_lost_listener_refresh_the_rows(client, cache_team, f):
    ada, t = cache_team
    p = f.project(t, ada, name="Old name")
    issue = f.issue(t, ada, title="In a project", project_id=p)
    client.login(ada)
    assert b"Old name" in client.get("/team/CCH/issues", headers=HX).data
    projects.update_project(ada, p.id, name="New name")
    assert b"New name" in client.get("/team/CCH/issues", headers=HX).data
    get_broker().broadcast_resync()
    assert issue.identifier.encode() in client.get("/team/CCH/issues", headers=HX).data


def test_cache_is_per_user_and_after_the_access_check(client, cache_team, f, make_client):
    ada, t = cache_team
    outsider = f.user()
    client.login(ada)
    client.get("/team/CCH/issues", headers=HX)
    other = make_client().login(outsider)
    assert other.get("/team/CCH/issues", headers=HX).status_code == 404


def test_concurrent_misses_render_once():
    import threading
    import time as _time
    calls = []

    def slow_render():
        calls.append(1)
        _time.sleep(0.2)
        return "<div>rows</div>"

    results = []
    threads = [threading.Thread(target=lambda: results.append(
        fragment_cache.get_or_render("team-x", ("u", ()), slow_render))) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(5)
    assert results == ["<div>rows</div>"] * 8
    assert len(calls) == 1


def test_a_failed_render_does_not_block_the_next_request():
    def broken():
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        fragment_cache.get_or_render("team-y", ("u", ()), broken)
    assert fragment_cache.get_or_render("team-y", ("u", ()), lambda: "ok") == "ok"
