"""The list fragment cache: served while a team's data_version is unchanged, never after a change,
and only to a signed-in member (checked on every request, in one statement)."""
import pytest
from sqlalchemy import create_engine, text

from linear_web.infra.extensions import db
from linear_web.models import Issue, Team, User
from linear_web.services import auth, comments, issues, projects, teams
from linear_web.web import fragment_cache

from ..concurrency import run_in_threads

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


def team_version(team_id) -> int:
    db.session.expire_all()
    return db.session.get(Team, team_id).data_version


def test_a_repeat_is_one_statement_and_the_same_html(client, cache_team, count_queries):
    ada, _t = cache_team
    client.login(ada)
    first = client.get("/team/CCH/issues?status=todo", headers=HX)
    with count_queries() as q:
        again = client.get("/team/CCH/issues?status=todo", headers=HX)
    assert again.status_code == 200 and again.data == first.data and b"First issue" in again.data
    assert q.count == 1, q.statements  # session + membership + data_version, nothing else
    assert ("data_version" in q.statements[0] or "lw_session_team" in q.statements[0]) and "issues" not in q.statements[0]


def test_a_change_through_the_services_shows_at_once(client, cache_team, f):
    ada, t = cache_team
    client.login(ada)
    assert b"First issue" in client.get("/team/CCH/issues?status=todo", headers=HX).data
    issue = f.issue(t, ada, title="Second issue", status="todo")
    assert b"Second issue" in client.get("/team/CCH/issues?status=todo", headers=HX).data
    issues.update_issue(ada, issue.id, {"title": "Renamed issue"})
    body = client.get("/team/CCH/issues?status=todo", headers=HX).data
    assert b"Renamed issue" in body and b"Second issue" not in body
    issues.delete_issue(ada, issue.id)
    assert b"Renamed issue" not in client.get("/team/CCH/issues?status=todo", headers=HX).data


def test_a_commit_on_another_connection_shows_at_once(client, cache_team, database):
    """Another process needs no message to this one: the version lives in the database."""
    ada, t = cache_team
    client.login(ada)
    assert b"First issue" in client.get("/team/CCH/issues", headers=HX).data
    other = create_engine(database)
    try:
        with other.begin() as conn:
            conn.execute(Issue.__table__.update().values(title="Changed elsewhere"))
            conn.execute(text("UPDATE teams SET data_version = data_version + 1"))
    finally:
        other.dispose()
    assert b"Changed elsewhere" in client.get("/team/CCH/issues", headers=HX).data


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
    import io
    from linear_web.services import attachments
    before = team_version(t.id)
    attachments.upload(ada, "CCH-1", io.BytesIO(b"a file\n"), "notes.txt")  # lists show no files
    assert team_version(t.id) == before
    before_t, before_o = team_version(t.id), team_version(other.id)
    issues.update_issue(ada, "CCH-1", {"team_id": str(other.id)})  # a move changes both lists
    assert (team_version(t.id), team_version(other.id)) == (before_t + 1, before_o + 1)


def test_a_failed_change_leaves_the_version(cache_team):
    ada, t = cache_team
    before = team_version(t.id)
    with pytest.raises(Exception):
        issues.update_issue(ada, "CCH-1", {"title": "Stale"}, version=999)
    with pytest.raises(Exception):
        issues.create_issue(ada, t.id, {"title": ""})
    assert team_version(t.id) == before


def test_a_removed_member_or_ended_session_gets_nothing_from_the_cache(client, cache_team, f, make_client):
    ada, t = cache_team
    bob = f.user(name="Bob")
    teams.add_member(ada, t.id, user_id=str(bob.id))
    bob_client = make_client().login(bob)
    assert b"First issue" in bob_client.get("/team/CCH/issues", headers=HX).data
    teams.remove_member(ada, t.id, str(bob.id))
    gone = bob_client.get("/team/CCH/issues", headers=HX)
    assert gone.status_code == 404 and b"First issue" not in gone.data

    client.login(ada)
    assert b"First issue" in client.get("/team/CCH/issues", headers=HX).data
    auth.end_sessions(db.session.get(User, ada.id))
    ended = client.get("/team/CCH/issues", headers=HX)
    assert b"First issue" not in ended.data and "/login" in ended.headers.get("HX-Redirect", "")


def test_cache_is_per_user_and_outsiders_get_404(client, cache_team, f, make_client):
    ada, t = cache_team
    client.login(ada)
    client.get("/team/CCH/issues", headers=HX)
    outsider = make_client().login(f.user())
    resp = outsider.get("/team/CCH/issues", headers=HX)
    assert resp.status_code == 404 and b"First issue" not in resp.data


def test_the_quick_check_failing_falls_back_to_the_ordinary_path(client, cache_team, monkeypatch):
    ada, _t = cache_team
    client.login(ada)
    client.get("/team/CCH/issues", headers=HX)
    from sqlalchemy.exc import OperationalError
    from linear_web.infra import extensions

    class Broken:
        def connect(self):
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(extensions, "autocommit_engine", lambda: Broken())
    resp = client.get("/team/CCH/issues", headers=HX)
    assert resp.status_code == 200 and b"First issue" in resp.data


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
        fragment_cache.get_or_render("team-x", 1, ("u", ()), slow_render))) for _ in range(8)]
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
        fragment_cache.get_or_render("team-y", 1, ("u", ()), broken)
    assert fragment_cache.get_or_render("team-y", 1, ("u", ()), lambda: "ok") == "ok"


def test_an_old_entry_is_re_rendered_by_one_request_while_others_get_the_copy(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(fragment_cache.time, "monotonic", lambda: clock[0])
    fragment_cache.get_or_render("team-z", 7, ("u", ()), lambda: "v1")
    assert fragment_cache.peek("team-z", 7, ("u", ())) == "v1"
    clock[0] += fragment_cache.TTL + 1
    assert fragment_cache.peek("team-z", 7, ("u", ())) is None       # this one re-renders
    assert fragment_cache.peek("team-z", 7, ("u", ())) == "v1"       # the others meanwhile
    assert fragment_cache.peek("team-z", 8, ("u", ())) is None       # never across a change
    assert fragment_cache.get_or_render("team-z", 7, ("u", ()), lambda: "v2") == "v2"
    assert fragment_cache.peek("team-z", 7, ("u", ())) == "v2"
    clock[0] += fragment_cache.TTL + 1
    assert fragment_cache.peek("team-z", 7, ("u", ())) is None
    clock[0] += fragment_cache.WAIT + 1                              # the re-render never came
    assert fragment_cache.peek("team-z", 7, ("u", ())) is None
