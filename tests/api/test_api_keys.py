"""Personal API keys over HTTP: shown once, listed without the secret, usable, revocable."""
from .conftest import error_of


def test_create_list_use_and_revoke(api, client, f):
    user = f.user()
    r = api(user).post("/api/v1/api-keys", json={"name": "CI bot"})
    assert r.status_code == 201 and r.json["key"].startswith("lw_") and r.json["name"] == "CI bot"
    raw, key_id = r.json["key"], r.json["id"]
    assert r.headers["Cache-Control"] == "no-store"
    listed = api(user).get("/api/v1/api-keys").json["items"]
    assert [k["id"] for k in listed] == [key_id] and "key" not in listed[0]
    assert listed[0]["last_used_at"] is None and raw.startswith(listed[0]["prefix"])
    me = client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {raw}"})
    assert me.status_code == 200 and me.json["id"] == str(user.id)
    assert api(user).get("/api/v1/api-keys").json["items"][0]["last_used_at"] is not None
    assert api(user).delete(f"/api/v1/api-keys/{key_id}").status_code == 204
    assert client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_someone_elses_key_cannot_be_revoked_or_seen(api, f):
    owner, other = f.user(), f.user()
    key_id = api(owner).post("/api/v1/api-keys", json={"name": "mine"}).json["id"]
    assert api(other).get("/api/v1/api-keys").json["items"] == []
    r = api(other).delete(f"/api/v1/api-keys/{key_id}")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    assert len(api(owner).get("/api/v1/api-keys").json["items"]) == 1


def test_key_name_is_validated(api, f):
    user = f.user()
    for bad in ({"name": ""}, {"name": "x" * 101}, {"name": "a\x00b"}, {}, {"name": 5}):
        r = api(user).post("/api/v1/api-keys", json=bad)
        assert r.status_code == 422 and "name" in error_of(r)["details"], bad
    assert api(user).get("/api/v1/api-keys").json["items"] == []
