"""Project rules: team scoping, validation, counts, deleting keeps the issues."""
import pytest

from linear_web.infra.extensions import db
from linear_web.models import Activity, Issue, Project
from linear_web.services import projects
from linear_web.services.errors import NotFound, ValidationError


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_create_update_and_validation(f):
    admin = f.user()
    team = f.team(admin)
    p = projects.create_project(admin, team.key, "  Launch  ", "Ship it")
    assert (p.name, p.description, p.team_id) == ("Launch", "Ship it", team.id)
    projects.update_project(admin, str(p.id), name="Relaunch")
    assert (p.name, p.description) == ("Relaunch", "Ship it")
    with pytest.raises(ValidationError) as err:
        projects.create_project(admin, team.key, "", "x" * 10_001)
    assert set(err.value.details) == {"name", "description"}
    with pytest.raises(ValidationError):
        projects.update_project(admin, str(p.id), name="x" * 101)
    with pytest.raises(ValidationError):
        projects.create_project(admin, team.key, "nul\x00")
    db.session.expire_all()
    assert _count(Project) == 1 and db.session.get(Project, p.id).name == "Relaunch"


def test_outsiders_cannot_see_or_touch_projects(f):
    admin, outsider = f.user(), f.user()
    team = f.team(admin)
    p = f.project(team, admin, name="Secret")
    for call in (lambda: projects.create_project(outsider, team.key, "x"),
                 lambda: projects.update_project(outsider, str(p.id), name="pwned"),
                 lambda: projects.delete_project(outsider, str(p.id)),
                 lambda: projects.project_stats(outsider, team.key)):
        with pytest.raises(NotFound):
            call()
    assert projects.list_projects(outsider) == []
    db.session.expire_all()
    assert db.session.get(Project, p.id).name == "Secret"


def test_project_stats_counts_open_and_total_in_one_query(f, count_queries):
    admin = f.user()
    team, other = f.team(admin), f.team(admin)
    alpha, beta, empty = (f.project(team, admin, name=n) for n in ("Alpha", "Beta", "Empty"))
    f.issue(team, admin, project_id=alpha, status="todo")
    f.issue(team, admin, project_id=alpha, status="in_progress")
    f.issue(team, admin, project_id=alpha, status="done")
    f.issue(team, admin, project_id=beta, status="canceled")
    f.issue(team, admin)  # no project
    f.issue(other, admin, project_id=f.project(other, admin, name="Elsewhere"))
    team_id, _ = team.id, admin.id  # load expired attributes before counting
    with count_queries() as q:
        stats = projects.project_stats(admin, team_id)
    assert [(p.name, o, t) for p, o, t in stats] == [("Alpha", 2, 3), ("Beta", 0, 1), ("Empty", 0, 0)]
    assert q.count == 2  # the team lookup and one GROUP BY, however many projects


def test_delete_keeps_issues_writes_activity_and_emits_events(f, monkeypatch):
    admin = f.user()
    team = f.team(admin, key="ENG")
    doomed, kept = f.project(team, admin, name="Doomed"), f.project(team, admin, name="Kept")
    moved = [f.issue(team, admin, project_id=doomed) for _ in range(3)]
    stay = f.issue(team, admin, project_id=kept)
    versions = {i.id: i.version for i in moved}
    sent = []
    real_emit = projects.emit
    monkeypatch.setattr(projects, "emit", lambda ev: (sent.append(ev), real_emit(ev)))
    assert projects.delete_project(admin, str(doomed.id)) == 3
    db.session.expire_all()
    assert db.session.get(Project, doomed.id) is None and _count(Issue) == 4
    for issue in moved:
        fresh = db.session.get(Issue, issue.id)
        assert fresh.project_id is None and fresh.version == versions[issue.id] + 1
    assert db.session.get(Issue, stay.id).project_id == kept.id
    rows = db.session.scalars(db.select(Activity).where(Activity.field == "project")).all()
    assert sorted((r.issue_id, r.old_value, r.new_value, r.action) for r in rows) == \
        sorted((i.id, "Doomed", None, "updated") for i in moved)
    assert sorted(e.identifier for e in sent) == sorted(i.identifier for i in moved)
    assert {e.type for e in sent} == {"ISSUE_UPDATED"}


def test_delete_event_reaches_subscribers_after_commit(f, is_postgres):
    if is_postgres:
        pytest.skip("PostgreSQL delivers through LISTEN/NOTIFY (the realtime listener's tests)")
    from linear_web.events.broker import get_broker
    admin = f.user()
    team = f.team(admin)
    p = f.project(team, admin)
    issue = f.issue(team, admin, project_id=p)
    sub = get_broker().subscribe()
    try:
        projects.delete_project(admin, str(p.id))
        event = sub.queue.get_nowait()
    finally:
        get_broker().unsubscribe(sub)
    assert (event.type, event.issue_id) == ("ISSUE_UPDATED", str(issue.id))


def test_delete_empty_project(f):
    admin = f.user()
    p = f.project(f.team(admin), admin)
    assert projects.delete_project(admin, str(p.id)) == 0
    assert _count(Project) == 0 and _count(Activity) == 0
