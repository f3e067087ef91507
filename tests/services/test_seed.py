"""seed-demo: believable demo issues, made once (running it again changes nothing), quickly."""
from datetime import timedelta

from linear_web.infra.extensions import db
from linear_web.models import Activity, Comment, Issue, Team, utcnow


def _counts():
    count = lambda model: db.session.scalar(db.select(db.func.count()).select_from(model))  # noqa: E731
    return {m.__name__: count(m) for m in (Team, Issue, Comment, Activity)}


def test_seed_demo_twice_gives_the_same_workspace(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--issues", "300"])
    assert first.exit_code == 0, first.output
    assert "ENG: created 180 demo issues" in first.output and "DES: created 120 demo issues" in first.output
    assert "ada@example.com" in first.output
    counts = _counts()
    assert counts["Team"] == 2 and counts["Issue"] == 300 and counts["Comment"] > 20
    second = runner.invoke(args=["seed-demo", "--issues", "300"])
    assert second.exit_code == 0, second.output
    assert "already has 180 issues" in second.output
    assert _counts() == counts


def test_demo_issues_look_lived_in(app):
    assert app.test_cli_runner().invoke(args=["seed-demo", "--issues", "100"]).exit_code == 0
    rows = db.session.scalars(db.select(Issue)).all()
    assert {i.status for i in rows} == {"backlog", "todo", "in_progress", "done", "canceled"}
    assert {i.priority for i in rows} == {0, 1, 2, 3}
    assert len({i.assignee_id for i in rows}) >= 3 and any(i.project_id for i in rows)
    assert {i.identifier.split("-")[0] for i in rows} == {"ENG", "DES"}
    now = utcnow()
    ages = [now - i.created_at for i in rows]
    assert max(ages) > timedelta(days=30) and min(ages) >= timedelta(0) and max(ages) <= timedelta(days=60, hours=1)
    assert all(i.created_at <= i.updated_at <= now + timedelta(seconds=5) for i in rows)
    assert any("<li" in i.description_html for i in rows)
    moved = db.session.scalar(db.select(db.func.count()).select_from(Activity).where(
        Activity.field == "status"))
    assert moved == sum(1 for i in rows if i.status not in ("backlog", "todo"))
    created = db.session.scalars(db.select(Activity).where(Activity.action == "created")).all()
    by_id = {i.id: i for i in rows}
    assert all(a.created_at == by_id[a.issue_id].created_at for a in created)


def test_demo_issues_carry_planning(app):
    """The demo shows every planning fact: labels, sub-issues, due dates, estimates on the team's
    scale, and blocked issues."""
    from linear_web.models import IssueParent, IssueRelation, Label, issue_labels
    from linear_web.vocabulary import ESTIMATE_SCALES
    assert app.test_cli_runner().invoke(args=["seed-demo", "--issues", "200"]).exit_code == 0
    count = lambda stmt: db.session.scalar(db.select(db.func.count()).select_from(stmt))  # noqa: E731
    teams = {t.key: t for t in db.session.scalars(db.select(Team))}
    assert {teams["ENG"].estimates, teams["DES"].estimates} == {"fibonacci", "tshirt"}
    assert count(Label) >= 10 and count(issue_labels) > 100
    assert count(IssueParent) >= 10 and count(IssueRelation) >= 2
    rows = db.session.scalars(db.select(Issue)).all()
    assert sum(i.due_date is not None for i in rows) >= 10
    assert all(i.estimate in ESTIMATE_SCALES[i.team.estimates] for i in rows if i.estimate is not None)
    assert any(i.sub_total for i in rows) and any(i.blocked for i in rows)
    children = {p.issue_id: p.parent_id for p in db.session.scalars(db.select(IssueParent))}
    assert not set(children) & set(children.values())  # one level deep: a parent is top-level
