"""The team's Labels page: list with counts, create, inline edit, delete; outsiders, CSRF, refusals."""
import re

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Activity, Label
from linear_web.services import issues, labels

from .conftest import hx


def _labels(team) -> list[tuple[str, str, str]]:
    db.session.expire_all()
    return [(lab.name, lab.color, lab.description)
            for lab in db.session.scalars(db.select(Label).where(Label.team_id == team.id).order_by(Label.name))]


@pytest.fixture
def bug(eng):
    """ENG's label Bug (red) on two of its three issues."""
    label = labels.create_label(eng.admin, eng.team.id, "Bug", "#ef4444", "Something is broken")
    from tests import factories
    for n in range(3):
        issue = factories.issue(eng.team, eng.admin, title=f"Issue {n}")
        if n < 2:
            issues.update_issue(eng.admin, issue.id, {"label_ids": [str(label.id)]})
    return label


def test_page_lists_labels_with_colour_description_and_count(client, eng, bug):
    labels.create_label(eng.admin, eng.team.id, "Feature", "#3b82f6")
    client.login(eng.member)  # any member, not only admins
    page = client.get("/team/ENG/labels").get_data(as_text=True)
    row = page[page.index(f'id="label-{bug.id}"'):]
    row = row[:row.index("</li>")]
    assert 'data-label-color="#ef4444"' in row and ">Bug<" in row and "Something is broken" in row
    assert "2 issues" in row and f"label_id={bug.id}" in row
    assert 'data-confirm="Delete label Bug? It is taken off 2 issues."' in row
    assert "No issue carries it." in page  # Feature has none
    assert "style=" not in page  # colours go through data-label-color (CSP)
    assert "js/labels.js" in page and "css/labels.css" in page
    # The sidebar and the settings tabs lead here.
    assert page.count('href="/team/ENG/labels"') >= 2
    settings = client.get("/team/ENG/settings").get_data(as_text=True)
    assert 'href="/team/ENG/labels"' in settings


def test_page_counts_labels_in_one_query(client, eng, bug, count_queries):
    for n in range(5):
        labels.create_label(eng.admin, eng.team.id, f"Extra {n}")
    client.login(eng.admin)
    client.get("/team/ENG/labels")
    with count_queries() as few:
        client.get("/team/ENG/labels")
    for n in range(5, 15):
        labels.create_label(eng.admin, eng.team.id, f"Extra {n}")
    with count_queries() as many:
        assert client.get("/team/ENG/labels").status_code == 200
    assert many.count == few.count


def test_create_with_a_swatch_then_redirect(client, eng):
    client.login(eng.member)
    resp = client.post("/team/ENG/labels", data={"name": "Design", "color": "#8b5cf6", "description": "UI work"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/team/ENG/labels")
    assert _labels(eng.team) == [("Design", "#8b5cf6", "UI work")]
    assert "Label Design created." in client.get("/team/ENG/labels").get_data(as_text=True)


def test_create_with_a_custom_colour_over_htmx_returns_a_fresh_form_and_the_list(client, eng):
    client.login(eng.admin)
    resp = client.post("/team/ENG/labels", data={"name": "Infra", "color": "custom", "custom_color": "#123ABC"},
                       headers=hx("label-form"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<form id="label-form"')
    assert 'id="label-list" class="label-list list-plain" hx-swap-oob="true"' in html
    assert 'data-label-color="#123abc"' in html and "0 issues" in html
    assert _labels(eng.team) == [("Infra", "#123abc", "")]


@pytest.mark.parametrize("data,field,message", [
    ({"name": "", "color": "#ef4444"}, "name", "Name is required"),
    ({"name": "x" * 51, "color": "#ef4444"}, "name", "at most 50"),
    ({"name": "Bad\x01name", "color": "#ef4444"}, "name", "control characters"),
    ({"name": "Nul\x00name", "color": "#ef4444"}, "name", ""),
    ({"name": "Colour", "color": "custom", "custom_color": "red"}, "color", "Colour must be #rrggbb"),
    ({"name": "Colour", "color": "custom", "custom_color": ""}, "color", "Colour must be #rrggbb"),
    ({"name": "Colour", "color": "#12345"}, "color", "Colour must be #rrggbb"),
])
def test_create_refusals_are_422_next_to_the_field_with_input_kept(client, eng, data, field, message):
    client.login(eng.admin)
    for headers in ({}, hx("label-form")):
        resp = client.post("/team/ENG/labels", data={**data, "description": "kept text"}, headers=headers)
        html = resp.get_data(as_text=True)
        assert resp.status_code == 422, html
        error = re.search(r'<p class="field-error" id="([^"]+)">([^<]*)</p>', html)
        assert error and error.group(1) in (f"error-{field}", "new-label-color-error") and message in error.group(2)
        assert 'value="kept text"' in html
    assert _labels(eng.team) == []


def test_create_duplicate_name_is_409_ignoring_case(client, eng, bug):
    client.login(eng.member)
    resp = client.post("/team/ENG/labels", data={"name": "bug", "color": "#22c55e"})
    assert resp.status_code == 409
    html = resp.get_data(as_text=True)
    assert 'id="error-name">A label with this name already exists in this team.' in html and 'value="bug"' in html
    assert _labels(eng.team) == [("Bug", "#ef4444", "Something is broken")]


def test_inline_edit_over_htmx_swaps_the_row(client, eng, bug):
    client.login(eng.member)
    resp = client.post(f"/team/ENG/labels/{bug.id}", headers=hx(f"label-{bug.id}"),
                       data={"name": "Defect", "color": "#f97316", "description": "Broken things"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith(f'<li id="label-{bug.id}"')
    assert ">Defect<" in html and 'data-label-color="#f97316"' in html and "2 issues" in html
    assert _labels(eng.team) == [("Defect", "#f97316", "Broken things")]


def test_inline_edit_without_js_redirects(client, eng, bug):
    client.login(eng.admin)
    resp = client.post(f"/team/ENG/labels/{bug.id}", data={"name": "Bug", "color": "custom", "custom_color": "#000000",
                                                           "description": ""})
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/team/ENG/labels#label-{bug.id}")
    assert _labels(eng.team) == [("Bug", "#000000", "")]


def test_inline_edit_refusals_keep_the_row_open_with_the_message(client, eng, bug):
    labels.create_label(eng.admin, eng.team.id, "Feature")
    client.login(eng.admin)
    resp = client.post(f"/team/ENG/labels/{bug.id}", headers=hx(f"label-{bug.id}"),
                       data={"name": "FEATURE", "color": "#ef4444", "description": "x"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "<details class=\"label-edit\" open>" in html
    assert "A label with this name already exists in this team." in html and 'value="FEATURE"' in html
    resp = client.post(f"/team/ENG/labels/{bug.id}", data={"name": " ", "color": "#ef4444"})  # without JS
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and f'id="label-{bug.id}-name-error">Name is required' in html
    resp = client.post(f"/team/ENG/labels/{bug.id}", headers=hx(f"label-{bug.id}"),
                       data={"name": "Bug", "color": "custom", "custom_color": "#zzzzzz"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "Colour must be #rrggbb" in html and 'value="#zzzzzz"' in html
    assert _labels(eng.team) == [("Bug", "#ef4444", "Something is broken"), ("Feature", "#6b7280", "")]


def test_delete_takes_the_label_off_its_issues(client, eng, bug):
    client.login(eng.member)
    resp = client.post(f"/team/ENG/labels/{bug.id}/delete", headers=hx("label-list"))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<ul id="label-list"') and "No labels yet" in html
    assert "Label Bug deleted; it was taken off 2 issues." in html  # the flash rides along
    assert _labels(eng.team) == []
    lines = db.session.scalars(db.select(Activity).where(Activity.field == "labels", Activity.new_value.is_(None)))
    assert len(list(lines)) == 2


def test_delete_without_js_redirects(client, eng, bug):
    client.login(eng.admin)
    resp = client.post(f"/team/ENG/labels/{bug.id}/delete")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/team/ENG/labels")
    assert _labels(eng.team) == []


def test_a_label_of_another_team_is_404_under_this_team(client, eng, f):
    other = f.team(eng.admin, key="OPS")
    theirs = labels.create_label(eng.admin, other.id, "Ops label")
    client.login(eng.admin)
    assert client.post(f"/team/ENG/labels/{theirs.id}", data={"name": "x", "color": "#ef4444"}).status_code == 404
    assert client.post(f"/team/ENG/labels/{theirs.id}/delete").status_code == 404
    assert client.post("/team/ENG/labels/not-a-uuid/delete").status_code == 404
    assert _labels(other) == [("Ops label", "#6b7280", "")]


@pytest.mark.parametrize("path", ["/team/ENG/labels", "/team/ENG/labels/{id}", "/team/ENG/labels/{id}/delete"])
def test_posts_without_csrf_are_400(client, eng, bug, path):
    client.login(eng.admin)
    resp = client.post(path.format(id=bug.id), data={"name": "Nope", "color": "#ef4444"}, csrf=False)
    assert resp.status_code == 400
    assert _labels(eng.team) == [("Bug", "#ef4444", "Something is broken")]


def test_outsider_gets_404(client, eng, bug, outsider):
    client.login(outsider.user)
    assert client.get("/team/ENG/labels").status_code == 404
    assert client.post("/team/ENG/labels", data={"name": "x"}).status_code == 404
    assert client.post(f"/team/ENG/labels/{bug.id}", data={"name": "x"}).status_code == 404
    assert client.post(f"/team/ENG/labels/{bug.id}/delete").status_code == 404
    assert _labels(eng.team) == [("Bug", "#ef4444", "Something is broken")]
