"""API: teams and their members."""
from ..services import access, teams as team_service
from .common import api_route, current_api_user, list_response
from .schemas import MemberIn, MemberList, MemberOut, TeamIn, TeamList, TeamOut, TeamPatch


@api_route("/teams", methods=["POST"], body=TeamIn, response=TeamOut, status=201, tags=["teams"])
def team_create(body: TeamIn):
    """Create a team; the caller becomes its first admin."""
    team = team_service.create_team(current_api_user(), body.key, body.name, body.description or "")
    return team.to_json(role="admin")


@api_route("/teams", response=TeamList, tags=["teams"])
def team_list():
    """The caller's teams, with the caller's role in each."""
    return list_response([t.to_json(role=role) for t, role in team_service.list_teams(current_api_user())])


@api_route("/teams/<team_id>", response=TeamOut, tags=["teams"])
def team_get(team_id):
    """One of the caller's teams."""
    user = current_api_user()
    team = access.team_for(user, team_id)
    return team.to_json(role=access.role_in(user, team))


@api_route("/teams/<team_id>", methods=["PATCH"], body=TeamPatch, response=TeamOut, tags=["teams"])
def team_update(team_id, body: TeamPatch):
    """Rename or describe a team (admins)."""
    team = team_service.update_team(current_api_user(), team_id, body.name, body.description, body.estimates)
    return team.to_json(role="admin")


@api_route("/teams/<team_id>/members", response=MemberList, tags=["teams"])
def member_list(team_id):
    """The team's members and their roles."""
    return list_response(team_service.list_members(current_api_user(), team_id))


@api_route("/teams/<team_id>/members", methods=["POST"], body=MemberIn, response=MemberOut, status=201,
           tags=["teams"])
def member_add(team_id, body: MemberIn):
    """Add an existing user by email or user_id (admins)."""
    uid = str(body.user_id) if body.user_id else None
    return team_service.add_member(current_api_user(), team_id, email=body.email, user_id=uid,
                                   role=body.role).to_json()


@api_route("/teams/<team_id>/members/<user_id>", methods=["DELETE"], status=204, tags=["teams"])
def member_remove(team_id, user_id):
    """Remove a member (admins), or leave the team yourself; never the last admin."""
    team_service.remove_member(current_api_user(), team_id, user_id)
