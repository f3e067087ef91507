"""Browser journeys for the inbox: mentioning a teammate with the autocomplete, the live unread badge,
the inbox page and its keyboard shortcut."""
import re

import pytest
from playwright.sync_api import expect

from linear_web.services import issues, teams

from .journeys import console_errors, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def errors(page):
    return console_errors(page)


@pytest.fixture
def grace(f, eng):
    """Grace Hopper, a member of ENG."""
    user = f.user(name="Grace Hopper", email="grace@example.com")
    teams.add_member(eng.admin, eng.team.id, user_id=str(user.id))
    return user


def test_mention_grace_with_the_autocomplete_and_she_is_told(page, new_page, eng, grace, f, errors):
    t, ada, _bob = eng
    f.issue(t, ada, title="Review the parser")
    log_in(page, ada)
    page.goto("/issue/ENG-1")
    box = page.locator("#comment-body")
    box.click()
    box.press_sequentially("Could you look, @gr")
    listbox = page.get_by_role("listbox", name="Mention a teammate")
    expect(listbox).to_be_visible()
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("option").first).to_contain_text("Grace Hopper")
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(box).to_have_attribute("aria-activedescendant", "mention-option-0")
    box.press("ArrowDown")                        # one option: the highlight stays on it
    expect(listbox.get_by_role("option", selected=True)).to_contain_text("Grace Hopper")
    box.press("Enter")
    expect(box).to_have_value("Could you look, @grace ")
    expect(listbox).to_be_hidden()
    box.press_sequentially("please? @zz")
    expect(page.locator(".mention-listbox")).to_contain_text("No teammate matches")
    box.press("Escape")                           # closes the list, keeps the text
    expect(page.locator(".mention-listbox")).to_be_hidden()
    expect(box).to_have_value("Could you look, @grace please? @zz")
    page.get_by_role("button", name="Comment", exact=True).click()
    comment = page.locator("#issue-timeline .comment").last
    expect(comment.locator("a.mention")).to_have_text("@grace")
    expect(box).to_have_value("")

    grace_page = new_page()
    grace_errors = console_errors(grace_page)
    log_in(grace_page, grace)
    expect(grace_page.locator("#inbox-badge")).to_have_attribute("aria-label", "1 unread")
    grace_page.wait_for_function("() => window.linearWeb && window.linearWeb.shortcuts['g i']")  # scripts ran
    grace_page.locator("body").press("g")
    grace_page.locator("body").press("i")         # g i: the inbox
    expect(grace_page).to_have_url(re.compile(r"/inbox$"))
    row = grace_page.locator(".inbox-item").first
    expect(row).to_contain_text("Ada Lovelace mentioned you in ENG-1 Review the parser")
    expect(row).to_have_class("inbox-item is-unread")
    row.get_by_role("link").click()
    expect(grace_page.locator("h1, #issue-title").first).to_be_visible()
    assert "/issue/ENG-1#comment-" in grace_page.url
    expect(grace_page.locator("#inbox-badge")).to_be_hidden()
    assert not errors, errors
    assert not grace_errors, grace_errors


def test_mention_in_a_new_issue_from_the_create_dialog(page, eng, grace, f, errors):
    log_in(page, eng.admin)
    page.goto("/team/ENG/issues")
    page.locator("body").press("c")                       # the create dialog, swapped in by htmx
    page.locator("#new-issue-title").fill("Parser crash")
    box = page.locator("#new-issue-description")
    box.click()
    box.press_sequentially("Seen by @gra")
    listbox = page.get_by_role("listbox", name="Mention a teammate")
    expect(listbox.get_by_role("option")).to_have_count(1)
    box.press("Enter")
    expect(box).to_have_value("Seen by @grace ")
    expect(listbox).to_be_hidden()
    page.locator("#issue-form").get_by_role("button", name=re.compile("^Create")).click()
    expect(page.locator("#issue-list")).to_contain_text("Parser crash")
    from linear_web.services import notifications
    told = notifications.list_notifications(grace)[0]
    assert [(n.type, n.issue.title) for n in told] == [("mentioned", "Parser crash")]
    assert not errors, errors


def test_an_open_page_shows_the_unread_badge_when_someone_assigns_you(page, eng, f, errors):
    t, ada, bob = eng
    issue = f.issue(t, ada, title="Ship it")
    log_in(page, bob)
    page.goto("/team/ENG/issues")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    badge = page.locator("#inbox-badge")
    expect(badge).to_be_hidden()
    page.evaluate("window.__sameDocument = true")
    issues.update_issue(ada, issue.id, {"assignee_id": str(bob.id)})
    expect(badge).to_be_visible(timeout=5000)
    expect(badge).to_have_text("1")
    expect(badge).to_have_attribute("aria-label", "1 unread")
    assert page.evaluate("window.__sameDocument") is True     # no reload
    page.get_by_role("link", name="Inbox").click()
    expect(page.locator(".inbox-item")).to_contain_text("Ada Lovelace assigned you ENG-1 Ship it")
    assert not errors, errors


def test_the_account_page_and_the_inbox_follow_new_notifications_live(page, eng, f, errors):
    t, ada, bob = eng
    first, second = f.issue(t, ada, title="First"), f.issue(t, ada, title="Second")
    log_in(page, bob)
    page.goto("/account")
    badge = page.locator("#inbox-badge")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    issues.update_issue(ada, first.id, {"assignee_id": str(bob.id)})
    expect(badge).to_have_text("1", timeout=5000)
    page.goto("/inbox")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    expect(page.locator(".inbox-item")).to_have_count(1)
    page.evaluate("window.__sameDocument = true")
    issues.update_issue(ada, second.id, {"assignee_id": str(bob.id)})
    expect(page.locator(".inbox-item").first).to_contain_text("Ada Lovelace assigned you ENG-2 Second", timeout=5000)
    expect(page.locator(".inbox-item")).to_have_count(2)
    expect(badge).to_have_text("2")
    assert page.evaluate("window.__sameDocument") is True     # no reload
    assert not errors, errors


def test_subscribe_from_the_issue_page_and_filter_the_inbox(page, eng, f, errors):
    t, ada, bob = eng
    issue = f.issue(t, ada, title="Watch this")
    log_in(page, bob)
    page.goto("/issue/ENG-1")
    section = page.locator("#issue-subscription")
    section.get_by_role("button", name="Subscribe").click()
    expect(section.get_by_role("button", name="Unsubscribe")).to_be_visible()
    expect(section).to_contain_text("Bob Stone")
    issues.update_issue(ada, issue.id, {"status": "done"})
    page.goto("/inbox")
    expect(page.locator(".inbox-item")).to_contain_text("Ada Lovelace changed the status of ENG-1 Watch this to Done")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator(".inbox-item.is-unread")).to_have_count(0)
    page.get_by_label("Unread only").check()
    expect(page.locator("#inbox-list")).to_contain_text("No unread notifications.")
    assert page.url.endswith("/inbox?unread=true")
    assert not errors, errors
