"""Search: header dropdown fragment, results page ranked across my teams, paging, access, states."""
import re

import pytest

HX_DROPDOWN = {"HX-Request": "true", "HX-Target": "search-results"}


@pytest.fixture
def login_issues(f, client, eng, outsider):
    """Login issues in Ada's teams ENG and DES and in the outsider's team; Ada logged in."""
    ada, secret = eng.admin, outsider.team
    eng, des = eng.team, f.team(ada, key="DES")
    f.issue(eng, ada, title="Login page crashes on Safari", description="Stack trace attached", status="todo")
    f.issue(des, ada, title="Redesign the settings page", description="Mentions login once")
    f.issue(eng, ada, title="Unrelated chore")
    f.issue(secret, outsider.user, title="Secret login rework")
    client.login(ada)
    return ada, outsider.user, client


def _ids(html: str) -> list[str]:
    return re.findall(r'class="search-id">([A-Z]+-\d+)<', html)


def test_page_ranks_results_across_my_teams_without_outsiders(login_issues):
    _, _, client = login_issues
    resp = client.get("/search?q=login")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "<!doctype html>" in html
    assert _ids(html) == ["ENG-1", "DES-1"]  # the title match ranks above the description match
    assert "Secret login rework" not in html and "EVE-" not in html
    assert "Todo" in html and ">DES<" in html


def test_dropdown_fragment_for_the_header_box(login_issues):
    _, _, client = login_issues
    resp = client.get("/search?q=logi", headers=HX_DROPDOWN)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and html.lstrip().startswith('<div id="search-results"')
    assert "<html" not in html and _ids(html) == ["ENG-1", "DES-1"]
    assert 'href="/search?q=logi"' in html
    empty = client.get("/search?q=", headers=HX_DROPDOWN).get_data(as_text=True)
    assert "hidden" in empty.split(">")[0] and "search-result\"" not in empty and "<li" not in empty
    none = client.get("/search?q=zebra", headers=HX_DROPDOWN).get_data(as_text=True)
    assert "No issues match" in none


def test_no_query_and_no_result_states(login_issues):
    _, _, client = login_issues
    assert "Type words from an issue" in client.get("/search").get_data(as_text=True)
    html = client.get("/search?q=xylophone").get_data(as_text=True)
    assert "No issues match “xylophone”" in html


def test_query_syntax_is_not_interpreted(login_issues):
    _, _, client = login_issues
    for q in ['login" OR 1=1 --', "login AND NOT", "(login*", "login:*&|!", "'; drop table issues; --"]:
        resp = client.get("/search", query_string={"q": q})
        assert resp.status_code == 200, q
    assert "ENG-1" in _ids(client.get("/search", query_string={"q": "(login*"}).get_data(as_text=True))


def test_bad_query_is_422_with_message(login_issues):
    _, _, client = login_issues
    resp = client.get("/search", query_string={"q": "x" * 300})
    assert resp.status_code == 422 and "at most 200 characters" in resp.get_data(as_text=True)
    resp = client.get("/search", query_string={"q": "a\x00b"}, headers=HX_DROPDOWN)
    assert resp.status_code == 422
    assert client.get("/search?q=login&cursor=garbage").status_code == 422


def test_more_results_pages_by_keyset(f, client):
    ada = f.user()
    team = f.team(ada, key="ENG")
    for i in range(30):
        f.issue(team, ada, title=f"Payment bug number {i}")
    client.login(ada)
    first = client.get("/search?q=payment").get_data(as_text=True)
    ids = _ids(first)
    assert len(ids) == 25 and "More results" in first
    cursor = re.search(r'hx-get="/search\?q=payment&amp;cursor=([^"]+)"', first).group(1)
    more = client.get(f"/search?q=payment&cursor={cursor}",
                      headers={"HX-Request": "true", "HX-Target": "search-more"}).get_data(as_text=True)
    rest = _ids(more)
    assert len(rest) == 5 and not set(rest) & set(ids) and "More results" not in more
    assert "<html" not in more


def test_outsider_sees_nothing_of_my_teams(login_issues, make_client):
    _, outsider, _ = login_issues
    c = make_client().login(outsider)
    html = c.get("/search?q=login").get_data(as_text=True)
    assert _ids(html) == ["EVE-1"]
    assert _ids(c.get("/search?q=login", headers=HX_DROPDOWN).get_data(as_text=True)) == ["EVE-1"]


def test_search_needs_login(client):
    resp = client.get("/search?q=x")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_header_box_is_on_every_page(login_issues):
    _, _, client = login_issues
    html = client.get("/search").get_data(as_text=True)
    assert 'id="header-search-input"' in html and 'hx-target="#search-results"' in html
    assert "js/search.js" in html


def test_search_query_count_is_fixed(f, client, count_queries):
    ada = f.user()
    team = f.team(ada, key="ENG")
    client.login(ada)

    def measure():
        client.get("/search?q=widget", headers=HX_DROPDOWN)
        with count_queries() as q:
            client.get("/search?q=widget", headers=HX_DROPDOWN)
        return q.count

    f.issue(team, ada, title="Widget one")
    few = measure()
    for i in range(12):
        f.issue(team, ada, title=f"Widget {i}", assignee_id=ada.id)
    assert measure() == few <= 4
