"""CSV import (services/imports.py): each format, all or nothing, dry runs, row numbering, the limits
and bad input, what an imported issue is (numbers, activity, search, labels, projects, cycles,
parents, subscriptions), and the events it sends."""
import csv
import io
from datetime import date, timedelta

import pytest

from linear_web import events
from linear_web.infra.extensions import db
from linear_web.models import Activity, Cycle, CycleChange, Issue, IssueSubscription, Label, Notification, Project, Team
from linear_web.services import cycles, exports, imports, issue_queries, issues as issue_service, labels, teams
from linear_web.services.errors import NotFound
from linear_web.services.issue_queries import IssueFilters


def export_of(user, team) -> str:
    """The team's CSV export as text (export_rows ends its session: the test's objects are reloaded)."""
    return "".join(exports.export_rows(user, IssueFilters(team_id=team.id)))


def reloaded(*objects):
    from sqlalchemy import inspect
    return [db.session.get(type(o), inspect(o).identity[0]) for o in objects]


def csv_bytes(rows, *, bom: bool = False, encoding: str = "utf-8") -> io.BytesIO:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return io.BytesIO((("\ufeff" if bom else "") + buf.getvalue()).encode(encoding))


def run(user, team, rows, **kw):
    return imports.run(user, team.id, rows if isinstance(rows, io.BytesIO) else csv_bytes(rows), **kw)


def failed(user, team, rows, **kw) -> imports.Result:
    with pytest.raises(imports.ImportFailed) as info:
        run(user, team, rows, **kw)
    assert info.value.status == 422
    return info.value.result


def team_issues(team) -> list[Issue]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Issue).where(Issue.team_id == team.id).order_by(Issue.number)))


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def bob_is_eng(eng):
    """Bob Stone's email is bob@example.com (the assignee lookups use it)."""
    from linear_web.models import User
    db.session.get(User, eng.member.id).email = "bob@example.com"
    db.session.commit()
    return eng


# -- the formats ------------------------------------------------------------------------------------

def test_our_own_export_imports_into_another_team_as_it_was(f, eng, clock):
    t, ada, bob = eng
    teams.update_team(ada, t.id, estimates="tshirt")
    web = f.project(t, ada, name="Website")
    bug = labels.create_label(ada, t.id, "Bug")
    parent = f.issue(t, ada, title="Epic: checkout", status="in_progress", priority=1)
    f.issue(t, ada, title="=1+2 formula", description="Steps:\n1. <b>click</b>", status="todo", priority=2,
            project_id=web, assignee_id=bob, label_ids=[str(bug.id)], due_date="2026-12-24", estimate=5,
            parent_id=parent)
    ops = f.team(ada, key="OPS", name="Operations", members=[bob])
    teams.update_team(ada, ops.id, estimates="tshirt")
    exported = export_of(ada, t)
    assert "'=1+2 formula" in exported                                  # guarded on the way out
    ada, ops, bob = reloaded(ada, ops, bob)

    result = run(ada, ops, io.BytesIO(exported.encode("utf-8")))

    assert result.created == 2 and result.identifiers == {"first": "OPS-1", "last": "OPS-2"}
    assert set(result.ignored_columns) == {"team", "creator", "created_at", "updated_at"}
    child, epic = sorted(team_issues(ops), key=lambda i: i.title)
    assert (child.title, child.status, child.priority) == ("=1+2 formula", "todo", 2)   # (no description column)
    assert child.assignee_id == bob.id and child.due_date == date(2026, 12, 24) and child.estimate == 5
    assert [c.name for c in child.label_chips] == ["Bug"] and child.parent_id == epic.id
    assert db.session.get(Project, child.project_id).team_id == ops.id       # OPS got its own "Website"
    assert epic.sub_total == 1 and epic.sub_done == 0
    assert "'=1+2 formula" in export_of(ada, ops)                                    # and guarded again


def test_linear_export(f, bob_is_eng):
    t, ada, bob = bob_is_eng
    teams.update_team(ada, t.id, estimates="fibonacci")
    rows = [["ID", "Team", "Title", "Description", "Status", "Estimate", "Priority", "Project ID", "Project",
             "Creator", "Assignee", "Labels", "Cycle Number", "Cycle Name", "Due Date", "Created", "Parent issue"],
            ["LIN-1", "Core", "Ship it", "Body **md**", "In Progress", "3", "Urgent", "p1", "Launch", "x",
             "bob@example.com", "Bug, Feature", "", "", "2025-01-31", "2024-12-01T10:00:00.000Z", ""],
            ["LIN-2", "Core", "Sub task", "", "Duplicate", "", "No priority", "", "", "x", "Ada Lovelace", "",
             "", "", "", "", "LIN-1"],
            ["LIN-3", "Core", "Backlogged", "", "Backlog", "8", "Low", "", "Launch", "x", "", "Feature", "", "",
             "2025-02-01T00:00:00.000Z", "", ""]]
    result = run(ada, t, rows)
    assert result.created == 3
    assert set(result.ignored_columns) == {"Team", "Project ID", "Creator", "Created"}
    ship, sub, back = team_issues(t)
    assert (ship.status, ship.priority, ship.estimate, ship.assignee_id) == ("in_progress", 1, 3, bob.id)
    assert {c.name for c in ship.label_chips} == {"Bug", "Feature"} and ship.due_date == date(2025, 1, 31)
    assert (sub.status, sub.priority, sub.assignee_id, sub.parent_id) == ("canceled", 0, ada.id, ship.id)
    assert (back.status, back.priority, back.due_date) == ("backlog", 3, date(2025, 2, 1))
    assert ship.project_id == back.project_id and db.session.get(Project, ship.project_id).name == "Launch"


def test_jira_export(f, bob_is_eng):
    t, ada, bob = bob_is_eng
    rows = [["Summary", "Issue key", "Issue id", "Parent id", "Issue Type", "Status", "Priority", "Assignee",
             "Reporter", "Labels", "Labels", "Description", "Due date", "Sprint"],
            ["Login fails", "WEB-7", "10007", "", "Bug", "To Do", "Highest", "bob@example.com", "x", "auth",
             "urgent-fix", "Stack trace", "05/Mar/24 4:15 PM", ""],
            ["Fix token", "WEB-8", "10008", "10007", "Sub-task", "Done", "Lowest", "", "x", "auth", "",
             "", "", ""],
            ["Refactor", "WEB-9", "10009", "", "Task", "In Progress", "Medium", "", "x", "", "", "", "12/Dec/2025", ""]]
    result = run(ada, t, rows)
    assert result.created == 3 and "Reporter" in result.ignored_columns and "Issue Type" in result.ignored_columns
    login, token, refactor = team_issues(t)
    assert (login.status, login.priority, login.assignee_id) == ("todo", 1, bob.id)
    assert {c.name for c in login.label_chips} == {"auth", "urgent-fix"}       # the repeated Labels columns add up
    assert login.due_date == date(2024, 3, 5) and login.description == "Stack trace"
    assert (token.status, token.priority, token.parent_id) == ("done", 3, login.id)
    assert login.sub_total == 1 and login.sub_done == 1
    assert (refactor.status, refactor.priority, refactor.due_date) == ("in_progress", 2, date(2025, 12, 12))


def test_github_export(f, bob_is_eng):
    t, ada, bob = bob_is_eng
    bob_handle = db.session.get(type(bob), bob.id).handle
    rows = [["Number", "Title", "Body", "State", "Labels", "Assignees", "URL"],
            ["12", "Crash on start", "It crashes", "open", "bug,help wanted", f"@{bob_handle}, ghost", "https://x"],
            ["13", "Docs typo", "", "closed", "", "", "https://y"]]
    result = run(ada, t, rows)
    assert result.created == 2 and set(result.ignored_columns) == {"Number", "URL"}
    crash, docs = team_issues(t)
    assert (crash.status, crash.assignee_id, crash.description) == ("todo", bob.id, "It crashes")
    assert {c.name for c in crash.label_chips} == {"bug", "help wanted"}
    assert docs.status == "done" and docs.priority == 0
    assert any("several assignees" in n for n in result.notes)


# -- all or nothing, dry runs, row numbers ---------------------------------------------------------

def test_one_bad_row_imports_nothing_and_names_its_row_and_column(f, eng):
    t, ada, _ = eng
    before = (count(Issue), count(Label), count(Project), db.session.get(Team, t.id).issue_counter)
    result = failed(ada, t, [["Title", "State", "Labels", "Project"], ["Good", "open", "NewLabel", "NewProject"],
                             ["Also good", "closed", "", ""], ["Bad one", "Blocked", "", ""]])
    assert [e.to_json() for e in result.errors] == [
        {"row": 4, "column": "State", "message": result.errors[0].message}]
    assert "“Blocked”" in result.errors[0].message and result.created == 0 and result.would_create == 0
    db.session.expire_all()
    assert (count(Issue), count(Label), count(Project), db.session.get(Team, t.id).issue_counter) == before


def test_dry_run_writes_nothing_and_says_what_it_would_create(f, eng):
    t, ada, _ = eng
    result = run(ada, t, [["Title", "Labels"], ["One", "x"], ["Two", ""]], dry_run=True)
    assert (result.created, result.would_create, result.errors) == (0, 2, [])
    assert count(Issue) == 0 and count(Label) == 0 and db.session.get(Team, t.id).issue_counter == 0


def test_rows_count_as_a_spreadsheet_does_blank_rows_and_multiline_cells_included(f, eng):
    t, ada, _ = eng
    rows = [["Title", "Description", "Priority"], ["A", "line 1\nline 2\nline 3", "High"], ["", "", ""],
            ["B", "", "Huge"], ["C", "", "P9"]]
    result = failed(ada, t, rows)
    assert [(e.row, e.column) for e in result.errors] == [(4, "Priority"), (5, "Priority")]


def test_a_row_with_many_problems_lists_each(f, eng):
    t, ada, _ = eng
    result = failed(ada, t, [["Title", "Status", "Due date", "Assignee"], ["", "nope", "31/02/2024", "who@x.io"]])
    assert [e.column for e in result.errors] == ["Title", "Status", "Assignee", "Due date"]
    assert "who@x.io" in result.errors[2].message and "YYYY-MM-DD" in result.errors[3].message


def test_ignored_columns_are_listed_and_a_mapping_can_change_them(f, eng):
    t, ada, _ = eng
    rows = [["Headline", "Whatever", "Title"], ["real title", "junk", "not the title"]]
    result = run(ada, t, rows, mapping={0: "title", 2: None})
    assert result.ignored_columns == ["Whatever", "Title"]
    assert [i.title for i in team_issues(t)] == ["real title"]


# -- values ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw,status", [("Backlog", "backlog"), ("Todo", "todo"), ("To Do", "todo"),
                                        ("in_progress", "in_progress"), ("In Review", "in_progress"),
                                        ("DONE", "done"), ("Closed", "done"), ("Cancelled", "canceled"),
                                        ("Duplicate", "canceled"), ("Won't Do", "canceled"), ("open", "todo"),
                                        ("", "backlog")])
def test_statuses(f, eng, raw, status):
    run(eng.admin, eng.team, [["Title", "Status"], ["x", raw]])
    assert team_issues(eng.team)[0].status == status


@pytest.mark.parametrize("raw,priority", [("Urgent", 1), ("Highest", 1), ("High", 1), ("Medium", 2), ("Low", 3),
                                          ("Lowest", 3), ("No priority", 0), ("", 0), ("2", 2)])
def test_priorities(f, eng, raw, priority):
    run(eng.admin, eng.team, [["Title", "Priority"], ["x", raw]])
    assert team_issues(eng.team)[0].priority == priority


@pytest.mark.parametrize("raw", ["2025-03-04", "2025-03-04T23:59:59Z", "2025-03-04T10:00:00.000+02:00",
                                 "2025-03-04 10:00", "2025/03/04", "04/Mar/25", "04/Mar/25 9:05 AM"])
def test_due_dates(f, eng, raw):
    run(eng.admin, eng.team, [["Title", "Due date"], ["x", raw]])
    assert team_issues(eng.team)[0].due_date == date(2025, 3, 4)


def test_assignees_by_email_handle_or_name_among_members_only(f, bob_is_eng, outsider):
    t, ada, bob = bob_is_eng
    handle = db.session.get(type(bob), bob.id).handle
    run(ada, t, [["Title", "Assignee"], ["a", "BOB@example.com"], ["b", handle], ["c", "bob stone"]])
    assert [i.assignee_id for i in team_issues(t)] == [bob.id] * 3
    result = failed(ada, t, [["Title", "Assignee"], ["x", outsider.user.email]])
    assert result.errors[0].row == 2 and "No member of ENG" in result.errors[0].message


def test_a_name_two_members_share_must_be_an_email(f, eng):
    t, ada, _ = eng
    f.add_member(t, f.user(name="Bob Stone"))
    result = failed(ada, t, [["Title", "Assignee"], ["x", "Bob Stone"]])
    assert "use their email" in result.errors[0].message


def test_new_labels_and_projects_are_created_existing_ones_reused_ignoring_case(f, eng):
    t, ada, _ = eng
    bug = labels.create_label(ada, t.id, "Bug")
    web = f.project(t, ada, name="Website")
    result = run(ada, t, [["Title", "Labels", "Project"], ["a", "bug, Perf", "WEBSITE"], ["b", "perf", "Mobile"]])
    assert sorted(db.session.scalars(db.select(Label.name).where(Label.team_id == t.id))) == ["Bug", "Perf"]
    assert sorted(db.session.scalars(db.select(Project.name).where(Project.team_id == t.id))) == ["Mobile", "Website"]
    a, b = team_issues(t)
    assert a.project_id == web.id and {c.id for c in a.label_chips} >= {str(bug.id)}
    assert any("new label" in n and "Perf" in n for n in result.notes)


def test_estimates_on_the_teams_scale(f, eng):
    t, ada, _ = eng
    result = run(ada, t, [["Title", "Estimate"], ["a", "3"]])           # scale "none": not imported, said so
    assert team_issues(t)[0].estimate is None and "Estimate" in result.ignored_columns
    assert any("does not use estimates" in n for n in result.notes)
    teams.update_team(ada, t.id, estimates="tshirt")
    run(ada, t, [["Title", "Estimate"], ["b", "L"], ["c", "3.0"]])
    assert [i.estimate for i in team_issues(t)[1:]] == [5, 3]
    result = failed(ada, t, [["Title", "Estimate"], ["d", "4"]])
    assert result.errors[0].row == 2 and "XS (1)" in result.errors[0].message


def test_cycles_by_name_or_number_and_unknown_ones_noted(f, eng, clock):
    t, ada, _ = eng
    view = cycles.create_cycle(ada, t.id, {"starts_on": clock.day.isoformat(), "name": "Sprint A",
                                           "ends_on": (clock.day + timedelta(days=13)).isoformat()})
    result = run(ada, t, [["Title", "Cycle", "Status"], ["a", "sprint a", "done"], ["b", "Cycle 1", ""],
                          ["c", "Sprint Z", ""]])
    a, b, c = team_issues(t)
    assert a.cycle_id == b.cycle_id == view.cycle.id and c.cycle_id is None
    assert any("“Sprint Z”" in n and "without one" in n for n in result.notes)
    scope = db.session.execute(db.select(db.func.sum(CycleChange.scope), db.func.sum(CycleChange.done))
                               .where(CycleChange.cycle_id == view.cycle.id)).one()
    assert tuple(scope) == (2, 1)
    assert cycles.view_of(db.session.get(Cycle, view.cycle.id)).scope == 2


def test_parents_within_the_file_existing_issues_loops_and_unknown(f, eng):
    t, ada, _ = eng
    old = f.issue(t, ada, title="Existing epic")
    result = run(ada, t, [["Key", "Title", "Parent"], ["K1", "child of existing", "ENG-1"],
                          ["K2", "child of K1", "k1"], ["K3", "orphan", "JIRA-99"]])
    _, k1, k2, k3 = team_issues(t)
    assert (k1.parent_id, k2.parent_id, k3.parent_id) == (old.id, k1.id, None)
    assert db.session.get(Issue, old.id).sub_total == 1 and k1.sub_total == 1
    assert any("“JIRA-99”" in n for n in result.notes)
    loop = failed(ada, t, [["Key", "Title", "Parent"], ["A", "a", "B"], ["B", "b", "A"], ["C", "c", "C"]])
    assert sorted((e.row, e.column) for e in loop.errors) == [(2, "Parent"), (3, "Parent"), (4, "Parent")]


# -- bad input ---------------------------------------------------------------------------------------

def test_latin1_bytes_are_refused_naming_utf8(f, eng):
    result = failed(eng.admin, eng.team, csv_bytes([["Title"], ["ok"], ["Café"]], encoding="latin-1"))
    assert result.errors[0].row == 3 and "UTF-8" in result.errors[0].message and count(Issue) == 0


@pytest.mark.parametrize("data,words", [
    (b"", "empty"), (b"Title\r\n", "no issues"), (b"\n\nTitle\nx\n", "must be the header"),
    (b"Name,Body\nx,y\n", "No column holds the title"),
    (b"PK\x03\x04\x14\x00\x06\x00", "Excel"), ("Title\nx\n".encode("utf-16"), "UTF-16"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "UTF-8")])
def test_files_that_are_not_importable_csv(f, eng, data, words):
    result = failed(eng.admin, eng.team, io.BytesIO(data))
    assert words in result.errors[0].message and count(Issue) == 0


def test_bom_semicolons_and_crlf_are_read(f, eng):
    run(eng.admin, eng.team, io.BytesIO("\ufeffTitle;Status\r\nSemi;Done\r\n".encode()))
    assert [(i.title, i.status) for i in team_issues(eng.team)] == [("Semi", "done")]


def test_nul_long_titles_and_long_rows(f, eng):
    t, ada, _ = eng
    result = failed(ada, t, [["Title", "Description"], ["nul\x00", ""], ["x" * 256, ""], ["ok", "y" * 100_001]])
    assert [(e.row, e.column) for e in result.errors] == [(2, "Title"), (3, "Title"), (4, None)]
    assert "NUL" in result.errors[0].message and "255" in result.errors[1].message
    assert "100,000" in result.errors[2].message


def test_a_cell_over_the_csv_field_limit_stops_with_its_row(f, eng):
    data = b"Title,Description\nok,\nbig," + b"z" * 200_000 + b"\n"
    result = failed(eng.admin, eng.team, io.BytesIO(data))
    assert result.errors[-1].row == 3 and "100,000" in result.errors[-1].message


def test_more_than_ten_thousand_rows_is_refused(f, eng, monkeypatch):
    monkeypatch.setattr(imports, "ROW_LIMIT", 5)
    result = failed(eng.admin, eng.team, [["Title"]] + [[f"i{n}"] for n in range(6)])
    assert result.errors[0].row == 7 and "more than 5 issues" in result.errors[0].message
    assert run(eng.admin, eng.team, [["Title"]] + [[f"i{n}"] for n in range(5)]).created == 5


def test_ten_thousand_and_one_rows_really(f, eng):
    rows = "Title\n" + "".join(f"issue {n}\n" for n in range(10_001))
    result = failed(eng.admin, eng.team, io.BytesIO(rows.encode()))
    assert result.errors[0].row == 10_002 and "10,000" in result.errors[0].message and count(Issue) == 0


def test_html_and_formulas_are_stored_as_text(client, f, eng):
    t, ada, _ = eng
    run(ada, t, [["Title", "Description"], ["<img src=x onerror=alert(1)>", "<script>alert(1)</script> **b**"],
                 ["@SUM(A1)", "-1"]])
    html, formula = team_issues(t)
    assert html.title == "<img src=x onerror=alert(1)>" and "<script>" not in html.description_html
    assert formula.title == "@SUM(A1)"
    ident = html.identifier
    exported = list(csv.reader(io.StringIO(export_of(ada, t)[1:])))
    assert "'@SUM(A1)" in [row[1] for row in exported]
    (ada,) = reloaded(ada)
    page = client.login(ada).get(f"/issue/{ident}").get_data(as_text=True)
    assert "<img src=x onerror" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


# -- what an imported issue is ------------------------------------------------------------------------

def test_numbers_in_one_block_after_the_last_issue_creator_activity_and_subscriptions(f, bob_is_eng):
    t, ada, bob = bob_is_eng
    f.issue(t, ada, title="before")
    run(bob, t, [["Title", "Assignee"], ["one", "ada lovelace"], ["two", ""], ["three", "bob@example.com"]])
    f.issue(t, ada, title="after")
    found = team_issues(t)
    assert [(i.number, i.title) for i in found] == [(1, "before"), (2, "one"), (3, "two"), (4, "three"), (5, "after")]
    imported = found[1:4]
    assert {i.creator_id for i in imported} == {bob.id}
    assert [i.created_at for i in imported] == sorted(i.created_at for i in imported)   # the list shows "three" first
    acts = db.session.scalars(db.select(Activity).where(Activity.issue_id.in_([i.id for i in imported]))).all()
    assert {(a.action, a.field, a.new_value, a.actor_id) for a in acts} == {("created", None, "imported", bob.id)}
    assert len(acts) == 3
    subs = set(db.session.execute(db.select(IssueSubscription.issue_id, IssueSubscription.user_id)))
    assert subs >= {(imported[0].id, bob.id), (imported[0].id, ada.id), (imported[1].id, bob.id)}
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 0   # nobody is told


def test_imported_issues_are_found_by_search_and_listed(f, eng):
    t, ada, _ = eng
    run(ada, t, [["Title", "Description"], ["Quarterly zeppelin review", "mentions the flux capacitor"]])
    found = issue_queries.search_issues(ada, IssueFilters(team_id=t.id, q="zeppelin"))
    assert [i.title for i in found.items] == ["Quarterly zeppelin review"]
    assert issue_queries.search_issues(ada, IssueFilters(q="capacitor")).items
    assert [r.title for r in issue_queries.list_issues(ada, IssueFilters(team_id=t.id)).items] == [
        "Quarterly zeppelin review"]


def test_a_plain_member_may_import_an_outsider_may_not(f, eng, outsider):
    t, _, bob = eng
    assert run(bob, t, [["Title"], ["by a member"]]).created == 1
    with pytest.raises(NotFound):
        run(outsider.user, t, [["Title"], ["pwned"]])
    with pytest.raises(NotFound):
        imports.check(outsider.user, t.id, csv_bytes([["Title"], ["pwned"]]))
    assert [i.title for i in team_issues(t)] == ["by a member"]


def test_a_small_import_sends_one_event_per_issue_and_label(f, eng, monkeypatch):
    sent = []
    monkeypatch.setattr(imports, "emit_many", sent.extend)
    t, ada, _ = eng
    run(ada, t, [["Title", "Labels"], ["a", "New"], ["b", ""]])
    assert [(e.type, e.identifier) for e in sent] == [(events.ISSUE_CREATED, "ENG-1"), (events.ISSUE_CREATED, "ENG-2"),
                                                      (events.LABEL_CREATED, "")]


def test_a_large_import_sends_no_events_but_lists_change(f, eng, monkeypatch):
    from linear_web import list_cache
    sent, marked = [], []
    monkeypatch.setattr(imports, "emit_many", sent.extend)
    monkeypatch.setattr(imports, "mark_changed", lambda *ids: (marked.extend(ids), list_cache.mark_changed(*ids)))
    monkeypatch.setattr(imports, "EVENTS_MAX", 2)
    result = run(eng.admin, eng.team, [["Title"], ["a"], ["b"], ["c"]])
    assert sent == [] and marked == [eng.team.id] and any("no live events" in n for n in result.notes)


def _team_events(sub, team_id, *, wait: float, want: int = 0) -> list:
    """Events of one team reaching a subscription within `wait` seconds (PostgreSQL delivers them
    through LISTEN, so give it time), stopping early once `want` have come."""
    import queue
    import time
    found, deadline = [], time.monotonic() + wait
    while time.monotonic() < deadline and not (want and len(found) >= want):
        try:
            item = sub.queue.get(timeout=0.05)
        except queue.Empty:
            continue
        if getattr(item, "team_id", None) == str(team_id):
            found.append(item)
    return found


def test_the_events_of_an_import_go_out_after_commit_and_not_after_a_failure(f, eng):
    from linear_web.events.broker import get_broker
    sub = get_broker().subscribe()
    try:
        failed(eng.admin, eng.team, [["Title", "Status"], ["good", ""], ["bad", "nope"]])
        assert _team_events(sub, eng.team.id, wait=0.5) == []
        run(eng.admin, eng.team, [["Title"], ["live one"], ["live two"]])
        got = _team_events(sub, eng.team.id, wait=5, want=2)
    finally:
        get_broker().unsubscribe(sub)
    assert sorted((e.type, e.identifier) for e in got) == [(events.ISSUE_CREATED, "ENG-1"),
                                                           (events.ISSUE_CREATED, "ENG-2")]


def test_a_failure_while_writing_leaves_nothing(f, eng, monkeypatch):
    t, ada, _ = eng

    def boom(*args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "_insert_parents", boom)
    with pytest.raises(RuntimeError):
        run(ada, t, [["Title", "Labels", "Project"], ["a", "L1", "P1"]])
    db.session.expire_all()
    assert (count(Issue), count(Label), count(Project), db.session.get(Team, t.id).issue_counter) == (0, 0, 0, 0)


def test_steps_report_progress_of_both_passes(f, eng, monkeypatch):
    monkeypatch.setattr(imports, "BATCH", 3)
    monkeypatch.setattr(imports, "CHECK_EVERY", 4)
    items = list(imports.steps(eng.admin, eng.team.id, csv_bytes([["Title"]] + [[f"t{n}"] for n in range(8)])))
    progress = [(p.phase, p.done) for p in items[:-1]]
    assert ("check", items[0].done) == progress[0] and progress[0][1] < items[0].total
    assert [d for phase, d in progress if phase == "write"] == [3, 6, 8]
    assert isinstance(items[-1], imports.Result) and items[-1].created == 8


def test_check_gives_the_preview_the_first_twenty_rows(f, eng):
    t, ada, _ = eng
    found = imports.check(ada, t.id, csv_bytes([["Title", "Labels", "Status"]] + [[f"t{n}", "Fresh", "Done"]
                                                                                  for n in range(25)]))
    assert found.ok and found.issues == 25 and len(found.preview) == 20 and count(Issue) == 0
    first = found.preview[0]
    assert (first["row"], first["title"], first["status"], first["labels"]) == (2, "t0", "done", [("Fresh", True, None)])
    assert found.new_labels == ["Fresh"] and [c.field for c in found.columns] == ["title", "labels", "status"]


def test_the_issue_page_timeline_says_imported(client, f, eng):
    run(eng.admin, eng.team, [["Title"], ["From a file"]])
    page = client.login(eng.admin).get("/issue/ENG-1").get_data(as_text=True)
    assert "imported the issue" in page and "created the issue" not in page


def test_numbers_stay_distinct_with_creates_around_an_import(f, eng):
    t, ada, _ = eng
    for _ in range(2):
        f.issue(t, ada)
        run(ada, t, [["Title"], ["x"], ["y"]])
    assert [i.number for i in team_issues(t)] == [1, 2, 3, 4, 5, 6]
    issue_service.create_issue(ada, t.id, {"title": "last"})
    assert db.session.get(Team, t.id).issue_counter == 7
