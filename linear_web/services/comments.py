"""Comments on issues: anyone in the team may comment; authors edit and delete their own."""
from sqlalchemy import select

from .. import events
from ..events import Event, emit
from ..infra.extensions import db
from ..models import Activity, Comment, Issue, User, utcnow
from ..vocabulary import BODY_MAX
from . import access
from .errors import Forbidden, NotFound
from .validation import clean_text, parse_uuid, raise_if


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
    db.session.commit()
    return comment


def list_comments(actor: User, issue_ref) -> list[Comment]:
    issue = access.issue_for(actor, issue_ref)
    stmt = select(Comment).where(Comment.issue_id == issue.id).order_by(Comment.created_at, Comment.id)
    return list(db.session.scalars(stmt))


def comment_for(actor: User, comment_ref, issue_ref=None) -> Comment:
    """A comment the actor may see (its issue's team); with issue_ref it must belong to that issue."""
    cid = parse_uuid(comment_ref)
    stmt = (select(Comment).join(Issue, Comment.issue_id == Issue.id)
            .where(Comment.id == cid, Issue.team_id.in_(access.team_ids_of(actor))))
    if issue_ref is not None:
        stmt = stmt.where(Issue.id == access.resolve_issue_id(issue_ref))
    comment = db.session.scalars(stmt).first() if cid else None
    if comment is None:
        raise NotFound("Comment not found.")
    return comment


def update_comment(actor: User, comment_ref, body, *, issue_ref=None) -> Comment:
    """Edit one's own comment."""
    comment = comment_for(actor, comment_ref, issue_ref)
    if comment.author_id != actor.id:
        raise Forbidden("Only the author can edit this comment.")
    comment.body = _body(body)
    comment.updated_at = utcnow()
    db.session.commit()
    return comment


def delete_comment(actor: User, comment_ref, *, issue_ref=None) -> None:
    """Delete one's own comment."""
    comment = comment_for(actor, comment_ref, issue_ref)
    if comment.author_id != actor.id:
        raise Forbidden("Only the author can delete this comment.")
    db.session.delete(comment)
    db.session.commit()
