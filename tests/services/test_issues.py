"""Issue rules: numbering, references, activity rows, versions, moves, listing and search."""
import pytest
from werkzeug.datastructures import MultiDict

from linear_web.infra.extensions import db
from linear_web.models import Activity, Issue
from linear_web.services import access, comments, exports, issues
from linear_web.services.errors import Conflict, NotFound, ValidationError
from linear_web.services.issue_queries import IssueFilters, list_issues, search_issues


def test_numbers_are_sequential_per_team(f):
    admin = f.user()
    a, b = f.team(admin, key="ENG"), f.team(admin, key="DES")
    made = [f.issue(a, admin).identifier, f.issue(a, admin).identifier, f.issue(b, admin).identifier]
    assert made == ["ENG-1", "ENG-2", "DES-1"]


def test_create_validates_fields_and_writes_nothing(f):
    admin, stranger = f.user(), f.user()
    t = f.team(admin)
    other_project = f.project(f.team(stranger), stranger)
    with pytest.raises(ValidationError) as err:
        issues.create_issue(admin, t.id, {"title": "  ", "status": "nope", "priority": 7,
                                          "assignee_id": str(stranger.id), "project_id": str(other_project.id)})
    assert set(err.value.details) == {"title", "status", "priority", "assignee_id", "project_id"}
    with pytest.raises(ValidationError):
        issues.create_issue(admin, t.id, {"title": "nul\x00byte"})
    assert db.session.scalar(db.select(db.func.count()).select_from(Issue)) == 0


def test_outsider_cannot_reach_team_or_issue(f):
    admin, outsider = f.user(), f.user()
    t = f.team(admin)
    i = f.issue(t, admin)
    with pytest.raises(NotFound):
        issues.create_issue(outsider, t.id, {"title": "x"})
    with pytest.raises(NotFound):
        issues.update_issue(outsider, i.identifier, {"title": "hacked"})
    with pytest.raises(NotFound):
        access.issue_for(outsider, str(i.id))
    assert db.session.get(Issue, i.id).title != "hacked"


def test_each_changed_field_writes_one_activity_row(f):
    admin, member = f.user(name="Ada"), f.user(name="Bob")
    t = f.team(admin, members=[member])
    p = f.project(t, admin, name="Web")
    i = f.issue(t, admin)
    issues.update_issue(admin, i.id, {"status": "todo", "priority": 1, "assignee_id": str(member.id),
                                      "project_id": str(p.id), "title": i.title})
    rows = db.session.scalars(db.select(Activity).where(Activity.issue_id == i.id, Activity.action == "updated")
                              .order_by(Activity.field)).all()
    assert [(r.field, r.old_value, r.new_value) for r in rows] == [
        ("assignee", None, "Bob"), ("priority", "0", "1"), ("project", None, "Web"), ("status", "backlog", "todo")]


def test_stale_version_is_a_conflict_naming_who_changed(f):
    admin = f.user(name="Ada")
    t = f.team(admin)
    i = f.issue(t, admin)
    issues.update_issue(admin, i.id, {"title": "first"}, version=1)
    with pytest.raises(Conflict) as err:
        issues.update_issue(admin, i.id, {"title": "second"}, version=1)
    assert "Ada" in err.value.message
    assert db.session.get(Issue, i.id).title == "first"


def _lose_the_first_race(monkeypatch, issue_id):
    """The first time the issue is read for a change, another writer bumps its version before ours lands."""
    real, raced = access.issue_for, []

    def issue_for(actor, ref):
        issue = real(actor, ref)
        if not raced:
            raced.append(True)
            db.session.execute(db.update(Issue).where(Issue.id == issue_id)
                               .values(version=Issue.version + 1, title="changed elsewhere"),
                               execution_options={"synchronize_session": False})
        return issue
    monkeypatch.setattr(access, "issue_for", issue_for)


def test_a_change_without_version_is_applied_again_when_it_loses_a_race(f, monkeypatch):
    admin = f.user()
    i = f.issue(f.team(admin), admin)
    _lose_the_first_race(monkeypatch, i.id)
    issues.update_issue(admin, i.id, {"status": "done"})
    fresh = db.session.get(Issue, i.id, populate_existing=True)
    assert fresh.status == "done"
    rows = db.session.scalars(db.select(Activity).where(Activity.issue_id == i.id, Activity.field == "status")).all()
    assert [(r.old_value, r.new_value) for r in rows] == [("backlog", "done")]   # the lost try left nothing


def test_a_change_with_version_that_loses_a_race_is_a_conflict(f, monkeypatch):
    admin = f.user()
    i = f.issue(f.team(admin), admin)
    _lose_the_first_race(monkeypatch, i.id)
    with pytest.raises(Conflict):
        issues.update_issue(admin, i.id, {"status": "done"}, version=1)
    assert db.session.get(Issue, i.id, populate_existing=True).status == "backlog"


def test_move_to_other_team_renumbers_and_old_identifier_redirects(f):
    admin = f.user()
    a, b = f.team(admin, key="AAA"), f.team(admin, key="BBB")
    f.issue(b, admin)
    i = f.issue(a, admin)
    issues.update_issue(admin, i.id, {"team_id": str(b.id)})
    assert i.identifier == "BBB-2"
    assert access.issue_for(admin, "AAA-1").id == i.id


def test_list_keyset_pages_cover_everything_once(f):
    admin = f.user()
    t = f.team(admin)
    made = {f.issue(t, admin).id for _ in range(7)}
    seen, cursor = [], None
    while True:
        page = list_issues(admin, IssueFilters(team_id=t.id), limit=3, cursor=cursor)
        seen += [i.id for i in page.items]
        cursor = page.next_cursor
        if not cursor:
            break
    assert len(seen) == 7 and set(seen) == made


def test_filters_parse_and_reject_bad_values(f):
    flt = IssueFilters.from_args(MultiDict([("status", "todo"), ("status", "done"), ("priority", "1")]))
    assert flt.statuses == ["todo", "done"] and flt.priorities == [1]
    with pytest.raises(ValidationError) as err:
        IssueFilters.from_args(MultiDict([("status", "bogus"), ("sort", "drop table")]))
    assert set(err.value.details) == {"status", "sort"}


def test_search_ranks_title_matches_first_and_hides_other_teams(f):
    admin, outsider = f.user(), f.user()
    t = f.team(admin)
    f.issue(t, admin, title="Unrelated", description="mentions database once")
    best = f.issue(t, admin, title="Database migrations fail", description="database database")
    f.issue(f.team(outsider), outsider, title="Database secret")
    page = search_issues(admin, IssueFilters(q="databa"))
    assert [i.id for i in page.items][0] == best.id
    assert len(page.items) == 2
    assert search_issues(outsider, IssueFilters(q="migrations")).items == []


def test_search_puts_the_named_issue_first_then_phrase_matches(f):
    admin, outsider = f.user(), f.user()
    t = f.team(admin, key="ENG")
    scattered = f.issue(t, admin, title="Export of the login page", description="the export broke; login later")
    named = f.issue(t, admin, title="Unrelated words")
    phrase = f.issue(t, admin, title="Login export fails", description="a login export of 3 MB")
    for _ in range(3):
        f.issue(t, admin, title="Filler")
    page = search_issues(admin, IssueFilters(q="login export"))
    assert [i.id for i in page.items] == [phrase.id, scattered.id]   # the words in order first
    page = search_issues(admin, IssueFilters(q=named.identifier.lower()))
    assert page.items[0].id == named.id                               # whatever its text
    # Paging from the named issue goes on through the ranked matches, without repeating it.
    first = search_issues(admin, IssueFilters(q=f"{named.identifier}"), limit=1)
    assert [i.id for i in first.items] == [named.id]
    # Someone else's identifier names nothing for an outsider, and filters still apply.
    assert search_issues(outsider, IssueFilters(q=named.identifier)).items == []
    assert search_issues(admin, IssueFilters(q=named.identifier, statuses=["done"])).items == []


def test_search_ranks_only_the_newest_candidates_of_a_common_word(f, monkeypatch, is_postgres):
    from linear_web.services import issue_queries
    if not is_postgres:
        pytest.skip("SQLite ranks every match (an embedded, small database)")
    admin = f.user()
    t = f.team(admin)
    old_best = f.issue(t, admin, title="Cache cache cache", description="cache cache")
    newer = [f.issue(t, admin, title=f"Cache note {n}") for n in range(4)]
    monkeypatch.setattr(issue_queries, "SEARCH_CANDIDATES", 3)
    found = [i.id for i in search_issues(admin, IssueFilters(q="cache")).items]
    assert set(found) == {i.id for i in newer[1:]} and old_best.id not in found
    monkeypatch.setattr(issue_queries, "SEARCH_CANDIDATES", 2000)
    assert search_issues(admin, IssueFilters(q="cache")).items[0].id == old_best.id


def test_export_guards_formulas(f):
    admin = f.user()
    t = f.team(admin)
    f.issue(t, admin, title="=HYPERLINK(1)")
    text = "".join(exports.export_rows(admin, IssueFilters(team_id=t.id)))
    assert text.splitlines()[0].lstrip("\ufeff").startswith("identifier,title,status")
    assert "'=HYPERLINK(1)" in text


def test_comment_author_rules(f):
    admin, member = f.user(), f.user()
    t = f.team(admin, members=[member])
    i = f.issue(t, admin)
    c = comments.create_comment(member, i.identifier, "Looks **good**")
    assert "<strong>good</strong>" in c.body_html
    from linear_web.services.errors import Forbidden
    with pytest.raises(Forbidden):
        comments.update_comment(admin, c.id, "edited by someone else")
    comments.delete_comment(member, c.id)
    with pytest.raises(NotFound):
        comments.comment_for(member, c.id)


def test_delete_issue_cascades(f):
    admin = f.user()
    t = f.team(admin)
    i = f.issue(t, admin)
    comments.create_comment(admin, i.id, "hello")
    issues.delete_issue(admin, i.id)
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity)) == 0


def test_one_save_bumps_the_version_once_even_with_many_fields(f):
    admin, member = f.user(), f.user()
    t = f.team(admin, members=[member])
    p = f.project(t, admin)
    iid, admin_id, member_id, project_id = f.issue(t, admin).id, admin.id, member.id, p.id
    db.session.expunge_all()  # the assignee and project are not in the session, as in a fresh request
    actor = db.session.get(type(admin), admin_id)
    updated = issues.update_issue(actor, iid, {"status": "todo", "assignee_id": str(member_id),
                                               "project_id": str(project_id), "priority": 2}, version=1)
    assert updated.version == 2
