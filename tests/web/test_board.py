"""Board page, fragment and moves: columns, filters, 409/422/404, CSRF, query counts, size."""
import gzip
import re

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Activity, Issue

HX_BOARD = {"HX-Request": "true", "HX-Target": "board"}


def _column(html: str, status: str) -> str:
    """The HTML of one column's card list."""
    match = re.search(r'<div class="board-cards" data-status="%s".*?</div>\s*(?:<p|</section)' % status, html, re.S)
    assert match, status
    return match.group(0)


def _move(client, team_key, issue, status, headers=None, **extra):
    data = {"issue": str(issue.id), "status": status, "version": str(issue.version)}
    data.update(extra)
    return client.post(f"/team/{team_key}/board/move", data=data, headers=headers or {})


def _count(html: str, status: str) -> int:
    """The count badge of a column (its stable id)."""
    return int(re.search(rf'<span id="board-count-{status}" class="board-count"[^>]*>(\d+)<', html).group(1))


def _oob_counts(html: str) -> dict:
    """The column counts a move's answer sends out of band: {status: count}."""
    found = re.findall(r'<span id="board-count-(\w+)" class="board-count" aria-label="[^"]*" hx-swap-oob="true">(\d+)<',
                       html)
    return {status: int(n) for status, n in found}


def _from_board(query: str = "") -> dict:
    """Headers of board.js's move request: htmx-style, with the board page's URL."""
    return {"HX-Request": "true", "HX-Current-URL": "http://localhost/team/ENG/board" + query}


def test_board_shows_columns_counts_and_cards(eng, client, f):
    team, ada, bob = eng
    client.login(ada)
    f.issue(team, ada, title="Fix <login> bug", status="todo", priority=1, assignee_id=bob.id)
    f.issue(team, ada, title="Ship it", status="done")
    f.issue(team, ada, title="Think", status="todo")
    resp = client.get("/team/ENG/board")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<!doctype html>" in html
    for label in ("Backlog", "Todo", "In Progress", "Done", "Canceled"):
        assert label in html
    todo = _column(html, "todo")
    assert "ENG-1" in todo and "ENG-3" in todo and "ENG-2" not in todo
    assert "Fix &lt;login&gt; bug" in todo and "<login>" not in html
    assert ">BS<" in todo and "High" in todo
    assert (_count(html, "todo"), _count(html, "done"), _count(html, "backlog")) == (2, 1, 0)
    assert 'aria-label="2 issues"' in html and 'aria-label="1 issue"' in html
    assert "ENG-2" in _column(html, "done")


def test_fragment_for_htmx_target_board_only(eng, client, f):
    team, ada, _ = eng
    client.login(ada)
    f.issue(team, ada, title="Only card")
    frag = client.get("/team/ENG/board", headers=HX_BOARD).get_data(as_text=True)
    assert frag.lstrip().startswith('<div id="board"') and "<html" not in frag and "Only card" in frag
    other = client.get("/team/ENG/board", headers={"HX-Request": "true", "HX-Target": "main"})
    assert "<!doctype html>" in other.get_data(as_text=True)


def test_board_applies_filters_and_reports_bad_ones(eng, client, f):
    team, ada, bob = eng
    client.login(ada)
    f.issue(team, ada, title="Mine high", priority=1, assignee_id=bob.id)
    f.issue(team, ada, title="Low one", priority=3)
    html = client.get("/team/ENG/board?priority=1", headers=HX_BOARD).get_data(as_text=True)
    assert "Mine high" in html and "Low one" not in html
    html = client.get(f"/team/ENG/board?assignee={bob.id}").get_data(as_text=True)
    assert "Mine high" in html and "Low one" not in html
    page = client.get("/team/ENG/board?priority=1").get_data(as_text=True)
    assert 'id="issue-filters"' in page and 'hx-target="#board"' in page and 'action="/team/ENG/board"' in page
    assert re.search(r'value="1" checked', page)
    bad = client.get("/team/ENG/board?status=nope&sort=evil")
    assert bad.status_code == 422 and "Status must be one of" in bad.get_data(as_text=True)
    assert "Low one" in bad.get_data(as_text=True)


def test_empty_states(eng, client, f):
    team, ada, _ = eng
    client.login(ada)
    assert "create the first issue" in client.get("/team/ENG/board").get_data(as_text=True)
    f.issue(team, title="Something")
    assert "No issues match" in client.get("/team/ENG/board?priority=1").get_data(as_text=True)


def test_move_between_columns_persists_and_answers_with_card(eng, client, f):
    team, ada, _ = eng
    client.login(ada)
    a, b = f.issue(team, ada, title="A", status="todo"), f.issue(team, ada, title="B", status="done")
    resp = _move(client, "ENG", a, "done", before=str(b.id))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<div id="card-ENG-1"')
    assert 'data-status="done"' in html and 'data-version="2"' in html
    db.session.expire_all()
    moved, other = db.session.get(Issue, a.id), db.session.get(Issue, b.id)
    assert moved.status == "done" and moved.position < other.position
    fields = db.session.scalars(db.select(Activity.field).where(Activity.issue_id == a.id,
                                                                Activity.action == "updated")).all()
    assert fields == ["status"]
    board = client.get("/team/ENG/board").get_data(as_text=True)
    done = _column(board, "done")
    assert done.index("card-ENG-1") < done.index("card-ENG-2")


def test_move_answers_with_every_column_count_out_of_band(eng, client, f):
    team, ada, _ = eng
    client.login(ada)
    a = f.issue(team, ada, title="A", status="todo")
    f.issue(team, ada, title="B", status="done")
    html = _move(client, "ENG", a, "done", headers=_from_board()).get_data(as_text=True)
    assert _oob_counts(html) == {"backlog": 0, "todo": 0, "in_progress": 0, "done": 2, "canceled": 0}
    assert 'aria-label="2 issues" hx-swap-oob' in html
    # Only an answer to the board page carries counts (the badges are the board's).
    assert _oob_counts(_move(client, "ENG", a, "todo", version="2").get_data(as_text=True)) == {}


def test_move_counts_respect_the_board_filters(eng, client, f):
    team, ada, bob = eng
    client.login(ada)
    mine = f.issue(team, ada, title="Mine", status="todo", assignee_id=bob.id)
    f.issue(team, ada, title="Not mine", status="done")
    f.issue(team, ada, title="Mine too", status="done", assignee_id=bob.id)
    html = _move(client, "ENG", mine, "done", headers=_from_board(f"?assignee={bob.id}")).get_data(as_text=True)
    assert _oob_counts(html) == {"backlog": 0, "todo": 0, "in_progress": 0, "done": 2, "canceled": 0}
    # A board whose filters were refused shows every issue, and so do its counts.
    html = _move(client, "ENG", mine, "todo", version="2", headers=_from_board("?status=nope")).get_data(as_text=True)
    assert _oob_counts(html) == {"backlog": 0, "todo": 1, "in_progress": 0, "done": 2, "canceled": 0}


def _contested(f, team, ada, bob):
    """A todo card Bob moved to in progress after Ada's board loaded it: (issue, Ada's stale version)."""
    from linear_web.services import issues
    issue = f.issue(team, ada, title="Contested", status="todo")
    stale = issue.version
    issues.update_issue(bob, issue.id, {"status": "in_progress"})
    return issue, stale


def test_refused_move_answers_with_the_true_counts(eng, client, f):
    team, ada, bob = eng
    client.login(ada)
    issue, stale = _contested(f, team, ada, bob)
    resp = client.post("/team/ENG/board/move", headers=_from_board(),
                       data={"issue": str(issue.id), "status": "done", "version": str(stale)})
    assert resp.status_code == 409
    assert _oob_counts(resp.get_data(as_text=True)) == {"backlog": 0, "todo": 0, "in_progress": 1, "done": 0,
                                                         "canceled": 0}


def test_move_runs_one_count_query(eng, client, f, count_queries):
    team, ada, _ = eng
    client.login(ada)
    _bulk(team, ada, 10)
    issue = db.session.scalars(db.select(Issue).where(Issue.team_id == team.id)).first()
    with count_queries() as plain:
        _move(client, "ENG", issue, "done")
    db.session.expire_all()
    issue = db.session.get(Issue, issue.id)
    with count_queries() as counted:
        _move(client, "ENG", issue, "todo", headers=_from_board())
    grouped = [s for s in counted.statements if "GROUP BY" in s.upper()]
    assert len(grouped) == 1 and counted.count == plain.count + 1, counted.statements


def test_move_within_column_reorders(eng, client, f):
    team, ada, _ = eng
    client.login(ada)
    first, second, third = (f.issue(team, ada, title=t, status="todo") for t in ("1st", "2nd", "3rd"))
    html = client.get("/team/ENG/board").get_data(as_text=True)
    order = re.findall(r'id="card-(ENG-\d)"', _column(html, "todo"))
    assert order == ["ENG-3", "ENG-2", "ENG-1"]  # newest first
    resp = _move(client, "ENG", first, "todo", after=str(third.id), before=str(second.id))
    assert resp.status_code == 200
    html = client.get("/team/ENG/board").get_data(as_text=True)
    assert re.findall(r'id="card-(ENG-\d)"', _column(html, "todo")) == ["ENG-3", "ENG-1", "ENG-2"]


def test_stale_version_is_409_with_current_card_and_message(eng, client, f):
    team, ada, bob = eng
    client.login(ada)
    issue, stale_version = _contested(f, team, ada, bob)
    resp = client.post("/team/ENG/board/move", data={"issue": issue.identifier, "status": "done",
                                                     "version": str(stale_version)})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert "changed by Bob Stone meanwhile" in html and 'data-status="in_progress"' in html
    db.session.expire_all()
    assert db.session.get(Issue, issue.id).status == "in_progress"


@pytest.mark.parametrize("data, field", [
    ({"status": "nope"}, "Status must be one of"),
    ({"status": "done", "version": "abc"}, "Version must be a whole number"),
    ({"status": "done", "before": "ENG-999"}, "no longer on this board"),
])
def test_bad_move_input_is_422_and_changes_nothing(eng, client, f, data, field):
    team, ada, _ = eng
    client.login(ada)
    issue = f.issue(team, ada, title="Stay", status="todo")
    resp = client.post("/team/ENG/board/move", data={"issue": str(issue.id), **data})
    assert resp.status_code == 422 and field in resp.get_data(as_text=True)
    assert 'data-status="todo"' in resp.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Issue, issue.id).status == "todo"


def test_neighbour_from_another_team_is_refused(eng, client, f):
    team, ada, _ = eng
    client.login(ada)
    other = f.team(ada, key="OPS")
    foreign = f.issue(other, ada, title="Elsewhere")
    issue = f.issue(team, ada, title="Here")
    resp = _move(client, "ENG", issue, "done", before=str(foreign.id))
    assert resp.status_code == 422
    db.session.expire_all()
    assert db.session.get(Issue, issue.id).status == "backlog"


def test_outsider_gets_404_on_board_and_move(f, make_client):
    ada, outsider = f.user(), f.user()
    team = f.team(ada, key="ENG")
    issue = f.issue(team, ada, title="Secret plan")
    c = make_client().login(outsider)
    assert c.get("/team/ENG/board").status_code == 404
    assert c.get("/team/ENG/board", headers=HX_BOARD).status_code == 404
    resp = c.post("/team/ENG/board/move", data={"issue": str(issue.id), "status": "done"})
    assert resp.status_code == 404 and "Secret plan" not in resp.get_data(as_text=True)
    # A team of their own does not let them move ENG's card through their board either.
    f.team(outsider, key="MINE")
    resp = c.post("/team/MINE/board/move", data={"issue": str(issue.id), "status": "done"})
    assert resp.status_code == 404
    db.session.expire_all()
    assert db.session.get(Issue, issue.id).status == "backlog"


def test_card_of_another_of_my_teams_is_404_through_this_board(eng, client, f):
    team, ada, _ = eng
    client.login(ada)
    other = f.team(ada, key="OPS")
    theirs = f.issue(other, ada, title="Ops card")
    resp = _move(client, "ENG", theirs, "done")
    assert resp.status_code == 404
    db.session.expire_all()
    assert db.session.get(Issue, theirs.id).status == "backlog"


def test_move_without_csrf_is_400(eng, client, f):
    team, ada, _ = eng
    client.login(ada)
    issue = f.issue(team, ada)
    resp = client.post("/team/ENG/board/move", data={"issue": str(issue.id), "status": "done"}, csrf=False)
    assert resp.status_code == 400
    db.session.expire_all()
    assert db.session.get(Issue, issue.id).status == "backlog"


def test_anonymous_is_sent_to_login(f, client):
    f.team(f.user(), key="ENG")
    resp = client.get("/team/ENG/board")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def _bulk(team, actor, n):
    from linear_web.vocabulary import STATUSES
    from linear_web.services import issues
    for i in range(n):
        issues.create_issue(actor, team.id, {"title": f"Card number {i} with a realistic title length",
                                             "status": STATUSES[i % 5], "priority": i % 4,
                                             "assignee_id": str(actor.id) if i % 2 else None})


def test_board_query_count_is_fixed(eng, client, f, count_queries):
    team, ada, _ = eng
    client.login(ada)

    def measure(headers=None):
        client.get("/team/ENG/board")  # warm-up: the session's user is cached afterwards
        with count_queries() as q:
            assert client.get("/team/ENG/board", headers=headers or {}).status_code == 200
        return q.count

    _bulk(team, ada, 5)
    few = measure()
    _bulk(team, ada, 40)
    many = measure()
    # The user with the sidebar's teams, the team, cards, counts, the filter menus' members,
    # projects and labels in one.
    assert few == many == 5
    assert measure(HX_BOARD) == many - 1  # the fragment skips the filter choices


def test_board_of_300_issues_is_under_100kb_gzipped(eng, client, f):
    team, ada, _ = eng
    client.login(ada)
    _bulk(team, ada, 300)
    body = client.get("/team/ENG/board").get_data()
    assert body.count(b'class="board-card"') == 300
    assert len(gzip.compress(body)) < 100 * 1024


def test_columns_are_capped_but_counted(eng, client, f, monkeypatch):
    team, ada, _ = eng
    client.login(ada)
    for i in range(5):
        f.issue(team, ada, title=f"Todo {i}", status="todo")
    f.issue(team, ada, title="Done one", status="done")
    from linear_web.services import boards
    monkeypatch.setattr(boards, "COLUMN_LIMIT", 2)
    monkeypatch.setattr(boards.board_columns, "__kwdefaults__", {"limit": 2})
    html = client.get("/team/ENG/board").get_data(as_text=True)
    todo = _column(html, "todo")
    assert re.findall(r'id="card-(ENG-\d)"', todo) == ["ENG-5", "ENG-4"]
    assert "3 more not shown" in html and _count(html, "todo") == 5
    assert "card-ENG-6" in _column(html, "done")
