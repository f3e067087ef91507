"""Dashboard figures against a known data set; a few GROUP BY queries whatever the issue count."""
from datetime import timedelta

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Activity, utcnow
from linear_web.services import issues, stats
from linear_web.services.errors import NotFound


@pytest.fixture
def seeded(f):
    """ENG: 7 issues (2 done, 1 canceled, 2 high open); OPS: 2 issues; a third team the viewer is not in."""
    ada, bob, eve = f.user(name="Ada"), f.user(name="Bob"), f.user(name="Eve")
    eng = f.team(ada, key="ENG", members=[bob])
    ops = f.team(ada, key="OPS")
    secret = f.team(eve, key="SEC")
    made = {}
    for title, fields in [("a", {"status": "done", "priority": 1}), ("b", {"status": "done", "priority": 2}),
                          ("c", {"status": "canceled", "priority": 3}),
                          ("d", {"status": "todo", "priority": 1, "assignee_id": bob}),
                          ("e", {"status": "in_progress", "priority": 1, "assignee_id": ada}),
                          ("f", {"status": "backlog", "priority": 0, "assignee_id": bob}),
                          ("g", {"status": "backlog", "priority": 2})]:
        made[title] = f.issue(eng, ada, title=title, **fields)
    made["o1"] = f.issue(ops, ada, title="o1", status="todo", priority=1)
    made["o2"] = f.issue(ops, ada, title="o2", status="done")
    f.issue(secret, eve, title="hidden", status="done", priority=1)
    # "g" is completed then reopened: one status=done activity row today (created-as-done rows have none).
    issues.update_issue(ada, made["g"].id, {"status": "done"})
    issues.update_issue(ada, made["g"].id, {"status": "backlog"})
    return ada, bob, eve, eng, ops, made


def test_team_stats_have_the_api_shape_and_exact_counts(seeded):
    ada, _, _, eng, _, _ = seeded
    body = stats.team_stats(ada, str(eng.id)).to_json()
    assert body == {
        "total": 7,
        "by_status": {"backlog": 2, "todo": 1, "in_progress": 1, "done": 2, "canceled": 1},
        "by_priority": {"0": 1, "1": 3, "2": 2, "3": 1},
        "teams": [{"team_id": str(eng.id), "key": "ENG", "name": eng.name, "total": 7, "done": 2,
                   "canceled": 1, "progress": round(2 / 6, 4)}],
    }


def test_all_teams_sum_only_my_teams(seeded):
    ada, _, _, eng, ops, _ = seeded
    body = stats.team_stats(ada).to_json()
    assert body["total"] == 9
    assert body["by_status"]["done"] == 3
    assert [(t["key"], t["total"], t["done"], t["progress"]) for t in body["teams"]] == [
        ("ENG", 7, 2, 0.3333), ("OPS", 2, 1, 0.5)]


def test_outsider_gets_not_found_for_another_team_and_sees_only_own(seeded):
    _, _, eve, eng, _, _ = seeded
    with pytest.raises(NotFound):
        stats.team_stats(eve, str(eng.id))
    with pytest.raises(NotFound):
        stats.dashboard(eve, "ENG")
    mine = stats.team_stats(eve).to_json()
    assert [t["key"] for t in mine["teams"]] == ["SEC"] and mine["total"] == 1


def test_progress_is_zero_when_nothing_counts(f):
    ada = f.user()
    empty = f.team(ada, key="EMP")
    f.issue(empty, ada, status="canceled")
    assert stats.team_stats(ada, "EMP").teams[0].progress == 0.0
    assert stats.team_stats(ada, f.team(ada, key="NONE").key).to_json()["total"] == 0


def test_dashboard_figures(seeded):
    ada, bob, _, eng, _, made = seeded
    board = stats.dashboard(ada, "ENG")
    assert board.single_team.id == eng.id
    assert len(board.days) == stats.DAYS and board.days[-1]["day"] == utcnow().date()
    today = board.days[-1]
    # 7 created today; completed = status set to done today: only "g" (through update_issue).
    assert today["created"] == 7
    assert today["completed"] == 1
    assert [(r["name"], r["open"]) for r in board.assignees] == [("Bob", 2), ("Ada", 1), ("Unassigned", 1)]
    assert [i.title for i in board.oldest] == ["d", "e"]


def test_completed_counts_status_activity_by_day_in_the_window(seeded):
    ada, _, _, eng, _, made = seeded
    old = utcnow() - timedelta(days=3)
    db.session.add(Activity(issue_id=made["a"].id, actor_id=ada.id, action="updated", field="status",
                            old_value="todo", new_value="done", created_at=old))
    db.session.add(Activity(issue_id=made["b"].id, actor_id=ada.id, action="updated", field="status",
                            old_value="todo", new_value="done", created_at=utcnow() - timedelta(days=45)))
    made["c"].created_at = old
    db.session.commit()
    days = {d["day"]: d for d in stats.dashboard(ada, "ENG").days}
    assert days[old.date()] == {"day": old.date(), "created": 1, "completed": 1}
    assert sum(d["completed"] for d in days.values()) == 2
    assert sum(d["created"] for d in days.values()) == 7


def test_query_count_does_not_grow_with_issues(f, seeded, count_queries):
    ada, _, _, eng, _, _ = seeded
    assert ada.name  # load the user first: only the dashboard's own queries are counted
    with count_queries() as few:
        stats.dashboard(ada)
    for n in range(15):
        f.issue(eng, ada, title=f"more {n}", priority=1, status="todo")
    db.session.expire_all()
    assert ada.name
    with count_queries() as many:
        board = stats.dashboard(ada)
    assert many.count == few.count <= 6
    assert board.stats.total == 9 + 15
    with count_queries() as api:
        stats.team_stats(ada)
    assert api.count == 2

