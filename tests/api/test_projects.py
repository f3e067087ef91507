"""Projects: create, list per team, patch, delete keeps the issues."""
from linear_web.infra.extensions import db
from linear_web.models import Issue

from .conftest import error_of


def test_project_lifecycle(api, f):
    ada = f.user()
    team = f.team(ada)
    r = api(ada).post("/api/v1/projects", json={"team_id": str(team.id), "name": "Web", "description": "Site"})
    assert r.status_code == 201 and r.json["team_id"] == str(team.id)
    pid = r.json["id"]
    issue = f.issue(team, ada, project_id=pid)
    assert [p["name"] for p in api(ada).get(f"/api/v1/projects?team_id={team.id}").json["items"]] == ["Web"]
    assert api(ada).get(f"/api/v1/projects/{pid}").json["description"] == "Site"
    assert api(ada).patch(f"/api/v1/projects/{pid}", json={"name": "Website"}).json["name"] == "Website"
    assert api(ada).delete(f"/api/v1/projects/{pid}").status_code == 204
    assert api(ada).get(f"/api/v1/projects/{pid}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Issue, issue.id).project_id is None


def test_project_errors(api, f):
    ada, eve = f.user(), f.user()
    team = f.team(ada)
    r = api(ada).post("/api/v1/projects", json={"team_id": str(team.id), "name": ""})
    assert r.status_code == 422 and "name" in error_of(r)["details"]
    r = api(eve).post("/api/v1/projects", json={"team_id": str(team.id), "name": "Mine"})
    assert r.status_code == 404
    assert api(eve).get(f"/api/v1/projects?team_id={team.id}").status_code == 404
    assert api(eve).get("/api/v1/projects").json["items"] == []
