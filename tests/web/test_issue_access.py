"""Every issue route from the outsider's side (404, nothing changed), without CSRF (400), logged out."""
import pytest

from linear_web.infra.extensions import db
from linear_web.models import Comment, Issue
from linear_web.services import comments


@pytest.fixture
def world(f):
    """Team ENG (Ada, with an issue and a comment) and an outsider who has a team of his own."""
    ada, outsider = f.user(name="Ada"), f.user(name="Eve")
    eng = f.team(ada, key="ENG")
    f.team(outsider, key="EVE")
    issue = f.issue(eng, ada, title="Private plans")
    comment = comments.create_comment(ada, issue.id, "secret comment")
    return {"ada": ada, "outsider": outsider, "issue": issue, "comment": comment}


def routes(w) -> list[tuple[str, str, dict]]:
    i, c = w["issue"], w["comment"]
    return [
        ("GET", "/team/ENG/issues", {}),
        ("GET", "/team/ENG/issues?group=backlog&cursor=abc", {}),
        ("GET", "/team/ENG/issues/new", {}),
        ("POST", "/team/ENG/issues", {"title": "sneaky"}),
        ("POST", "/team/ENG/issues/bulk", {"ids": [str(i.id)], "set_status": "done"}),
        ("POST", "/team/EVE/issues/bulk", {"ids": [str(i.id)], "set_status": "done"}),  # own team, their issue
        ("GET", "/team/ENG/issues/export.csv", {}),
        ("GET", "/issue/ENG-1", {}),
        ("GET", f"/issue/{i.id}", {}),
        ("POST", "/issue/ENG-1", {"title": "hacked", "status": "done"}),
        ("POST", f"/issue/{i.id}", {"title": "hacked"}),
        ("POST", "/issue/ENG-1/delete", {}),
        ("POST", "/issue/ENG-1/comments", {"body": "spam"}),
        ("POST", f"/issue/ENG-1/comments/{c.id}", {"body": "hacked"}),
        ("POST", f"/issue/ENG-1/comments/{c.id}/delete", {}),
    ]


ROUTE_COUNT = 15


def assert_unchanged(w) -> None:
    db.session.expire_all()
    issue = db.session.get(Issue, w["issue"].id)
    assert issue is not None and issue.title == "Private plans" and issue.status == "backlog"
    assert db.session.scalar(db.select(db.func.count()).select_from(Issue)) == 1
    assert [c.body for c in db.session.scalars(db.select(Comment))] == ["secret comment"]


@pytest.mark.parametrize("index", range(ROUTE_COUNT))
@pytest.mark.parametrize("htmx", [False, True])
def test_outsider_gets_404_everywhere_and_nothing_changes(client, world, index, htmx):
    method, url, data = routes(world)[index]
    headers = {"HX-Request": "true", "HX-Target": "issue-list"} if htmx else {}
    client.login(world["outsider"])
    resp = client.open(url, method=method, data=data, headers=headers)
    assert resp.status_code == 404, (method, url)
    body = resp.get_data(as_text=True)
    assert "Private plans" not in body and "secret comment" not in body
    assert_unchanged(world)


def test_route_table_covers_every_issue_endpoint(app, world):
    ours = {"web.issue_list", "web.issue_new", "web.issue_create", "web.issue_bulk", "web.issue_export",
            "web.issue_detail", "web.issue_update", "web.issue_delete", "web.comment_create",
            "web.comment_update", "web.comment_delete"}
    assert ours <= set(app.view_functions)
    adapter = app.url_map.bind("localhost")
    covered = {adapter.match(url.split("?")[0], method=method)[0] for method, url, _ in routes(world)}
    assert ours <= covered
    assert len(routes(world)) == ROUTE_COUNT


@pytest.mark.parametrize("index", [i for i in range(ROUTE_COUNT) if i not in (0, 1, 2, 6, 7, 8)])
def test_member_writes_without_csrf_are_400_and_change_nothing(client, world, index):
    method, url, data = routes(world)[index]
    if "/team/EVE/" in url:
        return
    client.login(world["ada"])
    resp = client.open(url, method=method, data=data, csrf=False)
    assert resp.status_code == 400
    assert_unchanged(world)


@pytest.mark.parametrize("index", range(ROUTE_COUNT))
def test_logged_out_visitors_are_sent_to_login(client, world, index):
    method, url, data = routes(world)[index]
    resp = client.open(url, method=method, data=data)
    assert resp.status_code in (302, 400)  # GET → login; POST without a session → CSRF first
    if resp.status_code == 302:
        assert "/login" in resp.headers["Location"]
    assert_unchanged(world)
