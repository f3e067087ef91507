"""Pages that refresh themselves carry the live widget (socket URL for their kind, re-fetch element)."""
import re



def live_url(html: str) -> str:
    match = re.search(r'id="live"[^>]*data-url="([^"]+)"', html, re.S)
    assert match, "the page has no live widget"
    return match.group(1).replace("&amp;", "&")


def test_list_page_connects_as_list_and_refetches_its_fragment_with_filters(client, eng, crash):
    team = eng.team
    client.login(eng.admin)
    html = client.get("/team/ENG/issues?status=todo").get_data(as_text=True)
    assert live_url(html) == f"/ws?kind=list&team={team.id}"
    assert 'hx-include="#issue-filters"' in html and 'hx-target="#issue-list"' in html
    assert '<script src="/static/js/live.js" defer></script>' in html


def test_issue_page_connects_for_its_issue_and_shows_presence(client, eng, crash):
    team, issue = eng.team, crash
    client.login(eng.admin)
    html = client.get(f"/issue/{issue.identifier}").get_data(as_text=True)
    assert live_url(html) == f"/ws?kind=issue&team={team.id}&issue={issue.id}"
    assert 'id="issue-presence"' in html
    assert ('hx-select-oob="#issue-title,#issue-description,#issue-properties,#issue-crumbs,#issue-parent,'
            '#issue-sub-issues,#issue-relations,#issue-timeline"') in html


def test_dashboards_connect_for_their_team_or_all_teams(client, eng, crash):
    team = eng.team
    client.login(eng.admin)
    assert live_url(client.get("/team/ENG/dashboard").get_data(as_text=True)) == f"/ws?kind=dashboard&team={team.id}"
    assert live_url(client.get("/dashboard").get_data(as_text=True)) == "/ws?kind=dashboard"
