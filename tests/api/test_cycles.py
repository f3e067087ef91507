"""The cycles part of the API contract: every endpoint, its errors, cycle_id on issues, the filter."""
from datetime import date, timedelta


from .conftest import error_of

DAY = date(2026, 12, 7)  # the clock fixture's first day
KEYS = {"id", "team_id", "number", "name", "starts_on", "ends_on", "state", "scope", "completed", "progress",
        "created_at"}


def _cycle(api, user, team, starts, ends, **extra):
    return api(user).post("/api/v1/cycles", json={"team_id": str(team.id), "starts_on": starts, "ends_on": ends,
                                                  **extra})


def test_cycle_crud_its_errors_and_outsiders(api, eng, outsider, clock):
    team, ada, bob = eng
    r = _cycle(api, bob, team, "2026-12-07", "2026-12-20")
    assert r.status_code == 201 and set(r.json) == KEYS
    one = r.json
    assert (one["number"], one["name"], one["state"], one["scope"], one["progress"]) == (1, "Cycle 1", "current", 0, 0)
    two = _cycle(api, bob, team, "2026-12-21", "2027-01-03", name="Launch").json
    assert (two["name"], two["state"]) == ("Launch", "upcoming")

    overlap = _cycle(api, bob, team, "2026-12-15", "2026-12-22")
    assert overlap.status_code == 409
    assert error_of(overlap)["details"] == {"starts_on": "These dates overlap Cycle 1 (Dec 7 – Dec 20, 2026)."}
    for body, field in ((("2026-12-30", "2026-12-29"), "ends_on"), (("2026-13-01", "2027-01-03"), "starts_on"),
                        (("yesterday", "2027-01-03"), "starts_on"), (("2027-01-04", 20270110), "ends_on")):
        bad = _cycle(api, bob, team, *body)
        assert bad.status_code == 422 and field in error_of(bad)["details"], bad.json
    bad = _cycle(api, bob, team, "2027-01-04", "2027-01-17", name="x" * 81)
    assert bad.status_code == 422 and "name" in error_of(bad)["details"]
    missing = api(bob).post("/api/v1/cycles", json={"team_id": str(team.id), "ends_on": "2027-01-17"})
    assert missing.status_code == 422 and "starts_on" in error_of(missing)["details"]

    listed = api(bob).get(f"/api/v1/cycles?team_id={team.id}")
    assert [c["number"] for c in listed.json["items"]] == [1, 2] and listed.json["next_cursor"] is None
    assert [c["number"] for c in api(bob).get(f"/api/v1/cycles?team_id={team.id}&state=upcoming").json["items"]] == [2]
    assert api(bob).get(f"/api/v1/cycles?team_id={team.id}&state=later").status_code == 422
    assert api(bob).get("/api/v1/cycles").status_code == 422

    r = api(ada).patch(f"/api/v1/cycles/{two['id']}", json={"name": "Polish", "ends_on": "2027-01-10"})
    assert r.status_code == 200 and (r.json["name"], r.json["ends_on"]) == ("Polish", "2027-01-10")
    r = api(ada).patch(f"/api/v1/cycles/{two['id']}", json={"starts_on": "2026-12-19"})
    assert r.status_code == 409 and api(ada).get(f"/api/v1/cycles/{two['id']}").json["starts_on"] == "2026-12-21"

    eve = outsider.user
    for method, path, body in (("GET", f"/api/v1/cycles/{one['id']}", None),
                               ("GET", f"/api/v1/cycles?team_id={team.id}", None),
                               ("PATCH", f"/api/v1/cycles/{one['id']}", {"name": "Mine"}),
                               ("DELETE", f"/api/v1/cycles/{one['id']}", None),
                               ("POST", f"/api/v1/cycles/{one['id']}/complete", None),
                               ("POST", "/api/v1/cycles", {"team_id": str(team.id), "starts_on": "2027-02-01",
                                                           "ends_on": "2027-02-07"}),
                               ("GET", "/api/v1/cycles/not-an-id", None)):
        r = api(eve).open(method, path, json=body)
        assert r.status_code == 404 and "Launch" not in r.get_data(as_text=True), (method, path)

    assert api(bob).delete(f"/api/v1/cycles/{two['id']}").status_code == 204
    assert api(bob).get(f"/api/v1/cycles/{two['id']}").status_code == 404


def test_issues_in_a_cycle_its_burndown_completion_and_rollover(api, eng, clock):
    team, ada, bob = eng
    one = _cycle(api, bob, team, "2026-12-07", "2026-12-13").json
    two = _cycle(api, bob, team, "2026-12-14", "2026-12-27").json
    made = [api(bob).post("/api/v1/issues", json={"team_id": str(team.id), "title": f"Work {i}",
                                                  "cycle_id": one["id"]}) for i in range(3)]
    assert [r.status_code for r in made] == [201] * 3 and made[0].json["cycle_id"] == one["id"]
    first, second, third = (r.json for r in made)
    clock.day = DAY + timedelta(days=2)
    assert api(bob).patch(f"/api/v1/issues/{first['id']}", json={"status": "done"}).status_code == 200
    assert api(bob).patch(f"/api/v1/issues/{third['id']}", json={"cycle_id": None}).json["cycle_id"] is None

    detail = api(bob).get(f"/api/v1/cycles/{one['id']}").json
    assert (detail["scope"], detail["completed"], detail["progress"]) == (2, 1, 0.5)
    assert detail["burndown"] == [{"date": "2026-12-07", "scope": 3, "completed": 0},
                                  {"date": "2026-12-08", "scope": 3, "completed": 0},
                                  {"date": "2026-12-09", "scope": 2, "completed": 1}]
    current = api(bob).get(f"/api/v1/issues?team_id={team.id}&cycle_id=current").json["items"]
    assert sorted(i["title"] for i in current) == ["Work 0", "Work 1"]
    assert [i["title"] for i in api(bob).get(f"/api/v1/issues?team_id={team.id}&cycle_id=none").json["items"]] \
        == ["Work 2"]
    assert api(bob).get(f"/api/v1/issues?team_id={team.id}&cycle_id=later").status_code == 422

    assert api(bob).post(f"/api/v1/cycles/{two['id']}/complete").status_code == 422   # not started
    done = api(bob).post(f"/api/v1/cycles/{one['id']}/complete")
    assert done.status_code == 200, done.json
    assert set(done.json) == KEYS | {"moved", "to_cycle_id"}
    assert (done.json["state"], done.json["ends_on"], done.json["moved"], done.json["to_cycle_id"]) == \
        ("completed", "2026-12-09", 1, two["id"])
    assert api(bob).get(f"/api/v1/issues/{second['id']}").json["cycle_id"] == two["id"]
    activity = api(bob).get(f"/api/v1/issues/{second['id']}/activity").json["items"]
    assert [(a["field"], a["old_value"], a["new_value"]) for a in activity if a["field"] == "cycle"] == \
        [("cycle", "Cycle 1", "Cycle 2")]
    refused = api(bob).patch(f"/api/v1/issues/{third['id']}", json={"cycle_id": one["id"]})
    assert refused.status_code == 422 and error_of(refused)["details"] == \
        {"cycle_id": "Cycle 1 is completed: it cannot receive issues."}
    assert api(bob).post(f"/api/v1/cycles/{one['id']}/complete").status_code == 422
    kept = api(bob).get(f"/api/v1/cycles/{one['id']}").json
    assert (kept["scope"], kept["completed"], len(kept["burndown"])) == (2, 1, 3)  # final figures and chart

    clock.day = date(2026, 12, 28)                         # cycle 2 ended: the next read completes it
    listed = api(bob).get(f"/api/v1/cycles?team_id={team.id}").json["items"]
    assert [c["state"] for c in listed] == ["completed", "completed"]
    assert api(bob).get(f"/api/v1/issues/{second['id']}").json["cycle_id"] is None


def test_cycle_ids_of_other_teams_and_malformed_ones_are_422(api, eng, f, clock):
    team, ada, bob = eng
    other = f.team(ada, key="OTH")
    theirs = _cycle(api, ada, other, "2026-12-07", "2026-12-13").json
    for value in (theirs["id"], "00000000-0000-0000-0000-000000000000", "nope", 12):
        r = api(bob).post("/api/v1/issues", json={"team_id": str(team.id), "title": "x", "cycle_id": value})
        assert r.status_code == 422 and "cycle_id" in error_of(r)["details"], (value, r.json)
