"""/ws: HTML pushes for the list, board and issue pages, rendered from the pages' partials."""
import pytest

from linear_web.services import comments, issues

pytestmark = pytest.mark.live


def page_socket(sockets, live_server, user, kind, team, issue=None, **kw):
    params = {"kind": kind, "team": str(team.id)}
    if issue is not None:
        params["issue"] = str(issue.id)
    sock = sockets("/ws", cookie_for=user, origin=live_server.url, **params, **kw)
    assert 'data-live="ready"' in sock.text()
    return sock


def test_list_page_gets_the_row_and_a_refresh(f, sockets, live_server):
    admin, member = f.user(), f.user()
    team = f.team(admin, key="ROW", members=[member])
    issue = f.issue(team, admin, title="Old title")
    sock = page_socket(sockets, live_server, member, "list", team)
    issues.update_issue(admin, issue.id, {"title": "New <b>title</b>"})
    html = sock.text()
    assert 'id="issue-ROW-1"' in html and "New &lt;b&gt;title&lt;/b&gt;" in html
    assert html.endswith('<div data-live="refresh"></div>')
    issues.delete_issue(admin, issue.id)
    assert sock.text() == '<div id="issue-ROW-1" hx-swap-oob="delete"></div><div data-live="refresh"></div>'


def test_board_page_gets_the_card(f, sockets, live_server):
    admin = f.user()
    team = f.team(admin, key="BRD")
    sock = page_socket(sockets, live_server, admin, "board", team)
    issue = f.issue(team, admin, title="Card")
    issues.update_issue(admin, issue.id, {"status": "in_progress"})
    created, moved = sock.text(), sock.text()
    assert 'id="card-BRD-1"' in created and 'data-status="backlog"' in created
    assert 'id="card-BRD-1"' in moved and 'data-status="in_progress"' in moved


def test_issue_moved_to_another_team_leaves_the_old_list(f, sockets, live_server):
    admin = f.user()
    a, b = f.team(admin, key="FROM"), f.team(admin, key="TO")
    issue = f.issue(a, admin)
    sock = page_socket(sockets, live_server, admin, "list", a)
    issues.update_issue(admin, issue.id, {"team_id": str(b.id)})
    assert sock.text().startswith('<div id="issue-FROM-1" hx-swap-oob="delete"></div>')


def test_issue_page_gets_fields_timeline_and_gone(f, sockets, live_server):
    admin, member = f.user(name="Ada"), f.user(name="Bob")
    team = f.team(admin, members=[member])
    issue = f.issue(team, admin, title="Detail")
    other = f.issue(team, admin, title="Another")
    sock = page_socket(sockets, live_server, member, "issue", team, issue)
    issues.update_issue(admin, other.id, {"status": "todo"})                 # another issue: nothing
    issues.update_issue(admin, issue.id, {"status": "done", "title": "Renamed"})
    html = sock.text()
    assert 'id="issue-properties"' in html and 'id="issue-title"' in html and "Renamed" in html
    assert 'data-live="append" data-target="issue-timeline"' in html and "changed status" in html
    comment = comments.create_comment(admin, issue.id, "<img src=x onerror=alert(1)> hello")
    said = sock.text()
    assert f'data-key="comment-{comment.id}"' in said and "hello" in said
    assert "onerror" not in said.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    issues.delete_issue(admin, issue.id)
    assert sock.text() == '<div data-live="gone">This issue was deleted.</div>'


def test_issue_page_shows_who_else_is_viewing(f, sockets, live_server):
    ada, bob = f.user(name="Ada Lovelace"), f.user(name="Bob Stone")
    team = f.team(ada, members=[bob])
    issue = f.issue(team, ada)
    ada_sock = page_socket(sockets, live_server, ada, "issue", team, issue)
    bob_sock = sockets("/ws", cookie_for=bob, origin=live_server.url, kind="issue", team=str(team.id),
                       issue=str(issue.id))
    first = bob_sock.text()
    assert 'id="issue-presence"' in first and "Ada Lovelace" in first and "Bob Stone" not in first
    pushed = ada_sock.text()
    assert "Bob Stone" in pushed and "Ada Lovelace" not in pushed
    bob_sock.close()
    assert "Bob Stone" not in ada_sock.text()


def test_page_socket_refuses_outsiders_tokens_and_foreign_origins(f, sockets, live_server):
    admin, outsider = f.user(), f.user()
    team = f.team(admin)
    issue = f.issue(team, admin)
    other_issue = f.issue(f.team(admin), admin)
    base = {"kind": "list", "team": str(team.id)}
    assert sockets("/ws", cookie_for=outsider, origin=live_server.url, wait=False, **base).close_code()[0] == 4404
    assert sockets("/ws", cookie_for=admin, origin="http://evil.test", wait=False, **base).close_code()[0] == 4403
    assert sockets("/ws", user=admin, wait=False, **base).close_code()[0] == 4401
    assert sockets("/ws", cookie_for=admin, origin=live_server.url, wait=False, kind="nope",
                   team=str(team.id)).close_code()[0] == 4400
    mismatched = dict(kind="issue", team=str(team.id), issue=str(other_issue.id))
    assert sockets("/ws", cookie_for=admin, origin=live_server.url, wait=False, **mismatched).close_code()[0] == 4404
    assert issue  # the team's own issue exists: the 4404s above are about access, not absence


def test_outsider_page_socket_for_a_team_of_theirs_never_sees_other_teams(f, sockets, live_server):
    admin, outsider = f.user(), f.user()
    team = f.team(admin)
    theirs = f.team(outsider)
    sock = page_socket(sockets, live_server, outsider, "list", theirs)
    f.issue(team, admin, title="Secret plan")
    f.issue(theirs, outsider, title="Own work")
    assert "Own work" in sock.text()


def test_dashboard_socket_refreshes_on_changes_in_the_users_teams(f, sockets, live_server):
    admin, outsider = f.user(), f.user()
    team = f.team(admin)
    theirs = f.team(outsider)
    all_teams = sockets("/ws", cookie_for=admin, origin=live_server.url, kind="dashboard")
    assert 'data-live="ready"' in all_teams.text()
    f.issue(theirs, outsider)                                         # not admin's team: nothing
    issue = f.issue(team, admin)
    assert all_teams.text() == '<div data-live="refresh"></div>'
    comments.create_comment(admin, issue.id, "comments do not change stats")
    assert all_teams.nothing(0.3)


def test_lost_listen_connection_resyncs_pages_and_restarts_api_sockets(f, sockets, live_server, is_postgres):
    if not is_postgres:
        pytest.skip("the LISTEN connection exists on PostgreSQL only")
    from linear_web.events.broker import get_broker
    admin = f.user()
    team = f.team(admin)
    page = page_socket(sockets, live_server, admin, "list", team)
    api = sockets(user=admin)
    get_broker().drop_connection()
    assert page.text(timeout=10) == '<div data-live="refresh"></div>'
    code, reason = api.close_code(timeout=10)
    assert code == 1012 and "re-fetch" in reason
    f.issue(team, admin, title="after the outage")
    assert "after the outage" in page.text(timeout=10)


def test_issue_page_gets_attachment_changes_and_api_sockets_an_issue_update(f, sockets, live_server):
    import io
    from linear_web.services import attachments
    admin, member = f.user(name="Ada"), f.user(name="Bob")
    team = f.team(admin, members=[member])
    issue = f.issue(team, admin, title="With files")
    page = page_socket(sockets, live_server, member, "issue", team, issue)
    board = page_socket(sockets, live_server, member, "board", team)
    api = sockets(user=member)
    added = attachments.upload(admin, issue.id, io.BytesIO(b"line one\nline two\n"), "notes<1>.txt")
    html = page.text()
    assert html.lstrip().startswith('<ul class="attachment-list list-plain" id="attachment-list">')
    assert "notes&lt;1&gt;.txt" in html and '<span class="badge" id="attachment-count">1</span>' in html
    assert 'data-live="append"' in html and "attached" in html          # the timeline entry
    attachments.rename(admin, added.id, "renamed.txt")
    assert "renamed.txt" in page.text()
    attachments.delete(admin, added.id)
    html = page.text()
    listing = html[:html.index("</ul>")]
    assert "renamed.txt" not in listing and '<span class="badge" id="attachment-count">0</span>' in html
    assert "deleted the attachment renamed.txt" in html                  # its timeline line
    issues.update_issue(admin, issue.id, {"title": "After the files"})
    # API sockets hear each file change as an update of the issue (its activity changed), then the title.
    said = [api.json() for _ in range(4)]
    assert [m["type"] for m in said] == ["ISSUE_UPDATED"] * 4 and said[-1]["issue"]["title"] == "After the files"
    assert 'id="card-' in board.text()                  # the board heard nothing about files


def test_label_changes_refresh_lists_and_boards(f, sockets, live_server):
    from linear_web.services import labels
    admin = f.user()
    team = f.team(admin, key="LBL")
    label = labels.create_label(admin, team.id, "Bug")
    f.issue(team, admin, label_ids=[str(label.id)])
    list_sock = page_socket(sockets, live_server, admin, "list", team)
    board_sock = page_socket(sockets, live_server, admin, "board", team)
    labels.create_label(admin, team.id, "Unused")          # a new label changes no row: nothing
    assert list_sock.nothing() and board_sock.nothing()
    labels.update_label(admin, label.id, name="Defect", color="#22c55e")
    assert list_sock.text() == board_sock.text() == '<div data-live="refresh"></div>'
    labels.delete_label(admin, label.id)
    pushed = [list_sock.text(), list_sock.text()]          # the issue's update, then the label's
    assert 'id="issue-LBL-1"' in pushed[0] and "Defect" not in pushed[0]
    assert pushed[1] == '<div data-live="refresh"></div>'


def test_label_events_of_another_team_are_not_pushed(f, sockets, live_server):
    from linear_web.services import labels
    admin, other = f.user(), f.user()
    mine, theirs = f.team(admin, key="MINE"), f.team(other, key="THRS")
    label = labels.create_label(other, theirs.id, "Theirs")
    sock = page_socket(sockets, live_server, admin, "list", mine)
    labels.update_label(other, label.id, name="Renamed")
    assert sock.nothing()


def test_issue_page_follows_its_planning_and_its_sub_issues(f, sockets, live_server):
    """The parent's page shows a new sub-issue and its progress when the child changes; a relation
    added from the other side and a label reach it too."""
    from linear_web.services import labels, relations
    admin, member = f.user(name="Ada"), f.user(name="Bob")
    team = f.team(admin, key="PLN", members=[member])
    parent = f.issue(team, admin, title="Parent")
    other = f.issue(team, admin, title="Elsewhere")
    sock = page_socket(sockets, live_server, member, "issue", team, parent)
    child = f.issue(team, admin, title="Child", parent_id=parent)       # created elsewhere, as a sub-issue
    html = sock.text()
    assert 'id="issue-sub-issues"' in html and "Child" in html and "0/1" in html
    issues.update_issue(admin, child.id, {"status": "done"})
    html = sock.text()
    assert 'id="issue-sub-issues"' in html and "1/1" in html and 'id="issue-properties"' not in html
    issues.update_issue(admin, other.id, {"status": "todo"})               # unrelated: nothing
    assert sock.nothing()
    relations.add_relation(admin, other.id, "blocks", parent.id)
    html = sock.text()
    assert 'id="issue-relations"' in html and "Blocked by" in html and "PLN-2" in html
    issues.update_issue(admin, other.id, {"status": "done"})               # now related: its status shows
    assert 'id="issue-relations"' in sock.text()
    bug = labels.create_label(admin, team.id, "Bug", "#ef4444")
    issues.update_issue(admin, parent.id, {"label_ids": [str(bug.id)], "due_date": "2020-01-02"})
    html = sock.text()
    assert 'data-label-color="#ef4444"' in html and "is-overdue" in html and 'id="issue-sub-issues"' in html
    issues.update_issue(admin, child.id, {"parent_id": None})              # it leaves: the page drops it
    html = sock.text()
    assert 'id="issue-sub-issues"' in html and "Child" not in html


def test_cycles_pages_refresh_on_their_teams_cycles_and_issues_only(f, sockets, live_server):
    from datetime import timedelta
    from linear_web.services import cycles, issue_queries
    admin, outsider = f.user(), f.user()
    team = f.team(admin)
    theirs = f.team(outsider)
    base = {"kind": "cycles", "team": str(team.id)}
    assert sockets("/ws", cookie_for=outsider, origin=live_server.url, wait=False, **base).close_code()[0] == 4404
    page = sockets("/ws", cookie_for=admin, origin=live_server.url, **base)
    assert 'data-live="ready"' in page.text()
    day = issue_queries.today()
    span = {"starts_on": day.isoformat(), "ends_on": (day + timedelta(days=6)).isoformat()}
    cycles.create_cycle(outsider, theirs.id, span)                   # another team's cycle: nothing
    f.issue(theirs, outsider)
    assert page.nothing(0.3)
    cycle = cycles.create_cycle(admin, team.id, span).cycle
    assert page.text() == '<div data-live="refresh"></div>'
    f.issue(team, admin, cycle_id=str(cycle.id))
    assert page.text() == '<div data-live="refresh"></div>'
