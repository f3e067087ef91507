"""Comment rules: the body's validation messages, the author's rights, a comment named through its issue."""
import pytest

from linear_web.infra.extensions import db
from linear_web.models import Activity, Comment
from linear_web.services import comments
from linear_web.services.errors import Forbidden, NotFound, ValidationError


def _count(model) -> int:
    """Rows of `model`."""
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize("body, message", [("   ", "Comment is required."), ("a\x00b", "must not contain NUL"),
                                           ("x" * 100_001, "at most 100,000 characters")])
def test_bad_body_names_the_field_and_writes_nothing(eng, crash, body, message):
    activity = _count(Activity)
    with pytest.raises(ValidationError) as raised:
        comments.create_comment(eng.member, crash.identifier, body)
    assert list(raised.value.details) == ["body"] and message in raised.value.details["body"]
    assert _count(Comment) == 0 and _count(Activity) == activity


def test_a_member_comments_and_only_the_author_edits_or_deletes(eng, crash):
    c = comments.create_comment(eng.member, crash.id, "  First!  ")
    assert c.body == "First!" and c.author_id == eng.member.id
    for attempt in (lambda: comments.update_comment(eng.admin, c.id, "admin edit"),
                    lambda: comments.delete_comment(eng.admin, c.id)):
        with pytest.raises(Forbidden):
            attempt()
    assert comments.update_comment(eng.member, c.id, "Second").body == "Second"
    with pytest.raises(ValidationError):
        comments.update_comment(eng.member, c.id, "")
    comments.delete_comment(eng.member, c.id)
    assert _count(Comment) == 0


def test_a_comment_named_through_another_issue_is_not_found(eng, crash, f):
    other = f.issue(eng.team, eng.admin, title="Other")
    c = comments.create_comment(eng.admin, crash.id, "on the crash")
    assert comments.comment_for(eng.admin, c.id, crash.identifier) == c
    with pytest.raises(NotFound):
        comments.comment_for(eng.admin, c.id, other.identifier)
    with pytest.raises(NotFound):
        comments.update_comment(eng.admin, c.id, "moved?", issue_ref=other.id)


def test_outsider_cannot_comment_or_read(eng, crash, outsider):
    c = comments.create_comment(eng.admin, crash.id, "private")
    for attempt in (lambda: comments.create_comment(outsider.user, crash.id, "hello"),
                    lambda: comments.list_comments(outsider.user, crash.id),
                    lambda: comments.comment_for(outsider.user, c.id)):
        with pytest.raises(NotFound):
            attempt()
