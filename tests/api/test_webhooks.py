"""The webhooks API as the contract says: team admins only, the secret shown once, PATCH/DELETE,
deliveries newest first, a test ping (202), and 422 for unsafe or malformed URLs."""
import pytest

from linear_web.services import outbox

from .conftest import error_of

KEYS = {"id", "team_id", "url", "events", "active", "created_at"}


def _new(api, user, team, **fields):
    return api(user).post("/api/v1/webhooks", json={"team_id": str(team.id), **fields})


def test_webhook_crud_and_deliveries(api, eng, receiver):
    team, ada, _ = eng
    r = _new(api, ada, team, url=receiver.url, events=["ISSUE_CREATED", "COMMENT_CREATED"])
    assert r.status_code == 201 and set(r.json) == KEYS | {"secret"} and r.json["secret"].startswith("whsec_")
    assert r.headers["Cache-Control"] == "no-store"
    hook = r.json
    assert (hook["url"], hook["events"], hook["active"]) == (receiver.url, ["ISSUE_CREATED", "COMMENT_CREATED"], True)
    listed = api(ada).get(f"/api/v1/webhooks?team_id={team.id}")
    assert listed.status_code == 200 and [set(h) for h in listed.json["items"]] == [KEYS]   # no secret again
    r = api(ada).patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False, "events": []})
    assert r.status_code == 200 and (r.json["active"], r.json["events"]) == (False, [])
    api(ada).patch(f"/api/v1/webhooks/{hook['id']}", json={"active": True})
    r = api(ada).post(f"/api/v1/webhooks/{hook['id']}/test")
    assert r.status_code == 202
    api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": "Hooked"})
    assert outbox.run_once() == 1 and outbox.run_once() == 1
    assert [x.json["type"] for x in receiver.requests] == ["PING", "ISSUE_CREATED"]
    d = api(ada).get(f"/api/v1/webhooks/{hook['id']}/deliveries")
    assert d.status_code == 200
    assert [(x["event_type"], x["status_code"], x["attempt"]) for x in d.json["items"]] == \
        [("ISSUE_CREATED", 200, 1), ("PING", 200, 1)]
    assert set(d.json["items"][0]) == {"id", "event_type", "status_code", "attempt", "duration_ms", "error",
                                       "created_at", "delivered_at", "state"}
    assert d.json["items"][1]["id"] == r.json["delivery_id"]
    again = api(ada).post(f"/api/v1/webhooks/{hook['id']}/deliveries/{r.json['delivery_id']}/redeliver")
    assert again.status_code == 202 and again.json["delivery_id"] != r.json["delivery_id"]
    assert api(ada).delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert api(ada).get(f"/api/v1/webhooks/{hook['id']}/deliveries").status_code == 404


def test_members_get_403_and_outsiders_404(api, eng, receiver, outsider):
    team, ada, bob = eng
    assert _new(api, bob, team, url=receiver.url).status_code == 403
    hook = _new(api, ada, team, url=receiver.url).json
    for user, status in ((bob, 403), (outsider.user, 404)):
        assert api(user).get(f"/api/v1/webhooks?team_id={team.id}").status_code == status
        assert api(user).patch(f"/api/v1/webhooks/{hook['id']}", json={"active": False}).status_code == status
        assert api(user).post(f"/api/v1/webhooks/{hook['id']}/test").status_code == status
        assert api(user).delete(f"/api/v1/webhooks/{hook['id']}").status_code == status
    assert _new(api, outsider.user, team, url=receiver.url).status_code == 404


@pytest.mark.parametrize("fields, field", [
    ({"url": "ftp://example.com/x"}, "url"),
    ({"url": "http://127.0.0.1/hook"}, "url"),
    ({"url": "http://10.0.0.8/hook"}, "url"),
    ({"url": "http://169.254.169.254/latest"}, "url"),
    ({"url": "http://localhost:8000/"}, "url"),
    ({"url": "https://example.com/" + "x" * 2001}, "url"),
    ({"url": "https://example.com/\x00"}, "url"),
    ({"url": 42}, "url"),
    ({"url": "https://example.com/", "events": ["NOPE"]}, "events"),
    ({"url": "https://example.com/", "secret": "mine"}, "secret"),
])
def test_bad_webhooks_are_422_naming_the_field(api, eng, fields, field):
    team, ada, _ = eng
    r = _new(api, ada, team, **fields)
    assert r.status_code == 422, r.json
    assert field in str(error_of(r)["details"]) or field in error_of(r)["message"]
    assert api(ada).get(f"/api/v1/webhooks?team_id={team.id}").json["items"] == []
