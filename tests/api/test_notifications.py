"""The inbox part of the API contract: handles on /users/me, notifications, read marks, the unread
count, subscriptions; nobody reaches anyone else's."""
from .conftest import error_of

KEYS = {"id", "type", "issue", "actor", "comment_id", "created_at", "read_at"}


def test_handle_on_me_and_changing_it(api, eng, f):
    team, ada, bob = eng
    me = api(bob).get("/api/v1/users/me").json
    assert me["handle"] == bob.handle
    r = api(bob).patch("/api/v1/users/me", json={"handle": "Bobby", "name": "Bob S."})
    assert r.status_code == 200 and (r.json["handle"], r.json["name"]) == ("bobby", "Bob S.")
    taken = api(bob).patch("/api/v1/users/me", json={"handle": ada.handle})
    assert taken.status_code == 409 and error_of(taken)["details"] == {"handle": "This handle is taken."}
    for bad in ("x", "has space", "ü" * 3, 42, None, "a" * 31):
        r = api(bob).patch("/api/v1/users/me", json={"handle": bad})
        assert r.status_code == 422 and "handle" in error_of(r)["details"], bad
    assert api(bob).patch("/api/v1/users/me", json={"name": ""}).status_code == 422
    assert api(bob).patch("/api/v1/users/me", json={"email": "x@y.z"}).status_code == 422   # unknown key
    assert api(bob).get("/api/v1/users/me").json["handle"] == "bobby"


def test_notifications_list_read_count_and_subscription(api, eng, outsider):
    team, ada, bob = eng
    made = [api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": f"Task {i}",
                                                  "assignee_id": str(bob.id)}).json for i in range(3)]
    r = api(bob).post(f"/api/v1/issues/{made[0]['id']}/comments", json={"body": f"@{ada.handle} look"})
    assert r.status_code == 201
    comment_id = r.json["id"]

    mine = api(bob).get("/api/v1/notifications").json
    assert [n["issue"]["title"] for n in mine["items"]] == ["Task 2", "Task 1", "Task 0"]
    first = mine["items"][0]
    assert set(first) == KEYS and first["type"] == "assigned" and first["read_at"] is None
    assert first["actor"] == {"id": str(ada.id), "name": ada.name}
    assert first["issue"] == {"id": made[2]["id"], "identifier": made[2]["identifier"], "title": "Task 2",
                              "status": "backlog", "team_id": str(team.id)}
    told = api(ada).get("/api/v1/notifications").json["items"]
    assert [(n["type"], n["comment_id"]) for n in told] == [("mentioned", comment_id)]

    page = api(bob).get("/api/v1/notifications?limit=2").json
    rest = api(bob).get(f"/api/v1/notifications?limit=2&cursor={page['next_cursor']}").json
    assert [n["issue"]["title"] for n in page["items"] + rest["items"]] == ["Task 2", "Task 1", "Task 0"]
    assert rest["next_cursor"] is None
    assert api(bob).get("/api/v1/notifications?cursor=nope").status_code == 422
    assert api(bob).get("/api/v1/notifications?unread=maybe").status_code == 422

    assert api(bob).get("/api/v1/notifications/unread-count").json == {"count": 3}
    read = api(bob).post(f"/api/v1/notifications/{first['id']}/read")
    assert read.status_code == 200 and read.json["read_at"] is not None
    assert api(bob).post(f"/api/v1/notifications/{first['id']}/read").json["read_at"] == read.json["read_at"]
    assert [n["issue"]["title"] for n in api(bob).get("/api/v1/notifications?unread=true").json["items"]] == \
        ["Task 1", "Task 0"]
    for who in (ada, outsider.user):
        assert api(who).post(f"/api/v1/notifications/{first['id']}/read").status_code == 404
    assert api(bob).post("/api/v1/notifications/not-an-id/read").status_code == 404
    assert api(bob).post("/api/v1/notifications/read-all").json == {"updated": 2}
    assert api(bob).get("/api/v1/notifications/unread-count").json == {"count": 0}
    assert api(outsider.user).get("/api/v1/notifications").json == {"items": [], "next_cursor": None}

    # Subscriptions: off, then a comment tells nobody; on again, it tells.
    issue = made[1]["id"]
    assert api(bob).delete(f"/api/v1/issues/{issue}/subscription").status_code == 204
    api(ada).post(f"/api/v1/issues/{issue}/comments", json={"body": "quiet"})
    assert api(bob).get("/api/v1/notifications/unread-count").json == {"count": 0}
    assert api(bob).put(f"/api/v1/issues/{issue}/subscription").status_code == 204
    api(ada).post(f"/api/v1/issues/{issue}/comments", json={"body": "loud"})
    assert api(bob).get("/api/v1/notifications?unread=true").json["items"][0]["type"] == "commented"
    for method in ("PUT", "DELETE"):
        assert api(outsider.user).open(method, f"/api/v1/issues/{issue}/subscription").status_code == 404


def test_mentions_of_members_are_links_in_the_api_too(api, eng, outsider):
    team, ada, bob = eng
    eve = outsider.user
    link = f'<a href="/team/{team.key}/issues?assignee={bob.id}" class="mention" title="{bob.name}">@{bob.handle}</a>'
    text = f"ask @{bob.handle}, not @{eve.handle}"
    made = api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": "T", "description": text})
    assert made.status_code == 201 and link in made.json["description_html"]
    assert f"not @{eve.handle}" in made.json["description_html"]
    issue_id = made.json["id"]
    listed = api(ada).get(f"/api/v1/issues?team_id={team.id}").json["items"]
    assert link in listed[0]["description_html"]
    comment = api(ada).post(f"/api/v1/issues/{issue_id}/comments", json={"body": text})
    assert comment.status_code == 201 and link in comment.json["body_html"]
    assert link in api(ada).get(f"/api/v1/issues/{issue_id}/comments").json["items"][0]["body_html"]
    detail = api(ada).get(f"/api/v1/issues/{issue_id}").json
    assert link in detail["description_html"] and link in detail["comments"][0]["body_html"]
    edited = api(ada).patch(f"/api/v1/comments/{comment.json['id']}", json={"body": f"only @{eve.handle}"})
    assert 'class="mention"' not in edited.json["body_html"]
    patched = api(ada).patch(f"/api/v1/issues/{issue_id}", json={"description": f"@{bob.handle}!"})
    assert link in patched.json["description_html"]
