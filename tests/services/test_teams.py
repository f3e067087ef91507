"""Team rules: key format, duplicate keys, roles, the last admin, who may change what."""
import pytest

from linear_web.infra.extensions import db
from linear_web.models import Membership, Team
from linear_web.services import access, teams
from linear_web.services.errors import Conflict, Forbidden, NotFound, ValidationError


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _role(team, user) -> str | None:
    db.session.expire_all()
    return access.role_in(user, team)


def test_creator_becomes_first_admin_and_key_is_uppercased(f):
    ada = f.user()
    team = teams.create_team(ada, "eng", "Engineering", "Builds things")
    assert (team.key, team.name, team.description) == ("ENG", "Engineering", "Builds things")
    assert _role(team, ada) == "admin"
    assert teams.list_teams(ada) == [(team, "admin")]


@pytest.mark.parametrize("key", ["", "E", "1ENG", "E-G", "ENG_X", "ABCDEFGHIJK", "ÉNG", "EN G", "EN\x00G"])
def test_bad_keys_are_refused_and_nothing_is_written(f, key):
    ada = f.user()
    with pytest.raises(ValidationError) as err:
        teams.create_team(ada, key, "Name")
    assert "key" in err.value.details
    assert _count(Team) == 0 and _count(Membership) == 0


@pytest.mark.parametrize("key", ["AB", "A1", "ABCDEFGHIJ", "Q3PLAN"])
def test_good_keys_are_accepted(f, key):
    assert teams.create_team(f.user(), key, "Name").key == key


def test_duplicate_key_is_a_conflict_whatever_the_case(f):
    teams.create_team(f.user(), "ENG", "First")
    with pytest.raises(Conflict) as err:
        teams.create_team(f.user(), "eng", "Second")
    assert err.value.status == 409 and "key" in err.value.details
    assert _count(Team) == 1


def test_name_is_required_and_limited(f):
    with pytest.raises(ValidationError) as err:
        teams.create_team(f.user(), "ENG", "   ", "x" * 10_001)
    assert set(err.value.details) == {"name", "description"}


def test_update_team_admin_only(f):
    admin, member = f.user(), f.user()
    team = f.team(admin, members=[member])
    teams.update_team(admin, team.key, name="Renamed", description="New words")
    assert (team.name, team.description) == ("Renamed", "New words")
    with pytest.raises(Forbidden):
        teams.update_team(member, team.key, name="Mine now")
    with pytest.raises(ValidationError):
        teams.update_team(admin, team.key, name="")
    db.session.expire_all()
    assert db.session.get(Team, team.id).name == "Renamed"


def test_add_member_by_email_with_role(f):
    admin, bob = f.user(), f.user(email="bob@example.com")
    team = f.team(admin)
    m = teams.add_member(admin, team.key, email="  BOB@example.com ", role="admin")
    assert (m.user_id, m.role) == (bob.id, "admin")
    assert [x.user.email for x in teams.list_members(admin, team.key)].count("bob@example.com") == 1


def test_add_member_errors(f):
    admin, member, outsider, carol = f.user(), f.user(), f.user(), f.user()
    team = f.team(admin, members=[member])
    with pytest.raises(ValidationError) as err:
        teams.add_member(admin, team.key, email="nobody@example.com")
    assert "email" in err.value.details
    with pytest.raises(ValidationError) as err:
        teams.add_member(admin, team.key, email=carol.email, role="owner")
    assert "role" in err.value.details
    with pytest.raises(Conflict):
        teams.add_member(admin, team.key, email=member.email)
    with pytest.raises(Forbidden):
        teams.add_member(member, team.key, email=carol.email)
    with pytest.raises(NotFound):
        teams.add_member(outsider, team.key, email=carol.email)
    assert not access.is_member(carol.id, team.id)


def test_last_admin_cannot_be_demoted_or_removed_or_leave(f):
    admin, member = f.user(), f.user()
    team = f.team(admin, members=[member])
    with pytest.raises(Conflict) as err:
        teams.change_role(admin, team.key, str(admin.id), "member")
    assert "admin" in err.value.message
    with pytest.raises(Conflict):
        teams.remove_member(admin, team.key, str(admin.id))
    assert _role(team, admin) == "admin" and _role(team, member) == "member"


def test_with_a_second_admin_the_first_may_step_down_and_leave(f):
    admin, other = f.user(), f.user()
    team = f.team(admin, members=[other])
    teams.change_role(admin, team.key, str(other.id), "admin")
    teams.change_role(admin, team.key, str(admin.id), "member")
    assert _role(team, admin) == "member"
    teams.remove_member(admin, team.key, str(admin.id))
    assert _role(team, admin) is None
    with pytest.raises(NotFound):
        access.team_for(admin, team.key)


# Who may do what: (actor role, action on another member) -> outcome.
ROLE_MATRIX = [
    ("admin", "promote", None), ("admin", "remove", None),
    ("member", "promote", Forbidden), ("member", "remove", Forbidden),
    ("outsider", "promote", NotFound), ("outsider", "remove", NotFound),
]


@pytest.mark.parametrize("role,action,error", ROLE_MATRIX)
def test_role_matrix(f, role, action, error):
    admin, target, actor = f.user(), f.user(), f.user()
    team = f.team(admin, members=[target])
    if role != "outsider":
        f.add_member(team, actor, role=role)
    call = {"promote": lambda: teams.change_role(actor, team.key, str(target.id), "admin"),
            "remove": lambda: teams.remove_member(actor, team.key, str(target.id))}[action]
    if error:
        with pytest.raises(error):
            call()
        assert _role(team, target) == "member"
    else:
        call()
        assert _role(team, target) == ("admin" if action == "promote" else None)


def test_member_cannot_raise_own_role_but_may_leave(f):
    admin, member = f.user(), f.user()
    team = f.team(admin, members=[member])
    with pytest.raises(Forbidden):
        teams.change_role(member, team.key, str(member.id), "admin")
    assert _role(team, member) == "member"
    teams.remove_member(member, team.key, str(member.id))
    assert _role(team, member) is None


def test_unknown_member_and_bad_ids_are_not_found(f):
    admin, stranger = f.user(), f.user()
    team = f.team(admin)
    for ref in (str(stranger.id), "not-a-uuid"):
        with pytest.raises(NotFound):
            teams.change_role(admin, team.key, ref, "admin")
        with pytest.raises(NotFound):
            teams.remove_member(admin, team.key, ref)


def test_picker_options_come_in_one_query_in_the_pages_orders(f, count_queries):
    """Members by name, projects by name, labels by name in any case: one statement for the three
    menus of a team page, and none of another team's."""
    from linear_web.services import labels
    zoe, adam = f.user(name="Zoe Quinn"), f.user(name="Adam Lee", email="adam@example.com")
    team = f.team(zoe, members=[adam])
    outsider = f.user(name="Outsider")
    other = f.team(outsider)
    f.project(team, zoe, name="Web"), f.project(team, zoe, name="API"), f.project(other, name="Elsewhere")
    labels.create_label(zoe, team.id, "bug"), labels.create_label(zoe, team.id, "Accessibility")
    labels.create_label(outsider, other.id, "theirs")
    team_id = team.id
    with count_queries() as q:
        options = teams.picker_options(team_id)
    assert q.count == 1
    assert [(m.name, m.id, m.initials) for m in options["members"]] == [("Adam Lee", adam.id, "AL"),
                                                                       ("Zoe Quinn", zoe.id, "ZQ")]
    assert [p.name for p in options["projects"]] == ["API", "Web"]
    assert [(lbl.name, bool(lbl.color)) for lbl in options["labels"]] == [("Accessibility", True), ("bug", True)]
    assert "labels" not in teams.picker_options(team.id, labels=False)
