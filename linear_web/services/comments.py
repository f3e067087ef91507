"""Comments on issues: anyone in the team may comment; authors edit and delete their own."""
from sqlalchemy import select

from .. import events
from ..events import Event, emit
from ..infra.extensions import db
from ..models import Activity, Comment, Issue, User, utcnow
from ..vocabulary import BODY_MAX
from . import access, notifications
from .errors import Forbidden
from .validation import clean_text, raise_if


def _body(value) -> str:
    errors: dict = {}
    body = clean_text(errors, "body", value, label="Comment", required=True, max_len=BODY_MAX)
    raise_if(errors)
    return body


def create_comment(actor: User, issue_ref, body) -> Comment:
    """Add a comment and a `commented` activity row; COMMENT_CREATED after commit."""
    issue = access.issue_for(actor, issue_ref)
    comment = Comment(issue_id=issue.id, author_id=actor.id, body=_body(body))
    comment.author = actor
    db.session.add(comment)
    db.session.flush()
    db.session.add(Activity(issue_id=issue.id, actor_id=actor.id, action="commented"))
    emit(Event.for_issue(events.COMMENT_CREATED, issue, actor, comment_id=str(comment.id)))
    notifications.comment_added(actor, issue, comment)
    db.session.commit()
    return comment


def list_comments(actor: User, issue_ref) -> list[Comment]:
    issue = access.issue_for(actor, issue_ref)
    stmt = select(Comment).where(Comment.issue_id == issue.id).order_by(Comment.created_at, Comment.id)
    return list(db.session.scalars(stmt))


def comment_for(actor: User, comment_ref, issue_ref=None) -> Comment:
    """A comment the actor may see (its issue's team); with issue_ref it must belong to that issue."""
    return access.issue_part_for(actor, Comment, comment_ref, issue_ref, what="Comment")


def update_comment(actor: User, comment_ref, body, *, issue_ref=None) -> Comment:
    """Edit one's own comment: an `updated comment` activity row; COMMENT_UPDATED after commit.
    Saving the same text again changes nothing."""
    comment = comment_for(actor, comment_ref, issue_ref)
    if comment.author_id != actor.id:
        raise Forbidden("Only the author can edit this comment.")
    body = _body(body)
    if body == comment.body:
        return comment
    old_body = comment.body
    comment.body = body
    comment.updated_at = utcnow()
    _record(actor, comment, "updated", events.COMMENT_UPDATED)
    notifications.comment_added(actor, db.session.get(Issue, comment.issue_id), comment, old_body=old_body)
    db.session.commit()
    return comment


def delete_comment(actor: User, comment_ref, *, issue_ref=None) -> None:
    """Delete one's own comment: a `deleted comment` activity row; COMMENT_DELETED after commit."""
    comment = comment_for(actor, comment_ref, issue_ref)
    if comment.author_id != actor.id:
        raise Forbidden("Only the author can delete this comment.")
    _record(actor, comment, "deleted", events.COMMENT_DELETED)
    db.session.delete(comment)
    db.session.commit()


def _record(actor: User, comment: Comment, action: str, event_type: str) -> None:
    """The activity row (the text is not copied: a deleted comment's words go with it) and the event."""
    issue = db.session.get(Issue, comment.issue_id)
    db.session.add(Activity(issue_id=issue.id, actor_id=actor.id, action=action, field="comment"))
    emit(Event.for_issue(event_type, issue, actor, comment_id=str(comment.id)))
