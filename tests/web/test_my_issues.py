"""My issues: the issues of all my teams assigned to me, created by me, or that I follow; the list's
status and priority filters; "Load more" per status group; a fixed number of queries; my teams
only (never an outsider's issues, nor those of a team I left); its sidebar entry and its socket."""
import re
from html import unescape

import pytest

from linear_web.services import comments, issues, notifications, teams

from tests.realtime.conftest import sockets, ws_url  # noqa: F401 (fixtures of the live socket test)

from .conftest import hx


def titles(html: str) -> list[str]:
    return re.findall(r'<a class="row-title" href="[^"]*">([^<]*)</a>', html)


def group_titles(html: str, status: str) -> list[str]:
    group = html.split(f'id="my-group-{status}"', 1)[1].split("</details>", 1)[0]
    return titles(group)


@pytest.fixture
def world(f, eng, outsider):
    """Bob in ENG and OPS; issues of both assigned to him, created by him, followed by him; Eve's team
    EVE with issues of its own."""
    t, ada, bob = eng
    ops = f.team(ada, key="OPS", name="Operations", members=[bob])
    made = {
        "eng_assigned": f.issue(t, ada, title="ENG assigned to Bob", status="todo", priority=1, assignee_id=bob),
        "ops_assigned": f.issue(ops, ada, title="OPS assigned to Bob", status="in_progress", assignee_id=bob),
        "eng_other": f.issue(t, ada, title="ENG assigned to Ada", status="todo", assignee_id=ada),
        "eng_created": f.issue(t, bob, title="ENG created by Bob", status="backlog"),
        "ops_created": f.issue(ops, bob, title="OPS created by Bob", status="done", priority=3),
        "followed": f.issue(ops, ada, title="OPS Bob follows", status="todo"),
        "eve": f.issue(outsider.team, outsider.user, title="Eve's secret", status="todo",
                       assignee_id=outsider.user),
    }
    notifications.subscribe(bob, made["followed"].id)
    notifications.unsubscribe(bob, made["ops_created"].id)           # created, then unfollowed
    return type("World", (), {"ops": ops, **made})


def test_assigned_is_the_default_tab_across_my_teams(client, eng, world):
    html = client.login(eng.member).get("/my").get_data(as_text=True)
    assert sorted(titles(html)) == ["ENG assigned to Bob", "OPS assigned to Bob"]
    assert group_titles(html, "todo") == ["ENG assigned to Bob"]
    assert group_titles(html, "in_progress") == ["OPS assigned to Bob"]
    assert '<a href="/my" aria-current="page">Assigned</a>' in html and "<title>My issues · " in html
    assert 'id="issue-ENG-1"' in html and 'id="issue-OPS-1"' in html


def test_created_and_subscribed_tabs(client, eng, world):
    client.login(eng.member)
    created = client.get("/my?tab=created").get_data(as_text=True)
    assert sorted(titles(created)) == ["ENG created by Bob", "OPS created by Bob"]
    assert '<a href="/my?tab=created" aria-current="page">Created</a>' in created
    assert '<input type="hidden" name="tab" value="created">' in created     # the filter bar keeps the tab
    followed = client.get("/my?tab=subscribed").get_data(as_text=True)
    # assigned and created subscribe; the unfollowed one is gone, the followed one there
    assert sorted(titles(followed)) == ["ENG assigned to Bob", "ENG created by Bob", "OPS Bob follows",
                                        "OPS assigned to Bob"]
    assert client.get("/my?tab=nonsense").get_data(as_text=True).count('class="row-title"') == 2


def test_outsiders_never_see_others_issues(client, eng, world, outsider):
    client.login(outsider.user)
    for tab in ("", "?tab=created", "?tab=subscribed", "?tab=created&q=Bob"):
        html = client.get("/my" + tab).get_data(as_text=True)
        assert [unescape(t) for t in titles(html)] == ([] if "q=" in tab else ["Eve's secret"]), tab
        assert "Bob" not in titles(html) and "ENG-" not in html and "OPS-" not in html
    client.login(eng.member)
    for tab in ("", "?tab=created", "?tab=subscribed"):
        assert "Eve" not in " ".join(titles(client.get("/my" + tab).get_data(as_text=True)))


def test_a_member_who_leaves_a_team_no_longer_sees_its_issues_there(client, eng, world):
    client.login(eng.member)
    assert len(titles(client.get("/my").get_data(as_text=True))) == 2
    teams.remove_member(eng.member, world.ops.id, str(eng.member.id))
    for tab in ("", "?tab=created", "?tab=subscribed"):
        html = client.get("/my" + tab).get_data(as_text=True)
        assert not [t for t in titles(html) if t.startswith("OPS")], tab
    assert titles(client.get("/my").get_data(as_text=True)) == ["ENG assigned to Bob"]


def test_status_and_priority_filters_and_the_fragment(client, eng, world):
    client.login(eng.member)
    resp = client.get("/my?tab=subscribed&status=todo&status=in_progress&priority=1", headers=hx("my-list"))
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="my-list"') and "<html" not in html
    assert titles(html) == ["ENG assigned to Bob"]
    assert titles(client.get("/my?q=OPS").get_data(as_text=True)) == ["OPS assigned to Bob"]
    assert "No issues match these filters" in client.get("/my?status=canceled").get_data(as_text=True)
    # list filters that name one team's rows are not My issues' (nor the tab's own)
    assert len(titles(client.get(f"/my?assignee={eng.admin.id}&team_id={world.ops.id}").get_data(as_text=True))) == 2
    bad = client.get("/my?status=doing&priority=9")
    assert bad.status_code == 422 and "Status must be one of" in bad.get_data(as_text=True)
    assert client.get("/my?sort=title", headers=hx("my-list")).status_code == 422


def test_load_more_pages_a_group_with_its_tab_and_filters(client, eng, f):
    t, ada, bob = eng
    for n in range(31):
        f.issue(t, bob, title=f"Mine {n:02}", status="todo", priority=2, assignee_id=bob if n % 2 else None)
    f.issue(t, bob, title="Another status", status="done", priority=2)
    client.login(bob)
    html = client.get("/my?tab=created&priority=2&sort=created_at").get_data(as_text=True)
    first = group_titles(html, "todo")
    assert first == [f"Mine {n:02}" for n in range(25)]
    assert 'id="my-group-count' not in html and "31" in html.split('id="my-group-todo"', 1)[1][:800]
    link = re.search(r'id="my-load-more-todo" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "tab=created" in link and "priority=2" in link and "sort=created_at" in link and "group=todo" in link
    more = client.get(link, headers=hx("my-load-more-todo")).get_data(as_text=True)
    assert titles(more) == [f"Mine {n:02}" for n in range(25, 31)] and "Load more" not in more
    assert client.get(link.replace("cursor=", "cursor=x"), headers=hx("my-load-more-todo")).status_code == 422


def test_my_issues_run_a_fixed_number_of_queries(client, eng, f, count_queries):
    t, ada, bob = eng
    ops = f.team(ada, key="OPS", members=[bob])

    def make(n):
        """n issues of both teams, all Bob's, in every status, in projects of their own (a query per
        row for any of them would show)."""
        for k in range(n):
            team = (t, ops)[k % 2]
            project = f.project(team, ada, name=f"Project {n}-{k}")
            issue = f.issue(team, ada, title=f"Task {k}", status=("backlog", "todo", "in_progress", "done",
                                                                    "canceled")[k % 5], assignee_id=bob,
                            project_id=project)
            comments.create_comment(bob, issue.id, "following")

    client.login(bob)

    def statements(path) -> int:
        client.get(path)
        with count_queries() as q:
            assert client.get(path).status_code == 200
        return q.count

    make(10)
    few = {tab: statements(f"/my?tab={tab}") for tab in ("assigned", "created", "subscribed")}
    make(40)
    assert {tab: statements(f"/my?tab={tab}") for tab in ("assigned", "created", "subscribed")} == few
    # the session's user with the sidebar, the counts, one page per non-empty status group (5)
    assert few["assigned"] == few["subscribed"] == 7, few


def test_the_sidebar_links_my_issues_with_g_m(client, eng, world):
    client.login(eng.member)
    html = client.get("/team/ENG/issues").get_data(as_text=True)
    link = re.search(r'<a class="my-issues-nav"[^>]*>My issues</a>', html).group(0)
    assert 'href="/my"' in link and 'data-shortcut="g m"' in link and "aria-current" not in link
    here = client.get("/my").get_data(as_text=True)
    assert re.search(r'<a class="my-issues-nav"[^>]*aria-current="page"[^>]*>My issues</a>', here)
    assert html.index('class="inbox-nav"') < html.index('class="my-issues-nav"') < html.index('class="team-nav"')


def test_the_page_listens_on_its_own_socket_and_refetches_with_its_filters(client, eng, world):
    html = client.login(eng.member).get("/my?tab=created").get_data(as_text=True)
    assert 'data-url="/ws?kind=my"' in html and 'data-kind="my"' in html
    assert 'hx-get="/my" hx-trigger="live-refresh" hx-include="#my-filters"' in html
    assert 'hx-target="#my-list" hx-select="#my-list"' in html
    assert 'data-url="/ws?kind=user"' not in html                      # one socket a page


def test_my_page_needs_a_login(client):
    resp = client.get("/my")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


@pytest.mark.live
def test_my_socket_refreshes_on_my_teams_issues_only(f, eng, outsider, sockets, live_server):  # noqa: F811
    t, ada, bob = eng
    ops = f.team(ada, key="OPS", members=[bob])
    sock = sockets("/ws", cookie_for=bob, origin=live_server.url, kind="my")
    assert 'data-live="ready"' in sock.text()
    f.issue(outsider.team, outsider.user, title="Not Bob's team")
    assert sock.nothing(0.3)
    issue = f.issue(ops, ada, title="In OPS")
    assert sock.text() == '<div data-live="refresh"></div>'
    comments.create_comment(ada, issue.id, "a comment may subscribe: it refreshes too")
    assert sock.text() == '<div data-live="refresh"></div>'
    teams.remove_member(bob, ops.id, str(bob.id))
    issues.update_issue(ada, issue.id, {"title": "After Bob left"})
    assert sock.nothing(0.3)
    f.issue(t, ada, title="Still in ENG")
    assert sock.text() == '<div data-live="refresh"></div>'


def test_my_stream_checks_each_events_team_against_the_users_teams(app, f, eng, outsider):
    """Beyond the broker's routing (events go to their team's members): the page's own check."""
    from linear_web.events import COMMENT_CREATED, ISSUE_UPDATED, Event
    from linear_web.realtime.page_stream import PageStream
    theirs = f.issue(outsider.team, outsider.user, title="Eve's")
    ours = f.issue(eng.team, eng.admin, title="Ours")
    with app.test_request_context("/ws"):
        stream = PageStream.for_request(eng.member, {"kind": "my"})
        assert (stream.kind, stream.team_id) == ("my", None)
        assert stream.render(Event.for_issue(ISSUE_UPDATED, theirs, outsider.user)) == []
        assert stream.render(Event.for_issue(ISSUE_UPDATED, ours, eng.admin)) == ['<div data-live="refresh"></div>']
        assert stream.render(Event.for_issue(COMMENT_CREATED, ours, eng.admin)) == ['<div data-live="refresh"></div>']
