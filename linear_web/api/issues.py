"""API: issues — create, filtered lists, search, CSV export, detail, partial updates, delete, activity."""
from flask import Response, request, stream_with_context

from ..models.issue import issue_json
from ..services import access, exports, issues as issue_service, notifications, planning
from ..services.issue_queries import IssueFilters, list_issues, search_issues
from .comments import comment_json
from .common import api_route, current_api_user, list_response
from .schemas import (ActivityList, ExportQuery, IssueDetailOut, IssueIn, IssueList, IssueOut, IssuePatch,
                      IssueQuery, SearchQuery)

CSV_RESPONSE = {"responses": {"200": {"description": "CSV, streamed: " + ",".join(exports.COLUMNS),
                                      "content": {"text/csv": {"schema": {"type": "string"}}}}}}


def _linked(item: dict) -> dict:
    """An Issue object with the @mentions of its team's members in description_html as links."""
    item["description_html"] = notifications.link_html(item["description_html"], item["team_id"])
    return item


def row_json(row) -> dict:
    """The Issue object of a page row (issue_queries.ROW_COLUMNS)."""
    return _linked(issue_json(row, row.team_key, row.assignee_name))


def _filters(query: IssueQuery) -> IssueFilters:
    """Filters from the query string; a team or project the caller cannot see is NotFound, not empty."""
    user = current_api_user()
    if query.team_id:
        access.team_for(user, query.team_id)
    if query.project_id:
        access.project_for(user, query.project_id)
    return IssueFilters.from_args(request.args)


@api_route("/issues", methods=["POST"], body=IssueIn, response=IssueOut, status=201, idempotent=True,
           tags=["issues"])
def issue_create(body: IssueIn):
    """Create an issue (KEY-N in its team); honours Idempotency-Key."""
    data = body.model_dump(exclude_unset=True, exclude={"team_id"}, mode="json")
    return _linked(issue_service.create_issue(current_api_user(), str(body.team_id), data).to_json())


@api_route("/issues", query=IssueQuery, response=IssueList, tags=["issues"])
def issue_list(query: IssueQuery):
    """Issues of the caller's teams, filtered and sorted, one keyset page at a time."""
    page = list_issues(current_api_user(), _filters(query), limit=query.limit, cursor=query.cursor, rows=True)
    return list_response([row_json(r) for r in page.items], page.next_cursor)


@api_route("/issues/search", query=SearchQuery, response=IssueList, tags=["issues"])
def issue_search(query: SearchQuery):
    """Full-text search over title and description, most relevant first; the list filters apply.

    An identifier (`ENG-42`) puts that issue first; issues holding the words in the order typed
    come before the others. On PostgreSQL the 2,000 newest matches are ranked."""
    page = search_issues(current_api_user(), _filters(query), limit=query.limit, cursor=query.cursor, rows=True)
    return list_response([row_json(r) for r in page.items], page.next_cursor)


@api_route("/issues/export", query=ExportQuery, tags=["issues"], openapi=CSV_RESPONSE, streams=True)
def issue_export(query: ExportQuery):
    """Every issue matching the filters as CSV, streamed."""
    user, filters = current_api_user(), _filters(query)
    key = access.team_for(user, query.team_id).key if query.team_id else None
    resp = Response(stream_with_context(exports.export_rows(user, filters)), mimetype="text/csv")
    resp.headers["Content-Disposition"] = f'attachment; filename="{exports.export_filename(key)}"'
    return resp


@api_route("/issues/<issue_id>", response=IssueDetailOut, tags=["issues"])
def issue_get(issue_id):
    """An issue (by id or identifier such as ENG-42) with its comments, activity and attachments."""
    user = current_api_user()
    issue = issue_service.issue_detail(user, issue_id)
    parent, children, related = planning.neighbours(user, issue)
    return {**_linked(issue.to_json()), "comments": [comment_json(c) for c in issue.comments],
            "activities": [a.to_json() for a in issue.activities],
            "attachments": [a.to_json() for a in issue.attachments],
            "parent": parent.brief() if parent else None, "children": [_linked(c.to_json()) for c in children],
            "relations": [r.to_json() for r in related]}


@api_route("/issues/<issue_id>", methods=["PATCH", "PUT"], body=IssuePatch, response=IssueOut, tags=["issues"])
def issue_update(issue_id, body: IssuePatch):
    """Change some fields (PUT means the same); send `version` to get 409 if someone changed it meanwhile."""
    data = body.model_dump(exclude_unset=True, mode="json")
    version = data.pop("version", None)
    return _linked(issue_service.update_issue(current_api_user(), issue_id, data, version=version).to_json())


@api_route("/issues/<issue_id>", methods=["DELETE"], status=204, tags=["issues"])
def issue_delete(issue_id):
    """Delete an issue with its comments, activity and attachments."""
    issue_service.delete_issue(current_api_user(), issue_id)


@api_route("/issues/<issue_id>/activity", response=ActivityList, tags=["issues"])
def activity_list(issue_id):
    """The issue's activity, oldest first."""
    return list_response(issue_service.list_activity(current_api_user(), issue_id))
