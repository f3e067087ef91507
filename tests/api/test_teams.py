"""Teams and members: create, list with role, admin-only changes (403), last admin (409)."""
from .conftest import error_of


def test_create_list_get_and_patch(api, f):
    ada = f.user()
    r = api(ada).post("/api/v1/teams", json={"key": "eng", "name": "Engineering"})
    assert r.status_code == 201 and r.json["key"] == "ENG" and r.json["role"] == "admin"
    tid = r.json["id"]
    assert [t["key"] for t in api(ada).get("/api/v1/teams").json["items"]] == ["ENG"]
    assert api(ada).get(f"/api/v1/teams/{tid}").json["name"] == "Engineering"
    r = api(ada).patch(f"/api/v1/teams/{tid}", json={"description": "Builds things"})
    assert r.status_code == 200 and r.json["description"] == "Builds things" and r.json["name"] == "Engineering"


def test_bad_team_key_is_422(api, f):
    r = api(f.user()).post("/api/v1/teams", json={"key": "1X", "name": "Bad"})
    assert r.status_code == 422 and "key" in error_of(r)["details"]


def test_members_add_list_remove_and_roles(api, f):
    ada, bob, cid = f.user(name="Ada"), f.user(name="Bob"), f.user(name="Cid")
    team = f.team(ada)
    r = api(ada).post(f"/api/v1/teams/{team.id}/members", json={"email": bob.email})
    assert r.status_code == 201 and r.json["role"] == "member" and r.json["user"]["id"] == str(bob.id)
    r = api(ada).post(f"/api/v1/teams/{team.id}/members", json={"user_id": str(bob.id)})
    assert r.status_code == 409
    r = api(bob).post(f"/api/v1/teams/{team.id}/members", json={"user_id": str(cid.id)})
    assert r.status_code == 403 and error_of(r)["code"] == "forbidden"
    assert api(bob).get(f"/api/v1/teams/{team.id}").json["role"] == "member"
    assert api(bob).patch(f"/api/v1/teams/{team.id}", json={"name": "Mine"}).status_code == 403
    names = [m["user"]["name"] for m in api(bob).get(f"/api/v1/teams/{team.id}/members").json["items"]]
    assert names == ["Ada", "Bob"]
    assert api(bob).delete(f"/api/v1/teams/{team.id}/members/{ada.id}").status_code == 403
    r = api(ada).delete(f"/api/v1/teams/{team.id}/members/{ada.id}")
    assert r.status_code == 409 and error_of(r)["code"] == "conflict"
    assert api(bob).delete(f"/api/v1/teams/{team.id}/members/{bob.id}").status_code == 204
    assert api(bob).get(f"/api/v1/teams/{team.id}").status_code == 404


def test_member_input_errors(api, f):
    ada = f.user()
    team = f.team(ada)
    r = api(ada).post(f"/api/v1/teams/{team.id}/members", json={"email": "ghost@example.com"})
    assert r.status_code == 422 and "email" in error_of(r)["details"]
    r = api(ada).post(f"/api/v1/teams/{team.id}/members", json={"email": "x@example.com", "role": "owner"})
    assert r.status_code == 422 and "role" in error_of(r)["details"]
