"""Team pages: create, settings, members (add, role, remove, leave); outsiders, roles, CSRF."""
import pytest
from flask import g

from linear_web.infra.extensions import db
from linear_web.models import Membership, Team
from linear_web.services import access


HX = {"HX-Request": "true", "HX-Target": "team-members"}


def _role(team, user):
    db.session.expire_all()
    return access.role_in(user, team)


@pytest.fixture
def crew(eng, outsider):
    """ENG with its admin (Ada) and member (Bob); Eve, an outsider with a team of her own."""
    return {"ada": eng.admin, "bob": eng.member, "eve": outsider.user, "team": eng.team}


# -- /teams/new -------------------------------------------------------------------------------

def test_create_team_then_land_on_it(client, f):
    ada = f.user()
    client.login(ada)
    page = client.get("/teams/new")
    assert b"Create your first team" in page.data and b'name="key"' in page.data
    resp = client.post("/teams/new", data={"key": "ops", "name": "Operations", "description": ""})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/team/OPS")
    assert access.role_in(ada, db.session.scalar(db.select(Team).where(Team.key == "OPS"))) == "admin"
    page = client.get("/team/OPS/settings")
    assert b"Operations" in page.data and b"Team OPS" not in page.data


@pytest.mark.parametrize("data,field,message", [
    ({"key": "1X", "name": "Ops"}, "key", b"Key must be 2"),
    ({"key": "OPS", "name": ""}, "name", b"Name is required"),
])
def test_create_team_bad_input_is_422_and_writes_nothing(client, f, data, field, message):
    client.login(f.user())
    resp = client.post("/teams/new", data=data)
    assert resp.status_code == 422
    assert message in resp.data and f'id="error-{field}"'.encode() in resp.data
    assert f'value="{data["name"]}"'.encode() in resp.data  # what was typed stays
    assert db.session.scalar(db.select(db.func.count()).select_from(Team)) == 0


def test_create_team_duplicate_key_message(client, crew):
    client.login(crew["bob"])
    resp = client.post("/teams/new", data={"key": "eng", "name": "Another"})
    assert resp.status_code == 422 and b"The key ENG is already taken." in resp.data
    assert db.session.scalar(db.select(db.func.count()).select_from(Team)) == 2


def test_create_team_without_csrf_is_400(client, f):
    client.login(f.user())
    resp = client.post("/teams/new", data={"key": "OPS", "name": "Ops"}, csrf=False)
    assert resp.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Team)) == 0


def test_anonymous_is_sent_to_login(client, crew):
    resp = client.get("/team/ENG/settings")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


# -- settings page -----------------------------------------------------------------------------

def test_admin_sees_editable_settings_and_members_with_roles_and_dates(client, crew):
    client.login(crew["ada"])
    page = client.get("/team/ENG/settings").get_data(as_text=True)
    assert 'id="team-form"' in page and 'name="name"' in page and 'value="Engineering"' in page
    assert 'id="team-members"' in page and "Ada Lovelace" in page and "Bob Stone" in page
    assert page.count("<time datetime=") == 2 and "Joined" in page
    assert 'id="member-add-form"' in page and 'name="email"' in page
    bob_row = page.split(f'id="member-{crew["bob"].id}"')[1].split("</li>")[0]
    assert '<option value="member" selected>' in bob_row


def test_member_sees_read_only_settings(client, crew):
    client.login(crew["bob"])
    page = client.get("/team/ENG/settings").get_data(as_text=True)
    assert "Ada Lovelace" in page and "Bob Stone" in page
    assert 'name="name"' not in page and 'id="member-add-form"' not in page and "<select" not in page
    assert "Only team admins can change" in page and ">Admin</span>" in page and ">Member</span>" in page
    assert "Leave Engineering" in page


def _cold():
    """Requests share the test's app context (session and g): start the next one cold."""
    db.session.expire_all()
    g.pop("my_memberships", None)


def test_settings_page_query_count_does_not_grow_with_members(client, f, crew, count_queries):
    client.login(crew["ada"])
    _cold()
    with count_queries() as few:
        client.get("/team/ENG/settings")
    for _ in range(5):
        f.add_member(crew["team"], f.user())
    _cold()
    with count_queries() as many:
        resp = client.get("/team/ENG/settings")
    assert resp.data.count(b'class="row member"') == 7
    # user, team, members (+ the team check inside list_members), the sidebar's teams
    assert many.count == few.count <= 5


def test_admin_updates_team(client, crew):
    client.login(crew["ada"])
    resp = client.post("/team/ENG/settings", data={"name": "Platform", "description": "Core services"})
    assert resp.status_code == 303
    db.session.expire_all()
    team = db.session.get(Team, crew["team"].id)
    assert (team.name, team.description) == ("Platform", "Core services")
    assert b"Team settings saved." in client.get(resp.headers["Location"]).data


def test_update_team_bad_input_is_422_and_nothing_changes(client, crew):
    client.login(crew["ada"])
    resp = client.post("/team/ENG/settings", data={"name": " ", "description": "Kept?"})
    assert resp.status_code == 422 and b"Name is required." in resp.data and b'id="error-name"' in resp.data
    assert b"Kept?" in resp.data
    db.session.expire_all()
    assert db.session.get(Team, crew["team"].id).description == ""


def test_update_team_without_csrf_is_400(client, crew):
    client.login(crew["ada"])
    assert client.post("/team/ENG/settings", data={"name": "X"}, csrf=False).status_code == 400
    db.session.expire_all()
    assert db.session.get(Team, crew["team"].id).name == "Engineering"


# -- members -----------------------------------------------------------------------------------

def test_admin_adds_member_by_email_full_page(client, f, crew):
    carol = f.user(name="Carol New", email="carol@example.com")
    client.login(crew["ada"])
    resp = client.post("/team/ENG/members", data={"email": "Carol@Example.com", "role": "admin"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/team/ENG/settings")
    assert _role(crew["team"], carol) == "admin"
    page = client.get(resp.headers["Location"]).data
    assert b"Carol New was added as admin." in page and b"carol@example.com" in page


def test_admin_adds_member_with_htmx_gets_the_fragment(client, f, crew):
    carol = f.user(name="Carol New")
    client.login(crew["ada"])
    resp = client.post("/team/ENG/members", data={"email": carol.email, "role": "member"}, headers=HX)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<div id="team-members"') and "<html" not in html
    assert "Carol New" in html and 'hx-swap-oob="true"' in html and "was added as member" in html
    assert _role(crew["team"], carol) == "member"


@pytest.mark.parametrize("data,status,message", [
    ({"email": "nobody@example.com", "role": "member"}, 422, b"No account uses this email"),
    ({"email": "", "role": "member"}, 422, b"Enter the email of the person to add."),
    ({"email": "bob@x", "role": "owner"}, 422, b"Role must be admin or member."),
])
def test_add_member_bad_input_is_422_next_to_the_field(client, crew, data, status, message):
    client.login(crew["ada"])
    before = db.session.scalar(db.select(db.func.count()).select_from(Membership))
    for headers in ({}, HX):
        resp = client.post("/team/ENG/members", data=data, headers=headers)
        assert resp.status_code == status and message in resp.data
        assert b'class="field-error"' in resp.data
    assert db.session.scalar(db.select(db.func.count()).select_from(Membership)) == before


def test_add_existing_member_is_409(client, crew):
    client.login(crew["ada"])
    resp = client.post("/team/ENG/members", data={"email": crew["bob"].email, "role": "admin"})
    assert resp.status_code == 409 and b"Bob Stone is already a member." in resp.data
    assert _role(crew["team"], crew["bob"]) == "member"


def test_admin_changes_role_with_htmx_and_full_page(client, crew):
    client.login(crew["ada"])
    bob = crew["bob"]
    resp = client.post(f"/team/ENG/members/{bob.id}/role", data={"role": "admin"}, headers=HX)
    assert resp.status_code == 200 and b"Bob Stone is now admin." in resp.data
    assert _role(crew["team"], bob) == "admin"
    resp = client.post(f"/team/ENG/members/{bob.id}/role", data={"role": "member"})
    assert resp.status_code == 303 and _role(crew["team"], bob) == "member"


@pytest.mark.parametrize("headers", [{}, HX], ids=["page", "htmx"])
def test_last_admin_cannot_be_demoted_409_nothing_changed(client, crew, headers):
    client.login(crew["ada"])
    resp = client.post(f"/team/ENG/members/{crew['ada'].id}/role", data={"role": "member"}, headers=headers)
    assert resp.status_code == 409
    assert b"A team needs at least one admin" in resp.data and b'role="alert"' in resp.data
    assert _role(crew["team"], crew["ada"]) == "admin"


def test_bad_role_value_is_422(client, crew):
    client.login(crew["ada"])
    resp = client.post(f"/team/ENG/members/{crew['bob'].id}/role", data={"role": "root"})
    assert resp.status_code == 422 and b"Role must be admin or member." in resp.data
    assert _role(crew["team"], crew["bob"]) == "member"


def test_admin_removes_member(client, crew):
    client.login(crew["ada"])
    resp = client.post(f"/team/ENG/members/{crew['bob'].id}/remove", headers=HX)
    assert resp.status_code == 200 and b"Bob Stone" not in resp.data.split(b"hx-swap-oob")[0]
    assert _role(crew["team"], crew["bob"]) is None


@pytest.mark.parametrize("url", ["/team/ENG/members/{ada}/remove", "/team/ENG/leave"])
def test_last_admin_cannot_be_removed_or_leave(client, crew, url):
    client.login(crew["ada"])
    resp = client.post(url.format(ada=crew["ada"].id))
    assert resp.status_code == 409 and b"The last admin cannot leave or be removed" in resp.data
    assert _role(crew["team"], crew["ada"]) == "admin"


def test_member_leaves_and_goes_home_with_a_message(client, crew):
    client.login(crew["bob"])
    resp = client.post("/team/ENG/leave")
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    assert _role(crew["team"], crew["bob"]) is None
    page = client.get("/", follow_redirects=True)
    assert b"You left Engineering." in page.data and b"Create your first team" in page.data
    assert client.get("/team/ENG/settings").status_code == 404


def test_admin_removing_themself_is_leaving(client, f, crew):
    client.login(crew["ada"])
    f.add_member(crew["team"], f.user(), role="admin")
    resp = client.post(f"/team/ENG/members/{crew['ada'].id}/remove", headers=HX)
    assert resp.status_code == 200 and resp.headers["HX-Location"]
    assert _role(crew["team"], crew["ada"]) is None


# Admin actions a plain member posts directly: 403 page, nothing changed.
MEMBER_FORBIDDEN = [
    ("/team/ENG/settings", {"name": "Mine"}),
    ("/team/ENG/members", {"email": "x@example.com", "role": "member"}),
    ("/team/ENG/members/{ada}/role", {"role": "member"}),
    ("/team/ENG/members/{ada}/remove", {}),
    ("/team/ENG/members/{bob}/role", {"role": "admin"}),
]


@pytest.mark.parametrize("url,data", MEMBER_FORBIDDEN)
def test_non_admin_gets_403_for_admin_actions(client, crew, url, data):
    client.login(crew["bob"])
    resp = client.post(url.format(ada=crew["ada"].id, bob=crew["bob"].id), data=data)
    assert resp.status_code == 403 and b"You do not have permission" in resp.data
    assert _role(crew["team"], crew["ada"]) == "admin" and _role(crew["team"], crew["bob"]) == "member"
    assert db.session.get(Team, crew["team"].id).name == "Engineering"


# Every team route, seen from an outsider (a member of another team): 404, nothing revealed.
OUTSIDER_ROUTES = [
    ("GET", "/team/ENG"), ("GET", "/team/ENG/settings"), ("POST", "/team/ENG/settings"),
    ("POST", "/team/ENG/members"), ("POST", "/team/ENG/members/{bob}/role"),
    ("POST", "/team/ENG/members/{bob}/remove"), ("POST", "/team/ENG/leave"),
    ("GET", "/team/ENG/projects"), ("POST", "/team/ENG/projects"),
]


@pytest.mark.parametrize("method,url", OUTSIDER_ROUTES)
def test_outsider_gets_404_everywhere(client, crew, method, url):
    client.login(crew["eve"])
    data = {"name": "pwned", "email": crew["eve"].email, "role": "admin"}
    resp = client.open(url.format(bob=crew["bob"].id), method=method, data=data)
    assert resp.status_code == 404
    assert b"Engineering" not in resp.data and b"Bob Stone" not in resp.data
    assert _role(crew["team"], crew["eve"]) is None and _role(crew["team"], crew["bob"]) == "member"
    assert db.session.get(Team, crew["team"].id).name == "Engineering"


@pytest.mark.parametrize("url", ["/team/ENG/members", "/team/ENG/members/{bob}/role",
                                 "/team/ENG/members/{bob}/remove", "/team/ENG/leave"])
def test_member_actions_without_csrf_are_400(client, crew, url):
    client.login(crew["ada"])
    resp = client.post(url.format(bob=crew["bob"].id), data={"email": "x@example.com", "role": "admin"},
                       csrf=False)
    assert resp.status_code == 400 and _role(crew["team"], crew["bob"]) == "member"


def test_user_text_is_escaped_on_the_settings_page(client, f):
    evil = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
    ada, mal = f.user(name="Ada"), f.user(name=evil)
    team = f.team(ada, key="XSS", name=evil, description=evil, members=[mal])
    client.login(ada)
    page = client.get(f"/team/{team.key}/settings").get_data(as_text=True)
    assert "<img src=x" not in page and "<script>alert(2)" not in page and "onerror=alert(1)>" not in page
    assert page.count("&lt;script&gt;alert(2)&lt;/script&gt;") >= 4  # title, sidebar, form, member row
    assert "<title>Settings · &#34;&gt;&lt;img" in page


def test_admin_stepping_down_reloads_the_whole_page_read_only(client, f, crew):
    client.login(crew["ada"])
    f.add_member(crew["team"], f.user(), role="admin")
    resp = client.post(f"/team/ENG/members/{crew['ada'].id}/role", data={"role": "member"}, headers=HX)
    assert resp.status_code == 200 and '"/team/ENG/settings"' in resp.headers["HX-Location"]
    assert _role(crew["team"], crew["ada"]) == "member"
    page = client.get("/team/ENG/settings").get_data(as_text=True)
    assert "Ada Lovelace is now member." in page and 'name="name"' not in page
