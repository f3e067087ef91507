"""Idempotency-Key on POST /issues and POST /issues/{id}/comments."""
from datetime import timedelta

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Comment, IdempotencyRecord, Issue
from linear_web.services import idempotency

from .conftest import error_of


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_same_key_and_body_replays_the_first_response(api, eng):
    team, ada, _ = eng
    client, headers = api(ada), {"Idempotency-Key": "create-1"}
    first = client.post("/api/v1/issues", json={"team_id": str(team.id), "title": "Once"}, headers=headers)
    again = client.post("/api/v1/issues", json={"title": "Once", "team_id": str(team.id)}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert _count(Issue) == 1


def test_same_key_other_body_is_422(api, eng):
    team, ada, _ = eng
    client, headers = api(ada), {"Idempotency-Key": "k"}
    client.post("/api/v1/issues", json={"team_id": str(team.id), "title": "A"}, headers=headers)
    r = client.post("/api/v1/issues", json={"team_id": str(team.id), "title": "B"}, headers=headers)
    assert r.status_code == 422 and "Idempotency-Key" in error_of(r)["details"]
    assert _count(Issue) == 1


def test_keys_are_per_user_and_without_key_nothing_is_deduplicated(api, f, eng):
    team, ada, _ = eng
    bob = f.user()
    f.add_member(team, bob)
    body = {"team_id": str(team.id), "title": "Same"}
    api(ada).post("/api/v1/issues", json=body, headers={"Idempotency-Key": "shared"})
    r = api(bob).post("/api/v1/issues", json=body, headers={"Idempotency-Key": "shared"})
    assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers
    api(ada).post("/api/v1/issues", json=body)
    api(ada).post("/api/v1/issues", json=body)
    assert _count(Issue) == 4


def test_failed_request_releases_the_key(api, eng):
    team, ada, _ = eng
    headers = {"Idempotency-Key": "retry-me"}
    r = api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": "x", "assignee_id":
                                              "00000000-0000-4000-8000-000000000000"}, headers=headers)
    assert r.status_code == 422 and _count(IdempotencyRecord) == 0
    r = api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": "x"}, headers=headers)
    assert r.status_code == 201


def test_in_progress_key_is_409_and_expired_record_is_not_replayed(api, eng):
    team, ada, _ = eng
    body = {"team_id": str(team.id), "title": "x"}
    digest = idempotency.request_hash(body)
    idempotency.claim(ada, "busy", "POST /api/v1/issues", digest)
    r = api(ada).post("/api/v1/issues", json=body, headers={"Idempotency-Key": "busy"})
    assert r.status_code == 409 and _count(Issue) == 0
    api(ada).post("/api/v1/issues", json=body, headers={"Idempotency-Key": "old"})
    record = db.session.scalar(db.select(IdempotencyRecord).where(IdempotencyRecord.key == "old"))
    record.created_at = record.created_at - timedelta(hours=25)
    db.session.commit()
    r = api(ada).post("/api/v1/issues", json=body, headers={"Idempotency-Key": "old"})
    assert r.status_code == 201 and "Idempotent-Replayed" not in r.headers and _count(Issue) == 2


@pytest.mark.parametrize("key", ["", "x" * 256, "has space", "ümlaut"])
def test_bad_keys_are_422(api, eng, key):
    team, ada, _ = eng
    r = api(ada).post("/api/v1/issues", json={"team_id": str(team.id), "title": "x"},
                      headers={"Idempotency-Key": key.encode().decode("latin-1")})
    assert r.status_code == 422 and _count(Issue) == 0


def test_comment_creation_is_idempotent(api, eng, f):
    team, ada, _ = eng
    issue = f.issue(team, ada)
    for _ in range(3):
        r = api(ada).post(f"/api/v1/issues/{issue.identifier}/comments", json={"body": "hi"},
                          headers={"Idempotency-Key": "c1"})
        assert r.status_code == 201
    assert _count(Comment) == 1


def test_expired_records_of_the_user_are_purged(api, eng):
    team, ada, _ = eng
    body = {"team_id": str(team.id), "title": "x"}
    for key in ("a", "b"):
        api(ada).post("/api/v1/issues", json=body, headers={"Idempotency-Key": key})
    for record in db.session.scalars(db.select(IdempotencyRecord)):
        record.created_at = record.created_at - timedelta(hours=30)
    db.session.commit()
    api(ada).post("/api/v1/issues", json=body, headers={"Idempotency-Key": "c"})
    assert [r.key for r in db.session.scalars(db.select(IdempotencyRecord))] == ["c"]


@pytest.mark.live
def test_concurrent_repeats_create_one_issue(live_server, eng):
    from concurrent.futures import ThreadPoolExecutor

    import requests

    from linear_web.services import tokens
    team, ada, _ = eng
    headers = {"Authorization": "Bearer " + tokens.issue_access_token(ada)[0], "Idempotency-Key": "race"}
    body = {"team_id": str(team.id), "title": "race"}

    def send(_):
        return requests.post(live_server.url + "/api/v1/issues", json=body,
                             headers=headers, timeout=30)

    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(send, range(8)))
    assert {r.status_code for r in responses} <= {201, 409}
    assert len({r.json()["id"] for r in responses if r.status_code == 201}) == 1
    db.session.expire_all()
    assert _count(Issue) == 1
