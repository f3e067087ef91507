"""/api/v1/ws: JSON events for members only, after commit, with the API's shapes."""
import pytest

from linear_web.events import Event, emit
from linear_web.infra.extensions import db
from linear_web.models import Membership
from linear_web.services import comments, issues

pytestmark = pytest.mark.live


def test_member_gets_each_event_type_with_api_shapes(f, sockets):
    admin, member = f.user(), f.user()
    team = f.team(admin, key="LIV", members=[member])
    sock = sockets(user=member)
    issue = f.issue(team, admin, title="Live one")
    created = sock.json()
    assert created["type"] == "ISSUE_CREATED"
    assert created["team_id"] == str(team.id) and created["actor_id"] == str(admin.id)
    assert created["issue"] == issue.to_json()
    assert created["at"].endswith("+00:00")
    issues.update_issue(admin, issue.id, {"status": "todo"})
    updated = sock.json()
    assert (updated["type"], updated["issue"]["status"], updated["issue"]["version"]) == ("ISSUE_UPDATED", "todo", 2)
    comment = comments.create_comment(admin, issue.id, "**hi**")
    said = sock.json()
    assert said["type"] == "COMMENT_CREATED" and said["comment"] == comment.to_json()
    assert "<strong>hi</strong>" in said["comment"]["body_html"]
    issues.delete_issue(admin, issue.id)
    deleted = sock.json()
    assert deleted["type"] == "ISSUE_DELETED"
    assert deleted["issue"] == {"id": str(issue.id), "identifier": "LIV-1"}


def test_outsiders_and_other_teams_get_nothing(f, sockets):
    admin, outsider = f.user(), f.user()
    team = f.team(admin)
    other = f.team(outsider)
    watch = sockets(user=outsider)
    f.issue(team, admin, title="secret")
    f.issue(other, outsider, title="mine")
    message = watch.json()
    assert message["issue"]["title"] == "mine"      # the first event it sees is its own team's


def test_team_filter_narrows_the_stream(f, sockets):
    admin = f.user()
    a, b = f.team(admin, key="AAA"), f.team(admin, key="BBB")
    sock = sockets(user=admin, team_id=str(b.id))
    by_key = sockets(user=admin, team_id="aaa")
    f.issue(a, admin, title="in A")
    f.issue(b, admin, title="in B")
    assert sock.json()["issue"]["title"] == "in B"
    assert by_key.json()["issue"]["title"] == "in A"
    assert by_key.nothing()


def test_team_filter_of_a_team_not_joined_closes_4404(f, sockets):
    admin, outsider = f.user(), f.user()
    team = f.team(admin)
    sock = sockets(user=outsider, team_id=str(team.id), wait=False)
    assert sock.close_code()[0] == 4404
    bad = sockets(user=outsider, team_id="not-a-team", wait=False)
    assert bad.close_code()[0] == 4404


@pytest.mark.parametrize("token", ["", "garbage", "lw_notakey", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."])
def test_bad_token_closes_4401_with_a_reason(f, sockets, token):
    sock = sockets(token=token, wait=False)
    code, reason = sock.close_code()
    assert code == 4401 and reason


def test_missing_and_expired_tokens_close_4401(f, sockets, app):
    import datetime

    import jwt
    user = f.user()
    assert sockets(wait=False).close_code()[0] == 4401
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
    expired = jwt.encode({"sub": str(user.id), "exp": past}, app.config["SECRET_KEY"], algorithm="HS256")
    code, reason = sockets(token=expired, wait=False).close_code()
    assert code == 4401 and "token" in reason.lower()


def test_api_key_authenticates(f, sockets):
    from linear_web.services import api_keys
    admin = f.user()
    team = f.team(admin)
    created = api_keys.create_api_key(admin, "ci")
    key = created["key"] if isinstance(created, dict) else created[1]
    sock = sockets(token=key)
    f.issue(team, admin, title="via key")
    assert sock.json()["issue"]["title"] == "via key"


def test_session_cookie_needs_a_same_origin(f, sockets, live_server):
    admin = f.user()
    team = f.team(admin)
    assert sockets(cookie_for=admin, origin="http://evil.test", wait=False).close_code()[0] == 4403
    assert sockets(cookie_for=admin, wait=False).close_code()[0] == 4403      # no Origin at all
    sock = sockets(cookie_for=admin, origin=live_server.url)
    f.issue(team, admin, title="cookie")
    assert sock.json()["issue"]["title"] == "cookie"


def test_rolled_back_change_sends_nothing(f, sockets):
    admin = f.user()
    team = f.team(admin)
    issue = f.issue(team, admin, title="before")
    sock = sockets(user=admin)
    issue.title = "rolled back"
    emit(Event.for_issue("ISSUE_UPDATED", issue, admin))
    db.session.flush()
    db.session.rollback()
    f.issue(team, admin, title="after")
    first = sock.json()
    assert (first["type"], first["issue"]["title"]) == ("ISSUE_CREATED", "after")


def test_failed_service_call_sends_nothing(f, sockets):
    admin = f.user()
    team = f.team(admin)
    issue = f.issue(team, admin)
    sock = sockets(user=admin)
    issues.update_issue(admin, issue.id, {"title": "v2"})
    from linear_web.services.errors import Conflict
    with pytest.raises(Conflict):
        issues.update_issue(admin, issue.id, {"title": "stale"}, version=1)
    f.issue(team, admin, title="marker")
    assert sock.json()["issue"]["title"] == "v2"
    assert sock.json()["issue"]["title"] == "marker"


def test_removed_member_stops_receiving(f, sockets):
    admin, member = f.user(), f.user()
    team = f.team(admin, members=[member])
    still = f.team(admin, members=[member])
    sock = sockets(user=member)
    f.issue(team, admin, title="while member")
    assert sock.json()["issue"]["title"] == "while member"
    db.session.delete(db.session.get(Membership, (team.id, member.id)))
    db.session.commit()
    f.issue(team, admin, title="after removal")
    f.issue(still, admin, title="other team")
    assert sock.json()["issue"]["title"] == "other team"


def test_old_team_learns_that_an_issue_moved_out(f, sockets):
    admin, a_only, b_only = f.user(), f.user(), f.user()
    a = f.team(admin, key="OLD", members=[a_only])
    b = f.team(admin, key="NEW", members=[b_only])
    issue = f.issue(a, admin, title="mover")
    old_side, new_side, both = sockets(user=a_only), sockets(user=b_only), sockets(user=admin)
    issues.update_issue(admin, issue.id, {"team_id": str(b.id)})
    left = old_side.json()
    assert left["type"] == "ISSUE_DELETED" and left["team_id"] == str(a.id)
    assert left["issue"] == {"id": str(issue.id), "identifier": "OLD-1"}
    arrived = new_side.json()
    assert arrived["type"] == "ISSUE_UPDATED" and arrived["issue"]["identifier"] == "NEW-1"
    assert both.json()["issue"]["identifier"] == "NEW-1"
    assert both.nothing(0.3)


def test_label_events_reach_members_with_the_label(f, sockets):
    from linear_web.services import labels
    admin, member, outsider = f.user(), f.user(), f.user()
    team = f.team(admin, key="LAB", members=[member])
    theirs = f.team(outsider, key="OUT")
    sock, watch = sockets(user=member), sockets(user=outsider)
    label = labels.create_label(admin, team.id, "Bug", "#ef4444")
    labels.create_label(outsider, theirs.id, "Mine")
    assert watch.json()["label"]["name"] == "Mine"  # the first event the outsider hears is its own team's
    created = sock.json()
    assert (created["type"], created["team_id"], created["label"]) == ("LABEL_CREATED", str(team.id), label.to_json())
    labels.update_label(admin, label.id, name="Defect")
    assert sock.json()["label"]["name"] == "Defect"
    labels.delete_label(admin, label.id)
    deleted = sock.json()
    assert (deleted["type"], deleted["label"]) == ("LABEL_DELETED", {"id": str(label.id)})


def test_cycle_events_reach_members_with_the_cycle_and_its_figures(f, sockets):
    from datetime import timedelta
    from linear_web.services import cycles, issue_queries
    admin, member, outsider = f.user(), f.user(), f.user()
    team = f.team(admin, key="CYC", members=[member])
    theirs = f.team(outsider, key="OUT")
    sock, watch = sockets(user=member), sockets(user=outsider)
    day = issue_queries.today()
    span = {"starts_on": day.isoformat(), "ends_on": (day + timedelta(days=6)).isoformat()}
    cycle = cycles.create_cycle(admin, team.id, {**span, "name": "Sprint"}).cycle
    cycles.create_cycle(outsider, theirs.id, {**span, "name": "Mine"})
    assert watch.json()["cycle"]["name"] == "Mine"   # the first event the outsider hears is its own team's
    created = sock.json()
    assert (created["type"], created["team_id"]) == ("CYCLE_CREATED", str(team.id))
    assert created["cycle"] == cycles.view_of(cycle).to_json() and created["cycle"]["state"] == "current"
    f.issue(team, admin, cycle_id=str(cycle.id))
    assert sock.json()["type"] == "ISSUE_CREATED"
    cycles.update_cycle(admin, cycle.id, {"name": "Sprint 1"})
    updated = sock.json()
    assert (updated["type"], updated["cycle"]["name"], updated["cycle"]["scope"]) == ("CYCLE_UPDATED", "Sprint 1", 1)
    cycles.delete_cycle(admin, cycle.id)
    events = [sock.json(), sock.json()]
    assert [e["type"] for e in events] == ["ISSUE_UPDATED", "CYCLE_DELETED"]
    assert events[1]["cycle"] == {"id": str(cycle.id)} and events[0]["issue"]["cycle_id"] is None
    assert watch.nothing(0.3)
