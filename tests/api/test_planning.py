"""The Planning section of the API contract: labels, relations, parent, due dates, estimates, filters."""
import pytest

from .conftest import error_of


@pytest.fixture
def labels_of(api, eng):
    """Two ENG labels made through the API: (bug, ui)."""
    team, ada, _ = eng
    made = [api(ada).post("/api/v1/labels", json={"team_id": str(team.id), "name": n, "color": c})
            for n, c in (("Bug", "#ef4444"), ("UI", "#3B82F6"))]
    assert [r.status_code for r in made] == [201, 201]
    return [r.json for r in made]


def test_label_crud_and_its_errors(api, eng, labels_of, outsider):
    team, ada, bob = eng
    bug, ui = labels_of
    assert set(bug) == {"id", "team_id", "name", "color", "description", "created_at"} and ui["color"] == "#3b82f6"
    listed = api(bob).get(f"/api/v1/labels?team_id={team.id}")
    assert [x["name"] for x in listed.json["items"]] == ["Bug", "UI"] and listed.json["next_cursor"] is None
    dup = api(bob).post("/api/v1/labels", json={"team_id": str(team.id), "name": "bug"})
    assert dup.status_code == 409 and error_of(dup)["details"] == {"name": "A label with this name already exists in this team."}
    for body, field in (({"name": "x" * 51}, "name"), ({"name": "ok", "color": "blue"}, "color"),
                        ({"name": "a\u0000b"}, "name")):
        r = api(ada).post("/api/v1/labels", json={"team_id": str(team.id), **body})
        assert r.status_code == 422 and field in error_of(r)["details"]
    r = api(ada).patch(f"/api/v1/labels/{bug['id']}", json={"name": "Defect", "color": "#000000"})
    assert r.status_code == 200 and (r.json["name"], r.json["color"]) == ("Defect", "#000000")
    eve = outsider.user
    assert api(eve).get(f"/api/v1/labels/{bug['id']}").status_code == 404
    assert api(eve).patch(f"/api/v1/labels/{bug['id']}", json={"name": "x"}).status_code == 404
    assert api(eve).delete(f"/api/v1/labels/{bug['id']}").status_code == 404
    assert api(eve).get(f"/api/v1/labels?team_id={team.id}").status_code == 404
    assert api(eve).post("/api/v1/labels", json={"team_id": str(team.id), "name": "Evil"}).status_code == 404
    assert api(bob).delete(f"/api/v1/labels/{bug['id']}").status_code == 204
    assert api(bob).get(f"/api/v1/labels/{bug['id']}").status_code == 404


def test_issue_planning_fields_round_trip(api, eng, labels_of):
    team, ada, _ = eng
    bug, ui = labels_of
    assert api(ada).patch(f"/api/v1/teams/{team.id}", json={"estimates": "tshirt"}).json["estimates"] == "tshirt"
    parent = api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": "Parent"}).json
    r = api(ada).post("/api/v1/issues", json={
        "team_id": str(team.id), "title": "Child", "label_ids": [ui["id"], bug["id"]], "parent_id": parent["identifier"],
        "due_date": "2026-12-05", "estimate": 5})
    assert r.status_code == 201, r.json
    child = r.json
    assert [x["name"] for x in child["labels"]] == ["Bug", "UI"] and sorted(child["label_ids"]) == sorted(
        [bug["id"], ui["id"]])
    assert (child["parent_id"], child["due_date"], child["estimate"]) == (parent["id"], "2026-12-05", 5)
    detail = api(ada).get(f"/api/v1/issues/{parent['identifier']}").json
    assert detail["sub_issues"] == {"total": 1, "done": 0} and detail["parent"] is None
    assert [c["identifier"] for c in detail["children"]] == [child["identifier"]]
    child_detail = api(ada).get(f"/api/v1/issues/{child['id']}").json
    assert child_detail["parent"] == {"id": parent["id"], "identifier": parent["identifier"], "title": "Parent",
                                      "status": "backlog"}
    r = api(ada).patch(f"/api/v1/issues/{child['id']}", json={"label_ids": [], "due_date": None, "estimate": None,
                                                              "parent_id": None})
    assert (r.json["labels"], r.json["due_date"], r.json["estimate"], r.json["parent_id"]) == ([], None, None, None)
    fields = [a["field"] for a in api(ada).get(f"/api/v1/issues/{child['id']}/activity").json["items"]]
    assert {"labels", "due_date", "estimate", "parent"} <= set(fields)


@pytest.mark.parametrize("change, field", [
    ({"due_date": "2026-02-30"}, "due_date"), ({"estimate": 4}, "estimate"), ({"parent_id": "ENG-1"}, "parent_id"),
    ({"label_ids": ["not-an-id"]}, "label_ids"), ({"estimate": "3"}, "estimate"),
])
def test_planning_errors_name_the_field_and_write_nothing(api, eng, change, field):
    team, ada, _ = eng
    api(ada).patch(f"/api/v1/teams/{team.id}", json={"estimates": "fibonacci"})
    issue = api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": "One"}).json
    r = api(ada).patch(f"/api/v1/issues/{issue['id']}", json=change)
    assert r.status_code == 422 and field in error_of(r)["details"]
    assert api(ada).get(f"/api/v1/issues/{issue['id']}").json["version"] == issue["version"]


def test_foreign_labels_and_parents_are_refused(api, eng, outsider):
    team, ada, _ = eng
    eve = outsider.user
    theirs = api(eve).post("/api/v1/labels", json={"team_id": str(outsider.team.id), "name": "Evil"}).json
    their_issue = api(eve).post("/api/v1/issues", json={"team_id": str(outsider.team.id), "title": "x"}).json
    r = api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": "t", "label_ids": [theirs["id"]]})
    assert r.status_code == 422 and error_of(r)["details"] == {"label_ids": "Labels must belong to the issue's team."}
    r = api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": "t", "parent_id": their_issue["id"]})
    assert r.status_code == 422 and error_of(r)["details"] == {"parent_id": "The parent issue was not found."}


def test_relations_endpoints(api, eng, outsider):
    team, ada, bob = eng
    a, b = (api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": t}).json for t in "AB")
    r = api(ada).post(f"/api/v1/issues/{a['id']}/relations", json={"type": "blocks", "issue_id": b["identifier"]})
    assert r.status_code == 201 and r.json["type"] == "blocks"
    assert r.json["issue"] == {"id": b["id"], "identifier": b["identifier"], "title": "B", "status": "backlog",
                               "team_id": str(team.id)}
    rid = r.json["id"]
    seen = api(bob).get(f"/api/v1/issues/{b['id']}/relations").json["items"]
    assert [(x["id"], x["type"], x["issue"]["id"]) for x in seen] == [(rid, "blocked_by", a["id"])]
    again = api(ada).post(f"/api/v1/issues/{b['id']}/relations", json={"type": "related", "issue_id": a["id"]})
    assert again.status_code == 409
    itself = api(ada).post(f"/api/v1/issues/{a['id']}/relations", json={"type": "related", "issue_id": a["id"]})
    assert itself.status_code == 422 and "issue_id" in error_of(itself)["details"]
    bad_type = api(ada).post(f"/api/v1/issues/{a['id']}/relations", json={"type": "duplicated_by", "issue_id": b["id"]})
    assert bad_type.status_code == 422
    hidden = api(outsider.user).post("/api/v1/issues", json={"team_id": str(outsider.team.id), "title": "x"}).json
    foreign = api(ada).post(f"/api/v1/issues/{a['id']}/relations", json={"type": "related", "issue_id": hidden["id"]})
    assert foreign.status_code == 404
    assert api(outsider.user).get(f"/api/v1/issues/{a['id']}/relations").status_code == 404
    assert api(ada).get(f"/api/v1/issues/{b['id']}").json["relations"][0]["type"] == "blocked_by"
    assert api(bob).delete(f"/api/v1/issues/{b['id']}/relations/{rid}").status_code == 204
    assert api(ada).get(f"/api/v1/issues/{a['id']}/relations").json["items"] == []
    assert api(ada).delete(f"/api/v1/issues/{a['id']}/relations/{rid}").status_code == 404


def test_planning_filters_and_sorts(api, eng, labels_of):
    team, ada, _ = eng
    bug, _ui = labels_of
    make = lambda **kw: api(ada).post("/api/v1/issues", json={"team_id": str(team.id), **kw}).json  # noqa: E731
    old = make(title="Old", due_date="2020-01-01", label_ids=[bug["id"]])
    make(title="Later", due_date="2999-01-01", parent_id=old["id"])
    make(title="None")
    q = f"/api/v1/issues?team_id={team.id}"
    titles = lambda url: [i["title"] for i in api(ada).get(url).json["items"]]  # noqa: E731
    assert titles(q + "&overdue=true") == ["Old"]
    assert titles(q + f"&label_id={bug['id']}") == ["Old"]
    assert titles(q + f"&parent_id={old['id']}") == ["Later"]
    assert sorted(titles(q + "&parent_id=none")) == ["None", "Old"]
    assert titles(q + "&sort=due_date") == ["Old", "Later", "None"]
    assert titles(q + "&due_after=2021-01-01&due_before=2999-12-31") == ["Later"]
    assert titles(f"/api/v1/issues/search?q=old&team_id={team.id}&overdue=true") == ["Old"]
    bad = api(ada).get(q + "&due_before=2026-02-30")
    assert bad.status_code == 422 and "due_before" in error_of(bad)["details"]
