"""POST /api/v1/issues/import: the contract's answers (200, 422 with row errors, dry runs), access,
and what reaches the service (multipart, size, encoding, row limit)."""
import csv
import io
import uuid

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Issue, Label

from ..conftest import endpoint_of
from .conftest import error_of


def csv_text(rows) -> bytes:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()


def upload(client, team_id, data: bytes, *, dry_run=None, field: str = "file"):
    query = f"?team_id={team_id}" + (f"&dry_run={dry_run}" if dry_run is not None else "")
    return client.post("/api/v1/issues/import" + query, data={field: (io.BytesIO(data), "issues.csv")},
                       content_type="multipart/form-data")


def issue_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Issue))


def test_the_route_is_its_own_not_an_issue_reference(app):
    assert endpoint_of(app, "POST", "/api/v1/issues/import") == "api.issue_import"
    assert endpoint_of(app, "GET", "/api/v1/issues/import") == "api.issue_get"   # an issue called "import": 404


def test_import_answers_what_it_created(api, eng):
    r = upload(api(eng.admin), eng.team.id, csv_text([["Summary", "Status", "Labels", "Reporter"],
                                                     ["One", "Done", "Bug", "x"], ["Two", "To Do", "", "y"]]))
    assert r.status_code == 200
    assert r.json == {"created": 2, "would_create": 2, "errors": [], "ignored_columns": ["Reporter"],
                      "notes": ["Creates 1 new label: “Bug”."],
                      "identifiers": {"first": "ENG-1", "last": "ENG-2"}}
    listed = api(eng.admin).get(f"/api/v1/issues?team_id={eng.team.id}").json["items"]
    assert sorted((i["identifier"], i["title"], i["status"]) for i in listed) == [("ENG-1", "One", "done"),
                                                                                 ("ENG-2", "Two", "todo")]
    activity = api(eng.admin).get("/api/v1/issues/ENG-1/activity").json["items"]
    assert [(a["action"], a["field"], a["new_value"]) for a in activity] == [("created", None, "imported")]


def test_a_file_with_a_bad_row_is_422_with_rows_and_nothing_is_created(api, eng):
    r = upload(api(eng.admin), eng.team.id, csv_text([["Title", "Priority", "Labels"], ["ok", "High", "Keep"],
                                                     ["bad", "Whenever", ""], ["", "Low", ""]]))
    assert r.status_code == 422
    body = r.json
    assert body["error"]["code"] == "validation_error" and "nothing was imported" in body["error"]["message"]
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "Priority"), (4, "Title")]
    assert "“Whenever”" in body["errors"][0]["message"]
    assert (body["created"], body["would_create"]) == (0, 0)
    assert issue_count() == 0 and db.session.scalar(db.select(db.func.count()).select_from(Label)) == 0


def test_dry_run_checks_without_writing(api, eng):
    client = api(eng.member)                                      # any member may import
    r = upload(client, eng.team.id, csv_text([["Title"], ["a"], ["b"], ["c"]]), dry_run="true")
    assert r.status_code == 200 and (r.json["created"], r.json["would_create"]) == (0, 3)
    assert r.json["identifiers"] is None and issue_count() == 0
    bad = upload(client, eng.team.id, csv_text([["Title", "Status"], ["a", "Limbo"]]), dry_run="true")
    assert bad.status_code == 422 and bad.json["errors"][0]["row"] == 2


def test_outsiders_and_unknown_teams_get_404_and_nothing_is_written(api, eng, outsider):
    data = csv_text([["Title"], ["pwned"]])
    for team_id in (eng.team.id, uuid.uuid4()):
        r = upload(api(outsider.user), team_id, data)
        assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    assert issue_count() == 0


def test_query_auth_and_body_shape(api, eng):
    client = api(eng.admin)
    assert upload(api(None), eng.team.id, b"Title\nx\n").status_code == 401
    assert error_of(client.post("/api/v1/issues/import", data={"file": (io.BytesIO(b"Title\nx\n"), "a.csv")},
                                content_type="multipart/form-data"))["details"].get("team_id")
    assert upload(client, "ENG", b"Title\nx\n").status_code == 422                     # an id, not a key
    r = client.post(f"/api/v1/issues/import?team_id={eng.team.id}", json={"title": "x"})
    assert r.status_code == 415 and error_of(r)["code"] == "unsupported_media_type"
    missing = upload(client, eng.team.id, b"Title\nx\n", field="attachment")
    assert missing.status_code == 422 and "`file`" in missing.json["errors"][0]["message"]
    assert issue_count() == 0


def test_a_body_over_max_upload_is_413(api, eng, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    r = upload(api(eng.admin), eng.team.id, b"Title\n" + b"x" * 2000 + b"\n")
    assert r.status_code == 413 and error_of(r)["code"] == "payload_too_large" and issue_count() == 0


def test_latin1_is_422_naming_utf8(api, eng):
    r = upload(api(eng.admin), eng.team.id, "Title\nCrème brûlée\n".encode("latin-1"))
    assert r.status_code == 422 and "UTF-8" in r.json["errors"][0]["message"] and r.json["errors"][0]["row"] == 2


def test_more_than_ten_thousand_rows_is_422(api, eng):
    data = ("Title\n" + "".join(f"row {n}\n" for n in range(10_001))).encode()
    r = upload(api(eng.admin), eng.team.id, data)
    assert r.status_code == 422 and r.json["errors"] == [
        {"row": 10_002, "column": None, "message": r.json["errors"][0]["message"]}]
    assert "10,000" in r.json["errors"][0]["message"] and issue_count() == 0


def test_export_then_import_into_another_team(api, eng, f):
    t, ada, bob = eng
    f.issue(t, ada, title="=cmd|' /C calc'!A0", status="in_progress", priority=3, assignee_id=bob)
    f.issue(t, ada, title="Plain", status="done")
    ops = f.team(ada, key="OPS", members=[bob])
    exported = api(ada).get(f"/api/v1/issues/export?team_id={t.id}").data
    r = upload(api(ada), ops.id, exported)
    assert r.status_code == 200 and r.json["created"] == 2
    got = api(ada).get(f"/api/v1/issues?team_id={ops.id}").json["items"]
    assert sorted((i["title"], i["status"], i["priority"], (i["assignee"] or {}).get("name")) for i in got) == [
        ("=cmd|' /C calc'!A0", "in_progress", 3, "Bob Stone"), ("Plain", "done", 0, None)]
    again = api(ada).get(f"/api/v1/issues/export?team_id={ops.id}").get_data(as_text=True)
    assert "'=cmd|" in again                                       # guarded again on export


def test_openapi_documents_the_upload_and_both_answers(client):
    op = client.get("/api/v1/openapi.json").json["paths"]["/api/v1/issues/import"]["post"]
    assert "multipart/form-data" in op["requestBody"]["content"]
    assert {p["name"] for p in op["parameters"]} == {"team_id", "dry_run"}
    assert {"200", "404", "413", "415", "422"} <= set(op["responses"])


@pytest.mark.parametrize("dry_run", ["false", "0"])
def test_dry_run_false_writes(api, eng, dry_run):
    assert upload(api(eng.admin), eng.team.id, b"Title\nx\n", dry_run=dry_run).json["created"] == 1
