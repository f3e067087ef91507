"""The inbox as a user meets it: the inbox page, the sidebar badge, subscribing on the issue page,
the handle on the account page, @mentions as links and the mention autocomplete's member list."""
import re
from html.parser import HTMLParser

import pytest

from linear_web import list_cache
from linear_web.infra.extensions import db
from linear_web.models import Notification, User
from linear_web.services import comments, issues, notifications, teams

from tests.realtime.conftest import sockets, ws_url  # noqa: F401 (fixtures of the live socket test)

from .conftest import hx


def text(html: str) -> str:
    """What a reader sees: tags dropped, whitespace collapsed, entities as characters."""
    from html import unescape
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def rows(html: str) -> list[str]:
    """The inbox rows' text as a screen reader has it (avatars are hidden from it), top to bottom."""
    return [text(re.sub(r'<span [^>]*aria-hidden="true"[^>]*>[^<]*</span>', "", r))
            for r in re.findall(r'<li id="notification-[^"]+".*?</li>', html, re.S)]


def mine(user) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at)))


@pytest.fixture
def grace(f, eng):
    """Grace Hopper, a third member of ENG."""
    user = f.user(name="Grace Hopper", email="grace@example.com")
    teams.add_member(eng.admin, eng.team.id, user_id=str(user.id))
    return user


# -- the inbox page ------------------------------------------------------------------------------

def test_the_inbox_says_who_did_what_on_which_issue_newest_first(client, f, eng, grace):
    t, ada, bob = eng
    first = f.issue(t, ada, title="Fix login", assignee_id=bob)              # ada assigns bob ENG-1
    second = f.issue(t, grace, title="Write docs")
    comments.create_comment(grace, second.id, f"@{bob.handle} can you review?")  # grace mentions bob
    comments.create_comment(ada, first.id, "Looking at it")                  # bob is subscribed (assignee)
    issues.update_issue(ada, first.id, {"status": "done"})
    html = client.login(bob).get("/inbox").get_data(as_text=True)
    assert rows(html) == [
        "Unread: Ada Lovelace changed the status of ENG-1 Fix login to Done just now",
        "Unread: Ada Lovelace commented on ENG-1 Fix login just now",
        "Unread: Grace Hopper mentioned you in ENG-2 Write docs just now",
        "Unread: Ada Lovelace assigned you ENG-1 Fix login just now",
    ]
    status_row = re.search(r'<li id="notification-.*?</li>', html, re.S).group(0)
    assert 'class="status-icon status-done"' in status_row          # the status icon, current status
    assert "<time" in status_row and "datetime=" in status_row      # a relative time with the full date
    assert client.get("/inbox").status_code == 200
    assert "Ada Lovelace assigned you ENG-1" not in text(client.login(ada).get("/inbox").get_data(as_text=True))


def test_each_status_line_tells_the_status_that_change_set(client, f, eng):
    t, ada, bob = eng
    issue = f.issue(t, ada, title="Ship", assignee_id=bob)
    issues.update_issue(ada, issue.id, {"status": "in_progress"})
    issues.update_issue(ada, issue.id, {"status": "done"})
    lines = rows(client.login(bob).get("/inbox").get_data(as_text=True))
    assert lines[:2] == ["Unread: Ada Lovelace changed the status of ENG-1 Ship to Done just now",
                         "Unread: Ada Lovelace changed the status of ENG-1 Ship to In Progress just now"]


def test_unread_rows_are_bold_and_the_sidebar_counts_them(client, f, eng):
    t, ada, bob = eng
    for n in range(3):
        f.issue(t, ada, title=f"Task {n}", assignee_id=bob)
    client.login(bob)
    html = client.get("/inbox").get_data(as_text=True)
    assert html.count('class="inbox-item is-unread"') == 3
    assert re.search(r'<span id="inbox-badge" class="inbox-badge" role="status" aria-label="3 unread">3</span>', html)
    notifications.mark_read(bob, mine(bob)[0].id)
    html = client.get("/team/ENG/issues").get_data(as_text=True)             # every page's sidebar
    assert 'aria-label="2 unread">2</span>' in html
    assert client.get("/inbox").get_data(as_text=True).count('class="inbox-item is-unread"') == 2
    notifications.mark_all_read(bob)
    badge = re.search(r'<span id="inbox-badge"[^>]*>', client.get("/inbox").get_data(as_text=True)).group(0)
    assert "hidden" in badge and 'aria-label="0 unread"' in badge
    assert 'href="/inbox" data-shortcut="g i"' in html


def test_opening_a_notification_marks_it_read_and_goes_to_the_issue_or_its_comment(client, f, eng):
    t, ada, bob = eng
    issue = f.issue(t, ada, title="Crash", assignee_id=bob)
    comment = comments.create_comment(ada, issue.id, "More detail")
    assigned, commented = mine(bob)
    client.login(bob)
    resp = client.get(f"/inbox/{assigned.id}")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/issue/ENG-1")
    resp = client.get(f"/inbox/{commented.id}")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/issue/ENG-1#comment-{comment.id}")
    assert all(n.read_at is not None for n in mine(bob))
    assert 'class="inbox-item is-unread"' not in client.get("/inbox").get_data(as_text=True)


def test_another_users_notification_is_404(client, f, eng, outsider):
    t, ada, bob = eng
    f.issue(t, ada, assignee_id=bob)
    [theirs] = mine(bob)
    for user in (ada, outsider.user):
        client.login(user)
        assert client.get(f"/inbox/{theirs.id}").status_code == 404
    client.login(bob)
    assert client.get("/inbox/not-an-id").status_code == 404
    assert mine(bob)[0].read_at is None


def test_mark_all_read(client, f, eng):
    t, ada, bob = eng
    f.issue(t, ada, assignee_id=bob)
    f.issue(t, ada, assignee_id=bob)
    client.login(bob)
    resp = client.post("/inbox/read-all")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/inbox")
    assert notifications.unread_count(bob) == 0
    page = client.get("/inbox").get_data(as_text=True)
    assert "Marked 2 notifications read." in page and len(rows(page)) == 2     # still listed, as read
    assert client.post("/inbox/read-all", data={"unread": "true"}).headers["Location"].endswith("/inbox?unread=true")


def test_unread_only_filter_and_its_fragment(client, f, eng):
    t, ada, bob = eng
    f.issue(t, ada, title="Old news", assignee_id=bob)
    notifications.mark_all_read(bob)
    f.issue(t, ada, title="Fresh", assignee_id=bob)
    client.login(bob)
    page = client.get("/inbox?unread=true").get_data(as_text=True)
    assert [r.split(" ENG-")[1] for r in rows(page)] == ["2 Fresh just now"]
    assert '<input type="checkbox" name="unread" value="true" checked>' in page
    fragment = client.get("/inbox?unread=true", headers=hx("inbox-list")).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="inbox-list"') and "<html" not in fragment
    assert len(rows(fragment)) == 1 and len(rows(client.get("/inbox", headers=hx("inbox-list")).get_data(as_text=True))) == 2
    notifications.mark_all_read(bob)
    assert "No unread notifications." in client.get("/inbox?unread=true").get_data(as_text=True)


def test_an_empty_inbox_says_what_fills_it(client, f):
    client.login(f.user())
    html = client.get("/inbox").get_data(as_text=True)
    assert "Nothing here yet." in html and "mentions you" in html and 'id="inbox-more"' not in html


def test_load_more_pages_with_the_keyset_cursor(client, f, eng):
    t, ada, bob = eng
    for n in range(53):
        f.issue(t, ada, title=f"Task {n}", assignee_id=bob)
    client.login(bob)
    page = client.get("/inbox").get_data(as_text=True)
    first = rows(page)
    assert len(first) == 50 and "Task 52" in first[0]
    more = re.search(r'<li id="inbox-more".*?hx-get="([^"]+)"', page, re.S).group(1).replace("&amp;", "&")
    fragment = client.get(more, headers=hx("inbox-more")).get_data(as_text=True)
    rest = rows(fragment)
    assert len(rest) == 3 and "Task 0" in rest[-1] and 'id="inbox-more"' not in fragment
    assert "<html" not in fragment
    assert len(set(first + rest)) == 53
    assert client.get("/inbox?cursor=garbage").status_code == 422


def test_the_inbox_runs_the_same_queries_for_3_and_30_notifications(client, f, eng, count_queries):
    t, ada, bob = eng
    other = f.user(name="Other Person")
    teams.add_member(ada, t.id, user_id=str(other.id))

    def notify(n):
        for k in range(n):
            f.issue(t, ada if k % 2 else other, title=f"Task {k}", assignee_id=bob)

    client.login(bob)

    def queries() -> int:
        client.get("/inbox")
        list_cache.clear()                                   # a render, not the stored page
        with count_queries() as q:
            assert client.get("/inbox").status_code == 200
        print(q.statements)
        return q.count

    notify(3)
    few = queries()
    notify(27)
    assert queries() == few
    # The inbox's state (its fast path's check), the user with the sidebar's teams and the unread
    # count, one page of notifications with their issues (and teams) and actors joined.
    assert few == 3, few
    with count_queries() as q:                               # stored: the check alone
        assert client.get("/inbox").status_code == 200
    assert q.count == 1


# -- subscribing on the issue page ---------------------------------------------------------------

def test_subscribe_and_unsubscribe_from_the_issue_page(client, f, eng):
    t, ada, bob = eng
    issue = f.issue(t, ada, title="Watch me")
    client.login(bob)
    page = client.get("/issue/ENG-1").get_data(as_text=True)
    section = page.split('id="issue-subscription"', 1)[1].split("</section>", 1)[0]
    assert 'name="action" value="subscribe"' in section and ">Subscribe</button>" in section
    assert "Ada Lovelace" in section and "Bob Stone" not in section
    resp = client.post("/issue/ENG-1/subscription", data={"action": "subscribe"}, headers=hx("issue-subscription"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<section id="issue-subscription"')
    assert ">Unsubscribe</button>" in html and "Bob Stone" in html and 'value="unsubscribe"' in html
    assert notifications.subscription_of(bob, issue)[0] is True
    resp = client.post("/issue/ENG-1/subscription", data={"action": "unsubscribe"})     # without htmx
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/issue/ENG-1")
    subscribed, users = notifications.subscription_of(bob, issue)
    assert subscribed is False and [u.name for u in users] == ["Ada Lovelace"]
    comments.create_comment(ada, issue.id, "Nobody tells Bob")
    assert mine(bob) == []
    assert client.post("/issue/ENG-1/subscription", data={"action": "maybe"}).status_code == 422


def test_subscription_is_404_for_outsiders(client, f, eng, outsider):
    t, ada, _ = eng
    issue = f.issue(t, ada)
    client.login(outsider.user)
    assert client.post("/issue/ENG-1/subscription", data={"action": "subscribe"}).status_code == 404
    assert notifications.subscription_of(outsider.user, issue)[0] is False


def test_csrf_is_required_on_every_inbox_form(client, f, eng):
    t, ada, bob = eng
    issue = f.issue(t, ada, assignee_id=bob)
    client.login(bob)
    for path, data in (("/inbox/read-all", {}), ("/issue/ENG-1/subscription", {"action": "unsubscribe"}),
                       ("/account/profile", {"name": "Bob", "handle": "bobby"})):
        assert client.post(path, data=data, csrf=False).status_code == 400, path
    assert notifications.unread_count(bob) == 1 and notifications.subscription_of(bob, issue)[0] is True
    assert db.session.get(User, bob.id).handle != "bobby"


# -- the handle on the account page --------------------------------------------------------------

def test_account_page_shows_and_changes_name_and_handle(client, f, eng):
    _, ada, _ = eng
    client.login(ada)
    page = client.get("/account").get_data(as_text=True)
    assert f'id="profile-handle" name="handle" type="text" value="{ada.handle}"' in page
    assert 'id="profile-name" name="name" type="text" value="Ada Lovelace"' in page
    resp = client.post("/account/profile", data={"name": "Ada King", "handle": "Ada.King"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/account")
    db.session.expire_all()
    user = db.session.get(User, ada.id)
    assert (user.name, user.handle) == ("Ada King", "ada.king")
    assert "Profile saved." in client.get("/account").get_data(as_text=True)


def test_a_taken_handle_is_409_and_a_bad_one_422_with_the_input_kept(client, f, eng):
    _, ada, bob = eng
    client.login(ada)
    resp = client.post("/account/profile", data={"name": "Ada New", "handle": bob.handle})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert 'id="error-profile-handle">This handle is taken.' in html
    assert f'value="{bob.handle}"' in html and 'value="Ada New"' in html
    resp = client.post("/account/profile", data={"name": "Ada New", "handle": "no spaces!"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="error-profile-handle">A handle is 2–30 characters' in html
    assert 'value="no spaces!"' in html and 'aria-invalid="true" aria-describedby="error-profile-handle"' in html
    resp = client.post("/account/profile", data={"name": "  ", "handle": "fine-handle"})
    assert resp.status_code == 422 and 'id="error-profile-name"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, ada.id).name == "Ada Lovelace"


# -- @mentions as links --------------------------------------------------------------------------

class Links(HTMLParser):
    """The page's <a> elements (attributes and text) and any script handler or javascript: URL."""

    def __init__(self):
        super().__init__()
        self.links, self.problems, self._open = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if any(name.startswith("on") for name in attrs) or \
                (attrs.get("href") or "").replace("\t", "").lower().startswith("javascript:"):
            self.problems.append((tag, attrs))
        if tag == "a":
            self._open = [attrs, ""]
            self.links.append(self._open)

    def handle_data(self, data):
        if self._open is not None:
            self._open[1] += data

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None


def mention_links(html: str) -> list[tuple[str, str]]:
    parser = Links()
    parser.feed(html)
    assert parser.problems == []
    return [(attrs["href"], label) for attrs, label in parser.links if attrs.get("class") == "mention"]


def test_member_mentions_link_to_their_issues_and_other_at_text_stays_text(client, f, eng, outsider, grace):
    t, ada, bob = eng
    eve = outsider.user
    issue = f.issue(t, ada, title="Mentions",
                    description=f"Ping @{bob.handle}, not @{eve.handle} nor @nobody-here; mail {bob.handle}@example.com")
    comments.create_comment(ada, issue.id, f"`@{grace.handle}` in code, [@{grace.handle}](https://x.test) in a link, "
                                           f"and **@{grace.handle}** for real")
    html = client.login(ada).get("/issue/ENG-1").get_data(as_text=True)
    assert mention_links(html) == [(f"/team/ENG/issues?assignee={bob.id}", f"@{bob.handle}"),
                                   (f"/team/ENG/issues?assignee={grace.id}", f"@{grace.handle}")]
    assert f"not @{eve.handle} nor @nobody-here" in html and f"<code>@{grace.handle}</code>" in html
    target = client.get(f"/team/ENG/issues?assignee={bob.id}")
    assert target.status_code == 200
    # Team membership is read when the page is shown: Bob leaves, his mention becomes text.
    teams.remove_member(ada, t.id, str(bob.id))
    html = client.get("/issue/ENG-1").get_data(as_text=True)
    assert [label for _, label in mention_links(html)] == [f"@{grace.handle}"]


def test_hostile_text_around_a_mention_stays_inert(client, f, eng):
    t, ada, bob = eng
    h = bob.handle
    hostile = (f'@{h}"><img src=x onerror=alert(1)> <a href="javascript:alert(1)">@{h}</a> '
               f'[@{h}](javascript:alert(1)) ![x">@{h}](https://x.test/a.png "t>@{h} onerror=alert(1)") '
               f'<script>@{h}</script> @{h}<svg onload=alert(1)>')
    issue = f.issue(t, ada, description=hostile)
    comments.create_comment(ada, issue.id, hostile)
    html = client.login(ada).get("/issue/ENG-1").get_data(as_text=True)
    links = mention_links(html)          # no handler, no javascript: URL anywhere on the page
    assert links and all(href == f"/team/ENG/issues?assignee={bob.id}" and label == f"@{h}" for href, label in links)
    shown = "".join(re.findall(r'<div class="markdown[^"]*">(.*?)</div>', html, re.S))
    assert "<script" not in shown and "<svg" not in shown and "<img src=\"x\"" not in shown
    assert shown.count("&lt;script&gt;") == 2 and shown.count("&lt;svg onload=alert(1)&gt;") == 2
    # Five in each text: all of them are text once escaped (the fake <a>, the refused javascript:
    # link, the <script>); none inside the image's alt or title attribute.
    assert len(links) == 2 * 5
    assert shown.count(f'alt="x&quot;&gt;@{h}" title="t&gt;@{h} onerror=alert(1)"') == 2


def test_mentions_cost_one_query_per_page_however_many(client, f, eng, grace, count_queries):
    t, ada, bob = eng
    plain = f.issue(t, ada, description="No mentions")
    loud = f.issue(t, ada, description=f"@{bob.handle} @{grace.handle}")
    for k in range(3):
        comments.create_comment(ada, plain.id, f"comment {k}")
        comments.create_comment(ada, loud.id, f"@{grace.handle} comment {k} @{bob.handle}")
    client.login(ada)

    def queries(ref) -> int:
        client.get(f"/issue/{ref}")
        with count_queries() as q:
            assert client.get(f"/issue/{ref}").status_code == 200
        return q.count

    assert queries(loud.identifier) == queries(plain.identifier) + 1


def test_the_comment_answer_links_mentions_too(client, f, eng):
    t, ada, bob = eng
    f.issue(t, ada)
    client.login(ada)
    resp = client.post("/issue/ENG-1/comments", data={"body": f"thanks @{bob.handle}"}, headers=hx("issue-timeline"))
    assert mention_links(resp.get_data(as_text=True)) == [(f"/team/ENG/issues?assignee={bob.id}", f"@{bob.handle}")]


def test_the_preview_links_mentions_as_saving_will(client, f, eng, outsider, grace):
    t, ada, bob = eng
    f.issue(t, ada)
    body = {"body": f"@{bob.handle} and @{outsider.user.handle}"}
    client.login(ada)
    resp = client.post("/markdown/preview?issue=ENG-1", data=body, headers=hx("comment-preview"))
    assert resp.status_code == 200
    assert mention_links(resp.get_data(as_text=True)) == [(f"/team/ENG/issues?assignee={bob.id}", f"@{bob.handle}")]
    # The page's Preview buttons name their issue.
    page = client.get("/issue/ENG-1").get_data(as_text=True)
    assert page.count('hx-post="/markdown/preview?issue=ENG-1"') == 2
    # Without an issue it is plain Markdown; an issue the user cannot see is 404.
    plain = client.post("/markdown/preview", data=body, headers=hx("comment-preview"))
    assert mention_links(plain.get_data(as_text=True)) == []
    assert client.login(outsider.user).post("/markdown/preview?issue=ENG-1", data=body,
                                             headers=hx("comment-preview")).status_code == 404


# -- the mention autocomplete's members ----------------------------------------------------------

def options(html: str) -> list[str]:
    return re.findall(r'role="option" aria-selected="false" data-handle="([^"]+)"', html)


def test_mention_options_filter_by_handle_or_name(client, f, eng, grace):
    t, ada, bob = eng
    client.login(ada)
    assert options(client.get("/team/ENG/members/mentions?q=gr").get_data(as_text=True)) == [grace.handle]
    assert options(client.get("/team/ENG/members/mentions?q=LOVE").get_data(as_text=True)) == [ada.handle]
    assert options(client.get("/team/ENG/members/mentions?q=hopp").get_data(as_text=True)) == [grace.handle]
    every = client.get("/team/ENG/members/mentions").get_data(as_text=True)
    assert options(every) == [ada.handle, bob.handle, grace.handle]          # by name
    assert 'id="mention-option-0"' in every and "Grace Hopper" in every
    assert options(client.get("/team/ENG/members/mentions?q=zzz").get_data(as_text=True)) == []


def test_mention_options_are_404_for_outsiders(client, eng, outsider):
    client.login(outsider.user)
    assert client.get("/team/ENG/members/mentions?q=a").status_code == 404


def test_the_issue_page_tells_the_autocomplete_where_members_are(client, f, eng):
    t, ada, _ = eng
    f.issue(t, ada)
    html = client.login(ada).get("/issue/ENG-1").get_data(as_text=True)
    assert 'data-mentions="/team/ENG/members/mentions"' in html and "js/mentions.js" in html
    assert "<kbd>g</kbd> <kbd>i</kbd></dt><dd>Go to the inbox</dd>" in html


# -- the live badge ------------------------------------------------------------------------------

def test_the_page_socket_pushes_the_badge_to_the_recipient_only(app, f, eng):
    from linear_web.events import NOTIFICATION_CREATED, Event
    from linear_web.realtime.page_stream import PageStream
    t, ada, bob = eng
    issue = f.issue(t, ada, assignee_id=bob)
    f.issue(t, ada, assignee_id=bob)
    notification = mine(bob)[0]
    event = Event.for_issue(NOTIFICATION_CREATED, issue, ada, notification_id=str(notification.id),
                            recipient_id=str(bob.id))
    with app.test_request_context("/ws"):
        assert PageStream(ada, str(t.id), "list").render(event) == []
        [html] = PageStream(bob, str(t.id), "issue", str(issue.id)).render(event)
        assert PageStream(bob, None, "dashboard").render(event) == [html]
    assert html.strip() == '<span id="inbox-badge" class="inbox-badge" role="status" aria-label="2 unread">2</span>'


@pytest.mark.live
def test_a_live_comment_links_its_mentions_and_the_badge_follows(f, eng, sockets, live_server):  # noqa: F811
    t, ada, bob = eng
    issue = f.issue(t, ada, title="Live")
    params = {"kind": "issue", "team": str(t.id), "issue": str(issue.id)}
    bob_sock = sockets("/ws", cookie_for=bob, origin=live_server.url, **params)
    ada_sock = sockets("/ws", cookie_for=ada, origin=live_server.url, **params)
    assert 'data-live="ready"' in bob_sock.text() and 'data-live="ready"' in ada_sock.text()
    comment = comments.create_comment(ada, issue.id, f"over to you @{bob.handle}")

    def pushes(sock, until: str) -> list[str]:
        """What the socket got until a push containing `until`, then anything within half a second."""
        got = [sock.text()]
        while until not in got[-1]:
            got.append(sock.text())
        while True:
            try:
                got.append(sock.text(timeout=0.5))
            except TimeoutError:
                return got

    bob_got = pushes(bob_sock, "inbox-badge")                     # (also: Ada is viewing too)
    [pushed] = [p for p in bob_got if f'id="comment-{comment.id}"' in p]
    assert mention_links(pushed) == [(f"/team/ENG/issues?assignee={bob.id}", f"@{bob.handle}")]
    assert bob_got[-1] == '<span id="inbox-badge" class="inbox-badge" role="status" aria-label="1 unread">1</span>'
    from linear_web.web import inbox
    assert issue.id in inbox._socket_links   # pushes read the handles in a session of their own, shared
    ada_got = pushes(ada_sock, f'id="comment-{comment.id}"')
    assert not any("inbox-badge" in p for p in ada_got)            # the author is not told


def test_pages_without_live_content_keep_the_badge_live_and_the_inbox_refreshes(client, f, eng, sockets,  # noqa: F811
                                                                               live_server, outsider):
    t, ada, bob = eng
    issue = f.issue(t, ada, title="Quiet")
    client.login(bob)
    # Every page opens one socket: its own (list, issue…) or the badge's (kind user; inbox on /inbox).
    for path, kind in (("/account", "user"), ("/search?q=x", "user"), ("/inbox", "inbox"),
                       ("/team/ENG/issues", "list"), (f"/issue/{issue.identifier}", "issue")):
        html = client.get(path).get_data(as_text=True)
        assert re.findall(r'id="live"[^>]*data-kind="(\w+)"', html) == [kind], path
    inbox_html = client.get("/inbox").get_data(as_text=True)
    assert 'hx-target="#inbox-list"' in inbox_html and 'hx-include="#inbox-filters"' in inbox_html

    quiet = sockets("/ws", cookie_for=bob, origin=live_server.url, kind="user")
    inbox_sock = sockets("/ws", cookie_for=bob, origin=live_server.url, kind="inbox")
    eve_sock = sockets("/ws", cookie_for=outsider.user, origin=live_server.url, kind="user")
    for sock in (quiet, inbox_sock, eve_sock):
        assert 'data-live="ready"' in sock.text()
    issues.update_issue(ada, issue.id, {"title": "Quiet still"})      # no notification: nothing pushed
    issues.update_issue(ada, issue.id, {"assignee_id": str(bob.id)})  # Bob is told
    badge = '<span id="inbox-badge" class="inbox-badge" role="status" aria-label="1 unread">1</span>'
    assert quiet.text() == badge
    assert [inbox_sock.text(), inbox_sock.text()] == [badge, '<div data-live="refresh"></div>']
    with pytest.raises(TimeoutError):
        quiet.text(timeout=0.5)
    with pytest.raises(TimeoutError):
        eve_sock.text(timeout=0.3)


def test_the_account_page_turns_notification_mail_off_and_on(client, f):
    from linear_web.models import User
    user = f.user(name="Mail Reader")
    client.login(user)
    html = client.get("/account").get_data(as_text=True)
    assert 'id="email"' in html and 'name="email_notifications" value="on" checked' in html
    assert "This server sends no mail yet" in html
    resp = client.post("/account/email", data={})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/account#email")
    db.session.expire_all()
    assert db.session.get(User, user.id).email_notifications is False
    client.post("/account/email", data={"email_notifications": "on"})
    db.session.expire_all()
    assert db.session.get(User, user.id).email_notifications is True
    assert client.post("/account/email", data={}, csrf=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).email_notifications is True
