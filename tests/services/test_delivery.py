"""Loading for live delivery: no acting user, what the pages would show, in the session given."""
import io
import uuid

from linear_web.services import attachments, comments, delivery, issues, projects, teams


def test_issue_and_comment_are_read_as_they_are_now(f):
    admin = f.user()
    team = f.team(admin, key="DLV")
    issue = f.issue(team, admin, title="Before")
    comment = comments.create_comment(admin, issue.id, "hello")
    issues.update_issue(admin, issue.id, {"title": "After"})
    with delivery.session() as session:
        loaded = delivery.load_issue(session, str(issue.id))
        said = delivery.load_comment(session, str(comment.id))
    # Rows outlive their session: socket threads read them after it closed.
    assert (loaded.title, loaded.identifier) == ("After", "DLV-1")
    assert (said.body, said.author.name) == ("hello", admin.name)
    with delivery.session() as session:
        assert delivery.load_issue(session, str(uuid.uuid4())) is None
        assert delivery.load_issue(session, "not-a-uuid") is None
        assert delivery.load_comment(session, str(uuid.uuid4())) is None


def test_member_ids_follow_the_team_at_delivery(f):
    admin, member, outsider = f.user(), f.user(), f.user()
    team = f.team(admin)
    f.team(outsider)
    with delivery.session() as session:
        assert delivery.member_ids(session, team.id) == {str(admin.id)}
    f.add_member(team, member)
    with delivery.session() as session:
        assert delivery.member_ids(session, str(team.id)) == {str(admin.id), str(member.id)}


def test_identifier_in_a_team_the_issue_left_is_its_newest_there(f):
    admin = f.user()
    old, new, never = f.team(admin, key="OLD"), f.team(admin, key="NEW"), f.team(admin, key="NVR")
    issue = f.issue(old, admin)
    for team in (new, old, new):                       # OLD-1 → NEW-1 → OLD-2 → NEW-2
        issues.update_issue(admin, issue.id, {"team_id": str(team.id)})
    with delivery.session() as session:
        assert delivery.identifier_in_team(session, issue.id, old.id) == "OLD-2"
        assert delivery.identifier_in_team(session, issue.id, new.id) == "NEW-1"
        assert delivery.identifier_in_team(session, issue.id, never.id) is None


def test_team_pickers_are_the_pages_pickers(f):
    admin, zoe = f.user(name="Ada"), f.user(name="Zoe")
    team = f.team(admin, members=[zoe])
    f.project(team, admin, name="Zeta")
    f.project(team, admin, name="Alpha")
    f.project(f.team(admin), admin, name="Other team's")
    with delivery.session() as session:
        pickers = delivery.team_pickers(session, team.id)
    assert [u.name for u in pickers["members"]] == ["Ada", "Zoe"]
    assert [m.user.name for m in teams.list_members(admin, team.id)] == ["Ada", "Zoe"]
    assert [p.name for p in pickers["projects"]] == ["Alpha", "Zeta"]
    assert [p.name for p in projects.list_projects(admin, team.id)] == ["Alpha", "Zeta"]


def test_recent_activity_is_the_newest_rows_oldest_first(f):
    admin = f.user()
    team = f.team(admin)
    issue = f.issue(team, admin, title="t0")
    for n in range(1, 5):
        issues.update_issue(admin, issue.id, {"title": f"t{n}"})
    with delivery.session() as session:
        recent = delivery.recent_activity(session, issue.id, limit=3)
    assert [a.new_value for a in recent] == ["t2", "t3", "t4"]
    assert [a.new_value for a in issues.list_activity(admin, issue.id)][-3:] == ["t2", "t3", "t4"]
    assert recent[0].actor.name == admin.name


def test_issue_attachments_as_the_panel_lists_them(f):
    admin = f.user()
    team = f.team(admin)
    issue = f.issue(team, admin)
    for name in ("b.txt", "a.txt"):
        attachments.upload(admin, issue.id, io.BytesIO(b"text\n"), name)
    with delivery.session() as session:
        files = delivery.issue_attachments(session, str(issue.id))
    assert [a.filename for a in files] == ["b.txt", "a.txt"]
    assert files[0].uploader.name == admin.name
