"""Files on issues: upload (checked by content), list, rename, delete, and serving them safely.

Nothing is half-written: the bytes go to a temp file in UPLOAD_DIR, are checked, renamed to a
random storage name, and only then is the row committed; if the commit fails the file goes.
"""
from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import events
from ..events import Event, emit
from ..infra.extensions import db
from ..models import Activity, Attachment, Issue, User
from ..vocabulary import FILENAME_MAX
from . import access, attachments_store as store
from .errors import NotFound, ServiceError, ValidationError

ALLOWED_DESCRIPTION = ("images (PNG, JPEG, GIF, WebP), PDF, plain text, CSV, Markdown, JSON, ZIP "
                       "and office documents")


class UnsupportedType(ServiceError):
    status = 415
    code = "unsupported_media_type"
    default_message = f"This type of file is not allowed. Allowed: {ALLOWED_DESCRIPTION}."


class TooLarge(ServiceError):
    status = 413
    code = "payload_too_large"
    default_message = "The file is too large."


@dataclass
class Content:
    """What the content route needs to answer: the row, the path, and how to present it."""

    attachment: Attachment
    path: str
    inline: bool

    def headers(self, *, download: bool = False) -> dict:
        """How to serve it: inline only for raster images, sandboxed, never sniffed, RFC 6266 name."""
        return {"Content-Disposition": disposition(self.attachment.filename, self.inline and not download),
                "Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff",
                "Cache-Control": "private, no-cache"}


def disposition(filename: str, inline: bool) -> str:
    """RFC 6266: an ASCII fallback name plus the exact name as filename*=UTF-8''…"""
    fallback = "".join(c if 32 <= ord(c) < 127 and c not in '"\\%;' else "_" for c in filename) or "file"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def max_bytes() -> int:
    """The per-file limit: MAX_UPLOAD_MB in bytes."""
    return int(current_app.config.get("MAX_UPLOAD_MB", 25)) * 1024 * 1024


def too_large() -> TooLarge:
    """The 413 error naming the limit."""
    return TooLarge(f"The file is larger than the {current_app.config.get('MAX_UPLOAD_MB', 25)} MB limit.")


def clean_filename(raw) -> str:
    """The user's name without path parts, control/format characters (NUL, U+202E…), FILENAME_MAX at most."""
    if not isinstance(raw, str):
        return ""
    name = raw.replace("\\", "/").split("/")[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Zl", "Zp"))
    name = name.strip()
    if not name.strip("."):
        return ""  # "." and ".." are path parts, not names
    if len(name) > FILENAME_MAX:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[:FILENAME_MAX - len(ext)] + ext
    return name


def _checked_name(raw, field: str) -> str:
    """The cleaned name, or a 422 on `field` when nothing usable is left."""
    name = clean_filename(raw)
    if not name:
        raise ValidationError({field: "The file needs a name (letters, not just dots or slashes)."})
    return name


def upload(actor: User, issue_ref, stream, filename) -> Attachment:
    """Store one file on an issue with an `attached` activity row; 413/415/422 leave nothing behind."""
    issue = access.issue_for(actor, issue_ref)
    name = _checked_name(filename, "file")
    try:
        tmp, size = store.save_stream(stream, max_bytes())
    except store.TooLarge:
        raise too_large() from None
    try:
        if size == 0:
            raise ValidationError({"file": "The file is empty."})
        kind = store.sniff(tmp)
        if kind is None:
            raise UnsupportedType()
        storage_name = store.publish(tmp)
    except BaseException:
        store.discard(tmp)
        raise
    return _record(actor, issue, name, kind, size, storage_name)


def _record(actor: User, issue: Issue, name: str, kind: str, size: int, storage_name: str) -> Attachment:
    """Insert the row and its activity; the file goes again if the commit fails."""
    try:
        attachment = Attachment(issue_id=issue.id, uploader_id=actor.id, filename=name, content_type=kind,
                                size=size, storage_name=storage_name)
        attachment.uploader = actor
        db.session.add(attachment)
        db.session.add(Activity(issue_id=issue.id, actor_id=actor.id, action="attached", new_value=name))
        emit(Event.for_issue(events.ATTACHMENTS_CHANGED, issue, actor))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        store.remove_files([storage_name])
        raise
    return attachment


def attachments_of(issue_id):
    """The select of an issue's attachments, oldest first (uploaders joined), without an access
    check: for callers that made it (list_attachments) or that check each reader (live pushes)."""
    return select(Attachment).where(Attachment.issue_id == issue_id).order_by(Attachment.created_at, Attachment.id)


def list_attachments(actor: User, issue_ref) -> list[Attachment]:
    """The issue's attachments, oldest first (uploader loaded with them)."""
    issue = access.issue_for(actor, issue_ref)
    return list(db.session.scalars(attachments_of(issue.id)))


def issue_with_attachments(actor: User, issue_ref) -> Issue:
    """The issue with its attachments (and their uploaders) loaded, for the attachments panel."""
    iid = access.resolve_issue_id(issue_ref)
    stmt = access.visible_issues(actor).where(Issue.id == iid).options(selectinload(Issue.attachments))
    issue = db.session.scalars(stmt).unique().first() if iid else None
    if issue is None:
        raise NotFound("Issue not found.")
    return issue


def attachment_for(actor: User, ref, issue_ref=None) -> Attachment:
    """An attachment on an issue of the actor's teams (and of that issue when given); else NotFound."""
    return access.issue_part_for(actor, Attachment, ref, issue_ref, what="Attachment")


def issue_of(attachment: Attachment) -> Issue:
    """The attachment's issue (already access-checked through the attachment)."""
    return db.session.get(Issue, attachment.issue_id)


def rename(actor: User, ref, filename) -> Attachment:
    """Give an attachment a new display name (cleaned like an upload's)."""
    attachment = attachment_for(actor, ref)
    if filename is not None and not isinstance(filename, str):
        raise ValidationError({"filename": "The name must be text."})
    name = _checked_name(filename, "filename")
    if name == attachment.filename:
        return attachment
    old, attachment.filename = attachment.filename, name
    issue = issue_of(attachment)
    db.session.add(Activity(issue_id=issue.id, actor_id=actor.id, action="updated", field="attachment",
                            old_value=old, new_value=name))
    emit(Event.for_issue(events.ATTACHMENTS_CHANGED, issue, actor))
    db.session.commit()
    return attachment


def delete(actor: User, ref) -> Issue:
    """Delete an attachment (with a `deleted attachment` activity row) and then its file; returns its issue."""
    attachment = attachment_for(actor, ref)
    issue, storage_name = issue_of(attachment), attachment.storage_name
    db.session.add(Activity(issue_id=issue.id, actor_id=actor.id, action="deleted", field="attachment",
                            old_value=attachment.filename))
    db.session.delete(attachment)
    emit(Event.for_issue(events.ATTACHMENTS_CHANGED, issue, actor))
    db.session.commit()
    store.remove_files([storage_name])
    return issue


def content(actor: User, ref) -> Content:
    """The file to send after the access check; NotFound when its bytes are missing on disk."""
    attachment = attachment_for(actor, ref)
    if not store.exists(attachment.storage_name):
        raise NotFound("The file of this attachment is missing on the server.")
    return Content(attachment, store.path_for(attachment.storage_name),
                   inline=attachment.content_type in store.IMAGE_TYPES)
