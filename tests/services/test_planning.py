"""Planning rules: labels, parents (no loops), relations (symmetric, one per pair), due dates, estimates."""
import pytest
from sqlalchemy import select

from linear_web.infra.extensions import db
from linear_web.models import Activity, Issue, IssueParent, Label
from linear_web.services import issues, labels, relations, teams
from linear_web.services.errors import Conflict, NotFound, ValidationError


@pytest.fixture
def plan(f):
    """An ENG team (admin ada, member bob), an OPS team of ada's, and an outsider."""
    ada, bob, eve = f.user("Ada"), f.user("Bob"), f.user("Eve")
    eng = f.team(ada, key="ENG", members=[bob])
    ops = f.team(ada, key="OPS")
    f.team(eve, key="EVE")
    return type("Plan", (), {"ada": ada, "bob": bob, "eve": eve, "eng": eng, "ops": ops})


def _activity(issue, field):
    return list(db.session.scalars(select(Activity).where(Activity.issue_id == issue.id, Activity.field == field)
                                   .order_by(Activity.created_at)))


def test_label_names_are_unique_in_a_team_ignoring_case(plan):
    labels.create_label(plan.bob, plan.eng.id, "Bug", "#EF4444")
    with pytest.raises(Conflict) as err:
        labels.create_label(plan.ada, plan.eng.id, "  bug ")
    assert err.value.details == {"name": "A label with this name already exists in this team."}
    assert labels.create_label(plan.ada, plan.ops.id, "bug").color == "#6b7280"  # another team: fine
    assert [(x.name, x.color) for x in labels.list_labels(plan.ada, plan.eng.id)] == [("Bug", "#ef4444")]


@pytest.mark.parametrize("name, color, field", [
    ("x" * 51, "#ffffff", "name"), ("a\x00b", "#ffffff", "name"), ("tab\there", "#ffffff", "name"),
    ("", "#ffffff", "name"), ("ok", "red", "color"), ("ok", "#fff", "color"), ("ok", 12, "color"),
])
def test_bad_label_input_names_the_field_and_writes_nothing(plan, name, color, field):
    with pytest.raises(ValidationError) as err:
        labels.create_label(plan.ada, plan.eng.id, name, color)
    assert field in err.value.details
    assert db.session.scalar(select(Label.id)) is None


def test_outsiders_cannot_see_or_touch_labels(plan):
    bug = labels.create_label(plan.ada, plan.eng.id, "Bug")
    for call in (lambda: labels.update_label(plan.eve, bug.id, name="x"),
                 lambda: labels.delete_label(plan.eve, bug.id),
                 lambda: labels.list_labels(plan.eve, plan.eng.id)):
        with pytest.raises(NotFound):
            call()


def test_issue_labels_replace_the_set_and_must_be_the_teams(plan, f):
    bug, ui = labels.create_label(plan.ada, plan.eng.id, "Bug"), labels.create_label(plan.ada, plan.eng.id, "UI")
    foreign = labels.create_label(plan.ada, plan.ops.id, "Ops")
    issue = f.issue(plan.eng, plan.ada, label_ids=[str(ui.id), str(bug.id)])
    assert [c.name for c in issue.label_chips] == ["Bug", "UI"]
    with pytest.raises(ValidationError) as err:
        issues.update_issue(plan.ada, issue.id, {"label_ids": [str(foreign.id)]})
    assert err.value.details == {"label_ids": "Labels must belong to the issue's team."}
    issues.update_issue(plan.ada, issue.id, {"label_ids": [str(bug.id)]})
    assert [c.name for c in db.session.get(Issue, issue.id).label_chips] == ["Bug"]
    row = _activity(issue, "labels")[-1]
    assert (row.old_value, row.new_value) == ("Bug, UI", "Bug")


def test_deleting_a_label_takes_it_off_its_issues_with_an_activity_each(plan, f):
    bug = labels.create_label(plan.ada, plan.eng.id, "Bug")
    first, second = (f.issue(plan.eng, plan.ada, label_ids=[str(bug.id)]) for _ in range(2))
    versions = [first.version, second.version]
    assert labels.label_counts(plan.ada, plan.eng.id)[0][1] == 2
    assert labels.delete_label(plan.bob, bug.id) == 2
    for issue, version in zip((first, second), versions):
        fresh = db.session.get(Issue, issue.id)
        assert fresh.label_chips == [] and fresh.version == version + 1
        assert [(a.old_value, a.new_value) for a in _activity(issue, "labels")] == [("Bug", None)]


def test_parent_must_be_of_the_same_team_and_loops_are_refused(plan, f):
    top = f.issue(plan.eng, plan.ada)
    mid = f.issue(plan.eng, plan.ada, parent_id=str(top.id))
    leaf = f.issue(plan.eng, plan.ada, parent_id=mid.identifier)
    other = f.issue(plan.ops, plan.ada)
    with pytest.raises(ValidationError) as err:
        issues.update_issue(plan.ada, top.id, {"parent_id": str(leaf.id)})
    assert "one of its sub-issues" in err.value.details["parent_id"]
    with pytest.raises(ValidationError) as err:
        issues.update_issue(plan.ada, top.id, {"parent_id": str(top.id)})
    assert "the issue itself" in err.value.details["parent_id"]
    with pytest.raises(ValidationError) as err:
        issues.update_issue(plan.ada, top.id, {"parent_id": str(other.id)})
    assert err.value.details == {"parent_id": "The parent must be an issue of the same team."}
    issues.update_issue(plan.ada, mid.id, {"status": "done"})
    fresh = db.session.get(Issue, top.id)
    assert fresh.sub_issues == {"total": 1, "done": 1}
    assert db.session.get(Issue, leaf.id).parent_id == mid.id


def test_changing_and_clearing_the_parent_writes_activity(plan, f):
    a, b = f.issue(plan.eng, plan.ada), f.issue(plan.eng, plan.ada)
    child = f.issue(plan.eng, plan.ada, parent_id=str(a.id))
    issues.update_issue(plan.ada, child.id, {"parent_id": b.identifier})
    issues.update_issue(plan.ada, child.id, {"parent_id": None})
    assert [(r.old_value, r.new_value) for r in _activity(child, "parent")] == [
        (a.identifier, b.identifier), (b.identifier, None)]
    assert db.session.scalar(select(IssueParent.issue_id)) is None


def test_deleting_a_parent_leaves_its_children_top_level(plan, f):
    parent = f.issue(plan.eng, plan.ada)
    child = f.issue(plan.eng, plan.ada, parent_id=str(parent.id))
    issues.delete_issue(plan.ada, parent.id)
    assert db.session.get(Issue, child.id).parent_id is None


@pytest.mark.parametrize("raw", ["2026-02-30", "2026-13-01", "tomorrow", "20261201", 20261201, "2026-1-1"])
def test_impossible_due_dates_are_refused(plan, f, raw):
    with pytest.raises(ValidationError) as err:
        f.issue(plan.eng, plan.ada, due_date=raw)
    assert err.value.details == {"due_date": "Due date must be a real date written YYYY-MM-DD."}
    assert db.session.scalar(select(Issue.id)) is None


def test_due_date_set_and_cleared(plan, f):
    issue = f.issue(plan.eng, plan.ada, due_date="2026-12-05")
    assert issue.to_json()["due_date"] == "2026-12-05"
    issues.update_issue(plan.ada, issue.id, {"due_date": None})
    assert [(r.old_value, r.new_value) for r in _activity(issue, "due_date")] == [("2026-12-05", None)]


def test_estimates_follow_the_team_scale_and_survive_a_scale_change(plan, f):
    issue = f.issue(plan.eng, plan.ada)
    with pytest.raises(ValidationError) as err:
        issues.update_issue(plan.ada, issue.id, {"estimate": 3})
    assert "does not use estimates" in err.value.details["estimate"]
    teams.update_team(plan.ada, plan.eng.id, estimates="fibonacci")
    issues.update_issue(plan.ada, issue.id, {"estimate": 13})
    with pytest.raises(ValidationError) as err:
        issues.update_issue(plan.ada, issue.id, {"estimate": 4})
    assert "1, 2, 3, 5, 8, 13" in err.value.details["estimate"]
    teams.update_team(plan.ada, plan.eng.id, estimates="tshirt")
    fresh = db.session.get(Issue, issue.id)
    assert fresh.estimate == 13  # kept, shown as it is
    issues.update_issue(plan.ada, issue.id, {"estimate": 13, "title": "Still 13"})  # unchanged value passes
    issues.update_issue(plan.ada, issue.id, {"estimate": 8})
    assert _activity(issue, "estimate")[-1].new_value == "XL"
    with pytest.raises(ValidationError):
        teams.update_team(plan.ada, plan.eng.id, estimates="fortnightly")
    with pytest.raises(Exception):
        teams.update_team(plan.bob, plan.eng.id, estimates="linear")  # admins only


def test_relations_read_from_both_sides_and_one_per_pair(plan, f):
    a, b = f.issue(plan.eng, plan.ada), f.issue(plan.ops, plan.ada)
    view = relations.add_relation(plan.ada, a.identifier, "blocks", b.identifier)
    assert (view.type, view.other.id) == ("blocks", b.id)
    assert [(r.type, r.other.id) for r in relations.list_relations(plan.ada, b.id)] == [("blocked_by", a.id)]
    assert db.session.get(Issue, b.id).blocked is True
    issues.update_issue(plan.ada, a.id, {"status": "done"})
    assert db.session.get(Issue, b.id).blocked is False  # a finished blocker no longer blocks
    for type_, first, second in (("blocks", a, b), ("related", b, a), ("duplicate_of", b, a)):
        with pytest.raises(Conflict):
            relations.add_relation(plan.ada, first.id, type_, second.id)
    with pytest.raises(ValidationError):
        relations.add_relation(plan.ada, a.id, "related", a.identifier)
    with pytest.raises(ValidationError):
        relations.add_relation(plan.ada, a.id, "duplicated_by", b.id)
    relations.remove_relation(plan.ada, b.id, view.id)
    assert relations.list_relations(plan.ada, a.id) == [] == relations.list_relations(plan.ada, b.id)
    texts = [(r.old_value, r.new_value) for r in _activity(b, "relations")]
    assert texts == [(None, f"blocked by {a.identifier}"), (f"blocked by {a.identifier}", None)]


def test_relations_to_issues_the_actor_cannot_see_are_not_found(plan, f):
    a, hidden = f.issue(plan.eng, plan.ada), f.issue(plan.ops, plan.ada)
    with pytest.raises(NotFound):
        relations.add_relation(plan.bob, a.id, "related", hidden.id)  # bob is not in OPS
    relations.add_relation(plan.ada, a.id, "related", hidden.id)
    assert relations.list_relations(plan.bob, a.id) == []  # bob never sees OPS issues


def test_bulk_adds_and_removes_labels(plan, f):
    bug, ui = labels.create_label(plan.ada, plan.eng.id, "Bug"), labels.create_label(plan.ada, plan.eng.id, "UI")
    first = f.issue(plan.eng, plan.ada, label_ids=[str(bug.id)])
    second = f.issue(plan.eng, plan.ada)
    issues.bulk_update(plan.ada, [first.identifier, second.identifier],
                       {"add_label_ids": [str(ui.id)], "remove_label_ids": [str(bug.id)]})
    assert [[c.name for c in db.session.get(Issue, i.id).label_chips] for i in (first, second)] == [["UI"], ["UI"]]


def test_moving_an_issue_drops_its_labels_and_parent_links(plan, f):
    bug = labels.create_label(plan.ada, plan.eng.id, "Bug")
    parent = f.issue(plan.eng, plan.ada, label_ids=[str(bug.id)])
    child = f.issue(plan.eng, plan.ada, parent_id=str(parent.id))
    moved = issues.update_issue(plan.ada, parent.id, {"team_id": str(plan.ops.id)})
    fresh = db.session.get(Issue, moved.id)
    assert fresh.label_chips == [] and fresh.sub_issues == {"total": 0, "done": 0}
    assert db.session.get(Issue, child.id).parent_id is None


def test_planning_filters_and_due_date_sorts(plan, f):
    from werkzeug.datastructures import MultiDict
    from linear_web.services.issue_queries import IssueFilters, list_issues, today
    from datetime import timedelta
    bug, ui = labels.create_label(plan.ada, plan.eng.id, "Bug"), labels.create_label(plan.ada, plan.eng.id, "UI")
    day = today()
    late = f.issue(plan.eng, plan.ada, title="late", due_date=(day - timedelta(days=2)).isoformat(),
                   label_ids=[str(bug.id)])
    f.issue(plan.eng, plan.ada, title="done late", due_date=(day - timedelta(days=5)).isoformat(),
                        status="done")
    f.issue(plan.eng, plan.ada, title="soon", due_date=(day + timedelta(days=3)).isoformat(),
                   label_ids=[str(ui.id)], parent_id=str(late.id))
    f.issue(plan.eng, plan.ada, title="never")

    def titles(**args):
        filters = IssueFilters.from_args(MultiDict(args), team_id=plan.eng.id)
        pages, cursor = [], None
        while True:  # one issue per page: the keyset cursor must walk the sort exactly once
            page = list_issues(plan.ada, filters, limit=1, cursor=cursor)
            pages += [i.title for i in page.items]
            if not (cursor := page.next_cursor):
                return pages

    assert titles(overdue="true") == ["late"]
    assert sorted(titles(label_id=[str(bug.id), str(ui.id)])) == ["late", "soon"]
    assert titles(parent_id="none", sort="due_date") == ["done late", "late", "never"]
    assert titles(parent_id=str(late.id)) == ["soon"]
    assert titles(due_after=(day - timedelta(days=2)).isoformat(), due_before=day.isoformat()) == ["late"]
    assert titles(sort="due_date") == ["done late", "late", "soon", "never"]
    assert titles(sort="-due_date") == ["soon", "late", "done late", "never"]
    for bad in ({"due_before": "2026-02-30"}, {"overdue": "maybe"}, {"label_id": "nope"}, {"parent_id": "x"}):
        with pytest.raises(ValidationError) as err:
            IssueFilters.from_args(MultiDict(bad))
        assert set(err.value.details) == {next(iter(bad))}


def _stored_summaries_match() -> None:
    """Every issue's stored label summary names exactly the labels it carries, with their
    current names and colours (what the database would compute now)."""
    from linear_web.models.planning import parse_labels, summary_sql
    rows = db.session.execute(select(Issue.id, Issue.label_summary,
                                     summary_sql(Issue.id))).all()
    for iid, stored, actual in rows:
        shown = sorted((c.id, c.color, c.name) for c in parse_labels(stored))
        assert shown == sorted((c.id, c.color, c.name) for c in parse_labels(actual)), iid


def test_stored_label_summaries_follow_every_change(plan, f):
    """Rows read an issue's labels from its own row: creating, editing, bulk edits, a label's
    rename and recolour, its deletion and a move to another team all keep that text right."""
    bug = labels.create_label(plan.ada, plan.eng.id, "Bug", "#ef4444")
    ui = labels.create_label(plan.ada, plan.eng.id, "UI", "#3b82f6")
    one = issues.create_issue(plan.ada, plan.eng.id, {"title": "One", "label_ids": [str(bug.id), str(ui.id)]})
    assert one.version == 1 and {c.name for c in one.label_chips} == {"Bug", "UI"}
    two = f.issue(plan.eng, plan.ada, label_ids=[str(ui.id)])
    three = f.issue(plan.eng, plan.ada)
    _stored_summaries_match()
    issues.update_issue(plan.ada, two.id, {"label_ids": [str(bug.id)]})
    issues.bulk_update(plan.ada, [str(three.id), str(one.id)], {"add_label_ids": [str(ui.id)],
                                                                 "remove_label_ids": [str(bug.id)]})
    _stored_summaries_match()
    labels.update_label(plan.ada, ui.id, name="Interface", color="#22c55e")
    _stored_summaries_match()
    assert [c.name for c in db.session.get(Issue, three.id, populate_existing=True).label_chips] == ["Interface"]
    labels.delete_label(plan.ada, bug.id)
    _stored_summaries_match()
    assert db.session.get(Issue, two.id, populate_existing=True).label_summary is None
    issues.update_issue(plan.ada, one.id, {"team_id": str(plan.ops.id)})
    _stored_summaries_match()
    assert db.session.get(Issue, one.id, populate_existing=True).label_summary is None


def _stored_rollups() -> dict:
    """Each issue's stored (sub_total, sub_done, blocked), after checking that they are what the
    planning tables give now."""
    from linear_web.models.planning import blocked_sql, sub_done_sql, sub_total_sql
    db.session.expire_all()
    rows = db.session.execute(select(Issue.id, Issue.sub_total, Issue.sub_done, Issue.blocked,
                                     sub_total_sql(Issue.id), sub_done_sql(Issue.id), blocked_sql(Issue.id))).all()
    for iid, *stored_and_actual in rows:
        assert tuple(stored_and_actual[:3]) == (stored_and_actual[3], stored_and_actual[4], bool(stored_and_actual[5])), iid
    return {iid: (total, done, bool(blocked)) for iid, total, done, blocked, *_ in rows}


def test_stored_progress_and_blocked_follow_every_change(plan, f):
    """Rows read sub-issue progress and "blocked" from their own row: children created, finished,
    reparented, bulk-edited and deleted, blockers added, finished, reopened, removed, deleted and
    moved to another team (with a blocked issue in that team) all keep those figures right."""
    parent = f.issue(plan.eng, plan.ada, title="Parent")
    other = f.issue(plan.eng, plan.ada, title="Other parent")
    a = issues.create_issue(plan.ada, plan.eng.id, {"title": "A", "parent_id": str(parent.id), "status": "done"})
    b = f.issue(plan.eng, plan.ada, parent_id=str(parent.id))
    assert _stored_rollups()[parent.id] == (2, 1, False)
    issues.update_issue(plan.ada, b.id, {"status": "done"})
    assert _stored_rollups()[parent.id] == (2, 2, False)
    issues.update_issue(plan.ada, a.id, {"parent_id": str(other.id)})
    rollups = _stored_rollups()
    assert rollups[parent.id] == (1, 1, False) and rollups[other.id] == (1, 1, False)
    issues.bulk_update(plan.ada, [str(a.id), str(b.id)], {"status": "todo"})
    rollups = _stored_rollups()
    assert rollups[parent.id] == (1, 0, False) and rollups[other.id] == (1, 0, False)
    issues.delete_issue(plan.ada, b.id)
    assert _stored_rollups()[parent.id] == (0, 0, False)

    blocker = f.issue(plan.eng, plan.ada, title="Blocker")
    ops_issue = f.issue(plan.ops, plan.ada, title="Waiting in OPS")
    relations.add_relation(plan.ada, parent.id, "blocked_by", blocker.id)
    relations.add_relation(plan.ada, ops_issue.id, "blocked_by", blocker.id)
    rollups = _stored_rollups()
    assert rollups[parent.id][2] and rollups[ops_issue.id][2] and not rollups[blocker.id][2]
    from linear_web import list_cache
    ops_version = list_cache.team_version(plan.ops.id)
    issues.move_card(plan.ada, blocker.id, "done")
    # OPS's cached lists show the blocked mark: finishing ENG's blocker refreshes them too.
    assert list_cache.team_version(plan.ops.id) > ops_version
    rollups = _stored_rollups()
    assert not rollups[parent.id][2] and not rollups[ops_issue.id][2]
    issues.update_issue(plan.ada, blocker.id, {"status": "in_progress"})
    assert _stored_rollups()[ops_issue.id][2]
    issues.update_issue(plan.ada, blocker.id, {"team_id": str(plan.ops.id)})  # relations cross teams
    assert _stored_rollups()[parent.id][2]
    [view] = [r for r in relations.list_relations(plan.ada, parent.id) if r.other.id == blocker.id]
    relations.remove_relation(plan.ada, parent.id, view.id)
    assert not _stored_rollups()[parent.id][2]
    issues.delete_issue(plan.ada, blocker.id)
    assert not _stored_rollups()[ops_issue.id][2]

    child = f.issue(plan.eng, plan.ada, parent_id=str(other.id))
    assert _stored_rollups()[other.id] == (2, 0, False)
    issues.update_issue(plan.ada, other.id, {"team_id": str(plan.ops.id)})  # children stay, top-level
    rollups = _stored_rollups()
    assert rollups[other.id] == (0, 0, False) and rollups[child.id] == (0, 0, False)
