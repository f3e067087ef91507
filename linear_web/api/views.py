"""API: saved views of a team (named issue-list filters), and the issues a view shows."""
from ..services import views as view_service
from .common import api_route, current_api_user, list_response
from .issues import row_json
from .schemas import IssueList, PageQuery, ViewIn, ViewList, ViewOut, ViewPatch, ViewQuery


def _fields(body) -> dict:
    """The body's fields that were sent and not null (null leaves a field as it is)."""
    return {k: v for k, v in body.model_dump(exclude_unset=True, exclude={"team_id"}, mode="json").items()
            if v is not None}


@api_route("/views", methods=["POST"], body=ViewIn, response=ViewOut, status=201, tags=["views"])
def view_create(body: ViewIn):
    """Save a view of one of the caller's teams: private unless `shared`; 422 names a bad filter."""
    return view_service.create_view(current_api_user(), str(body.team_id), _fields(body)).to_json()


@api_route("/views", query=ViewQuery, response=ViewList, tags=["views"])
def view_list(query: ViewQuery):
    """The team's shared views and the caller's private ones, by name."""
    return list_response(view_service.list_views(current_api_user(), str(query.team_id)))


@api_route("/views/<view_id>", response=ViewOut, tags=["views"])
def view_get(view_id):
    """One view; `dropped_filters` names filters left out because what they named was deleted."""
    return view_service.get_view(current_api_user(), view_id).to_json()


@api_route("/views/<view_id>", methods=["PATCH"], body=ViewPatch, response=ViewOut, tags=["views"])
def view_update(view_id, body: ViewPatch):
    """Rename a view, replace its filters, change its layout or share it: its owner or a team admin."""
    return view_service.update_view(current_api_user(), view_id, _fields(body)).to_json()


@api_route("/views/<view_id>", methods=["DELETE"], status=204, tags=["views"])
def view_delete(view_id):
    """Delete a view: its owner or a team admin."""
    view_service.delete_view(current_api_user(), view_id)


@api_route("/views/<view_id>/issues", query=PageQuery, response=IssueList, tags=["views"])
def view_issues(view_id, query: PageQuery):
    """The issues the view shows: what GET /issues answers for its team and filters, paged the same way."""
    page = view_service.view_issues(current_api_user(), view_id, limit=query.limit, cursor=query.cursor)
    return list_response([row_json(r) for r in page.items], page.next_cursor)
