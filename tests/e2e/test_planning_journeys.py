"""Browser journeys for planning on the issue page: labels from the picker (one created there),
a sub-issue and its parent's progress, a "blocked by" relation seen from both issues."""
import re

import pytest
from playwright.sync_api import expect

from linear_web.services import labels
from tests.realtime.conftest import session_cookie

from .journeys import console_errors, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def errors(page):
    return console_errors(page, "status of 422", "status of 409")  # refusals the journeys provoke


def test_add_two_labels_from_the_picker_one_created_there(page, eng, f, errors):
    team, ada = eng.team, eng.admin
    labels.create_label(ada, team.id, "Bug", "#ef4444")
    labels.create_label(ada, team.id, "Docs", "#22c55e")
    f.issue(team, ada, title="Checkout fails")
    log_in(page, ada)
    page.goto("/issue/ENG-1")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    page.locator("body").press("l")
    picker = page.locator("#planning-picker")
    expect(picker).to_be_visible()
    expect(picker.get_by_text("Labels of ENG-1")).to_be_visible()
    search = picker.get_by_label("Filter labels, or name a new one")
    expect(search).to_be_focused()
    search.fill("bu")                                   # type to filter: Docs hides
    expect(picker.get_by_label("Docs")).to_be_hidden()
    picker.get_by_label("Bug").check()
    search.fill("Frontend")                             # no such label: offer to create it
    create = picker.get_by_role("button", name="Create label “Frontend”")
    expect(create).to_be_visible()
    create.click()
    expect(picker.get_by_label("Frontend")).to_be_checked()
    expect(picker.get_by_label("Bug")).to_be_checked()
    picker.get_by_label("Filter labels, or name a new one").press("Escape")   # closing saves
    expect(picker).to_be_hidden()
    chips = page.locator("#issue-properties .label-chip")
    expect(chips).to_have_text(["Bug", "Frontend"])
    # The colour reaches the chip through CSSOM (no style attribute under the CSP).
    chip = page.locator("#issue-properties .label-chip", has_text="Bug")
    expect(chip).to_be_visible()  # its dot (::before) painted in the label's colour through CSSOM
    # (Polled: the page's own live push may swap the panel in between, and a detached chip has no style.)
    page.wait_for_function("""() => [...document.querySelectorAll('#issue-properties .label-chip')].some(el =>
        el.textContent.trim() === 'Bug' && getComputedStyle(el, '::before').backgroundColor === 'rgb(239, 68, 68)')""",
                           timeout=5000)
    page.reload()
    expect(page.locator("#issue-properties .label-chip")).to_have_text(["Bug", "Frontend"])
    expect(page.locator("#live")).to_have_attribute("data-state", "live")   # the page's scripts ran
    # A name over 50 characters: the message sits in the picker, nothing is created.
    page.locator("body").press("l")
    expect(picker.get_by_label("Filter labels, or name a new one")).to_be_focused()
    picker.get_by_label("Filter labels, or name a new one").fill("x" * 51)
    # Enter once the picker offers to create it (typing re-filters the picker first).
    expect(picker.get_by_role("button", name="Create label “" + "x" * 51 + "”")).to_be_visible()
    picker.get_by_label("Filter labels, or name a new one").press("Enter")
    expect(picker.get_by_text("Name must be at most 50 characters")).to_be_visible()
    assert not errors, errors


def test_add_a_sub_issue_and_watch_the_parents_progress(page, new_page, app, live_server, eng, f, errors):
    team, ada = eng.team, eng.admin
    f.issue(team, ada, title="Launch the website")
    log_in(page, ada)
    page.goto("/issue/ENG-1")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    section = page.locator("#issue-sub-issues")
    section.get_by_label("Sub-issue title").fill("Write the copy")
    section.get_by_role("button", name="Add sub-issue").click()
    expect(section.locator(".sub-issue")).to_have_count(1)
    expect(section.locator("#sub-issue-ENG-2")).to_contain_text("Write the copy")
    expect(section.locator("[data-sub-progress]")).to_have_text("0/1")
    expect(section.get_by_label("Sub-issue title")).to_have_value("")
    # The child, in another browser: its breadcrumb names the parent; it is marked Done there.
    child = new_page()
    child.context.add_cookies([{"name": "session", "value": session_cookie(app, ada), "url": live_server.url}])
    child.goto("/issue/ENG-2")
    expect(child.locator("#issue-crumbs")).to_contain_text(re.compile(r"Engineering\s*›\s*ENG-1 Launch the website\s*›\s*ENG-2"))
    child.locator("#prop-status").select_option("done")
    expect(child.locator("#issue-properties .status-icon.status-done")).to_be_visible()
    # The open parent page follows.
    expect(section.locator("[data-sub-progress]")).to_have_text("1/1")
    expect(section.locator("#sub-issue-ENG-2 .status-icon")).to_have_class(re.compile("status-done"))
    assert not errors, errors


def test_mark_an_issue_blocked_by_another_and_see_it_on_both(page, eng, f, errors):
    team, ada = eng.team, eng.admin
    f.issue(team, ada, title="Checkout page")
    f.issue(team, ada, title="Payment provider contract", status="in_progress")
    log_in(page, ada)
    page.goto("/issue/ENG-1")
    panel = page.locator("#issue-relations")
    panel.get_by_label("Relation").select_option("blocked_by")
    panel.get_by_label("Issue to relate").fill("payment")
    candidate = panel.get_by_role("button", name=re.compile("ENG-2 Payment provider contract"))
    expect(candidate).to_be_visible()
    candidate.click()
    expect(panel.locator(".relation-type")).to_have_text(["Blocked by"])
    expect(panel.locator(".relation")).to_contain_text(["ENG-2 Payment provider contract"])
    expect(panel.locator(".relation .status-icon")).to_have_class(re.compile("status-in_progress"))
    # The same pair again, typed as an identifier: refused with a message in the panel.
    panel.get_by_label("Issue to relate").fill("ENG-2")
    panel.get_by_label("Issue to relate").press("Enter")
    expect(panel.get_by_text("ENG-1 and ENG-2 are already related.")).to_be_visible()
    page.goto("/issue/ENG-2")
    other = page.locator("#issue-relations")
    expect(other.locator(".relation-type")).to_have_text(["Blocks"])
    expect(other.locator(".relation")).to_contain_text(["ENG-1 Checkout page"])
    other.get_by_role("button", name="Remove “Blocks ENG-1”").click()
    expect(other.get_by_text("No related issues")).to_be_visible()
    assert not errors, errors


def test_label_and_estimate_pickers_on_a_list_row(page, eng, f, errors):
    from linear_web.services import teams
    team, ada = eng.team, eng.admin
    teams.update_team(ada, team.id, estimates="tshirt")
    labels.create_label(ada, team.id, "Bug", "#ef4444")
    f.issue(team, ada, title="Only row")
    log_in(page, ada)
    page.goto("/team/ENG/issues")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    body = page.locator("body")
    body.press("j")
    body.press("e")
    picker = page.locator("#planning-picker")
    expect(picker.get_by_text("Estimate of ENG-1")).to_be_visible()
    picker.get_by_role("button", name="XL").click()
    expect(picker).to_be_hidden()
    body.press("l")
    expect(picker.get_by_text("Labels of ENG-1")).to_be_visible()
    picker.get_by_label("Bug").check()
    picker.get_by_role("button", name="Done").click()
    expect(picker).to_be_hidden()
    expect(page.locator("#issue-ENG-1")).to_be_visible()
    page.goto("/issue/ENG-1")
    expect(page.locator("#issue-properties .label-chip")).to_have_text(["Bug"])
    expect(page.locator("#prop-estimate")).to_have_value("8")
    body.press("Shift+D")
    expect(page.locator("#prop-due")).to_be_focused()
    assert not errors, errors
