"""The inbox's rules: handles, who is subscribed, which change tells whom (once, never the person
who made it), reading and marking, and what happens when an issue goes or a member leaves."""
import pytest
from sqlalchemy import select

from linear_web.infra.extensions import db
from linear_web.models import Notification, User
from linear_web.services import auth, comments, issues, notifications as inbox, teams
from linear_web.services.errors import Conflict, NotFound, ValidationError


@pytest.fixture
def crew(f):
    """ENG: Ada (admin), Bob, Grace; Eve in her own team."""
    ada = f.user("Ada Lovelace", email="ada@example.com")
    bob = f.user("Bob Stone", email="bob@example.com")
    grace = f.user("Grace Hopper", email="grace.hopper@example.com")
    eve = f.user("Eve Outsider", email="eve@example.com")
    eng = f.team(ada, key="ENG", members=[bob, grace])
    f.team(eve, key="EVE")
    return type("Crew", (), {"ada": ada, "bob": bob, "grace": grace, "eve": eve, "eng": eng})


def inbox_of(user) -> list[tuple[str, str]]:
    """(type, actor's name) of the user's notifications, newest first."""
    rows, _ = inbox.list_notifications(db.session.get(User, user.id))
    return [(n.type, n.actor.name) for n in rows]


def test_handles_come_from_the_email_are_unique_and_can_change(crew):
    assert (crew.ada.handle, crew.grace.handle) == ("ada", "grace.hopper")
    twin = auth.signup("Ada@elsewhere.org", "correct-horse-battery", "Another Ada")
    assert twin.handle == "ada2"
    assert auth.signup("x+y!@example.com", "correct-horse-battery", "X").handle == "xy"
    with pytest.raises(Conflict) as err:
        auth.update_profile(crew.bob, handle="ADA")
    assert err.value.details == {"handle": "This handle is taken."}
    for bad in ("a", "x" * 31, "white space", "émile", "a\x00b", 12, ""):
        with pytest.raises(ValidationError):
            auth.update_profile(crew.bob, handle=bad)
    assert auth.update_profile(crew.bob, handle=" Bobby.S ", name="Bob S").handle == "bobby.s"
    assert db.session.get(User, crew.bob.id).name == "Bob S"


def test_mentions_are_handles_of_team_members_only(crew):
    assert inbox.mentioned_handles("hi @grace.hopper and @bob. mail ada@example.com, @ada @ada") == \
        ["grace.hopper", "bob", "ada"]
    found = inbox.members_by_handle(crew.eng.id, ["grace.hopper", "eve", "nobody"])
    assert list(found) == ["grace.hopper"]               # Eve is not in ENG: plain text


def test_an_assignment_tells_the_assignee_but_never_the_one_who_did_it(crew, f):
    issue = f.issue(crew.eng, crew.ada, title="Fix login", assignee_id=crew.bob)
    assert inbox_of(crew.bob) == [("assigned", "Ada Lovelace")]
    assert inbox_of(crew.ada) == []
    issues.update_issue(crew.bob, issue.id, {"assignee_id": str(crew.bob.id)})   # no change: nothing
    issues.update_issue(crew.bob, issue.id, {"assignee_id": str(crew.grace.id)})
    assert inbox_of(crew.grace) == [("assigned", "Bob Stone")]
    f.issue(crew.eng, crew.ada, title="Self", assignee_id=crew.ada)
    assert inbox_of(crew.ada) == []                      # assigning yourself tells nobody


def test_subscribers_hear_comments_and_status_changes_once_each(crew, f):
    issue = f.issue(crew.eng, crew.ada, title="Shared", assignee_id=crew.bob)   # ada, bob subscribed
    comments.create_comment(crew.grace, issue.id, "I can help")                   # grace subscribes
    assert inbox_of(crew.ada) == [("commented", "Grace Hopper")]
    assert inbox_of(crew.bob) == [("commented", "Grace Hopper"), ("assigned", "Ada Lovelace")]
    assert inbox_of(crew.grace) == []
    issues.update_issue(crew.bob, issue.id, {"status": "in_progress"})
    assert inbox_of(crew.grace)[0] == ("status_changed", "Bob Stone")
    assert inbox_of(crew.ada)[0] == ("status_changed", "Bob Stone")
    assert inbox_of(crew.bob)[0] == ("commented", "Grace Hopper")               # not told of his own change
    # One change that assigns and moves status tells the new assignee once: "assigned".
    issues.update_issue(crew.ada, issue.id, {"status": "done", "assignee_id": str(crew.grace.id)})
    assert [t for t, _ in inbox_of(crew.grace)][:2] == ["assigned", "status_changed"]
    assert len(inbox_of(crew.grace)) == 2


def test_mentions_in_comments_and_descriptions_tell_members_and_subscribe_them(crew, f):
    issue = f.issue(crew.eng, crew.ada, title="Design", description="@bob please look; not @eve")
    assert inbox_of(crew.bob) == [("mentioned", "Ada Lovelace")]
    assert inbox_of(crew.eve) == []                       # not a member: plain text, nobody told
    comment = comments.create_comment(crew.ada, issue.id, "@grace.hopper and @bob: thoughts?")
    rows, _ = inbox.list_notifications(db.session.get(User, crew.grace.id))
    assert [(n.type, n.comment_id) for n in rows] == [("mentioned", comment.id)]
    assert inbox_of(crew.bob)[0] == ("mentioned", "Ada Lovelace")             # mentioned wins over commented
    comments.update_comment(crew.ada, comment.id, "@grace.hopper and @bob: thoughts? cc @grace.hopper")
    assert len(inbox_of(crew.grace)) == 1                 # an edit tells only those it newly mentions
    issues.update_issue(crew.ada, issue.id, {"description": "@bob please look; now also @grace.hopper"})
    assert [t for t, _ in inbox_of(crew.grace)] == ["mentioned", "mentioned"]
    subscribed, people = inbox.subscription_of(crew.grace, db.session.get(type(issue), issue.id))
    assert subscribed and [u.name for u in people] == ["Ada Lovelace", "Bob Stone", "Grace Hopper"]


def test_unsubscribing_sticks_until_subscribing_again(crew, f):
    issue = f.issue(crew.eng, crew.ada, title="Noisy")
    inbox.unsubscribe(crew.ada, issue.id)
    comments.create_comment(crew.bob, issue.id, "first")
    assert inbox_of(crew.ada) == []
    comments.create_comment(crew.ada, issue.id, "I comment but stay unsubscribed")
    comments.create_comment(crew.bob, issue.id, "second")
    assert inbox_of(crew.ada) == []
    inbox.subscribe(crew.ada, issue.id)
    comments.create_comment(crew.bob, issue.id, "third")
    assert inbox_of(crew.ada) == [("commented", "Bob Stone")]
    with pytest.raises(NotFound):
        inbox.subscribe(crew.eve, issue.id)


def test_reading_marking_and_nobody_elses(crew, f):
    for i in range(5):
        f.issue(crew.eng, crew.ada, title=f"Task {i}", assignee_id=crew.bob)
    bob = db.session.get(User, crew.bob.id)
    assert inbox.unread_count(bob) == 5
    first, cursor = inbox.list_notifications(bob, limit=3)
    rest, end = inbox.list_notifications(bob, limit=3, cursor=cursor)
    assert [n.issue.title for n in first + rest] == [f"Task {i}" for i in range(4, -1, -1)] and end is None
    read = inbox.mark_read(bob, first[0].id)
    stamp = read.read_at
    assert inbox.mark_read(bob, first[0].id).read_at == stamp   # idempotent
    assert inbox.unread_count(bob) == 4
    assert [n.issue.title for n in inbox.list_notifications(bob, unread=True)[0]][0] == "Task 3"
    for who in (crew.eve, crew.ada):
        with pytest.raises(NotFound):
            inbox.mark_read(who, first[0].id)
    assert inbox.mark_all_read(bob) == 4 and inbox.unread_count(bob) == 0
    with pytest.raises(ValidationError):
        inbox.list_notifications(bob, cursor="garbage")


def test_a_deleted_issue_takes_its_notifications_and_a_former_member_sees_none(crew, f):
    gone = f.issue(crew.eng, crew.ada, title="Gone", assignee_id=crew.bob)
    f.issue(crew.eng, crew.ada, title="Stays", assignee_id=crew.bob)
    issues.delete_issue(crew.ada, gone.id)
    assert [n.issue.title for n in inbox.list_notifications(db.session.get(User, crew.bob.id))[0]] == ["Stays"]
    assert db.session.scalar(select(db.func.count()).select_from(Notification)) == 1
    teams.remove_member(crew.ada, crew.eng.id, crew.bob.id)
    bob = db.session.get(User, crew.bob.id)
    assert inbox.list_notifications(bob)[0] == [] and inbox.unread_count(bob) == 0
    issue = f.issue(crew.eng, crew.ada, title="After he left")
    comments.create_comment(crew.grace, issue.id, "@bob are you there?")
    assert db.session.scalar(select(db.func.count()).select_from(Notification)
                             .where(Notification.user_id == crew.bob.id)) == 1   # only the old one


def test_a_comment_to_many_subscribers_is_a_fixed_number_of_statements(crew, f, count_queries):
    people = [f.user(f"Member {i}") for i in range(30)]
    for p in people:
        teams.add_member(crew.ada, crew.eng.id, user_id=str(p.id))
    issue = f.issue(crew.eng, crew.ada, title="Popular")
    for p in people:
        inbox.subscribe(p, issue.id)
    comments.create_comment(crew.bob, issue.id, "bob subscribes by commenting")

    def comment(text):
        db.session.expire_all()
        with count_queries() as counted:
            comments.create_comment(crew.bob, issue.id, text)
        return counted.count

    one = comment("@" + people[0].handle)                       # 1 mentioned, 30 told
    many = comment(" ".join("@" + p.handle for p in people[:20]))  # 20 mentioned, 30 told
    assert one == many, (one, many)
    told = db.session.scalars(select(Notification.type).where(Notification.issue_id == issue.id)
                              .order_by(Notification.created_at.desc())).all()
    assert len(told) == 3 * 31 and told[:31].count("mentioned") == 20   # 30 people and ada, each time
