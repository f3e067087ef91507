"""The estimate scale on the team settings page: admins choose it, estimates already set are kept."""
import pytest

from linear_web.infra.extensions import db
from linear_web.models import Issue, Team
from linear_web.services import issues, teams


def _scale(team) -> str:
    db.session.expire_all()
    return db.session.get(Team, team.id).estimates


def test_admin_sees_every_scale_with_its_values_and_the_note(client, eng):
    client.login(eng.admin)
    html = client.get("/team/ENG/settings").get_data(as_text=True)
    assert 'name="estimates" value="none" checked' in html
    assert "T-shirt sizes (XS–XL)" in html and "XS, S, M, L, XL" in html and "1, 2, 3, 5, 8, 13" in html
    assert "Issues keep the estimates they already have" in html


def test_admin_changes_the_scale_and_old_estimates_are_kept(client, eng, crash):
    teams.update_team(eng.admin, eng.team.id, estimates="fibonacci")
    issues.update_issue(eng.admin, crash.id, {"estimate": 13})
    client.login(eng.admin)
    resp = client.post("/team/ENG/estimates", data={"estimates": "tshirt"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/team/ENG/settings#estimates-heading")
    assert _scale(eng.team) == "tshirt" and db.session.get(Issue, crash.id).estimate == 13
    page = client.get("/team/ENG/settings").get_data(as_text=True)
    assert "Estimates: T-shirt sizes (XS–XL)." in page and 'value="tshirt" checked' in page


def test_unknown_scale_is_422_next_to_the_field(client, eng):
    client.login(eng.admin)
    resp = client.post("/team/ENG/estimates", data={"estimates": "hours"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="error-estimates">Estimates must be one of' in html
    assert _scale(eng.team) == "none"


def test_members_see_the_scale_but_cannot_change_it(client, eng):
    teams.update_team(eng.admin, eng.team.id, estimates="linear")
    client.login(eng.member)
    html = client.get("/team/ENG/settings").get_data(as_text=True)
    assert "Linear (1–5)" in html and "Only team admins can change the estimate scale." in html
    assert 'name="estimates"' not in html
    assert client.post("/team/ENG/estimates", data={"estimates": "tshirt"}).status_code == 403
    assert _scale(eng.team) == "linear"


@pytest.mark.parametrize("who,status", [("outsider", 404), ("no_csrf", 400)])
def test_outsider_404_and_missing_csrf_400(client, eng, outsider, who, status):
    client.login(outsider.user if who == "outsider" else eng.admin)
    resp = client.post("/team/ENG/estimates", data={"estimates": "tshirt"}, csrf=who != "no_csrf")
    assert resp.status_code == status and _scale(eng.team) == "none"
