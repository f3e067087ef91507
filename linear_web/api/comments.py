"""API: comments on issues (authors edit and delete their own)."""
from ..services import comments as comment_service, notifications
from .common import api_route, current_api_user, list_response
from .schemas import CommentIn, CommentList, CommentOut


def comment_json(comment) -> dict:
    """A Comment object with the @mentions of its issue's team's members as links."""
    item = comment.to_json()
    item["body_html"] = notifications.link_issue_html(item["body_html"], comment.issue_id)
    return item


@api_route("/issues/<issue_id>/comments", methods=["POST"], body=CommentIn, response=CommentOut, status=201,
           idempotent=True, tags=["comments"])
def comment_create(issue_id, body: CommentIn):
    """Comment on an issue; honours Idempotency-Key."""
    return comment_json(comment_service.create_comment(current_api_user(), issue_id, body.body))


@api_route("/issues/<issue_id>/comments", response=CommentList, tags=["comments"])
def comment_list(issue_id):
    """An issue's comments, oldest first."""
    return list_response([comment_json(c) for c in comment_service.list_comments(current_api_user(), issue_id)])


@api_route("/comments/<comment_id>", methods=["PATCH"], body=CommentIn, response=CommentOut, tags=["comments"])
def comment_update(comment_id, body: CommentIn):
    """Edit your own comment."""
    return comment_json(comment_service.update_comment(current_api_user(), comment_id, body.body))


@api_route("/comments/<comment_id>", methods=["DELETE"], status=204, tags=["comments"])
def comment_delete(comment_id):
    """Delete your own comment."""
    comment_service.delete_comment(current_api_user(), comment_id)
