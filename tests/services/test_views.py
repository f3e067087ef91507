"""Saved views: filters validated as the issue list validates them and checked against the view's
team, private and shared visibility, who may change a view, filters naming deleted rows."""
import json

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from linear_web.infra.extensions import db
from linear_web.models import View
from linear_web.services import access, cycles, issues, labels, projects, teams, views
from linear_web.services.errors import Forbidden, NotFound, ValidationError
from linear_web.services.issue_queries import IssueFilters, list_issues


@pytest.fixture
def crew(f, eng, outsider):
    """ENG (Ada admin, Bob member, Cy member), Eve's team EVE with a label, project and cycle of its own."""
    cy = f.user(name="Cy Member")
    f.add_member(eng.team, cy)
    eve_label = labels.create_label(outsider.user, outsider.team.id, "Eve's")
    eve_project = f.project(outsider.team, outsider.user, name="Eve's project")
    return type("Crew", (), {"team": eng.team, "ada": eng.admin, "bob": eng.member, "cy": cy, "eve": outsider.user,
                             "eve_team": outsider.team, "eve_label": eve_label, "eve_project": eve_project})


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(View))


def _ids(page) -> list[str]:
    return [str(r.id) for r in page.items]


def test_a_view_stores_the_list_filters_as_the_list_parses_them(crew):
    bug = labels.create_label(crew.ada, crew.team.id, "Bug")
    shown = views.create_view(crew.bob, crew.team.id, {
        "name": "  Urgent bugs  ", "filters": {"status": ["todo", "in_progress", "todo"], "priority": [1, 2],
                                               "label_id": [str(bug.id).upper()], "assignee_id": "me",
                                               "cycle_id": "none", "q": "  crash ", "sort": "priority"}})
    body = shown.to_json()
    assert body["name"] == "Urgent bugs" and body["layout"] == "list" and body["shared"] is False
    assert body["owner_id"] == str(crew.bob.id) and body["team_id"] == str(crew.team.id)
    assert body["filters"] == {"status": ["todo", "in_progress"], "priority": [1, 2], "label_id": [str(bug.id)],
                               "assignee_id": "me", "cycle_id": "none", "q": "crash", "sort": "priority"}
    assert body["dropped_filters"] == []
    assert json.loads(db.session.get(View, shown.view.id).filters) == body["filters"]
    # the list's "current" cycle and an empty filter set are views too
    now = views.create_view(crew.bob, crew.team.key, {"name": "Now", "filters": {"cycle_id": "current"},
                                                      "layout": "board", "shared": True})
    assert now.to_json()["layout"] == "board" and now.filters == {"cycle_id": "current"}
    assert views.create_view(crew.bob, crew.team.id, {"name": "All"}).to_json()["filters"] == {}


@pytest.mark.parametrize("data, field", [
    ({"filters": {"state": ["todo"]}}, "filters"),                       # unknown filter name
    ({"filters": {"parent_id": "nope"}}, "filters.parent_id"),            # neither an issue id nor "none"
    ({"filters": {"overdue": "yes"}}, "filters.overdue"),                 # true or false
    ({"filters": {"status": ["doing"]}}, "filters.status"),
    ({"filters": {"status": "todo"}}, "filters.status"),                 # repeatable: a list
    ({"filters": {"priority": [7]}}, "filters.priority"),
    ({"filters": {"priority": [True]}}, "filters.priority"),
    ({"filters": {"priority": ["1"]}}, "filters.priority"),
    ({"filters": {"assignee_id": "someone"}}, "filters.assignee_id"),
    ({"filters": {"assignee_id": 42}}, "filters.assignee_id"),
    ({"filters": {"project_id": "not-an-id"}}, "filters.project_id"),
    ({"filters": {"label_id": ["nope"]}}, "filters.label_id"),
    ({"filters": {"cycle_id": "next"}}, "filters.cycle_id"),
    ({"filters": {"q": "x" * 201}}, "filters.q"),
    ({"filters": {"q": ["crash"]}}, "filters.q"),
    ({"filters": {"sort": "title"}}, "filters.sort"),
    ({"filters": ["status", "todo"]}, "filters"),
    ({"filters": "status=todo"}, "filters"),
    ({"name": ""}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 101}, "name"), ({"name": 5}, "name"),
    ({"layout": "grid"}, "layout"), ({"layout": ""}, "layout"), ({"shared": "yes"}, "shared"),
])
def test_bad_views_are_refused_naming_the_field_and_nothing_is_saved(crew, data, field):
    with pytest.raises(ValidationError) as err:
        views.create_view(crew.bob, crew.team.id, {"name": "Mine", **data})
    assert field in err.value.details, err.value.details
    assert _count() == 0


def test_what_the_filters_name_must_be_of_the_views_team(crew, f, clock):
    eve_cycle = cycles.create_cycle(crew.eve, crew.eve_team.id, {"starts_on": "2026-12-07",
                                                                 "ends_on": "2026-12-20"}).cycle
    stranger = f.user()
    for filters, field in (({"assignee_id": str(crew.eve.id)}, "filters.assignee_id"),
                           ({"assignee_id": str(stranger.id)}, "filters.assignee_id"),
                           ({"project_id": str(crew.eve_project.id)}, "filters.project_id"),
                           ({"label_id": [str(crew.eve_label.id)]}, "filters.label_id"),
                           ({"cycle_id": str(eve_cycle.id)}, "filters.cycle_id")):
        with pytest.raises(ValidationError) as err:
            views.create_view(crew.bob, crew.team.id, {"name": "Mine", "filters": filters})
        assert set(err.value.details) == {field}, filters
    assert _count() == 0
    ok = views.create_view(crew.bob, crew.team.id, {"name": "Cy's", "filters": {"assignee_id": str(crew.cy.id)}})
    assert ok.filters == {"assignee_id": str(crew.cy.id)}


def test_private_views_are_their_owners_alone_and_shared_ones_the_teams(crew):
    mine = views.create_view(crew.bob, crew.team.id, {"name": "mine"}).view
    shared = views.create_view(crew.bob, crew.team.id, {"name": "Team board", "shared": True}).view
    cys = views.create_view(crew.cy, crew.team.id, {"name": "Cy's"}).view
    assert views.get_view(crew.bob, mine.id).view.id == mine.id
    for who in (crew.cy, crew.ada, crew.eve):            # another member, the team's admin, an outsider
        for call in (lambda: views.get_view(who, mine.id), lambda: views.update_view(who, mine.id, {"name": "x"}),
                     lambda: views.delete_view(who, mine.id), lambda: views.view_issues(who, mine.id)):
            with pytest.raises(NotFound):
                call()
    assert views.get_view(crew.cy, shared.id).view.name == "Team board"
    with pytest.raises(NotFound):
        views.get_view(crew.eve, shared.id)
    with pytest.raises(NotFound):
        views.list_views(crew.eve, crew.team.id)
    assert [s.view.name for s in views.list_views(crew.bob, crew.team.id)] == ["mine", "Team board"]
    assert [s.view.name for s in views.list_views(crew.cy, crew.team.id)] == ["Cy's", "Team board"]
    assert [s.view.id for s in views.list_views(crew.ada, crew.team.id)] == [shared.id]
    assert views.list_views(crew.eve, crew.eve_team.id) == []
    assert cys.id not in [s.view.id for s in views.list_views(crew.bob, crew.team.id)]


def test_a_list_is_ordered_by_name_in_any_case_then_id(crew):
    for name in ("beta", "Alpha", "alpha", "Gamma"):
        views.create_view(crew.bob, crew.team.id, {"name": name, "shared": name == "Gamma"})
    listed = views.list_views(crew.bob, crew.team.id)
    alphas = sorted(s.view.id for s in listed if s.view.name.lower() == "alpha")
    assert [s.view.name.lower() for s in listed] == ["alpha", "alpha", "beta", "gamma"]
    assert [s.view.id for s in listed[:2]] == alphas


def test_only_the_owner_or_a_team_admin_change_a_shared_view(crew):
    shared = views.create_view(crew.bob, crew.team.id, {"name": "Team", "shared": True}).view
    with pytest.raises(Forbidden):
        views.update_view(crew.cy, shared.id, {"name": "Cy was here"})
    with pytest.raises(Forbidden):
        views.delete_view(crew.cy, shared.id)
    db.session.expire_all()
    assert views.get_view(crew.bob, shared.id).view.name == "Team"
    assert views.update_view(crew.ada, shared.id, {"name": "By Ada", "layout": "board"}).to_json()["layout"] == "board"
    assert views.update_view(crew.bob, shared.id, {"filters": {"status": ["done"]}}).filters == {"status": ["done"]}
    assert views.get_view(crew.cy, shared.id).view.name == "By Ada"
    # the admin makes it private: it is Bob's alone again
    assert views.update_view(crew.ada, shared.id, {"shared": False}).to_json()["shared"] is False
    with pytest.raises(NotFound):
        views.get_view(crew.cy, shared.id)
    assert views.get_view(crew.bob, shared.id).view.shared is False
    views.update_view(crew.bob, shared.id, {"shared": True})
    views.delete_view(crew.ada, shared.id)
    with pytest.raises(NotFound):
        views.get_view(crew.bob, shared.id)


def test_a_member_who_leaves_loses_their_views_and_the_team_keeps_the_shared_ones(crew):
    private = views.create_view(crew.cy, crew.team.id, {"name": "Cy's"}).view
    shared = views.create_view(crew.cy, crew.team.id, {"name": "Cy's shared", "shared": True}).view
    teams.remove_member(crew.cy, crew.team.id, str(crew.cy.id))
    with pytest.raises(NotFound):
        views.get_view(crew.cy, private.id)
    with pytest.raises(NotFound):
        views.get_view(crew.cy, shared.id)
    assert views.get_view(crew.bob, shared.id).view.id == shared.id
    views.delete_view(crew.ada, shared.id)


def test_filters_naming_deleted_rows_are_dropped_when_read(crew, f, clock):
    team, ada, bob = crew.team, crew.ada, crew.bob
    bug, ui = labels.create_label(ada, team.id, "Bug"), labels.create_label(ada, team.id, "UI")
    web = f.project(team, ada, name="Web")
    cycle = cycles.create_cycle(ada, team.id, {"starts_on": "2026-12-07", "ends_on": "2026-12-20"}).cycle
    a = f.issue(team, ada, title="A", status="todo", label_ids=[str(bug.id)], project_id=web, cycle_id=cycle)
    b = f.issue(team, ada, title="B", status="todo", label_ids=[str(ui.id)])
    f.issue(team, ada, title="C", status="done", label_ids=[str(bug.id)])
    saved = {"status": ["todo"], "label_id": [str(bug.id), str(ui.id)], "project_id": str(web.id),
             "cycle_id": str(cycle.id)}
    view = views.create_view(bob, team.id, {"name": "Web bugs", "shared": True, "filters": saved}).view
    assert _ids(views.view_issues(bob, view.id)) == [str(a.id)]

    labels.delete_label(ada, bug.id)                      # one of its two labels: the other one stays
    shown = views.get_view(crew.cy, view.id)
    assert shown.dropped == ["label_id"] and shown.filters["label_id"] == [str(ui.id)]
    assert _ids(views.view_issues(bob, view.id)) == []   # A no longer carries a label of the view

    projects.delete_project(ada, web.id)
    cycles.delete_cycle(ada, cycle.id)
    labels.delete_label(ada, ui.id)
    shown = views.get_view(bob, view.id)
    assert shown.dropped == ["project_id", "label_id", "cycle_id"] and shown.filters == {"status": ["todo"]}
    assert shown.to_json()["dropped_filters"] == ["project_id", "label_id", "cycle_id"]
    assert [s.dropped for s in views.list_views(bob, team.id)] == [["project_id", "label_id", "cycle_id"]]
    expected = list_issues(bob, IssueFilters.from_args(MultiDict([("status", "todo")]), team_id=team.id))
    assert sorted(_ids(views.view_issues(bob, view.id))) == sorted(str(i.id) for i in expected.items) \
        == sorted([str(a.id), str(b.id)])
    assert json.loads(db.session.get(View, view.id).filters) == saved   # stored as saved; read without them
    renamed = views.update_view(bob, view.id, {"name": "Todo"})
    assert renamed.dropped == ["project_id", "label_id", "cycle_id"]
    replaced = views.update_view(bob, view.id, {"filters": {"status": ["todo"]}})
    assert replaced.dropped == [] and views.get_view(bob, view.id).dropped == []


def test_view_issues_is_the_issue_list_with_the_views_team_and_filters(crew, f):
    team, ada, bob = crew.team, crew.ada, crew.bob
    for i in range(7):
        f.issue(team, ada, title=f"Crash {i}", status=("todo", "in_progress", "done")[i % 3], priority=i % 4,
                assignee_id=(bob if i % 2 else None))
    other = f.team(bob, key="OTH")
    f.issue(other, bob, title="Crash elsewhere", status="todo", assignee_id=bob)
    filters = {"status": ["todo", "in_progress"], "assignee_id": "me", "sort": "priority"}
    view = views.create_view(bob, team.id, {"name": "My open", "filters": filters, "shared": True}).view
    args = MultiDict([("status", "todo"), ("status", "in_progress"), ("assignee_id", "me"), ("sort", "priority")])
    expected = list_issues(bob, IssueFilters.from_args(args, team_id=team.id), limit=2)
    got = views.view_issues(bob, view.id, limit=2)
    assert _ids(got) == _ids(expected) and got.next_cursor == expected.next_cursor and len(got.items) == 2
    rest = views.view_issues(bob, view.id, limit=2, cursor=got.next_cursor)
    assert _ids(rest) == _ids(list_issues(bob, IssueFilters.from_args(args, team_id=team.id), limit=2,
                                          cursor=expected.next_cursor))
    # "me" is whoever reads the shared view: Ada is assigned none of them
    assert _ids(views.view_issues(ada, view.id)) == []
    with pytest.raises(ValidationError):
        views.view_issues(bob, view.id, cursor="garbage")


def test_filters_the_list_no_longer_takes_are_dropped_on_read_not_refused(crew):
    """A row saved under older rules (or by hand) still reads: what the list refuses is left out."""
    view = View(team_id=crew.team.id, owner_id=crew.bob.id, name="Old", layout="list", shared=False,
                filters=json.dumps({"status": ["doing"], "sort": "title", "q": "crash", "colour": "red"}))
    db.session.add(view)
    db.session.commit()
    shown = views.get_view(crew.bob, view.id)
    assert shown.filters == {"q": "crash"} and shown.dropped == ["status", "sort"]
    assert views.issue_filters(shown).q == "crash" and views.view_issues(crew.bob, view.id).items == []


# -- saving a list URL, favourites, the sidebar ---------------------------------------------------

def test_a_list_url_becomes_a_views_filters_by_the_lists_own_parsing(crew):
    bug = labels.create_label(crew.ada, crew.team.id, "Bug")
    args = MultiDict([("status", "todo"), ("status", "in_progress,todo"), ("priority", "1"), ("assignee", "me"),
                      ("label_id", str(bug.id).upper()), ("q", "  crash "), ("sort", "priority"),
                      ("cycle_id", "current"), ("overdue", "true"), ("parent_id", "none"), ("due_before", "2026-12-31"),
                      ("page", "3"), ("name", "ignored")])
    filters, left_out = views.list_filters(args, crew.team.id)
    assert filters == {"status": ["todo", "in_progress"], "priority": [1], "assignee_id": "me",
                       "label_id": [str(bug.id)], "q": "crash", "sort": "priority", "cycle_id": "current",
                       "overdue": True, "parent_id": "none", "due_before": "2026-12-31"}
    assert left_out == []
    # what it gives is what create_view takes, unchanged
    assert views.create_view(crew.bob, crew.team.id, {"name": "From the list", "filters": filters}).filters == filters
    assert views.list_filters(MultiDict(), crew.team.id) == ({}, [])
    assert views.list_filters(MultiDict([("assignee_id", str(crew.cy.id))]), crew.team.id)[0] == \
        {"assignee_id": str(crew.cy.id)}
    with pytest.raises(ValidationError) as err:
        views.list_filters(MultiDict([("status", "doing"), ("sort", "title")]), crew.team.id)
    assert set(err.value.details) == {"filters.status", "filters.sort"}


def test_same_filters_ignores_the_order_within_lists():
    assert views.same_filters({"status": ["todo", "done"], "q": "x"}, {"q": "x", "status": ["done", "todo"]})
    assert views.same_filters({}, {"label_id": []})
    assert not views.same_filters({"status": ["todo"]}, {"status": ["todo", "done"]})
    assert not views.same_filters({"sort": "priority"}, {})


def test_members_star_views_they_see_and_nobody_stars_anothers_private_view(crew):
    shared = views.create_view(crew.bob, crew.team.id, {"name": "Team", "shared": True}).view
    private = views.create_view(crew.bob, crew.team.id, {"name": "Bob's"}).view
    views.favourite_view(crew.cy, shared.id)
    views.favourite_view(crew.cy, shared.id)                       # again: still one star
    assert views.favourite_ids(crew.cy, [shared.id, private.id]) == {shared.id}
    assert views.favourite_ids(crew.bob, [shared.id, private.id]) == set()   # stars are per user
    for who in (crew.cy, crew.ada, crew.eve):
        with pytest.raises(NotFound):
            views.favourite_view(who, private.id)
    with pytest.raises(NotFound):
        views.favourite_view(crew.eve, shared.id)
    views.unfavourite_view(crew.cy, shared.id)
    views.unfavourite_view(crew.cy, shared.id)                     # none: no change
    assert views.favourite_ids(crew.cy, [shared.id]) == set()
    views.favourite_view(crew.bob, private.id)
    views.delete_view(crew.bob, private.id)                        # its stars go with it
    assert views.favourite_ids(crew.bob, [private.id]) == set()


def _sidebar(user) -> dict:
    """{team key: [(name, starred)]} as the sidebar lists them, from the user's memberships."""
    db.session.expire_all()
    return {m.team.key: [(v.name, v.favourite) for v in views.sidebar_of(m)] for m in access.memberships(user)}


def test_the_sidebar_views_come_with_the_memberships_starred_first(crew, f, count_queries, monkeypatch):
    other = f.team(crew.bob, key="OTH")
    for name in ("beta", "Alpha", "gamma"):
        views.create_view(crew.bob, crew.team.id, {"name": name, "shared": name != "beta"})
    views.create_view(crew.cy, crew.team.id, {"name": "Cy's own"})
    zed = views.create_view(crew.bob, other.id, {"name": "Zed\x1fwith a separator"}).view
    views.create_view(crew.bob, other.id, {"name": "Able"})
    views.favourite_view(crew.bob, zed.id)
    gamma = next(s.view for s in views.list_views(crew.bob, crew.team.id) if s.view.name == "gamma")
    views.favourite_view(crew.bob, gamma.id)
    db.session.expire_all()
    assert crew.bob.id                                    # the user reloaded: not what is counted
    with count_queries() as q:
        found = {m.team.key: views.sidebar_of(m) for m in access.memberships(crew.bob)}
    assert q.count == 1                                   # the memberships' own statement
    assert [(v.name, v.favourite, v.shared) for v in found["ENG"]] == [
        ("gamma", True, True), ("Alpha", False, True), ("beta", False, False)]
    assert [(v.name, v.favourite) for v in found["OTH"]] == [("Zed with a separator", True), ("Able", False)]
    assert found["OTH"][0].id == zed.id and found["OTH"][0].team_id == other.id
    assert _sidebar(crew.cy) == {"ENG": [("Alpha", False), ("Cy's own", False), ("gamma", False)]}
    assert _sidebar(crew.eve) == {"EVE": []}
    monkeypatch.setattr("linear_web.models.view.SIDEBAR_MAX", 2)   # the limit is in the SQL, built once
    assert len(_sidebar(crew.bob)["ENG"]) == 3
    # a starred view made private by its owner leaves the others' sidebars, star and all
    views.favourite_view(crew.cy, gamma.id)
    assert ("gamma", True) in _sidebar(crew.cy)["ENG"]
    views.update_view(crew.bob, gamma.id, {"shared": False})
    assert "gamma" not in [name for name, _ in _sidebar(crew.cy)["ENG"]]
    # a member who leaves the team no longer has it, nor its views, in the sidebar
    teams.remove_member(crew.cy, crew.team.id, str(crew.cy.id))
    assert _sidebar(crew.cy) == {}


def test_the_sidebar_lists_at_most_sidebar_max_views_a_team_starred_ones_kept(crew):
    from linear_web.models.view import SIDEBAR_MAX
    made = [views.create_view(crew.bob, crew.team.id, {"name": f"View {n:02}", "shared": n % 2 == 0}).view
            for n in range(SIDEBAR_MAX + 3)]
    views.favourite_view(crew.bob, made[-1].id)
    listed = _sidebar(crew.bob)["ENG"]
    assert len(listed) == SIDEBAR_MAX and listed[0] == (made[-1].name, True)
    assert [name for name, _ in listed[1:]] == [v.name for v in made[:SIDEBAR_MAX - 1]]


def test_may_change_is_the_owner_or_a_team_admin(crew):
    shared = views.create_view(crew.bob, crew.team.id, {"name": "Team", "shared": True}).view
    assert views.may_change(crew.bob, shared) and views.may_change(crew.ada, shared)
    assert not views.may_change(crew.cy, shared)
    with pytest.raises(Forbidden):
        views.require_change(crew.cy, shared)


def test_a_views_parent_filter_must_be_an_issue_of_its_team_and_is_dropped_when_deleted(crew, f):
    eve_issue = f.issue(crew.eve_team, crew.eve, title="Eve's")
    with pytest.raises(ValidationError) as err:
        views.create_view(crew.bob, crew.team.id, {"name": "Sub", "filters": {"parent_id": str(eve_issue.id)}})
    assert err.value.details == {"filters.parent_id": "The parent must be an issue of the view's team."}
    parent = f.issue(crew.team, crew.ada, title="Epic")
    shown = views.create_view(crew.bob, crew.team.id, {"name": "Sub", "filters": {"parent_id": str(parent.id),
                                                                                  "overdue": True}})
    assert shown.filters == {"parent_id": str(parent.id), "overdue": True}
    issues.delete_issue(crew.ada, parent.id)
    again = views.get_view(crew.bob, shown.view.id)
    assert again.dropped == ["parent_id"] and again.filters == {"overdue": True}
