"""History holes closed: editing or deleting a comment and renaming or deleting an attachment write
an activity row and emit an event in the same transaction; nothing when the change is refused."""
import io

import pytest
from sqlalchemy import event as sa_event

from linear_web.infra.extensions import db
from linear_web.models import Activity, Attachment, Comment
from linear_web.services import attachments, comments
from linear_web.services.errors import Forbidden, ValidationError

from .test_attachments import empty_upload_dir


@pytest.fixture
def sent(monkeypatch):
    """Events the comment and attachment services emit."""
    seen = []
    for module in (comments, attachments):
        real = module.emit
        monkeypatch.setattr(module, "emit", lambda ev, real=real: (seen.append(ev), real(ev)))
    return seen


def _rows(issue, field):
    db.session.expire_all()
    return [(a.action, a.field, a.old_value, a.new_value, a.actor_id)
            for a in db.session.scalars(db.select(Activity).where(Activity.issue_id == issue.id,
                                                                  Activity.field == field)
                                        .order_by(Activity.created_at, Activity.id))]


def test_editing_a_comment_writes_an_activity_row_and_comment_updated(eng, crash, sent):
    c = comments.create_comment(eng.member, crash.id, "First")
    sent.clear()
    comments.update_comment(eng.member, c.id, "First, edited")
    assert _rows(crash, "comment") == [("updated", "comment", None, None, eng.member.id)]
    assert [(e.type, e.issue_id, e.comment_id, e.identifier) for e in sent] == \
        [("COMMENT_UPDATED", str(crash.id), str(c.id), "ENG-1")]
    comments.update_comment(eng.member, c.id, "  First, edited ")  # the same text: nothing new
    assert len(_rows(crash, "comment")) == 1 and len(sent) == 1


def test_deleting_a_comment_writes_an_activity_row_and_comment_deleted(eng, crash, sent):
    c = comments.create_comment(eng.member, crash.id, "Oops, wrong issue")
    sent.clear()
    comments.delete_comment(eng.member, c.id)
    assert db.session.get(Comment, c.id) is None
    assert _rows(crash, "comment") == [("deleted", "comment", None, None, eng.member.id)]
    assert [(e.type, e.comment_id) for e in sent] == [("COMMENT_DELETED", str(c.id))]


def test_refused_comment_changes_write_nothing(eng, crash, sent):
    c = comments.create_comment(eng.member, crash.id, "Mine")
    sent.clear()
    with pytest.raises(Forbidden):
        comments.update_comment(eng.admin, c.id, "Not yours")
    with pytest.raises(Forbidden):
        comments.delete_comment(eng.admin, c.id)
    with pytest.raises(ValidationError):
        comments.update_comment(eng.member, c.id, " ")
    assert _rows(crash, "comment") == [] and sent == []


def test_a_failed_activity_insert_keeps_the_comment(eng, crash, sent):
    c = comments.create_comment(eng.member, crash.id, "Keep me")
    sent.clear()

    def explode(mapper, connection, target):
        raise RuntimeError("disk full")

    sa_event.listen(Activity, "before_insert", explode)
    try:
        with pytest.raises(RuntimeError):
            comments.delete_comment(eng.member, c.id)
    finally:
        sa_event.remove(Activity, "before_insert", explode)
        db.session.rollback()
    assert db.session.get(Comment, c.id, populate_existing=True).body == "Keep me"


def test_renaming_an_attachment_writes_old_and_new_names(app, eng, crash, sent):
    empty_upload_dir(app)
    a = attachments.upload(eng.member, crash.id, io.BytesIO(b"some notes\n"), "notes.txt")
    sent.clear()
    attachments.rename(eng.admin, a.id, "meeting notes.txt")
    assert _rows(crash, "attachment") == [("updated", "attachment", "notes.txt", "meeting notes.txt", eng.admin.id)]
    assert [(e.type, e.issue_id) for e in sent] == [("ATTACHMENTS_CHANGED", str(crash.id))]
    attachments.rename(eng.admin, a.id, "meeting notes.txt")  # unchanged: no row, no event
    with pytest.raises(ValidationError):
        attachments.rename(eng.admin, a.id, "../")
    assert len(_rows(crash, "attachment")) == 1 and len(sent) == 1


def test_deleting_an_attachment_writes_its_name(app, eng, crash, sent):
    empty_upload_dir(app)
    a = attachments.upload(eng.member, crash.id, io.BytesIO(b"some notes\n"), "notes.txt")
    sent.clear()
    attachments.delete(eng.admin, a.id)
    assert db.session.get(Attachment, a.id) is None
    assert _rows(crash, "attachment") == [("deleted", "attachment", "notes.txt", None, eng.admin.id)]
    assert [e.type for e in sent] == ["ATTACHMENTS_CHANGED"]
