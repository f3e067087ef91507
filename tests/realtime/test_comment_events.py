"""COMMENT_UPDATED and COMMENT_DELETED on API sockets and open issue pages; attachment renames and
deletes reach API sockets as ISSUE_UPDATED. Outsiders hear none of it."""
import io

import pytest

from linear_web.services import attachments, comments, issues

from .test_page_socket import page_socket

pytestmark = pytest.mark.live


def test_api_socket_gets_comment_updated_and_deleted(f, sockets):
    admin, member, outsider = f.user(), f.user(), f.user()
    team = f.team(admin, key="CMT", members=[member])
    f.team(outsider, key="OUT")
    api, eve = sockets(user=member), sockets(user=outsider)
    issue = f.issue(team, admin, title="Talk")
    assert api.json()["type"] == "ISSUE_CREATED"
    comment = comments.create_comment(admin, issue.id, "frist")
    assert api.json()["type"] == "COMMENT_CREATED"
    edited = comments.update_comment(admin, comment.id, "**first**")
    said = api.json()
    assert (said["type"], said["team_id"], said["actor_id"]) == ("COMMENT_UPDATED", str(team.id), str(admin.id))
    assert said["comment"] == edited.to_json() and "<strong>first</strong>" in said["comment"]["body_html"]
    assert said["issue"]["identifier"] == "CMT-1"
    comments.delete_comment(admin, comment.id)
    said = api.json()
    assert said["type"] == "COMMENT_DELETED"
    assert said["comment"] == {"id": str(comment.id), "issue_id": str(issue.id)}
    assert said["issue"]["id"] == str(issue.id)
    assert eve.nothing(0.3)


def test_api_socket_hears_attachment_changes_as_issue_updated(app, f, sockets):
    from tests.services.test_attachments import empty_upload_dir
    empty_upload_dir(app)
    admin = f.user()
    team = f.team(admin, key="ATT")
    issue = f.issue(team, admin, title="Files")
    api = sockets(user=admin)
    added = attachments.upload(admin, issue.id, io.BytesIO(b"notes\n"), "notes.txt")
    attachments.rename(admin, added.id, "minutes.txt")
    attachments.delete(admin, added.id)
    said = [api.json() for _ in range(3)]
    assert [m["type"] for m in said] == ["ISSUE_UPDATED"] * 3
    assert {m["issue"]["id"] for m in said} == {str(issue.id)}


def test_open_issue_page_replaces_an_edited_comment_and_drops_a_deleted_one(f, sockets, live_server):
    admin, member, outsider = f.user(name="Ada"), f.user(name="Bob"), f.user(name="Eve")
    team = f.team(admin, key="PGE", members=[member])
    theirs = f.team(outsider, key="EVE")
    issue = f.issue(team, admin, title="Discussed")
    comment = comments.create_comment(admin, issue.id, "Frist <draft>")
    page = page_socket(sockets, live_server, member, "issue", team, issue)
    board = page_socket(sockets, live_server, member, "board", team)
    eve_page = page_socket(sockets, live_server, outsider, "list", theirs)

    comments.update_comment(admin, comment.id, "First, **edited**")
    html = page.text()
    assert html.lstrip().startswith(f'<article id="comment-{comment.id}"')  # replaced in place by its id
    assert "<strong>edited</strong>" in html and "Frist" not in html
    assert 'data-live="append"' in html and "edited a comment" in html   # the new timeline line

    comments.delete_comment(admin, comment.id)
    html = page.text()
    assert html.startswith(f'<div id="comment-{comment.id}" hx-swap-oob="delete"></div>')
    assert "deleted a comment" in html and "First" not in html

    issues.update_issue(admin, issue.id, {"title": "Discussed more"})
    assert 'id="card-PGE-1"' in board.text()       # the board heard nothing of the comments before
    assert eve_page.nothing(0.3)
