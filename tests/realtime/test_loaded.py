"""One event costs a fixed number of queries per process, however many sockets receive it."""
from linear_web.events import Event
from linear_web.realtime.loaded import load


def test_event_is_loaded_once_per_process(f, count_queries):
    admin, member = f.user(), f.user()
    team = f.team(admin, members=[member])
    issue = f.issue(team, admin, title="Shared")
    event = Event.for_issue("ISSUE_UPDATED", issue, admin)
    with count_queries() as first:
        view = load(event)
    assert 1 <= first.count <= 3                        # the issue (with joins) and the members
    assert view.members == {str(admin.id), str(member.id)}
    assert '"title": "Shared"' in view.json_text
    with count_queries() as others:
        for _ in range(100):                           # a hundred more sockets
            assert load(event) is view
    assert others.count == 0


def test_membership_is_read_when_the_event_is_delivered(f):
    admin, member = f.user(), f.user()
    team = f.team(admin)
    issue = f.issue(team, admin)
    f.add_member(team, member)
    assert str(member.id) in load(Event.for_issue("ISSUE_UPDATED", issue, admin)).members
