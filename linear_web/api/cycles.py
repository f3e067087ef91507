"""API: cycles of a team, their burndown, and completing them."""
from ..services import cycles as cycle_service
from .common import api_route, current_api_user, list_response
from .schemas import CycleCompleteOut, CycleDetailOut, CycleIn, CycleList, CycleOut, CyclePatch, CycleQuery


@api_route("/cycles", methods=["POST"], body=CycleIn, response=CycleOut, status=201, tags=["cycles"])
def cycle_create(body: CycleIn):
    """Create a cycle in one of the caller's teams: 422 for bad dates, 409 if it overlaps another."""
    data = body.model_dump(exclude={"team_id"}, exclude_unset=True)
    return cycle_service.create_cycle(current_api_user(), str(body.team_id), data).to_json()


@api_route("/cycles", query=CycleQuery, response=CycleList, tags=["cycles"], writes=True)
def cycle_list(query: CycleQuery):
    """The team's cycles by start date (ended ones complete and automatic ones appear as they are read)."""
    return list_response(cycle_service.list_cycles(current_api_user(), str(query.team_id), query.state))


@api_route("/cycles/<cycle_id>", response=CycleDetailOut, tags=["cycles"], writes=True)
def cycle_get(cycle_id):
    """One cycle with its burndown: scope and completed per day, from its first day to today or its last."""
    cycle = cycle_service.cycle_for(current_api_user(), cycle_id)
    return {**cycle_service.view_of(cycle).to_json(), "burndown": cycle_service.burndown(cycle)}


@api_route("/cycles/<cycle_id>", methods=["PATCH"], body=CyclePatch, response=CycleOut, tags=["cycles"])
def cycle_update(cycle_id, body: CyclePatch):
    """Rename a cycle or change its dates (409 if they overlap another cycle of the team)."""
    return cycle_service.update_cycle(current_api_user(), cycle_id, body.model_dump(exclude_unset=True)).to_json()


@api_route("/cycles/<cycle_id>", methods=["DELETE"], status=204, tags=["cycles"])
def cycle_delete(cycle_id):
    """Delete a cycle: its issues stay, out of any cycle."""
    cycle_service.delete_cycle(current_api_user(), cycle_id)


@api_route("/cycles/<cycle_id>/complete", methods=["POST"], response=CycleCompleteOut, tags=["cycles"])
def cycle_complete(cycle_id):
    """End a current cycle today: its unfinished issues move to the team's next cycle, or to none."""
    view, moved, target = cycle_service.complete_cycle(current_api_user(), cycle_id)
    return {**view.to_json(), "moved": moved, "to_cycle_id": str(target.id) if target else None}
