"""Browser journeys for issues: keyboard create, filters in the URL, comments, pickers, CSV export."""
import re

import pytest
from playwright.sync_api import expect

from .journeys import console_errors, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def ada(eng):
    """Ada Lovelace and her team ENG (with Bob Stone)."""
    return eng.admin, eng.team


@pytest.fixture
def errors(page):
    return console_errors(page, "status of 422", "status of 409")  # form errors are answers, not failures


def test_create_an_issue_with_the_keyboard_and_see_it_in_the_list(page, ada, f, errors):
    user, team = ada
    f.issue(team, user, title="Already here", status="todo")
    log_in(page, user)
    page.goto("/team/ENG/issues")
    expect(page.locator("#issue-ENG-1")).to_be_visible()
    page.locator("body").press("c")
    dialog = page.locator("#issue-dialog")
    expect(dialog).to_be_visible()
    title = dialog.get_by_label("Title")
    expect(title).to_be_focused()
    title.press("Enter")  # empty title: the error appears next to the field, the dialog stays
    expect(dialog.get_by_text("Title is required.")).to_be_visible()
    dialog.get_by_label("Title").fill("Made with the keyboard")
    dialog.get_by_label("Status").select_option("todo")
    dialog.get_by_label("Title").press("Enter")
    expect(page.locator("#issue-dialog")).to_have_count(0)
    row = page.locator("#group-rows-todo #issue-ENG-2")
    expect(row).to_contain_text("Made with the keyboard")
    expect(page.locator("#group-todo .group-count")).to_have_text("2")
    expect(page.locator("#issue-list .list-total")).to_have_text("2 issues")
    page.wait_for_timeout(300)  # the live push of the same row must not duplicate it
    expect(page.locator("#issue-list .issue-row")).to_have_count(2)
    assert page.url.endswith("/team/ENG/issues")  # no full reload, no navigation
    page.reload()
    expect(page.locator("#group-rows-todo #issue-ENG-2")).to_be_visible()
    assert not errors, errors


def test_filter_by_status_then_reload_and_go_back(page, ada, f, errors):
    user, team = ada
    f.issue(team, user, title="Backlog thing")
    f.issue(team, user, title="Finished thing", status="done")
    log_in(page, user)
    page.goto("/team/ENG/issues")
    expect(page.locator(".issue-row")).to_have_count(2)
    page.locator("#issue-filters summary", has_text="Status").click()
    page.locator("#issue-filters").get_by_label("Done").check()
    expect(page).to_have_url(re.compile(r"/team/ENG/issues\?status=done$"))
    expect(page.locator(".issue-row")).to_have_count(1)
    expect(page.locator("#issue-ENG-2")).to_be_visible()
    page.reload()
    expect(page.locator(".issue-row")).to_have_count(1)
    expect(page.locator("#issue-filters").get_by_label("Done")).to_be_checked()
    page.go_back()
    expect(page).to_have_url(re.compile(r"/team/ENG/issues$"))
    expect(page.locator(".issue-row")).to_have_count(2)
    assert not errors, errors


def test_comment_on_an_issue_and_see_it_rendered(page, ada, f, errors):
    user, team = ada
    f.issue(team, user, title="Discuss")
    log_in(page, user)
    page.goto("/issue/ENG-1")
    box = page.get_by_label("Comment (Markdown)")
    box.fill("Looks **great** <script>alert(1)</script>")
    page.get_by_role("button", name="Comment", exact=True).click()
    comment = page.locator("#issue-timeline .comment")
    expect(comment.locator(".comment-body strong")).to_have_text("great")
    expect(comment).to_contain_text("<script>alert(1)</script>")  # shown as text, never run
    expect(box).to_have_value("")
    page.wait_for_timeout(300)  # our answer and the live push may both bring it: it shows once
    expect(comment).to_have_count(1)
    page.reload()
    expect(page.locator("#issue-timeline .comment-body strong")).to_have_text("great")
    assert not errors, errors


def test_keyboard_selection_and_status_picker_on_the_list(page, ada, f, errors):
    user, team = ada
    f.issue(team, user, title="First")
    f.issue(team, user, title="Second")
    log_in(page, user)
    page.goto("/team/ENG/issues")
    page.mouse.move(0, 0)
    body = page.locator("body")
    body.press("j")
    body.press("j")
    expect(page.locator("#issue-ENG-1")).to_have_class(re.compile("is-selected"))
    body.press("s")
    picker = page.locator("#issue-picker")
    expect(picker).to_be_visible()
    picker.get_by_role("option", name="In Progress").click()
    expect(page.locator("#group-rows-in_progress #issue-ENG-1")).to_be_visible()
    expect(page.locator("#issue-ENG-1")).to_have_attribute("data-version", "2")
    expect(page.locator("#group-in_progress .group-count")).to_have_text("1")
    expect(page.locator("#group-backlog .group-count")).to_have_text("1")
    page.goto("/issue/ENG-1")
    expect(page.locator("#prop-status")).to_have_value("in_progress")
    body.press("p")
    page.locator("#issue-picker").get_by_role("option", name="High").click()
    expect(page.locator("#prop-priority")).to_have_value("1")
    page.locator("#prop-status").select_option("done")  # a picker in the panel saves at once
    expect(page.locator("#issue-version")).to_have_value("4")
    page.reload()
    expect(page.locator("#prop-status")).to_have_value("done")
    body.press("?")
    expect(page.locator("#shortcuts-dialog")).to_be_visible()
    body.press("Escape")
    expect(page.locator("#shortcuts-dialog")).to_be_hidden()
    assert not errors, errors


def test_edit_title_in_place(page, ada, f, errors):
    user, team = ada
    f.issue(team, user, title="Old title")
    log_in(page, user)
    page.goto("/issue/ENG-1")
    title = page.locator("#issue-title-field")
    title.fill("New title")
    title.press("Enter")
    expect(page.locator("#issue-version")).to_have_value("2")
    page.reload()
    expect(page.locator("#issue-title-field")).to_have_value("New title")
    expect(page.locator("#issue-timeline")).to_contain_text("renamed the issue to “New title”")
    assert not errors, errors


def test_export_csv_downloads_the_filtered_list(page, ada, f, errors):
    user, team = ada
    f.issue(team, user, title="=formula", status="todo")
    f.issue(team, user, title="hidden by filter")
    log_in(page, user)
    page.goto("/team/ENG/issues?status=todo")
    with page.expect_download() as info:
        page.get_by_role("link", name="Export CSV").click()
    download = info.value
    assert re.fullmatch(r"linear_web-eng-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    text = open(download.path(), encoding="utf-8-sig").read()
    lines = text.splitlines()
    assert lines[0] == "identifier,title,status,priority,team,project,assignee,creator,created_at,updated_at,labels,parent,due_date,estimate,cycle"
    assert len(lines) == 2 and lines[1].startswith("ENG-1,'=formula,todo,")
    assert not errors, errors


def test_bulk_edit_selected_rows(page, ada, f, errors):
    user, team = ada
    for title in ("one", "two", "three"):
        f.issue(team, user, title=title)
    log_in(page, user)
    page.goto("/team/ENG/issues")
    bar = page.locator("#issue-bulk")
    expect(bar).to_be_hidden()
    page.get_by_label("Select ENG-1").check()
    page.mouse.move(0, 0)
    body = page.locator("body")
    body.press("Escape")  # clear the hover highlight, then j picks the first row (ENG-3, newest)
    body.press("j")
    expect(page.locator("#issue-ENG-3")).to_have_class(re.compile("is-selected"))
    body.press("x")
    expect(bar).to_be_visible()
    expect(bar.locator("[data-bulk-count]")).to_have_text("2")
    bar.get_by_label("Set status").select_option("done")
    bar.get_by_label("Set assignee").select_option(label="Bob Stone")
    bar.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Updated 2 issues.")).to_be_visible()
    expect(page.locator("#group-rows-done .issue-row")).to_have_count(2)
    expect(page.locator("#group-rows-done #issue-ENG-3 .row-assignee")).to_have_text("BS")
    expect(page.locator("#group-rows-backlog #issue-ENG-2")).to_be_visible()
    expect(page.locator("#group-done .group-count")).to_have_text("2")
    expect(page.locator("#group-backlog .group-count")).to_have_text("1")
    expect(bar).to_be_hidden()
    assert not errors, errors


def test_new_issue_dialog_from_another_page_goes_to_the_issue(page, ada, f, errors):
    user, team = ada
    f.issue(team, user, title="Existing")
    log_in(page, user)
    page.goto("/issue/ENG-1")
    page.get_by_role("link", name="New issue").click()  # the sidebar button opens the dialog too
    expect(page.locator("#issue-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#issue-dialog")).to_have_count(0)
    page.locator("body").press("c")
    dialog = page.locator("#issue-dialog")
    dialog.get_by_label("Title").fill("Second one")
    dialog.get_by_role("button", name="Create issue").click()
    expect(page).to_have_url(re.compile(r"/issue/ENG-2$"))
    expect(page.locator("#issue-title-field")).to_have_value("Second one")
    expect(page.get_by_text("Created ENG-2.")).to_be_visible()
    assert not errors, errors


def test_edit_description_with_preview(page, ada, f, errors):
    user, team = ada
    f.issue(team, user, title="Describe me")
    log_in(page, user)
    page.goto("/issue/ENG-1")
    page.get_by_role("button", name="Edit description").click()
    area = page.get_by_label("Description (Markdown)")
    expect(area).to_be_focused()
    area.fill("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [ ] task\n\n**bold**")
    page.locator("#issue-description").get_by_role("button", name="Preview").click()
    preview = page.locator("#description-preview")
    expect(preview.locator("table td").first).to_have_text("1")
    expect(preview.locator("strong")).to_have_text("bold")
    page.locator("#issue-description").get_by_role("button", name="Save").click()
    view = page.locator("#issue-description .description-view")
    expect(view.locator("strong")).to_have_text("bold")
    expect(view.locator("input[type=checkbox]")).to_have_count(1)
    expect(page.locator("#issue-version")).to_have_value("2")
    page.reload()
    expect(page.locator("#issue-timeline")).to_contain_text("updated the description")
    assert not errors, errors
