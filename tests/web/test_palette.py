"""The command palette's routes: issue options as you type (identifier, words, outsiders, bad input,
a fixed number of queries), the values of an action's second step, moving an issue to another team,
and the dialog, go-to links and shortcut list every page carries."""
import re

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Issue
from linear_web.services import labels as label_service

from .conftest import hx


def _options(html: str) -> list[str]:
    return re.findall(r'id="palette-issue-([A-Z]+-\d+)"', html)


@pytest.fixture
def issues(f, client, eng, outsider):
    """ENG-1..3 of Ada's team, one issue of the outsider's team holding the same words; Ada logged in."""
    ada = eng.admin
    f.issue(eng.team, ada, title="Parser crash on empty input")
    f.issue(eng.team, ada, title="Unrelated chore")
    f.issue(eng.team, ada, title="Parser warnings are noisy", status="todo")
    f.issue(outsider.team, outsider.user, title="Secret parser rework")
    client.login(ada)
    return client


def test_issue_options_by_word(issues):
    resp = issues.get("/palette/issues?q=parser")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<html" not in html
    assert sorted(_options(html)) == ["ENG-1", "ENG-3"]
    assert 'role="option"' in html and 'data-href="/issue/ENG-1"' in html
    assert "Secret parser rework" not in html and "EVE-" not in html


def test_issue_options_by_identifier_put_that_issue_first(issues):
    html = issues.get("/palette/issues?q=ENG-2").get_data(as_text=True)
    assert _options(html)[:1] == ["ENG-2"]
    assert "Unrelated chore" in html


def test_an_outsiders_issue_never_appears(issues, outsider, make_client):
    assert _options(issues.get("/palette/issues?q=EVE-1").get_data(as_text=True)) == []
    assert _options(issues.get("/palette/issues?q=secret").get_data(as_text=True)) == []
    eve = make_client().login(outsider.user)
    html = eve.get("/palette/issues?q=parser").get_data(as_text=True)
    assert _options(html) == ["EVE-1"]
    assert _options(eve.get("/palette/issues?q=ENG-1").get_data(as_text=True)) == []


def test_no_text_fetches_no_issue(issues, count_queries):
    with count_queries() as q:
        resp = issues.get("/palette/issues?q=%20%20")
    assert resp.status_code == 200 and _options(resp.get_data(as_text=True)) == []
    assert q.count <= 1  # the signed-in user; no search
    assert not any("issues_fts" in s or "search_vector" in s or "issues.title" in s for s in q.statements)


@pytest.mark.parametrize("q", ["x" * 201, "pars\x00er", "\x00"])
def test_bad_text_is_422_never_500(issues, q):
    resp = issues.get("/palette/issues", query_string={"q": q})
    assert resp.status_code == 422
    assert _options(resp.get_data(as_text=True)) == []


@pytest.mark.parametrize("q", ['parser" OR 1=1 --', "(parser*", "parser:*&|!", "'; drop table issues; --", "-", "ENG-"])
def test_query_syntax_is_not_interpreted(issues, q):
    assert issues.get("/palette/issues", query_string={"q": q}).status_code == 200


def test_issue_options_are_escaped(f, client, eng):
    f.issue(eng.team, eng.admin, title='<img src=x onerror=alert(1)> "quoted" parser')
    client.login(eng.admin)
    html = client.get("/palette/issues?q=parser").get_data(as_text=True)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt; &#34;quoted&#34; parser" in html


def test_issue_options_run_a_fixed_number_of_queries(f, client, eng, count_queries):
    ada = eng.admin
    client.login(ada)

    def measure():
        client.get("/palette/issues?q=widget")
        with count_queries() as q:
            html = client.get("/palette/issues?q=widget").get_data(as_text=True)
        return q.count, len(_options(html))

    f.issue(eng.team, ada, title="Widget one")
    few, shown = measure()
    assert shown == 1
    for i in range(12):
        f.issue(eng.team, ada, title=f"Widget {i}", assignee_id=eng.member.id)
    many, shown = measure()
    assert shown == 8  # limit 8
    assert many == few <= 5


# -- the values of a second step ------------------------------------------------------------------

def test_assignee_options_mark_the_issues_assignee(f, client, eng):
    f.issue(eng.team, eng.admin, title="Crash", assignee_id=eng.member.id)
    client.login(eng.admin)
    html = client.get("/team/ENG/palette/options?kind=assignee&issue=ENG-1").get_data(as_text=True)
    values = re.findall(r'data-value="([^"]*)"(\s*data-current)?', html)
    assert values[0] == ("", "")  # Unassigned first, not current
    assert (str(eng.member.id), " data-current") in values and (str(eng.admin.id), "") in values
    assert "Bob Stone" in html and "Ada Lovelace" in html


def test_label_options_mark_the_issues_labels(f, client, eng):
    bug = label_service.create_label(eng.admin, eng.team.id, "Bug")
    ui = label_service.create_label(eng.admin, eng.team.id, "<b>UI</b>")
    f.issue(eng.team, eng.admin, title="Crash", label_ids=[str(bug.id)])
    client.login(eng.admin)
    html = client.get("/team/ENG/palette/options?kind=labels&issue=ENG-1").get_data(as_text=True)
    assert f'data-value="{bug.id}" data-current' in html
    assert f'data-value="{ui.id}">' in html and "&lt;b&gt;UI&lt;/b&gt;" in html
    plain = client.get("/team/ENG/palette/options?kind=labels").get_data(as_text=True)
    assert "data-current" not in plain and "Bug" in plain


def test_cycle_options_offer_no_cycle_first(client, eng):
    client.login(eng.admin)
    resp = client.get("/team/ENG/palette/options?kind=cycle")
    assert resp.status_code == 200 and "No cycle" in resp.get_data(as_text=True)


def test_options_refuse_outsiders_and_unknown_kinds(f, client, eng, outsider):
    f.issue(eng.team, eng.admin, title="Crash")
    f.issue(outsider.team, outsider.user, title="Theirs")
    client.login(eng.admin)
    assert client.get("/team/EVE/palette/options?kind=assignee").status_code == 404
    assert client.get("/team/ENG/palette/options?kind=assignee&issue=EVE-1").status_code == 404
    other = f.team(eng.admin, key="OPS")
    f.issue(other, eng.admin, title="Elsewhere")
    assert client.get("/team/ENG/palette/options?kind=assignee&issue=OPS-1").status_code == 404
    assert client.get("/team/ENG/palette/options?kind=secrets").status_code == 422
    assert client.get("/team/ENG/palette/options?kind=assignee&issue=%00").status_code == 404


# -- moving an issue to another team --------------------------------------------------------------

@pytest.fixture
def two_teams(f, client, eng):
    """ENG-1 "Crash" (Bob assigned) and Ada's second team OPS with one issue; Ada logged in."""
    ops = f.team(eng.admin, key="OPS", name="Operations")
    f.issue(ops, eng.admin, title="Existing")
    issue = f.issue(eng.team, eng.admin, title="Crash", assignee_id=eng.member.id)
    client.login(eng.admin)
    return issue, ops


def test_move_changes_the_team_and_the_identifier(client, two_teams):
    issue, ops = two_teams
    resp = client.post("/issue/ENG-1/move", data={"team_id": "OPS", "version": str(issue.version)})
    assert resp.status_code == 303 and resp.headers["Location"] == "/issue/OPS-2"
    moved = db.session.get(Issue, issue.id)
    assert moved.team_id == ops.id and moved.identifier == "OPS-2"
    assert moved.assignee_id is None  # Bob is not in OPS: cleared, as the service defines
    assert client.get("/issue/ENG-1").headers["Location"] == "/issue/OPS-2"  # the old identifier redirects
    page = client.get("/issue/OPS-2").get_data(as_text=True)
    assert "Moved to Operations as OPS-2." in page


def test_move_by_team_id_for_htmx_redirects_the_whole_page(client, two_teams):
    issue, ops = two_teams
    resp = client.post("/issue/ENG-1/move", data={"team_id": str(ops.id)}, headers=hx("flash"))
    assert resp.status_code == 204 and resp.headers["HX-Redirect"] == "/issue/OPS-2"
    assert resp.get_data() == b""  # the flash waits for the page it redirects to
    assert "Moved to Operations" in client.get("/issue/OPS-2").get_data(as_text=True)


def test_move_refuses_outsiders_and_foreign_teams(f, client, two_teams, outsider, make_client):
    issue, _ops = two_teams
    # A team Ada is not in: 404, and nothing moved.
    assert client.post("/issue/ENG-1/move", data={"team_id": "EVE"}).status_code == 404
    assert client.post("/issue/ENG-1/move", data={"team_id": str(outsider.team.id)}).status_code == 404
    assert client.post("/issue/ENG-1/move", data={"team_id": "OPS\x00"}).status_code == 404
    # An issue Ada cannot see: 404, even into her own team.
    f.issue(outsider.team, outsider.user, title="Theirs")
    assert client.post("/issue/EVE-1/move", data={"team_id": "ENG"}).status_code == 404
    # The outsider cannot move Ada's issue into her own team.
    eve = make_client().login(outsider.user)
    assert eve.post("/issue/ENG-1/move", data={"team_id": "EVE"}).status_code == 404
    assert db.session.get(Issue, issue.id).identifier == "ENG-1"


def test_move_without_csrf_is_400(client, two_teams):
    issue, _ops = two_teams
    assert client.post("/issue/ENG-1/move", data={"team_id": "OPS"}, csrf=False).status_code == 400
    assert db.session.get(Issue, issue.id).identifier == "ENG-1"


def test_move_errors_keep_the_issue_and_tell_why(client, two_teams):
    issue, _ops = two_teams
    resp = client.post("/issue/ENG-1/move", data={"team_id": ""})
    assert resp.status_code == 422
    stale = client.post("/issue/ENG-1/move", data={"team_id": "OPS", "version": "999"}, headers=hx("flash"))
    assert stale.status_code == 409 and stale.headers["HX-Retarget"] == "#flash"
    assert "changed by" in stale.get_data(as_text=True)
    assert db.session.get(Issue, issue.id).identifier == "ENG-1"


# -- the dialog in every page ---------------------------------------------------------------------

def test_every_page_carries_the_palette_and_go_to_links(f, client, eng):
    ops = f.team(eng.admin, key="OPS", name="Operations")
    f.issue(ops, eng.admin, title="Crash")
    client.login(eng.admin)
    html = client.get("/issue/OPS-1").get_data(as_text=True)
    assert '<dialog id="command-palette" class="palette" aria-label="Command palette"' in html
    assert 'role="combobox"' in html and 'aria-controls="palette-listbox"' in html
    assert 'data-team="OPS"' in html and 'data-options-url="/team/OPS/palette/options"' in html
    # The go-to keys follow the current team; without one (the inbox), the first team.
    assert '<a href="/team/OPS/board" data-goto="b">' in html
    inbox = client.get("/inbox").get_data(as_text=True)
    assert '<a href="/team/ENG/board" data-goto="b">' in inbox and "data-team=" not in inbox
    assert 'data-id="create:ENG"' in html and 'data-id="goto:OPS:web.board"' in html
    assert 'data-id="theme:dark"' in html and 'data-id="logout"' in html
    # The go-to letters and the palette are in the "?" list.
    assert "<kbd>g</kbd> <kbd>b</kbd></dt><dd>Go to its board</dd>" in html and "<kbd>Ctrl</kbd> <kbd>K</kbd>" in html
    # "My issues" (g m) only where its route exists.
    has_my = "web.my_issues" in client.application.view_functions
    assert ('data-goto="m"' in html) == has_my == ('data-id="my-issues"' in html)


def test_logged_out_pages_have_no_palette(client):
    html = client.get("/login").get_data(as_text=True)
    assert "command-palette" not in html and "goto-links" not in html
    assert "js/theme.js" in html and "js/palette.js" not in html  # the stored theme applies to every page
