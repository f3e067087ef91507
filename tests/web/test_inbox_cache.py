"""The inbox page's fast path (web/inbox_cache.py): a stored page is served only to its own
session while nothing it shows changed; every change a user would notice shows at once."""
import re

import pytest

from linear_web import list_cache
from linear_web.infra.extensions import db
from linear_web.models import User
from linear_web.services import auth, comments, issues, notifications, teams


@pytest.fixture(autouse=True)
def fresh_store():
    list_cache.clear()
    yield
    list_cache.clear()


def lines(client, path="/inbox") -> list[str]:
    html = client.get(path).get_data(as_text=True)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li)).strip()
            for li in re.findall(r'<li id="notification-[^"]+".*?</li>', html, re.S)]


def served_stored(client, count_queries, path="/inbox") -> bool:
    """Was the page served after the fast path's one statement alone?"""
    with count_queries() as q:
        assert client.get(path).status_code == 200
    return q.count == 1


def test_changes_show_at_once_and_an_unchanged_inbox_is_served_stored(client, f, eng, count_queries):
    t, ada, bob = eng
    first = f.issue(t, ada, title="First", assignee_id=bob)
    client.login(bob)
    assert len(lines(client)) == 1
    assert served_stored(client, count_queries)
    second = f.issue(t, ada, title="Second", assignee_id=bob)              # a new notification
    assert [line.split(" Second")[0] for line in lines(client)][0].endswith("assigned you ENG-2")
    issues.update_issue(ada, first.id, {"title": "First, renamed"})          # the issue changed
    assert any("First, renamed" in line for line in lines(client))
    notifications.mark_read(bob, notifications.list_notifications(bob)[0][0].id)   # one read
    assert not served_stored(client, count_queries)
    assert client.get("/inbox").get_data(as_text=True).count("is-unread") == 1
    comments.create_comment(ada, second.id, "a comment")                   # told again: newest changes
    assert "Unread: Ada Lovelace commented on ENG-2" in lines(client)[0]
    teams.update_team(ada, t.id, name="Engine Room")                        # the sidebar's team name
    assert "Engine Room" in client.get("/inbox").get_data(as_text=True)
    auth.update_profile(db.session.get(User, bob.id), name="Robert Stone")   # the sidebar's own name
    db.session.commit()
    assert "Log out Robert Stone" in client.get("/inbox").get_data(as_text=True)
    assert client.get("/inbox?unread=true").status_code == 200            # its own entry
    assert all("is-unread" in li for li in re.findall(r'<li id="notification-.*?</li>',
                                                      client.get("/inbox?unread=true").get_data(as_text=True), re.S))


def test_a_stored_page_is_never_served_to_another_session_or_a_stale_one(client, make_client, f, eng, count_queries):
    t, ada, bob = eng
    f.issue(t, ada, title="Private to Bob", assignee_id=bob)
    client.login(bob)
    client.get("/inbox")
    assert served_stored(client, count_queries)
    ada_client = make_client().login(ada)
    assert "Private to Bob" not in ada_client.get("/inbox").get_data(as_text=True)
    anonymous = make_client()
    resp = anonymous.get("/inbox")
    assert resp.status_code in (302, 303) and "/login" in resp.headers["Location"]
    other_session = make_client().login(bob)                             # Bob in another browser:
    page = other_session.get("/inbox").get_data(as_text=True)            # a page with its own token
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert token not in client.get("/inbox").get_data(as_text=True)
    auth.end_sessions(db.session.get(User, bob.id))                      # "log out everywhere"
    db.session.commit()
    resp = client.get("/inbox")
    assert resp.status_code in (302, 303) and "/login" in resp.headers["Location"]


def test_a_flashed_message_is_shown_once_and_never_stored(client, f, eng):
    t, ada, bob = eng
    f.issue(t, ada, assignee_id=bob)
    client.login(bob)
    client.get("/inbox")
    resp = client.post("/inbox/read-all", follow_redirects=True)
    assert "Marked 1 notification read." in resp.get_data(as_text=True)
    assert "Marked 1 notification read." not in client.get("/inbox").get_data(as_text=True)


def test_the_badge_counts_only_teams_the_user_is_still_in(client, f, eng):
    t, ada, bob = eng
    other = teams.create_team(ada, "OPS", "Operations")
    teams.add_member(ada, other.id, user_id=str(bob.id))
    f.issue(other, ada, title="Ops work", assignee_id=bob)
    f.issue(t, ada, title="Eng work", assignee_id=bob)
    client.login(bob)
    assert 'aria-label="2 unread"' in client.get("/inbox").get_data(as_text=True)
    teams.remove_member(bob, other.id, str(bob.id))                      # Bob leaves OPS; Ada stays
    html = client.get("/inbox").get_data(as_text=True)
    assert 'aria-label="1 unread"' in html and "Ops work" not in html


def test_a_saved_view_shows_in_the_stored_pages_sidebar_at_once(client, f, eng, count_queries):
    from linear_web.services import views
    t, ada, bob = eng
    client.login(bob)
    client.get("/inbox")
    assert served_stored(client, count_queries)
    view = views.create_view(ada, t.id, {"name": "Ada's triage", "shared": True}).view
    assert "Ada&#39;s triage" in client.get("/inbox").get_data(as_text=True)
    views.update_view(ada, view.id, {"name": "Triage"})
    html = client.get("/inbox").get_data(as_text=True)
    assert ">Triage<" in html and "Ada&#39;s triage" not in html
