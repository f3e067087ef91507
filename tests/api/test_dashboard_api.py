"""GET /api/v1/dashboard/stats: the exact shape of the API contract, scoped to the caller's teams."""
from linear_web.infra.extensions import db
from tests.services.test_stats import seeded  # noqa: F401  (the known data set)

from .conftest import error_of


def test_stats_for_one_team(api, seeded):  # noqa: F811
    ada, _, _, eng, _, _ = seeded
    r = api(ada).get(f"/api/v1/dashboard/stats?team_id={eng.id}")
    assert r.status_code == 200
    assert r.json == {
        "total": 7,
        "by_status": {"backlog": 2, "todo": 1, "in_progress": 1, "done": 2, "canceled": 1},
        "by_priority": {"0": 1, "1": 3, "2": 2, "3": 1},
        "teams": [{"team_id": str(eng.id), "key": "ENG", "name": eng.name, "total": 7, "done": 2,
                   "canceled": 1, "progress": 0.3333}],
    }


def test_stats_for_all_my_teams(api, seeded):  # noqa: F811
    ada = seeded[0]
    body = api(ada).get("/api/v1/dashboard/stats").json
    assert body["total"] == 9 and [t["key"] for t in body["teams"]] == ["ENG", "OPS"]
    assert body["by_status"] == {"backlog": 2, "todo": 2, "in_progress": 1, "done": 3, "canceled": 1}


def test_outsider_gets_404_for_another_team_and_sees_only_own(api, seeded):  # noqa: F811
    _, _, eve, eng, _, _ = seeded
    r = api(eve).get(f"/api/v1/dashboard/stats?team_id={eng.id}")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"
    assert "ENG" not in r.get_data(as_text=True)
    own = api(eve).get("/api/v1/dashboard/stats").json
    assert own["total"] == 1 and [t["key"] for t in own["teams"]] == ["SEC"]


def test_unknown_team_and_no_token(api, seeded):  # noqa: F811
    assert api(seeded[0]).get("/api/v1/dashboard/stats?team_id=00000000-0000-0000-0000-000000000000").status_code == 404
    assert api(seeded[0]).get("/api/v1/dashboard/stats?team_id=" + "x" * 200).status_code == 422
    assert api(None).get("/api/v1/dashboard/stats").status_code == 401


def test_stats_is_a_fixed_number_of_queries(api, f, seeded, count_queries):  # noqa: F811
    ada, _, _, eng, _, _ = seeded
    client = api(ada)
    db.session.expire_all()  # both calls load the caller afresh: only issue counts differ
    with count_queries() as few:
        client.get("/api/v1/dashboard/stats")
    for n in range(10):
        f.issue(eng, ada, title=f"more {n}")
    db.session.expire_all()
    with count_queries() as many:
        assert client.get("/api/v1/dashboard/stats").json["total"] == 19
    assert many.count == few.count <= 4
