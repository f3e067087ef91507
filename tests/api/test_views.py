"""The saved views part of the API: CRUD, who sees and changes what, 422s, filters naming deleted
rows, and /views/{id}/issues answering exactly what /issues answers."""
from urllib.parse import urlencode

import pytest

from linear_web.services import api_keys, cycles, labels

from .conftest import error_of

KEYS = {"id", "team_id", "name", "filters", "layout", "shared", "owner_id", "created_at", "dropped_filters",
        "display"}  # display: the display options (grouping, properties), beyond the contract's fields


@pytest.fixture
def cy(f, eng):
    """Cy, a second plain member of ENG."""
    user = f.user(name="Cy Member")
    f.add_member(eng.team, user)
    return user


def _new(api, user, team, name="Mine", **fields):
    return api(user).post("/api/v1/views", json={"team_id": str(team.id), "name": name, **fields})


def _list(api, user, team) -> list[str]:
    r = api(user).get(f"/api/v1/views?team_id={team.id}")
    assert r.status_code == 200 and r.json["next_cursor"] is None
    return [v["name"] for v in r.json["items"]]


def test_view_crud_round_trip(api, eng):
    team, ada, bob = eng
    r = _new(api, bob, team, name="  Open bugs ", filters={"status": ["todo", "in_progress"], "priority": [1],
                                                           "assignee_id": "me", "sort": "priority"})
    assert r.status_code == 201 and set(r.json) == KEYS, r.json
    view = r.json
    assert (view["name"], view["layout"], view["shared"], view["owner_id"], view["team_id"], view["dropped_filters"]) \
        == ("Open bugs", "list", False, str(bob.id), str(team.id), [])
    assert view["filters"] == {"status": ["todo", "in_progress"], "priority": [1], "assignee_id": "me",
                               "sort": "priority"}
    assert api(bob).get(f"/api/v1/views/{view['id']}").json == view
    r = api(bob).patch(f"/api/v1/views/{view['id']}", json={"name": "Board", "layout": "board",
                                                            "filters": {"q": "crash"}, "shared": True})
    assert r.status_code == 200
    assert (r.json["name"], r.json["layout"], r.json["filters"], r.json["shared"]) == ("Board", "board",
                                                                                      {"q": "crash"}, True)
    assert api(bob).patch(f"/api/v1/views/{view['id']}", json={"layout": "list"}).json["filters"] == {"q": "crash"}
    assert _list(api, ada, team) == ["Board"]
    assert api(bob).delete(f"/api/v1/views/{view['id']}").status_code == 204
    assert api(bob).get(f"/api/v1/views/{view['id']}").status_code == 404
    assert _list(api, bob, team) == []


def test_api_keys_work_and_no_token_is_401(app, api, eng):
    team, _, bob = eng
    _key, raw = api_keys.create_api_key(bob, "script")
    client = app.test_client()
    r = client.post("/api/v1/views", json={"team_id": str(team.id), "name": "By key"},
                    headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 201
    assert client.get(f"/api/v1/views/{r.json['id']}/issues", headers={"Authorization": f"Bearer {raw}"}) \
        .status_code == 200
    for method, path in (("GET", f"/api/v1/views?team_id={team.id}"), ("GET", f"/api/v1/views/{r.json['id']}"),
                         ("GET", f"/api/v1/views/{r.json['id']}/issues"), ("DELETE", f"/api/v1/views/{r.json['id']}")):
        assert error_of(api(None).open(method, path))["code"] == "unauthorized"


def test_a_private_view_is_its_owners_alone(api, eng, cy):
    team, ada, bob = eng
    view = _new(api, bob, team, name="Bob's secret view").json
    assert api(bob).get(f"/api/v1/views/{view['id']}").status_code == 200
    for who in (cy, ada):                               # a member, and the team's admin
        for method, path, body in (("GET", f"/api/v1/views/{view['id']}", None),
                                   ("GET", f"/api/v1/views/{view['id']}/issues", None),
                                   ("PATCH", f"/api/v1/views/{view['id']}", {"name": "Taken"}),
                                   ("DELETE", f"/api/v1/views/{view['id']}", None)):
            r = api(who).open(method, path, json=body)
            assert r.status_code == 404 and error_of(r)["code"] == "not_found", (who.name, method, path)
            assert "secret" not in r.get_data(as_text=True)
        assert _list(api, who, team) == []
    assert api(bob).get(f"/api/v1/views/{view['id']}").json["name"] == "Bob's secret view"


def test_a_shared_view_is_read_by_members_and_changed_by_its_owner_or_an_admin(api, eng, cy):
    team, ada, bob = eng
    view = _new(api, bob, team, name="Team board", shared=True, layout="board").json
    vid = view["id"]
    assert api(cy).get(f"/api/v1/views/{vid}").json == view
    assert api(cy).get(f"/api/v1/views/{vid}/issues").status_code == 200
    assert _list(api, cy, team) == ["Team board"]
    for method, body in (("PATCH", {"name": "Cy's now"}), ("PATCH", {"shared": False}), ("DELETE", None)):
        r = api(cy).open(method, f"/api/v1/views/{vid}", json=body)
        assert r.status_code == 403 and error_of(r)["code"] == "forbidden", (method, body)
    assert api(cy).get(f"/api/v1/views/{vid}").json == view      # unchanged
    r = api(ada).patch(f"/api/v1/views/{vid}", json={"name": "Renamed by Ada"})
    assert r.status_code == 200 and r.json["name"] == "Renamed by Ada" and r.json["owner_id"] == str(bob.id)
    r = api(bob).patch(f"/api/v1/views/{vid}", json={"filters": {"status": ["done"]}})
    assert r.status_code == 200 and r.json["filters"] == {"status": ["done"]}
    assert api(ada).delete(f"/api/v1/views/{vid}").status_code == 204
    assert api(bob).get(f"/api/v1/views/{vid}").status_code == 404


def test_an_outsider_gets_404_on_every_route(api, eng, outsider):
    team, _, bob = eng
    eve = outsider.user
    shared = _new(api, bob, team, name="Shared plan zebra", shared=True).json
    private = _new(api, bob, team, name="Private plan zebra").json
    for vid in (shared["id"], private["id"]):
        for method, path, body in (("GET", f"/api/v1/views/{vid}", None),
                                   ("GET", f"/api/v1/views/{vid}/issues", None),
                                   ("PATCH", f"/api/v1/views/{vid}", {"name": "Pwned"}),
                                   ("DELETE", f"/api/v1/views/{vid}", None)):
            r = api(eve).open(method, path, json=body)
            assert r.status_code == 404 and error_of(r)["code"] == "not_found", (method, path)
            assert "zebra" not in r.get_data(as_text=True)
    for method, path, body in (("GET", f"/api/v1/views?team_id={team.id}", None),
                               ("POST", "/api/v1/views", {"team_id": str(team.id), "name": "Mine"}),
                               ("GET", "/api/v1/views/not-a-view", None),
                               ("GET", "/api/v1/views/00000000-0000-0000-0000-000000000000", None)):
        r = api(eve).open(method, path, json=body)
        assert r.status_code == 404 and error_of(r)["code"] == "not_found", (method, path)
    assert _list(api, eve, outsider.team) == []
    assert sorted(_list(api, bob, team)) == ["Private plan zebra", "Shared plan zebra"]


def test_the_list_needs_a_team_id_and_orders_by_name(api, eng, cy):
    team, _, bob = eng
    for path in ("/api/v1/views", "/api/v1/views?team_id=", "/api/v1/views?team_id=ENG", "/api/v1/views?team_id=42"):
        r = api(bob).get(path)
        assert r.status_code == 422 and "team_id" in error_of(r)["details"], path
    for name, shared in (("beta", True), ("Alpha", False), ("alpha 2", True)):
        assert _new(api, bob, team, name=name, shared=shared).status_code == 201
    assert _new(api, cy, team, name="Cy private").status_code == 201
    assert _list(api, bob, team) == ["Alpha", "alpha 2", "beta"]
    assert _list(api, cy, team) == ["alpha 2", "beta", "Cy private"]


@pytest.fixture
def foreign(api, f, outsider):
    """A label and a project of Eve's team, and a user in no team of Bob's."""
    eve = outsider.user
    label = labels.create_label(eve, outsider.team.id, "Eve's")
    project = f.project(outsider.team, eve)
    return {"label": str(label.id), "project": str(project.id), "eve": str(eve.id)}


BAD = [
    ("unknown filter name", {"filters": {"color": "red"}}, "filters.color"),
    ("bad status", {"filters": {"status": ["doing"]}}, "filters.status.0"),
    ("bad priority", {"filters": {"priority": [9]}}, "filters.priority"),  # the list's own check
    ("status not a list", {"filters": {"status": "todo"}}, "filters.status"),
    ("priority as text", {"filters": {"priority": ["1"]}}, "filters.priority.0"),
    ("q not text", {"filters": {"q": 5}}, "filters.q"),
    ("q too long", {"filters": {"q": "x" * 201}}, "filters.q"),
    ("label not an id", {"filters": {"label_id": ["nope"]}}, "filters.label_id.0"),
    ("bad sort", {"filters": {"sort": "title"}}, "filters.sort"),
    ("bad cycle", {"filters": {"cycle_id": "next"}}, "filters.cycle_id"),
    ("assignee not a member", {"filters": {"assignee_id": "{eve}"}}, "filters.assignee_id"),
    ("label of another team", {"filters": {"label_id": ["{label}"]}}, "filters.label_id"),
    ("project of another team", {"filters": {"project_id": "{project}"}}, "filters.project_id"),
    ("filters a list", {"filters": ["status"]}, "filters"),
    ("filters text", {"filters": "status=todo"}, "filters"),
    ("empty name", {"name": ""}, "name"),
    ("blank name", {"name": "   "}, "name"),
    ("name of 101", {"name": "x" * 101}, "name"),
    ("name not text", {"name": 7}, "name"),
    ("layout grid", {"layout": "grid"}, "layout"),
    ("shared as text", {"shared": "true"}, "shared"),
    ("unknown field", {"owner_id": "{eve}"}, "owner_id"),
]


def _fill(value, ids):
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value.format(**ids) if isinstance(value, str) else value


@pytest.mark.parametrize("fields, field", [(b, f) for _, b, f in BAD], ids=[n for n, _, _ in BAD])
def test_bad_views_are_422_and_change_nothing(api, eng, foreign, fields, field):
    team, _, bob = eng
    existing = _new(api, bob, team, name="Existing", filters={"status": ["todo"]}).json
    fields = _fill(fields, foreign)
    r = _new(api, bob, team, **{"name": "New", **fields})
    assert r.status_code == 422 and error_of(r)["code"] == "validation_error"
    assert field in error_of(r)["details"], error_of(r)["details"]
    if "team_id" not in fields and "owner_id" not in fields:
        r = api(bob).patch(f"/api/v1/views/{existing['id']}", json=fields)
        assert r.status_code == 422 and field in error_of(r)["details"], error_of(r)["details"]
    assert api(bob).get(f"/api/v1/views/{existing['id']}").json == existing
    assert _list(api, bob, team) == ["Existing"]


def test_edge_values_that_are_fine(api, eng, clock):
    team, ada, bob = eng
    assert _new(api, bob, team, name="x" * 100).status_code == 201
    for filters in ({"cycle_id": "current"}, {"cycle_id": "none"}, {"assignee_id": "none"},
                    {"assignee_id": str(ada.id)}, {"q": "x" * 200}, {"status": [], "q": ""}):
        r = _new(api, bob, team, name="Edge", filters=filters)
        assert r.status_code == 201, (filters, r.json)
    assert r.json["filters"] == {}
    assert _new(api, bob, team, name="Nulls", filters={"status": None, "q": None}).json["filters"] == {}


def _walk(client, path: str, limit: int) -> list[dict]:
    """Every page of a list, following next_cursor."""
    pages, cursor = [], None
    while True:
        r = client.get(f"{path}{'&' if '?' in path else '?'}limit={limit}" + (f"&cursor={cursor}" if cursor else ""))
        assert r.status_code == 200, r.json
        pages.append(r.json)
        cursor = r.json["next_cursor"]
        if cursor is None:
            return pages


@pytest.fixture
def board(f, eng, clock):
    """ENG's issues with every filtered field varied, labels Bug and UI, project Web, a current cycle; and
    an issue of Bob's other team that no ENG list shows."""
    team, ada, bob = eng
    bug, ui = labels.create_label(ada, team.id, "Bug"), labels.create_label(ada, team.id, "UI")
    web = f.project(team, ada, name="Web")
    cycle = cycles.create_cycle(ada, team.id, {"starts_on": "2026-12-07", "ends_on": "2026-12-20"}).cycle
    statuses = ("backlog", "todo", "in_progress", "done", "canceled")
    for i in range(14):
        f.issue(team, ada, title=f"Crash report {i}" if i % 3 else f"Layout glitch {i}",
                status=statuses[i % 5], priority=i % 4, assignee_id=bob if i % 2 else None,
                label_ids=[str(bug.id)] if i % 3 == 0 else [str(ui.id)] if i % 3 == 1 else [],
                project_id=web if i % 4 == 0 else None, cycle_id=cycle if i % 5 < 3 else None,
                due_date=f"2026-12-{10 + i:02d}" if i % 2 else None)
    f.issue(f.team(bob, key="OTH"), bob, title="Crash report elsewhere", status="todo")
    return {"bug": str(bug.id), "ui": str(ui.id), "web": str(web.id), "cycle": str(cycle.id)}


def _query(team, filters: dict) -> str:
    """The same filters as GET /issues query parameters (lists repeated)."""
    pairs = [("team_id", str(team.id))]
    for name, value in filters.items():
        pairs += [(name, str(v)) for v in value] if isinstance(value, list) else [(name, value)]
    return urlencode(pairs)


FILTER_SETS = [
    {},
    {"status": ["todo", "in_progress", "backlog"], "sort": "priority"},
    {"priority": [1, 2], "assignee_id": "me", "sort": "created_at"},
    {"label_id": ["{bug}", "{ui}"], "sort": "-updated_at"},
    {"project_id": "{web}", "assignee_id": "none"},
    {"cycle_id": "current", "sort": "due_date"},
    {"cycle_id": "{cycle}", "sort": "-due_date"},
    {"cycle_id": "none", "q": "crash"},
    {"q": "layout glitch", "status": ["backlog", "done", "canceled", "todo"]},
]


@pytest.mark.parametrize("filters", FILTER_SETS, ids=[str(i) for i in range(len(FILTER_SETS))])
def test_view_issues_are_what_the_issue_list_answers(api, eng, board, filters):
    team, _, bob = eng
    filters = _fill(filters, board)
    view = _new(api, bob, team, name="Compare", filters=filters).json
    assert view["dropped_filters"] == []
    from_view = _walk(api(bob), f"/api/v1/views/{view['id']}/issues", limit=2)
    from_list = _walk(api(bob), f"/api/v1/issues?{_query(team, filters)}", limit=2)
    assert from_view == from_list                      # every page, its items and its cursor, byte for byte
    ids = [i["id"] for page in from_view for i in page["items"]]
    assert len(ids) == len(set(ids))
    assert all(i["team_id"] == str(team.id) for page in from_view for i in page["items"])
    if not filters:
        assert len(ids) == 14 and len(from_view) == 7  # paging happened, and only ENG's issues came


def test_view_issues_takes_the_lists_paging_parameters(api, eng, board):
    team, _, bob = eng
    view = _new(api, bob, team, name="All").json
    first = api(bob).get(f"/api/v1/views/{view['id']}/issues?limit=5")
    assert len(first.json["items"]) == 5 and first.json["next_cursor"]
    assert first.json == api(bob).get(f"/api/v1/issues?team_id={team.id}&limit=5").json
    cursor = first.json["next_cursor"]
    assert api(bob).get(f"/api/v1/views/{view['id']}/issues?limit=5&cursor={cursor}").json \
        == api(bob).get(f"/api/v1/issues?team_id={team.id}&limit=5&cursor={cursor}").json
    for bad in ("limit=0", "limit=201", "limit=ten", "cursor=garbage"):
        r = api(bob).get(f"/api/v1/views/{view['id']}/issues?{bad}")
        assert r.status_code == 422 and error_of(r)["details"], bad
        assert r.json == api(bob).get(f"/api/v1/issues?team_id={team.id}&{bad}").json


def test_deleted_label_and_project_are_dropped_from_a_shared_view(api, eng, cy, board):
    team, ada, bob = eng
    filters = {"status": ["backlog", "todo", "in_progress"], "label_id": [board["bug"]], "project_id": board["web"]}
    view = _new(api, bob, team, name="Web bugs", shared=True, filters=filters).json
    before = [i["id"] for i in api(cy).get(f"/api/v1/views/{view['id']}/issues").json["items"]]
    assert before == [i["id"] for i in api(cy).get(f"/api/v1/issues?{_query(team, filters)}").json["items"]]

    assert api(ada).delete(f"/api/v1/labels/{board['bug']}").status_code == 204
    r = api(cy).get(f"/api/v1/views/{view['id']}")
    assert r.status_code == 200 and r.json["dropped_filters"] == ["label_id"]
    assert r.json["filters"] == {"status": ["backlog", "todo", "in_progress"], "project_id": board["web"]}
    without_label = {"status": filters["status"], "project_id": board["web"]}
    assert api(cy).get(f"/api/v1/views/{view['id']}/issues").json \
        == api(cy).get(f"/api/v1/issues?{_query(team, without_label)}").json

    assert api(ada).delete(f"/api/v1/projects/{board['web']}").status_code == 204
    r = api(cy).get(f"/api/v1/views/{view['id']}")
    assert r.json["dropped_filters"] == ["project_id", "label_id"]
    assert r.json["filters"] == {"status": filters["status"]}
    assert api(cy).get(f"/api/v1/views?team_id={team.id}").json["items"] == [r.json]
    shown = api(cy).get(f"/api/v1/views/{view['id']}/issues?limit=200").json
    status_only = api(cy).get(f"/api/v1/issues?{_query(team, {'status': filters['status']})}&limit=200").json
    assert shown == status_only and len(shown["items"]) > len(before)
    # its owner replaces the filters: nothing is dropped any more
    r = api(bob).patch(f"/api/v1/views/{view['id']}", json={"filters": {"status": ["todo"]}})
    assert r.json["dropped_filters"] == [] and r.json["filters"] == {"status": ["todo"]}


ALL_PROPERTIES = ["priority", "identifier", "status", "labels", "due", "estimate", "project", "assignee", "created",
                  "sub_issues"]


def test_a_views_display_options_default_round_trip_and_are_replaced(api, eng):
    team, ada, _ = eng
    r = _new(api, ada, team)
    assert r.status_code == 201 and r.json["display"] == {"group_by": "status", "properties": ALL_PROPERTIES}
    r = _new(api, ada, team, name="By label", display={"group_by": "label", "properties": ["identifier", "labels"]})
    assert r.status_code == 201 and r.json["display"] == {"group_by": "label", "properties": ["identifier", "labels"]}
    vid = r.json["id"]
    assert api(ada).get(f"/api/v1/views/{vid}").json["display"]["group_by"] == "label"
    r = api(ada).patch(f"/api/v1/views/{vid}", json={"display": {"group_by": "cycle"}})
    assert r.status_code == 200 and r.json["display"] == {"group_by": "cycle", "properties": ALL_PROPERTIES}
    # A PATCH without display leaves it as it is.
    r = api(ada).patch(f"/api/v1/views/{vid}", json={"name": "By cycle"})
    assert r.json["display"]["group_by"] == "cycle"


@pytest.mark.parametrize("display, field", [
    ({"group_by": "title"}, "group_by"),
    ({"properties": ["secret"]}, "properties"),
    ({"properties": "identifier"}, "properties"),
    ({"colour": "red"}, "colour"),
    ("status", "display"),
])
def test_bad_display_options_are_422_and_save_nothing(api, eng, display, field):
    team, ada, _ = eng
    r = _new(api, ada, team, name="Bad", display=display)
    assert r.status_code == 422 and field in str(r.json["error"]), r.json
    assert _list(api, ada, team) == []
