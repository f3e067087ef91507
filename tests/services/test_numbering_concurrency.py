"""Numbers and versions under real concurrency: threads, each with its own app context and session."""
from linear_web.infra.extensions import db
from linear_web.models import Activity, Issue, User
from linear_web.services import issues
from linear_web.services.errors import Conflict

from ..concurrency import run_in_threads

WORKERS = 48


def test_48_concurrent_creates_get_distinct_gap_free_numbers(app, f):
    admin = f.user()
    team = f.team(admin, key="RACE")
    user_id, team_id = admin.id, team.id

    def create(i):
        actor = db.session.get(User, user_id)
        return issues.create_issue(actor, team_id, {"title": f"Concurrent {i}"}).number

    numbers = run_in_threads(app, WORKERS, create)
    errors = [n for n in numbers if isinstance(n, Exception)]
    assert not errors, errors[:3]
    assert sorted(numbers) == list(range(1, WORKERS + 1))
    db.session.expire_all()
    stored = db.session.scalars(db.select(Issue.number).where(Issue.team_id == team_id)).all()
    assert sorted(stored) == list(range(1, WORKERS + 1))
    assert f.issue(team, admin).number == WORKERS + 1


def test_two_saves_of_the_same_version_one_wins_one_conflicts(app, f):
    ada, bob = f.user(name="Ada"), f.user(name="Bob")
    team = f.team(ada, members=[bob])
    issue = f.issue(team, ada, title="Original")
    version, issue_id = issue.version, issue.id
    actors = [ada.id, bob.id]
    titles = ["Ada's title", "Bob's title"]

    def save(i):
        actor = db.session.get(User, actors[i])
        return issues.update_issue(actor, issue_id, {"title": titles[i]}, version=version).title

    results = run_in_threads(app, 2, save)
    wins = [r for r in results if isinstance(r, str)]
    conflicts = [r for r in results if isinstance(r, Conflict)]
    assert len(wins) == 1 and len(conflicts) == 1, results
    assert "meanwhile" in conflicts[0].message
    db.session.expire_all()
    stored = db.session.get(Issue, issue_id)
    assert stored.title == wins[0] and stored.version == version + 1
    rows = db.session.scalars(db.select(Activity).where(Activity.issue_id == issue_id,
                                                        Activity.field == "title")).all()
    assert [(r.old_value, r.new_value) for r in rows] == [("Original", wins[0])]
