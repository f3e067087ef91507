"""Browser journeys: drag a card to Done (it stays after reload), keyboard moves, a refused move
rolls back with a message, search from the header box and open a result."""
import re

import pytest
from playwright.sync_api import expect

from linear_web.infra.extensions import db
from linear_web.models import Issue
from linear_web.services import issues

from ..factories import PASSWORD

pytestmark = pytest.mark.e2e


def _login(page, user):
    page.goto("/login")
    page.fill("#field-email", user.email)
    page.fill("#field-password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))


def _stored_status(issue_id) -> str:
    db.session.expire_all()
    return db.session.get(Issue, issue_id).status


@pytest.fixture
def board_page(page, f):
    ada = f.user(name="Ada Lovelace")
    team = f.team(ada, key="ENG")
    issue = f.issue(team, ada, title="Drag me to done", status="todo", priority=1, assignee_id=ada.id)
    f.issue(team, ada, title="Already finished", status="done")
    problems = []
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    _login(page, ada)
    page.goto("/team/ENG/board")
    return page, ada, issue, problems


def test_drag_card_to_done_and_it_stays_after_reload(board_page):
    page, _, issue, problems = board_page
    card = page.locator("#card-ENG-1")
    expect(card).to_be_visible()
    done = page.locator('.board-cards[data-status="done"]')
    with page.expect_response(lambda r: "/board/move" in r.url) as answer:
        card.drag_to(done)
    assert answer.value.status == 200
    expect(page.locator('.board-cards[data-status="done"] #card-ENG-1')).to_be_visible()
    expect(page.locator('.board-column[data-status="done"] .board-count')).to_have_text("2")
    expect(page.locator('.board-column[data-status="todo"] .board-count')).to_have_text("0")
    expect(page.locator("#board-count-done")).to_have_attribute("aria-label", "2 issues")
    page.reload()
    expect(page.locator('.board-cards[data-status="done"] #card-ENG-1')).to_be_visible()
    expect(page.locator('.board-cards[data-status="todo"] .board-card')).to_have_count(0)
    assert _stored_status(issue.id) == "done"
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_keyboard_moves_a_card_and_announces_it(board_page):
    page, _, issue, _ = board_page
    page.locator("#card-ENG-1").focus()
    with page.expect_response(lambda r: "/board/move" in r.url) as answer:
        page.keyboard.press("]")
    assert answer.value.status == 200
    expect(page.locator('.board-cards[data-status="in_progress"] #card-ENG-1')).to_be_visible()
    expect(page.locator("#board-live")).to_contain_text("ENG-1")
    expect(page.locator("#card-ENG-1")).to_be_focused()
    expect(page.locator("#board-count-in_progress")).to_have_text("1")
    expect(page.locator("#board-count-todo")).to_have_text("0")
    with page.expect_response(lambda r: "/board/move" in r.url):
        page.keyboard.press("Shift+ArrowRight")
    expect(page.locator('.board-cards[data-status="done"] #card-ENG-1')).to_be_visible()
    assert _stored_status(issue.id) == "done"
    # Shift+Down moves it below ENG-2 within Done, and that order survives a reload.
    expect(page.locator('.board-cards[data-status="done"] .board-card').first).to_have_id("card-ENG-1")
    with page.expect_response(lambda r: "/board/move" in r.url) as answer:
        page.keyboard.press("Shift+ArrowDown")
    assert answer.value.status == 200
    expect(page.locator("#board-live")).to_contain_text("position 2 of 2")
    page.reload()
    expect(page.locator('.board-cards[data-status="done"] .board-card').first).to_have_id("card-ENG-2")


def test_stale_move_rolls_back_with_a_message(board_page, f):
    page, ada, issue, _ = board_page
    bob = f.user(name="Bob Stone")
    f.add_member(issue.team, bob)
    # The live push swaps in the new card and the board re-fetches itself; a page that missed the
    # event (a dropped socket) would still hold the old version: make this page that page.
    expect(page.locator("#live")).to_have_attribute("data-state", "live")  # subscribed: no event lost
    with page.expect_response(lambda r: "/team/ENG/board" in r.url and r.request.method == "GET"):
        issues.update_issue(bob, issue.id, {"title": "Renamed by Bob"})
    expect(page.locator("#card-ENG-1")).to_contain_text("Renamed by Bob")
    page.evaluate("document.querySelector('#card-ENG-1').dataset.version = '1'")
    with page.expect_response(lambda r: "/board/move" in r.url) as answer:
        page.locator("#card-ENG-1").drag_to(page.locator('.board-cards[data-status="backlog"]'))
    assert answer.value.status == 409
    expect(page.locator("#board-message")).to_contain_text("Bob Stone")
    expect(page.locator('.board-cards[data-status="todo"] #card-ENG-1')).to_contain_text("Renamed by Bob")
    expect(page.locator('.board-column[data-status="backlog"] .board-count')).to_have_text("0")
    expect(page.locator("#board-count-todo")).to_have_text("1")
    assert _stored_status(issue.id) == "todo"


def test_search_from_the_header_box_and_open_a_result(page, f):
    ada = f.user(name="Ada")
    team = f.team(ada, key="ENG")
    f.issue(team, ada, title="Payment webhook retries", description="Stripe sends events twice")
    f.issue(team, ada, title="Unrelated chore")
    _login(page, ada)
    page.goto("/search")
    page.locator("body").click()
    page.keyboard.press("/")
    box = page.locator("#header-search-input")
    expect(box).to_be_focused()
    box.press_sequentially("webho", delay=30)
    result = page.locator("#search-results .search-result-link")
    expect(result).to_have_count(1)
    expect(result).to_contain_text("ENG-1")
    result.click()
    page.wait_for_url(re.compile(r"/issue/ENG-1$"))
    expect(page).to_have_title(re.compile(r"ENG-1 Payment webhook retries"))


def test_search_page_shows_ranked_results(page, f):
    ada = f.user(name="Ada")
    team = f.team(ada, key="ENG")
    f.issue(team, ada, title="Export mentions invoices", description="")
    f.issue(team, ada, title="Invoices are wrong", description="invoices invoices")
    _login(page, ada)
    page.goto("/")
    page.fill("#header-search-input", "invoices")
    page.press("#header-search-input", "Enter")
    page.wait_for_url(re.compile(r"/search\?q=invoices"))
    expect(page.locator("#search-page-results .search-result")).to_have_count(2)
