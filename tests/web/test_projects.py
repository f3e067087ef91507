"""Project pages: list with counts, create, edit, delete; outsiders, CSRF, bad input, query counts."""
import pytest
from flask import g

from linear_web.infra.extensions import db
from linear_web.models import Activity, Issue, Project

from ..conftest import endpoint_of


def _projects() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(db.select(Project.name)))


@pytest.fixture
def crew(f, eng, outsider):
    """ENG with its project Launch; the outsider's team with a project of its own."""
    return {"ada": eng.admin, "bob": eng.member, "eve": outsider.user, "team": eng.team, "other": outsider.team,
            "launch": f.project(eng.team, eng.admin, name="Launch", description="The big one"),
            "secret": f.project(outsider.team, outsider.user, name="Secret plan")}


def test_empty_state_tells_what_to_do(client, f):
    ada = f.user()
    f.team(ada, key="OPS")
    client.login(ada)
    page = client.get("/team/OPS/projects")
    assert page.status_code == 200
    assert b"No projects yet." in page.data and b"Create the first project" in page.data
    assert b'id="project-form"' in page.data


def test_list_shows_projects_with_open_and_total_counts(client, f, crew):
    ada, team = crew["ada"], crew["team"]
    for status in ("todo", "in_progress", "done", "canceled", "backlog"):
        f.issue(team, ada, project_id=crew["launch"], status=status)
    f.project(team, ada, name="Quiet")
    client.login(crew["bob"])
    page = client.get("/team/ENG/projects").get_data(as_text=True)
    launch = page.split(f'id="project-{crew["launch"].id}"')[1].split("</li>")[0]
    assert "Launch" in launch and "The big one" in launch and "3 open · 5 total" in launch
    quiet = page.split("Quiet")[1].split("</li>")[0]
    assert "0 open · 0 total" in quiet
    assert "Secret plan" not in page
    assert page.index("Launch") < page.index("Quiet")


def test_counts_link_to_the_filtered_issue_list(client, crew, app):
    client.login(crew["ada"])
    page = client.get("/team/ENG/projects").get_data(as_text=True)
    link = f'/team/ENG/issues?project_id={crew["launch"].id}'
    assert link in page and endpoint_of(app, "GET", link) == "web.issue_list"


def test_list_query_count_does_not_grow_with_projects(client, f, crew, count_queries):
    client.login(crew["ada"])

    def measure():
        db.session.expire_all()
        g.pop("my_memberships", None)
        with count_queries() as q:
            resp = client.get("/team/ENG/projects")
        assert resp.status_code == 200
        return q.count

    few = measure()
    for n in range(6):
        p = f.project(crew["team"], crew["ada"], name=f"P{n}")
        f.issue(crew["team"], crew["ada"], project_id=p)
    # user, team (page + service check), projects with counts (one GROUP BY), sidebar teams
    assert measure() == few <= 5


def test_create_project(client, crew):
    client.login(crew["bob"])
    resp = client.post("/team/ENG/projects", data={"name": "  Mobile app ", "description": "iOS first"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/team/ENG/projects")
    assert _projects() == ["Launch", "Mobile app", "Secret plan"]
    page = client.get(resp.headers["Location"]).data
    assert b"Project Mobile app created." in page and b"iOS first" in page


@pytest.mark.parametrize("data,message", [
    ({"name": "", "description": "typed"}, b"Name is required."),
    ({"name": "x" * 101, "description": "typed"}, b"Name must be at most 100 characters."),
    ({"name": "nul\x00", "description": "typed"}, b"Name must not contain NUL characters."),
])
def test_create_project_bad_input_is_422_and_writes_nothing(client, crew, data, message):
    client.login(crew["ada"])
    resp = client.post("/team/ENG/projects", data=data)
    assert resp.status_code == 422 and message in resp.data and b'id="error-name"' in resp.data
    assert b">typed</textarea>" in resp.data
    assert _projects() == ["Launch", "Secret plan"]


def test_edit_project(client, crew):
    client.login(crew["bob"])
    url = f"/team/ENG/projects/{crew['launch'].id}/edit"
    page = client.get(url)
    assert page.status_code == 200 and b'value="Launch"' in page.data and b"The big one" in page.data
    resp = client.post(url, data={"name": "Relaunch", "description": "Second try"})
    assert resp.status_code == 303
    db.session.expire_all()
    p = db.session.get(Project, crew["launch"].id)
    assert (p.name, p.description) == ("Relaunch", "Second try")


def test_edit_project_bad_input_is_422_and_nothing_changes(client, crew):
    client.login(crew["ada"])
    resp = client.post(f"/team/ENG/projects/{crew['launch'].id}/edit", data={"name": " ", "description": "new"})
    assert resp.status_code == 422 and b"Name is required." in resp.data and b">new</textarea>" in resp.data
    db.session.expire_all()
    assert db.session.get(Project, crew["launch"].id).description == "The big one"


def test_delete_project_keeps_its_issues(client, f, crew):
    ada = crew["ada"]
    issues = [f.issue(crew["team"], ada, project_id=crew["launch"]) for _ in range(2)]
    client.login(ada)
    page = client.get("/team/ENG/projects").get_data(as_text=True)
    assert 'data-confirm="Delete the project Launch?' in page
    resp = client.post(f"/team/ENG/projects/{crew['launch'].id}/delete")
    assert resp.status_code == 303
    assert _projects() == ["Secret plan"]
    for issue in issues:
        assert db.session.get(Issue, issue.id).project_id is None
    assert db.session.scalar(db.select(db.func.count()).select_from(Activity)
                             .where(Activity.field == "project")) == 2
    page = client.get("/team/ENG/projects").data
    assert b"Project Launch deleted. Its 2 issues stay in the team, without a project." in page


# A project reached through another team's URL, or another team's project: 404, untouched.
@pytest.mark.parametrize("who,team_key,project", [
    ("eve", "ENG", "launch"),      # outsider, the victim's URL
    ("eve", "EVE", "launch"),      # outsider, own team's URL, victim's project
    ("ada", "ENG", "secret"),      # member, own team's URL, foreign project
    ("ada", "ENG", "nonsense"),
])
def test_project_routes_are_scoped_to_the_url_team(client, crew, who, team_key, project):
    client.login(crew[who])
    pid = crew[project].id if project in crew else "not-a-uuid"
    base = f"/team/{team_key}/projects/{pid}"
    assert client.get(base + "/edit").status_code == 404
    assert client.post(base + "/edit", data={"name": "pwned"}).status_code == 404
    resp = client.post(base + "/delete")
    assert resp.status_code == 404 and b"Launch" not in resp.data and b"Secret plan" not in resp.data
    assert _projects() == ["Launch", "Secret plan"]


def test_outsider_cannot_list_or_create(client, crew):
    client.login(crew["eve"])
    assert client.get("/team/ENG/projects").status_code == 404
    assert client.post("/team/ENG/projects", data={"name": "pwned"}).status_code == 404
    assert _projects() == ["Launch", "Secret plan"]


@pytest.mark.parametrize("path,data", [
    ("/team/ENG/projects", {"name": "New"}),
    ("/team/ENG/projects/{id}/edit", {"name": "Renamed"}),
    ("/team/ENG/projects/{id}/delete", {}),
])
def test_project_writes_without_csrf_are_400(client, crew, path, data):
    client.login(crew["ada"])
    resp = client.post(path.format(id=crew["launch"].id), data=data, csrf=False)
    assert resp.status_code == 400 and b"security token" in resp.data
    assert _projects() == ["Launch", "Secret plan"]


def test_names_are_escaped(client, crew):
    client.login(crew["ada"])
    client.post("/team/ENG/projects", data={"name": '<script>alert(1)</script>', "description": '"><img src=x onerror=alert(1)>'})
    page = client.get("/team/ENG/projects").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
