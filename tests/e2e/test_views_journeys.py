"""Browser journeys for saved views and My issues: save a view from a filtered list and open it from
the sidebar after a reload; change a view's filters and update it; star it; `g m` opens My issues."""
import re

import pytest
from playwright.sync_api import expect

from .journeys import console_errors, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def errors(page):
    return console_errors(page)


@pytest.fixture
def work(f, eng):
    """ENG's issues in three statuses; two assigned to Bob, one of another team of his."""
    t, ada, bob = eng
    f.issue(t, ada, title="Write the parser", status="todo", assignee_id=bob)
    f.issue(t, ada, title="Ship the release", status="done")
    f.issue(t, ada, title="Plan the roadmap", status="todo")
    f.issue(t, ada, title="Fix the crash", status="in_progress", assignee_id=bob)
    ops = f.team(bob, key="OPS", name="Operations")
    f.issue(ops, bob, title="Rotate the keys", status="todo", assignee_id=bob)
    return t


def rows(page):
    return page.locator("#issue-list .issue-row")


def test_save_a_view_from_a_filtered_list_and_open_it_from_the_sidebar_after_a_reload(page, eng, work, errors):
    log_in(page, eng.admin)
    page.goto("/team/ENG/issues")
    expect(rows(page)).to_have_count(4)
    page.locator("#filter-status > summary").click()
    with page.expect_response(lambda r: "status=todo" in r.url):
        page.locator("#issue-filters").get_by_label("Todo").check()
    expect(rows(page)).to_have_count(2)
    page.locator("#save-view > summary").click()
    page.get_by_label("View name").fill("Open todos")
    page.get_by_label("Share with the team").check()
    page.locator("#save-view-form").get_by_role("button", name="Save view").click()
    # the view's own page: its name as the title, its filters applied
    expect(page.locator("#view-title")).to_have_text("Open todos")
    expect(page.locator("#flash")).to_contain_text("Saved the view “Open todos”.")
    expect(page).to_have_title(re.compile(r"^Open todos · "))
    expect(page).to_have_url(re.compile(r"/team/ENG/views/[0-9a-f-]+$"))
    expect(rows(page)).to_have_count(2)
    view_url = page.url
    page.goto("/team/ENG/projects")
    page.reload()
    link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Open todos")
    expect(link).to_be_visible()
    link.click()
    expect(page).to_have_url(view_url)
    expect(page.locator("#view-title")).to_have_text("Open todos")
    expect(rows(page)).to_have_count(2)
    expect(page.locator("#issue-list")).not_to_contain_text("Ship the release")
    expect(link).to_have_attribute("aria-current", "page")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    assert not errors, errors


def test_change_a_views_filters_update_it_and_star_it(page, eng, work, errors):
    from linear_web.services import views
    view = views.create_view(eng.admin, eng.team.id, {"name": "Todos", "filters": {"status": ["todo"]}}).view
    log_in(page, eng.admin)
    page.goto(f"/team/ENG/views/{view.id}")
    expect(rows(page)).to_have_count(2)
    expect(page.locator("#view-state")).not_to_contain_text("Unsaved changes")
    page.locator("#filter-status > summary").click()
    with page.expect_response(lambda r: f"/views/{view.id}" in r.url and "status=done" in r.url):
        page.locator("#issue-filters").get_by_label("Done", exact=True).check()
    expect(rows(page)).to_have_count(3)
    expect(page.locator("#view-state")).to_contain_text("Unsaved changes")
    assert f"/team/ENG/views/{view.id}?" in page.url          # the URL keeps the unsaved state
    page.locator("#view-state").get_by_role("button", name="Update view").click()
    expect(page.locator("#flash")).to_contain_text("View updated.")
    expect(page.locator("#view-state")).not_to_contain_text("Unsaved changes")
    expect(rows(page)).to_have_count(3)
    page.reload()
    expect(rows(page)).to_have_count(3)
    # star it: pinned on top of the team's views in the sidebar
    views.create_view(eng.admin, eng.team.id, {"name": "A first view"})
    page.get_by_role("button", name="☆ Star").click()
    expect(page.get_by_role("button", name="★ Starred")).to_be_visible()
    sidebar = page.locator(".team-nav-view")
    expect(sidebar.first).to_contain_text("Todos")
    expect(sidebar.nth(1)).to_contain_text("A first view")
    assert not errors, errors


def test_g_m_opens_my_issues_across_my_teams_and_it_follows_changes_live(page, eng, work, f, errors):
    from linear_web.services import issues
    log_in(page, eng.member)
    page.goto("/team/ENG/issues")
    page.locator("body").press("g")
    page.locator("body").press("m")
    expect(page).to_have_url(re.compile(r"/my$"))
    expect(page.get_by_role("heading", name="My issues")).to_be_visible()
    my_rows = page.locator("#my-list .issue-row")
    expect(my_rows).to_have_count(3)                        # two of ENG, one of OPS
    expect(page.locator("#my-list")).to_contain_text("Rotate the keys")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    # narrowed by status, the URL keeps it
    page.locator("#my-filters #filter-status > summary").click()
    with page.expect_response(lambda r: "/my?" in r.url and "status=todo" in r.url):
        page.locator("#my-filters").get_by_label("Todo").check()
    expect(my_rows).to_have_count(2)
    assert "status=todo" in page.url
    # another user assigns Bob an issue: the list follows, with its filter
    issues.create_issue(eng.admin, eng.team.id, {"title": "Review the spec", "status": "todo",
                                                 "assignee_id": str(eng.member.id)})
    expect(my_rows).to_have_count(3)
    expect(page.locator("#my-list")).to_contain_text("Review the spec")
    page.get_by_role("link", name="Created").click()
    expect(page).to_have_url(re.compile(r"/my\?tab=created"))
    expect(my_rows).to_have_count(1)                        # Bob created the OPS issue only
    assert not errors, errors


def test_display_options_group_the_list_hide_properties_and_survive_a_reload(page, eng, work, errors):
    log_in(page, eng.admin)
    page.goto("/team/ENG/issues")
    expect(page.locator("#issue-list .issue-group")).to_have_count(5)   # by status: every status
    page.locator("#display-options > summary").click()
    with page.expect_response(lambda r: "group_by=assignee" in r.url):
        page.get_by_label("Grouping").select_option("assignee")
    headers = page.locator("#issue-list .issue-group-header .group-label")
    expect(headers).to_have_text(["Bob Stone", "No assignee"])
    expect(page).to_have_url(re.compile(r"group_by=assignee"))
    with page.expect_response(lambda r: "show=" in r.url):
        page.locator("#display-options").get_by_label("Created").uncheck()
    expect(page).to_have_url(re.compile(r"show=priority%2Cidentifier%2Cstatus%2Clabels%2Cdue%2Cestimate%2C"
                                        r"project%2Cassignee%2Csub_issues"))
    expect(page.locator("#issue-list .row-age").first).to_be_hidden()
    expect(page.locator("#issue-list .row-identifier").first).to_be_visible()
    page.reload()
    expect(headers).to_have_text(["Bob Stone", "No assignee"])
    expect(page.locator("#issue-list .row-age").first).to_be_hidden()
    # The board takes the same options: a column per member (Ada's empty, to drop cards on).
    page.goto("/team/ENG/board?group_by=assignee")
    expect(page.locator("#board .board-column-title")).to_have_text(["Ada Lovelace", "Bob Stone", "No assignee"])
    assert errors == []
