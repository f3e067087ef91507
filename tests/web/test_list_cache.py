"""The list fast path over HTTP: a cached fragment is served while a team's data version is
unchanged, never after a change, and only to a signed-in member (checked on every request, in one
statement). The writers and the store are tested in tests/services/test_list_cache.py."""
import ast
from pathlib import Path

from sqlalchemy import create_engine, text

from linear_web import list_cache
from linear_web.infra.extensions import db
from linear_web.models import Issue, User
from linear_web.services import auth, issues, teams

HX = {"HX-Request": "true", "HX-Target": "issue-list"}


def test_a_repeat_is_one_statement_and_the_same_html(client, cache_team, count_queries):
    ada, _t = cache_team
    client.login(ada)
    first = client.get("/team/CCH/issues?status=todo", headers=HX)
    with count_queries() as q:
        again = client.get("/team/CCH/issues?status=todo", headers=HX)
    assert again.status_code == 200 and again.data == first.data and b"First issue" in again.data
    assert q.count == 1, q.statements  # session + membership + data version, nothing else
    assert ("team_versions" in q.statements[0] or "lw_session_team" in q.statements[0]) and "issues" not in q.statements[0]


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
    ada, _t = cache_team
    client.login(ada)
    assert b"First issue" in client.get("/team/CCH/issues", headers=HX).data
    other = create_engine(database)
    try:
        with other.begin() as conn:
            conn.execute(Issue.__table__.update().values(title="Changed elsewhere"))
            conn.execute(text("UPDATE team_versions SET version = version + 1"))
    finally:
        other.dispose()
    assert b"Changed elsewhere" in client.get("/team/CCH/issues", headers=HX).data


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
    ada, _t = cache_team
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

    class Broken:
        def connect(self):
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(list_cache, "engine", lambda: Broken())
    resp = client.get("/team/CCH/issues", headers=HX)
    assert resp.status_code == 200 and b"First issue" in resp.data


def test_the_cache_is_per_user_among_members(client, cache_team, f, make_client):
    ada, t = cache_team
    bob = f.user(name="Bob")
    teams.add_member(ada, t.id, user_id=str(bob.id))
    f.issue(t, ada, title="Task for Bob", status="todo", assignee_id=bob)
    client.login(ada)
    bob_client = make_client().login(bob)
    assert b"Task for Bob" not in client.get("/team/CCH/issues?assignee=me", headers=HX).data
    assert b"Task for Bob" in bob_client.get("/team/CCH/issues?assignee=me", headers=HX).data
    assert b"Task for Bob" not in client.get("/team/CCH/issues?assignee=me", headers=HX).data


def test_a_session_seen_from_another_browser_is_served_and_later_marked_non_fresh(client, cache_team,
                                                                                  count_queries):
    """flask-login's "basic" protection only marks such a session non-fresh; nothing in the app
    reads freshness, so the hit (which does not mark it) answers what the ordinary path would."""
    ada, _t = cache_team
    client.login(ada)
    first = client.get("/team/CCH/issues", headers=HX)
    elsewhere = {**HX, "User-Agent": "another browser"}
    with count_queries() as q:
        moved = client.get("/team/CCH/issues", headers=elsewhere)
    assert moved.status_code == 200 and moved.data == first.data and q.count == 1
    with client.session_transaction() as sess:
        assert sess["_fresh"] is True
    page = client.get("/team/CCH/issues", headers={"User-Agent": "another browser"})
    assert page.status_code == 200 and b"First issue" in page.data  # still signed in
    with client.session_transaction() as sess:
        assert sess["_fresh"] is False and sess["_user_id"] == ada.get_id()


def test_strong_session_protection_turns_the_fast_path_off(app, client, cache_team, monkeypatch):
    """"strong" signs out a session seen from another browser: the hit check cannot see that."""
    ada, _t = cache_team
    client.login(ada)
    assert b"First issue" in client.get("/team/CCH/issues", headers=HX).data
    monkeypatch.setitem(app.config, "SESSION_PROTECTION", "strong")
    gone = client.get("/team/CCH/issues", headers={**HX, "User-Agent": "another browser"})
    assert b"First issue" not in gone.data and "/login" in gone.headers.get("HX-Redirect", "")


def test_the_app_reads_no_freshness_and_calls_no_private_login_api():
    """The fast path's reasoning about "basic" protection holds only while nothing reads freshness."""
    banned = {"fresh_login_required", "login_fresh", "needs_refresh", "confirm_login",
              "_session_identifier_generator"}
    root = Path(__file__).resolve().parents[2]
    found = []
    for path in [*(root / "linear_web").rglob("*.py"), *(root / "tests").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            name = getattr(node, "id", None) or getattr(node, "attr", None) or getattr(node, "name", None)
            if name in banned:
                found.append((str(path.relative_to(root)), node.lineno, name))
    assert not found
