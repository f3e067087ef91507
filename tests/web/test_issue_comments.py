"""Comments on the issue page: add, edit and delete one's own; Markdown sanitised; errors inline."""
import pytest

from linear_web.infra.extensions import db
from linear_web.models import Comment
from linear_web.services import comments

from .conftest import hx


def comment_count() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Comment))


def test_comment_joins_the_timeline_and_the_form_comes_back_empty(client, eng, crash):
    ada = eng.admin
    resp = client.login(ada).post("/issue/ENG-1/comments", headers=hx("issue-timeline"),
                                  data={"body": "Looks **good**\n\n- [ ] ship it"})
    html = resp.get_data(as_text=True)
    c = db.session.scalars(db.select(Comment)).one()
    assert resp.status_code == 200 and html.lstrip().startswith(f'<article id="comment-{c.id}"')
    assert "<strong>good</strong>" in html and 'type="checkbox"' in html and "Ada Lovelace" in html
    form = html.split('<form id="comment-form"', 1)[1]
    assert 'hx-swap-oob="true"' in form and "></textarea>" in form
    page = client.get("/issue/ENG-1").get_data(as_text=True)
    assert f'id="comment-{c.id}"' in page and "<strong>good</strong>" in page


def test_plain_form_comment_redirects_to_the_comment(client, eng, crash):
    ada = eng.admin
    resp = client.login(ada).post("/issue/ENG-1/comments", data={"body": "hello"})
    c = db.session.scalars(db.select(Comment)).one()
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/issue/ENG-1#comment-{c.id}")


@pytest.mark.parametrize("body, message", [("   ", "Comment is required."), ("a\x00b", "must not contain NUL"),
                                           ("x" * 100_001, "at most 100,000 characters")])
def test_bad_comment_is_422_next_to_the_field_and_keeps_the_text(client, eng, crash, body, message):
    ada = eng.admin
    client.login(ada)
    resp = client.post("/issue/ENG-1/comments", headers=hx("issue-timeline"), data={"body": body})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and message in html
    assert resp.headers["HX-Retarget"] == "#comment-form" and resp.headers["HX-Reswap"] == "outerHTML"
    page = client.post("/issue/ENG-1/comments", data={"body": body})
    assert page.status_code == 422 and "<html" in page.get_data(as_text=True) and message in page.get_data(as_text=True)
    assert comment_count() == 0


def test_comment_xss_is_sanitised(client, eng, crash):
    ada = eng.admin
    client.login(ada)
    payload = ('<script>alert(1)</script> <img src=x onerror=alert(2)> [x](javascript:alert(3)) '
               '[y]( javascript:alert(4)) <svg onload=alert(5)>')
    client.post("/issue/ENG-1/comments", data={"body": payload})
    timeline = client.get("/issue/ENG-1").get_data(as_text=True).split('id="issue-timeline"', 1)[1]
    view = timeline.split('class="markdown comment-body"', 1)[1].split("</div>", 1)[0]
    assert "<script" not in view and "<img" not in view and "<svg" not in view and 'href="javascript' not in view


def test_author_edits_and_deletes_their_comment(client, eng, crash):
    ada, issue = eng.admin, crash
    c = comments.create_comment(ada, issue.id, "typo")
    client.login(ada)
    page = client.get("/issue/ENG-1").get_data(as_text=True)
    assert f'/comments/{c.id}/delete' in page  # the author sees edit and delete
    resp = client.post(f"/issue/ENG-1/comments/{c.id}", headers=hx(f"comment-{c.id}"), data={"body": "fixed *now*"})
    assert resp.status_code == 200 and "<em>now</em>" in resp.get_data(as_text=True)
    bad = client.post(f"/issue/ENG-1/comments/{c.id}", headers=hx(f"comment-{c.id}"), data={"body": " "})
    assert bad.status_code == 422 and "Comment is required." in bad.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Comment, c.id).body == "fixed *now*"
    gone = client.post(f"/issue/ENG-1/comments/{c.id}/delete", headers=hx(f"comment-{c.id}"))
    assert gone.status_code == 200 and gone.get_data(as_text=True) == ""
    assert comment_count() == 0


def test_others_cannot_edit_or_delete_a_comment(client, eng, crash):
    ada, bob, issue = eng.admin, eng.member, crash
    c = comments.create_comment(ada, issue.id, "mine")
    client.login(bob)
    page = client.get("/issue/ENG-1").get_data(as_text=True)
    assert f'/comments/{c.id}/delete' not in page  # no buttons for someone else's comment
    assert client.post(f"/issue/ENG-1/comments/{c.id}", data={"body": "hijack"}).status_code == 403
    assert client.post(f"/issue/ENG-1/comments/{c.id}/delete").status_code == 403
    db.session.expire_all()
    assert db.session.get(Comment, c.id).body == "mine"


def test_a_comment_of_another_issue_is_404_through_this_issue(client, eng, crash, f):
    ada, issue = eng.admin, crash
    other = f.issue(issue.team, ada, title="Other")
    c = comments.create_comment(ada, other.id, "elsewhere")
    client.login(ada)
    assert client.post(f"/issue/ENG-1/comments/{c.id}", data={"body": "moved?"}).status_code == 404
    assert client.post(f"/issue/ENG-1/comments/{c.id}/delete").status_code == 404
    assert comment_count() == 1


def test_comment_without_csrf_is_400(client, eng, crash):
    ada, issue = eng.admin, crash
    c = comments.create_comment(ada, issue.id, "keep")
    client.login(ada)
    assert client.post("/issue/ENG-1/comments", data={"body": "x"}, csrf=False).status_code == 400
    assert client.post(f"/issue/ENG-1/comments/{c.id}", data={"body": "x"}, csrf=False).status_code == 400
    assert client.post(f"/issue/ENG-1/comments/{c.id}/delete", csrf=False).status_code == 400
    assert comment_count() == 1
