"""Browser journeys for the command palette (Ctrl/Cmd+K) and the go-to keys: open an issue found by a
word of its title, set the open issue's status in two steps, change the list's selected rows, switch
the theme, and come back to where the focus was on Escape."""
import re

import pytest
from playwright.sync_api import expect

from .journeys import console_errors, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def errors(page):
    return console_errors(page)


def palette(page):
    return page.get_by_role("dialog", name="Command palette")


def ready(page):
    """The page's scripts ran (keys pressed sooner would reach no handler)."""
    page.wait_for_function("() => window.linearWeb && window.linearWeb.palette")


def open_palette(page):
    ready(page)
    page.keyboard.press("Control+k")
    box = palette(page).get_by_role("combobox")
    expect(palette(page)).to_be_visible()
    expect(box).to_be_focused()
    return box


def active_option(page):
    return palette(page).get_by_role("option", selected=True)


def test_find_an_issue_by_a_word_of_its_title_and_open_it(page, eng, f, errors):
    f.issue(eng.team, eng.admin, title="Zeppelin lands on the roof")
    f.issue(eng.team, eng.admin, title="Unrelated chore")
    log_in(page, eng.admin)
    requests: list = []
    page.on("request", lambda r: requests.append(r.url) if "/palette/" in r.url else None)
    page.goto("/team/ENG/issues")
    box = open_palette(page)
    expect(palette(page).get_by_role("group", name="Commands")).to_be_visible()
    assert requests == []  # opening fetches nothing
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press_sequentially("zeppelin")
    issues = palette(page).get_by_role("group", name="Issues")
    expect(issues.get_by_role("option")).to_have_count(1)
    expect(active_option(page)).to_contain_text("ENG-1")
    expect(box).to_have_attribute("aria-activedescendant", "palette-issue-ENG-1")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/issue/ENG-1$"))
    expect(page.locator("#issue-title-field")).to_have_value("Zeppelin lands on the roof")
    assert not errors, errors


def test_set_the_open_issues_status_in_two_steps(page, eng, f, errors):
    f.issue(eng.team, eng.admin, title="Crash")
    log_in(page, eng.admin)
    page.goto("/issue/ENG-1")
    expect(page.locator("#prop-status")).to_have_value("backlog")
    box = open_palette(page)
    expect(palette(page).get_by_role("group", name="Actions · ENG-1")).to_be_visible()
    box.press_sequentially("status")
    expect(active_option(page)).to_contain_text("Set status…")
    box.press("Enter")
    expect(palette(page).get_by_role("group", name="Status · ENG-1")).to_be_visible()
    expect(box).to_have_value("")
    box.press_sequentially("do")
    expect(active_option(page)).to_have_text("Done")
    box.press("Enter")
    expect(palette(page)).to_be_hidden()
    expect(page.locator("#prop-status")).to_have_value("done")
    expect(page.locator("#issue-version")).to_have_value("2")
    page.reload()
    expect(page.locator("#prop-status")).to_have_value("done")
    assert not errors, errors


def test_change_the_selected_rows_and_move_an_issue(page, eng, f, errors):
    ops = f.team(eng.admin, key="OPS", name="Operations")
    f.issue(eng.team, eng.admin, title="First")
    f.issue(eng.team, eng.admin, title="Second")
    f.issue(eng.team, eng.admin, title="Third")
    log_in(page, eng.admin)
    page.goto("/team/ENG/issues")
    page.locator("#issue-ENG-1 .row-check").check()
    page.locator("#issue-ENG-3 .row-check").check()
    box = open_palette(page)
    expect(palette(page).get_by_role("group", name="Actions · 2 issues")).to_be_visible()
    box.press_sequentially("priority")
    box.press("Enter")
    palette(page).get_by_role("option", name="High").click()
    expect(page.locator("#issue-ENG-1")).to_have_attribute("data-priority", "1")
    expect(page.locator("#issue-ENG-3")).to_have_attribute("data-priority", "1")
    expect(page.locator("#issue-ENG-2")).to_have_attribute("data-priority", "0")
    expect(page.locator("#flash")).to_contain_text("Updated 2 issues.")
    # A due date has no bulk form: one request per row, then the list reloads.
    page.locator("#issue-ENG-1 .row-check").check()
    page.locator("#issue-ENG-3 .row-check").check()
    box = open_palette(page)
    box.press_sequentially("due date")
    box.press("Enter")
    box.press_sequentially("tomorrow")
    box.press("Enter")
    expect(page.locator("#issue-ENG-1 .due-date")).to_be_visible()
    expect(page.locator("#issue-ENG-3 .due-date")).to_be_visible()
    expect(page.locator("#issue-ENG-2 .due-date")).to_have_count(0)
    # On the issue page: move it to another team; it opens under its new identifier.
    page.goto("/issue/ENG-2")
    box = open_palette(page)
    box.press_sequentially("move")
    box.press("Enter")
    expect(palette(page).get_by_role("option")).to_have_count(1)  # the other team only
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/issue/OPS-1$"))
    expect(page.locator("#flash")).to_contain_text("Moved to Operations as OPS-1.")
    assert ops.key == "OPS"
    assert not errors, errors


def test_go_to_keys_reach_the_inbox_and_the_board(page, eng, errors):
    log_in(page, eng.admin)
    page.goto("/team/ENG/issues")
    ready(page)
    body = page.locator("body")
    body.press("g")
    body.press("i")
    expect(page).to_have_url(re.compile(r"/inbox$"))
    ready(page)
    body.press("g")
    body.press("b")  # no current team on the inbox: the first team's board
    expect(page).to_have_url(re.compile(r"/team/ENG/board$"))
    ready(page)
    body.press("?")
    shortcuts = page.locator("#shortcuts-dialog")
    expect(shortcuts).to_be_visible()
    for heading in ("Navigation", "Issues", "Command palette", "General"):
        expect(shortcuts.get_by_role("heading", name=heading)).to_be_visible()
    body.press("Escape")
    expect(shortcuts).to_be_hidden()
    assert not errors, errors


def test_escape_closes_and_the_focus_returns(page, eng, f, errors):
    f.issue(eng.team, eng.admin, title="Crash")
    log_in(page, eng.admin)
    page.goto("/team/ENG/issues")
    check = page.locator("#issue-ENG-1 .row-check")
    check.focus()
    box = open_palette(page)
    box.press_sequentially("zzz")
    box.press("Tab")  # the focus stays in the box
    expect(box).to_be_focused()
    box.press("Escape")
    expect(palette(page)).to_be_hidden()
    expect(check).to_be_focused()
    # Ctrl+K works while typing in a field, and again on a page's search box.
    search = page.get_by_role("searchbox", name="Search issues")
    search.focus()
    box = open_palette(page)
    expect(box).to_have_value("")
    page.keyboard.press("Escape")
    expect(search).to_be_focused()
    assert not errors, errors


def test_switch_the_theme_and_it_stays(page, eng, errors):
    page.emulate_media(color_scheme="light")
    log_in(page, eng.admin)
    box = open_palette(page)
    box.press_sequentially("theme dark")
    expect(active_option(page)).to_contain_text("Switch theme: dark")
    box.press("Enter")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(22, 23, 27)"
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    box = open_palette(page)
    expect(active_option(page)).to_contain_text("Switch theme: dark")  # the last used command comes first
    box.press_sequentially("theme system")
    box.press("Enter")
    expect(page.locator("html")).not_to_have_attribute("data-theme", re.compile("."))
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != "rgb(22, 23, 27)"
    assert not errors, errors


def test_toggle_labels_and_type_a_due_date_on_the_issue_page(page, eng, f, errors):
    from linear_web.services import labels
    bug = labels.create_label(eng.admin, eng.team.id, "Bug", "#ef4444")
    labels.create_label(eng.admin, eng.team.id, "Docs", "#3b82f6")
    f.issue(eng.team, eng.admin, title="Crash", label_ids=[str(bug.id)])
    log_in(page, eng.admin)
    page.goto("/issue/ENG-1")
    chips = page.locator("#issue-properties .label-chip")
    for typed, after in (("docs", ["Bug", "Docs"]), ("bug", ["Docs"])):  # picking a label toggles it
        box = open_palette(page)
        box.press_sequentially("labels")
        box.press("Enter")
        box.press_sequentially(typed)
        box.press("Enter")
        expect(chips).to_have_text(after)
    box = open_palette(page)
    box.press_sequentially("due date")
    box.press("Enter")
    box.press_sequentially("2031-05-06")
    expect(active_option(page)).to_have_text("Due on 2031-05-06")
    box.press("Enter")
    expect(page.locator("#prop-due")).to_have_value("2031-05-06")
    box = open_palette(page)  # Backspace in an empty box goes back to the commands
    box.press_sequentially("due date")
    box.press("Enter")
    expect(palette(page).locator("#palette-step")).to_have_text("ENG-1 › Due date")
    box.press("Backspace")
    expect(palette(page).locator("#palette-step")).to_be_hidden()
    expect(palette(page).get_by_role("group", name="Commands")).to_be_visible()
    box.press("Escape")
    assert not errors, errors
