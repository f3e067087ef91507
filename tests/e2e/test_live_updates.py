"""Two people, two browsers: changes appear on the other's page without a reload."""
import pytest
from playwright.sync_api import expect

from linear_web.services import issues
from tests.realtime.conftest import session_cookie

pytestmark = pytest.mark.e2e


SCRIPT_ERRORS: list = []


@pytest.fixture(autouse=True)
def _no_script_errors():
    SCRIPT_ERRORS.clear()
    yield
    assert SCRIPT_ERRORS == []


def open_as(new_page, app, live_server, user, path):
    page = new_page()
    page.on("pageerror", lambda err: SCRIPT_ERRORS.append(str(err)))
    page.context.add_cookies([{"name": "session", "value": session_cookie(app, user), "url": live_server.url}])
    page.goto(path)
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    return page


def test_status_change_in_one_page_moves_the_row_in_the_other(new_page, app, live_server, f):
    ada, bob = f.user(name="Ada Admin"), f.user(name="Bob Builder")
    team = f.team(ada, key="E2E", members=[bob])
    f.issue(team, ada, title="Ship the thing")
    bob_list = open_as(new_page, app, live_server, bob, "/team/E2E/issues")
    expect(bob_list.locator("#group-rows-backlog #issue-E2E-1")).to_be_visible()
    ada_issue = open_as(new_page, app, live_server, ada, "/issue/E2E-1")
    ada_issue.select_option("#prop-status", "done")
    expect(bob_list.locator("#group-rows-done #issue-E2E-1")).to_be_visible(timeout=5000)
    expect(bob_list.locator("#group-rows-backlog #issue-E2E-1")).to_have_count(0)
    bob_list.evaluate("window.__sameDocument = true")
    f.issue(team, ada, title="Brand new")
    expect(bob_list.locator("#issue-E2E-2")).to_contain_text("Brand new", timeout=5000)
    assert bob_list.evaluate("window.__sameDocument") is True        # no reload happened


def test_issue_page_shows_viewers_and_never_overwrites_typing(new_page, app, live_server, f):
    ada, bob = f.user(name="Ada Admin"), f.user(name="Bob Builder")
    team = f.team(ada, key="TYP", members=[bob])
    issue = f.issue(team, ada, title="Original")
    ada_page = open_as(new_page, app, live_server, ada, "/issue/TYP-1")
    bob_page = open_as(new_page, app, live_server, bob, "/issue/TYP-1")
    expect(ada_page.locator("#issue-presence")).to_contain_text("Bob Builder")
    expect(bob_page.locator("#issue-presence")).to_contain_text("Ada Admin")
    bob_page.fill("#issue-title-field", "Bob is typing")                 # focused, not saved
    issues.update_issue(ada, issue.id, {"title": "Changed by Ada", "priority": 1})
    expect(bob_page.locator("#prop-priority")).to_have_value("1", timeout=5000)
    expect(bob_page.locator("#issue-title-field")).to_have_value("Bob is typing")
    bob_page.close()
    expect(ada_page.locator("#issue-presence")).not_to_contain_text("Bob Builder", timeout=5000)


def test_a_comment_appears_once_and_a_deleted_issue_says_so(new_page, app, live_server, f):
    from linear_web.services import comments
    ada, bob = f.user(name="Ada Admin"), f.user(name="Bob Builder")
    team = f.team(ada, key="CMT", members=[bob])
    issue = f.issue(team, ada)
    bob_page = open_as(new_page, app, live_server, bob, "/issue/CMT-1")
    comment = comments.create_comment(ada, issue.id, "Looks **good**")
    expect(bob_page.locator(f"#comment-{comment.id}")).to_contain_text("Looks good", timeout=5000)
    expect(bob_page.locator(f"#comment-{comment.id} .comment-body strong")).to_have_count(1)
    expect(bob_page.locator(".comment")).to_have_count(1)
    issues.delete_issue(ada, issue.id)
    expect(bob_page.locator("#live-gone")).to_contain_text("deleted", timeout=5000)


def test_page_reconnects_after_a_restart_and_catches_up(new_page, app, live_server, f):
    from linear_web.realtime.stream import begin_shutdown, shutting_down
    ada = f.user(name="Ada Admin")
    team = f.team(ada, key="RCN")
    page = open_as(new_page, app, live_server, ada, "/team/RCN/issues")
    begin_shutdown()                                      # the server restarts: sockets get 1012
    try:
        expect(page.locator("#live")).to_have_attribute("data-state", "reconnecting", timeout=5000)
        f.issue(team, ada, title="Made while offline")     # no socket is listening now
    finally:
        shutting_down.clear()
    expect(page.locator("#live")).to_have_attribute("data-state", "live", timeout=15000)
    expect(page.locator("#issue-RCN-1")).to_contain_text("Made while offline", timeout=5000)


def test_board_card_moves_to_its_new_column_live(new_page, app, live_server, f):
    ada, bob = f.user(name="Ada Admin"), f.user(name="Bob Builder")
    team = f.team(ada, key="BRD", members=[bob])
    issue = f.issue(team, ada, title="Card on the move", status="todo")
    board = open_as(new_page, app, live_server, bob, "/team/BRD/board")
    expect(board.locator(".board-cards[data-status=todo] #card-BRD-1")).to_be_visible()
    board.evaluate("window.__sameDocument = true")
    issues.update_issue(ada, issue.id, {"status": "done"})
    expect(board.locator(".board-cards[data-status=done] #card-BRD-1")).to_be_visible(timeout=5000)
    expect(board.locator(".board-cards[data-status=todo] #card-BRD-1")).to_have_count(0)
    issues.delete_issue(ada, issue.id)
    expect(board.locator("#card-BRD-1")).to_have_count(0, timeout=5000)
    assert board.evaluate("window.__sameDocument") is True


def test_a_file_attached_elsewhere_appears_in_the_open_issue_page(new_page, app, live_server, f):
    import io
    from linear_web.services import attachments
    ada, bob = f.user(name="Ada Admin"), f.user(name="Bob Builder")
    team = f.team(ada, key="ATT", members=[bob])
    issue = f.issue(team, ada)
    bob_page = open_as(new_page, app, live_server, bob, "/issue/ATT-1")
    expect(bob_page.locator("#attachment-count")).to_have_text("0")
    added = attachments.upload(ada, issue.id, io.BytesIO(b"build log\nline 2\n"), "build.log")
    expect(bob_page.locator(f"#attachment-{added.id}")).to_contain_text("build.log", timeout=5000)
    expect(bob_page.locator("#attachment-count")).to_have_text("1")
    expect(bob_page.locator("#issue-timeline")).to_contain_text("build.log")
    attachments.delete(ada, added.id)
    expect(bob_page.locator(f"#attachment-{added.id}")).to_have_count(0, timeout=5000)
    expect(bob_page.locator("#attachment-count")).to_have_text("0")
    expect(bob_page.locator("#attachments form.dropzone")).to_have_count(1)   # the upload form stays
