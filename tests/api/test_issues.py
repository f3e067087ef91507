"""Issues over the API: create, filters and keyset pages, search, CSV export, detail, updates, delete."""
import csv
import io

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Activity, Issue

from .conftest import error_of


def test_create_returns_issue_with_identifier(api, eng):
    team, ada, bob = eng
    r = api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": "  Fix login  ", "priority": 1,
                                              "status": "todo", "assignee_id": str(bob.id),
                                              "description": "See [docs](javascript:alert(1))"})
    assert r.status_code == 201
    body = r.json
    assert (body["identifier"], body["title"], body["priority"], body["status"]) == ("ENG-1", "Fix login", 1, "todo")
    assert body["assignee"] == {"id": str(bob.id), "name": "Bob Stone"} and body["version"] == 1
    assert "href=\"javascript" not in body["description_html"] and "<a" not in body["description_html"]
    assert r.json["created_at"].endswith("+00:00")


def test_create_enforces_team_rules(api, eng, f):
    team, ada, _ = eng
    stranger = f.user()
    other_project = f.project(f.team(stranger), stranger)
    r = api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": "x", "assignee_id": str(stranger.id),
                                              "project_id": str(other_project.id)})
    assert r.status_code == 422 and {"assignee_id", "project_id"} <= set(error_of(r)["details"])
    r = api(stranger).post("/api/v1/issues", json={"team_id": str(team.id), "title": "x"})
    assert r.status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(Issue)) == 0


def test_list_filters_and_sorts(api, eng, f):
    team, ada, bob = eng
    f.issue(team, ada, title="alpha", status="todo", priority=3)
    f.issue(team, ada, title="beta", status="done", priority=1, assignee_id=str(bob.id))
    f.issue(team, ada, title="gamma", status="todo", priority=2, assignee_id=str(ada.id))
    f.issue(f.team(ada), ada, title="elsewhere")

    def titles(query):
        r = api(ada).get(f"/api/v1/issues?team_id={team.id}&{query}")
        assert r.status_code == 200, r.json
        return [i["title"] for i in r.json["items"]]

    assert titles("") == ["gamma", "beta", "alpha"]
    assert titles("sort=created_at") == ["alpha", "beta", "gamma"]
    assert titles("sort=priority") == ["beta", "gamma", "alpha"]
    assert titles("status=todo") == ["gamma", "alpha"]
    assert titles("status=todo&status=done&priority=1") == ["beta"]
    assert titles("assignee_id=me") == ["gamma"]
    assert titles(f"assignee_id={bob.id}") == ["beta"]
    assert titles("assignee_id=none") == ["alpha"]
    assert titles("q=bet") == ["beta"]
    assert len(api(ada).get("/api/v1/issues").json["items"]) == 4


def test_keyset_pages_are_stable_under_inserts(api, eng, f):
    team, ada, _ = eng
    for n in range(5):
        f.issue(team, ada, title=f"i{n}")
    first = api(ada).get("/api/v1/issues?limit=2").json
    assert [i["title"] for i in first["items"]] == ["i4", "i3"] and first["next_cursor"]
    f.issue(team, ada, title="new")
    second = api(ada).get(f"/api/v1/issues?limit=2&cursor={first['next_cursor']}").json
    assert [i["title"] for i in second["items"]] == ["i2", "i1"]
    last = api(ada).get(f"/api/v1/issues?limit=2&cursor={second['next_cursor']}").json
    assert [i["title"] for i in last["items"]] == ["i0"] and last["next_cursor"] is None


def test_list_query_count_does_not_grow_with_rows(api, eng, f, count_queries):
    team, ada, bob = eng
    project = f.project(team, ada)
    client = api(ada)
    f.issue(team, ada, assignee_id=str(bob.id), project_id=str(project.id))
    with count_queries() as small:
        assert client.get("/api/v1/issues").status_code == 200
    for _ in range(15):
        f.issue(team, ada, assignee_id=str(bob.id), project_id=str(project.id))
    with count_queries() as big:
        assert len(client.get("/api/v1/issues").json["items"]) == 16
    assert big.count == small.count <= 3


def test_search_query_count_does_not_grow_with_rows(api, eng, f, count_queries):
    team, ada, bob = eng
    client = api(ada)
    f.issue(team, ada, title="Widget fails", assignee_id=str(bob.id))
    with count_queries() as small:
        assert len(client.get("/api/v1/issues/search?q=widget").json["items"]) == 1
    for n in range(15):
        f.issue(team, ada, title=f"Widget {n} fails", assignee_id=str(bob.id))
    with count_queries() as big:
        assert len(client.get("/api/v1/issues/search?q=widget").json["items"]) == 16
    assert big.count == small.count <= 2   # the token's user, then one ranked page with its joins


def test_search_ranks_and_scopes(api, eng, f):
    team, ada, _ = eng
    f.issue(team, ada, title="Database migration", description="postgres")
    f.issue(team, ada, title="Other", description="mentions database once")
    outsider = f.user()
    f.issue(f.team(outsider), outsider, title="Database secrets")
    r = api(ada).get("/api/v1/issues/search?q=database")
    assert r.status_code == 200
    assert [i["title"] for i in r.json["items"]] == ["Database migration", "Other"]
    assert api(outsider).get("/api/v1/issues/search?q=migration").json["items"] == []
    assert api(ada).get("/api/v1/issues/search").status_code == 422


def test_export_streams_csv_with_formula_guard(api, eng, f):
    team, ada, _ = eng
    f.issue(team, ada, title="=HYPERLINK(\"http://evil\")")
    f.issue(team, ada, title="plain")
    r = api(ada).get(f"/api/v1/issues/export?team_id={team.id}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"] and r.is_streamed
    rows = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["identifier", "title", "status", "priority", "team", "project", "assignee", "creator",
                       "created_at", "updated_at", "labels", "parent", "due_date", "estimate", "cycle"]
    assert [row[1] for row in rows[1:]] == ["plain", "'=HYPERLINK(\"http://evil\")"]


def test_detail_includes_comments_activity_attachments_in_fixed_queries(api, eng, f, count_queries):
    team, ada, _ = eng
    issue = f.issue(team, ada)
    client = api(ada)
    client.post(f"/api/v1/issues/{issue.id}/comments", json={"body": "one"})
    with count_queries() as few:
        client.get(f"/api/v1/issues/{issue.identifier}")
    for n in range(5):
        client.post(f"/api/v1/issues/{issue.id}/comments", json={"body": f"more {n}"})
        client.patch(f"/api/v1/issues/{issue.id}", json={"priority": n % 4})
    with count_queries() as many:
        r = client.get(f"/api/v1/issues/{issue.identifier}")
    assert r.status_code == 200 and len(r.json["comments"]) == 6 and r.json["attachments"] == []
    assert {"created", "commented", "updated"} <= {a["action"] for a in r.json["activities"]}
    assert many.count == few.count


def test_patch_with_version_and_conflict(api, eng):
    team, ada, bob = eng
    created = api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": "t"}).json
    r = api(ada).patch(f"/api/v1/issues/{created['identifier']}", json={"status": "in_progress", "version": 1})
    assert r.status_code == 200 and r.json["status"] == "in_progress" and r.json["version"] == 2
    r = api(bob).put(f"/api/v1/issues/{created['id']}", json={"title": "stale", "version": 1})
    assert r.status_code == 409 and "version" in error_of(r)["details"]
    r = api(bob).put(f"/api/v1/issues/{created['id']}", json={"priority": 2})
    assert r.status_code == 200 and r.json["title"] == "t" and r.json["priority"] == 2
    fields = [a["field"] for a in api(ada).get(f"/api/v1/issues/{created['id']}/activity").json["items"]]
    assert fields == [None, "status", "priority"]


def test_null_for_required_fields_is_422(api, eng, f):
    team, ada, _ = eng
    issue = f.issue(team, ada)
    for body in ({"title": None}, {"status": None}, {"priority": None}, {"version": 0}):
        r = api(ada).patch(f"/api/v1/issues/{issue.id}", json=body)
        assert r.status_code == 422, body
    assert api(ada).patch(f"/api/v1/issues/{issue.id}", json={"assignee_id": None}).status_code == 200


def test_move_to_other_team_gets_new_identifier(api, eng, f):
    team, ada, _ = eng
    ops = f.team(ada, key="OPS")
    issue = f.issue(team, ada)
    r = api(ada).patch(f"/api/v1/issues/{issue.identifier}", json={"team_id": str(ops.id)})
    assert r.status_code == 200 and r.json["identifier"] == "OPS-1"
    assert api(ada).get("/api/v1/issues/ENG-1").json["identifier"] == "OPS-1"


def test_delete_is_204_and_gone(api, eng, f):
    team, ada, bob = eng
    issue = f.issue(team, ada)
    issue_id = issue.id
    assert api(bob).delete(f"/api/v1/issues/{issue.identifier}").status_code == 204
    assert api(ada).get(f"/api/v1/issues/{issue_id}").status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) == 0


@pytest.mark.parametrize("body, field, message", [
    ({"title": "x" * 256}, "title", "Title must be at most 255 characters."),
    ({"title": "   "}, "title", "Title is required."),
    ({"title": "ok", "description": "d" * 100_001}, "description", "Description must be at most 100,000 characters."),
    ({"title": "ok", "priority": 9}, "priority", "Priority must be 0 (no priority), 1 (high), 2 (medium) or 3 (low)."),
])
def test_limits_answer_with_the_services_messages(api, eng, body, field, message):
    team, ada, _ = eng
    r = api(ada).post("/api/v1/issues", json={"team_id": str(team.id), **body})
    assert r.status_code == 422
    assert error_of(r)["code"] == "validation_error" and error_of(r)["details"] == {field: message}


def test_team_and_comment_limits_are_the_services(api, eng, f):
    team, ada, _ = eng
    r = api(ada).post("/api/v1/teams", json={"key": "TOOLONGKEY1", "name": "x"})
    assert r.status_code == 422 and error_of(r)["details"] == {"key": "Key must be at most 10 characters."}
    issue = f.issue(team, ada)
    r = api(ada).post(f"/api/v1/issues/{issue.identifier}/comments", json={"body": " "})
    assert r.status_code == 422 and error_of(r)["details"] == {"body": "Comment is required."}


def test_reads_run_without_a_transaction_and_writes_and_exports_inside_one(api, eng, f, is_postgres):
    """GETs skip BEGIN/ROLLBACK (autocommit); a PATCH commits one transaction; the export's
    server-side cursor keeps its transaction."""
    if not is_postgres:
        pytest.skip("SQLite has no round trips to save")
    from sqlalchemy import event
    team, ada, _ = eng
    issue = f.issue(team, ada)
    seen: list[bool] = []

    def record(_conn, cursor, _statement, _params, _context, _many):
        seen.append(cursor.connection.autocommit)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        client = api(ada)
        for path in ("/api/v1/issues?team_id=" + str(team.id), f"/api/v1/issues/{issue.identifier}",
                     "/api/v1/dashboard/stats"):
            seen.clear()
            assert client.get(path).status_code == 200
            assert seen and all(seen), path
        seen.clear()
        assert client.patch(f"/api/v1/issues/{issue.identifier}", json={"status": "done"}).status_code == 200
        assert seen and not any(seen)
        seen.clear()
        exported = client.get("/api/v1/issues/export?team_id=" + str(team.id))
        assert exported.status_code == 200 and issue.identifier in exported.get_data(as_text=True)
        assert seen and not seen[-1]
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
