"""Browser journeys for planning on the list and the board: filter by a label from the filter menu
(coloured chips under the strict CSP), and a card marked "blocked" live when another user relates
an issue to it."""
import pytest
from playwright.sync_api import expect

from linear_web.services import labels, relations
from tests.realtime.conftest import session_cookie

pytestmark = pytest.mark.e2e

PROBLEMS: list = []


@pytest.fixture(autouse=True)
def _no_script_or_csp_errors():
    PROBLEMS.clear()
    yield
    assert PROBLEMS == []


def open_as(new_page, app, live_server, user, path):
    page = new_page()
    page.on("pageerror", lambda err: PROBLEMS.append(str(err)))
    page.on("console", lambda msg: PROBLEMS.append(msg.text)
            if msg.type == "error" and "Content Security Policy" in msg.text else None)
    page.context.add_cookies([{"name": "session", "value": session_cookie(app, user), "url": live_server.url}])
    page.goto(path)
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    return page


def test_filter_the_list_by_one_label_from_the_menu(new_page, app, live_server, f):
    ada = f.user(name="Ada Admin")
    team = f.team(ada, key="LAB")
    bug = labels.create_label(ada, team.id, "Bug", "#ef4444")
    ux = labels.create_label(ada, team.id, "Design", "#3b82f6")
    f.issue(team, ada, title="Crash on save", label_ids=[str(bug.id)])
    f.issue(team, ada, title="New icons", label_ids=[str(ux.id)])
    f.issue(team, ada, title="Both kinds", label_ids=[str(bug.id), str(ux.id)])
    f.issue(team, ada, title="No labels")
    page = open_as(new_page, app, live_server, ada, "/team/LAB/issues")
    expect(page.locator(".issue-row")).to_have_count(4)
    chip = page.locator("#issue-LAB-1 .label-chip")
    expect(chip).to_have_text("Bug")
    # The colour arrives through CSSOM (no style attribute under the CSP).
    assert chip.evaluate("el => el.style.getPropertyValue('--label-color')") == "#ef4444"
    page.locator("#filter-labels summary").click()
    with page.expect_response(lambda r: "/team/LAB/issues" in r.url and "label_id=" in r.url) as answer:
        page.locator("#filter-labels label").filter(has_text="Bug").locator("input").check()
    assert answer.value.status == 200
    expect(page.locator(".issue-row")).to_have_count(2)
    expect(page.locator("#issue-LAB-1")).to_be_visible()
    expect(page.locator("#issue-LAB-3")).to_be_visible()
    assert f"label_id={bug.id}" in page.url and "due_after" not in page.url and "parent_id" not in page.url
    # The chips of the new rows are painted too.
    assert page.locator("#issue-LAB-3 .label-chip").first.evaluate(
        "el => el.style.getPropertyValue('--label-color')") == "#ef4444"
    page.reload()  # the URL is the state
    expect(page.locator(".issue-row")).to_have_count(2)
    expect(page.locator("#filter-labels input[value='%s']" % bug.id)).to_be_checked()


def test_a_card_shows_blocked_live_when_another_user_relates_issues(new_page, app, live_server, f):
    ada, bob = f.user(name="Ada Admin"), f.user(name="Bob Builder")
    team = f.team(ada, key="BLK", members=[bob])
    blocker = f.issue(team, ada, title="Fix the database", status="in_progress")
    target = f.issue(team, ada, title="Ship the release", status="todo")
    board = open_as(new_page, app, live_server, ada, "/team/BLK/board")
    card = board.locator("#card-BLK-2")
    expect(card).to_be_visible()
    expect(card.locator(".blocked-mark")).to_have_count(0)
    board.evaluate("window.__sameDocument = true")
    relations.add_relation(bob, blocker.id, "blocks", target.id)      # as Bob would over the API
    expect(card.locator(".blocked-mark")).to_have_text("Blocked", timeout=5000)
    expect(board.locator("#card-BLK-1 .blocked-mark")).to_have_count(0)
    assert board.evaluate("window.__sameDocument") is True           # no reload happened
