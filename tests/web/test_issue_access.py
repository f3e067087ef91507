"""Every issue route from the outsider's side (404, nothing changed), without CSRF (400), logged out."""
import pytest

from linear_web.infra.extensions import db
from linear_web.models import Comment, Issue

from ..conftest import SECRET_TITLE, endpoint_of


def routes(w) -> list[tuple[str, str, dict]]:
    """(method, url, form) of every issue route, aimed at team A's rows."""
    i, c, key, ident = w["issue"], w["comment"], w["team"].key, w["issue"].identifier
    return [
        ("GET", f"/team/{key}/issues", {}),
        ("GET", f"/team/{key}/issues?group=backlog&cursor=abc", {}),
        ("GET", f"/team/{key}/issues/new", {}),
        ("POST", f"/team/{key}/issues", {"title": "sneaky"}),
        ("POST", f"/team/{key}/issues/bulk", {"ids": [str(i.id)], "set_status": "done"}),
        ("POST", "/team/EVE/issues/bulk", {"ids": [str(i.id)], "set_status": "done"}),  # own team, their issue
        ("GET", f"/team/{key}/issues/export.csv", {}),
        ("GET", f"/issue/{ident}", {}),
        ("GET", f"/issue/{i.id}", {}),
        ("POST", f"/issue/{ident}", {"title": "hacked", "status": "done"}),
        ("POST", f"/issue/{i.id}", {"title": "hacked"}),
        ("POST", f"/issue/{ident}/delete", {}),
        ("POST", f"/issue/{ident}/comments", {"body": "spam"}),
        ("POST", f"/issue/{ident}/comments/{c.id}", {"body": "hacked"}),
        ("POST", f"/issue/{ident}/comments/{c.id}/delete", {}),
    ]


ROUTE_COUNT = 15
READS = (0, 1, 2, 6, 7, 8)
OWN_TEAM = 5  # the outsider's own team: team A's admin is no member there, so no CSRF case


def assert_unchanged(w) -> None:
    """Team A's issue and comment are as the fixture made them."""
    db.session.expire_all()
    issue = db.session.get(Issue, w["issue"].id)
    assert issue is not None and issue.title == SECRET_TITLE and issue.status == "backlog"
    assert db.session.scalar(db.select(db.func.count()).select_from(Issue)) == 2  # the secret issue and its sub-issue
    assert [c.body for c in db.session.scalars(db.select(Comment))] == ["secret comment"]


@pytest.mark.parametrize("index", range(ROUTE_COUNT))
@pytest.mark.parametrize("htmx", [False, True])
def test_outsider_gets_404_everywhere_and_nothing_changes(app, client, secret_team, index, htmx):
    method, url, data = routes(secret_team)[index]
    endpoint_of(app, method, url)  # a 404 from a deleted route proves nothing
    headers = {"HX-Request": "true", "HX-Target": "issue-list"} if htmx else {}
    client.login(secret_team["outsider"])
    resp = client.open(url, method=method, data=data, headers=headers)
    assert resp.status_code == 404, (method, url)
    body = resp.get_data(as_text=True)
    assert SECRET_TITLE not in body and "secret comment" not in body
    assert_unchanged(secret_team)


def test_route_table_covers_every_issue_endpoint(app, secret_team):
    ours = {"web.issue_list", "web.issue_new", "web.issue_create", "web.issue_bulk", "web.issue_export",
            "web.issue_detail", "web.issue_update", "web.issue_delete", "web.comment_create",
            "web.comment_update", "web.comment_delete"}
    assert ours <= set(app.view_functions)
    covered = {endpoint_of(app, method, url) for method, url, _ in routes(secret_team)}
    assert ours <= covered
    assert len(routes(secret_team)) == ROUTE_COUNT


@pytest.mark.parametrize("index", [i for i in range(ROUTE_COUNT) if i not in (*READS, OWN_TEAM)])
def test_member_writes_without_csrf_are_400_and_change_nothing(client, secret_team, index):
    method, url, data = routes(secret_team)[index]
    assert method == "POST" and "/team/EVE/" not in url
    client.login(secret_team["admin"])
    resp = client.open(url, method=method, data=data, csrf=False)
    assert resp.status_code == 400
    assert_unchanged(secret_team)


@pytest.mark.parametrize("index", range(ROUTE_COUNT))
def test_logged_out_visitors_are_sent_to_login(client, secret_team, index):
    method, url, data = routes(secret_team)[index]
    resp = client.open(url, method=method, data=data)
    assert resp.status_code in (302, 400)  # GET → login; POST without a session → CSRF first
    if resp.status_code == 302:
        assert "/login" in resp.headers["Location"]
    assert_unchanged(secret_team)
