"""Attachments on the issue page: upload (XHR with progress, or a plain form), download, rename, delete.

htmx and the upload script ask for the #attachments fragment (HX-Target: attachments); plain form
posts get a 303 back to the issue page, or the error page with the 4xx status when input is bad.
"""
from flask import abort, current_app, redirect, render_template, request, send_file
from flask_login import current_user, login_required

from . import htmx
from ..services import access
from ..services import attachments as service
from ..services.errors import ServiceError, ValidationError
from . import bp
from .common import issue_url


def _panel(issue_ref, status: int = 200, **extra):
    """The #attachments fragment for htmx/XHR, else back to the issue page (303)."""
    issue = service.issue_with_attachments(current_user, issue_ref)
    if htmx.targets("attachments"):
        return render_template("issues/_attachments.html", issue=issue, swap=True, **extra), status
    return redirect(issue_url(issue), 303)


@bp.get("/issue/<identifier>/attachments")
@login_required
def attachment_list(identifier):
    """The attachments panel of an issue (fragment), or the issue page."""
    return _panel(identifier)


@bp.post("/issue/<identifier>/attachments")
@login_required
def attachment_upload(identifier):
    """Upload one or more files (field `file`); 413/415/422 with a message when one is refused."""
    if request.content_length and request.content_length > current_app.config["MAX_CONTENT_LENGTH"]:
        abort(413)
    access.issue_for(current_user, identifier)  # outsiders get 404 before any validation
    files = [f for f in request.files.getlist("file") if f.filename or f.content_length]
    try:
        if not files:
            raise ValidationError({"file": "Choose a file to upload."})
        for f in files:
            service.upload(current_user, identifier, f.stream, f.filename)
    except ServiceError as err:
        if not htmx.targets("attachments"):
            raise
        return _panel(identifier, err.status, upload_error=err.message)
    return _panel(identifier, 201)


@bp.get("/attachments/<attachment_id>/content")
@login_required
def attachment_content(attachment_id):
    """The bytes, after the access check: inline only for raster images, sandboxed, never sniffed."""
    found = service.content(current_user, attachment_id)
    resp = send_file(found.path, mimetype=found.attachment.content_type, conditional=True, max_age=0)
    resp.headers.update(found.headers(download=request.args.get("download") == "1"))
    return resp


@bp.post("/attachments/<attachment_id>/rename")
@login_required
def attachment_rename(attachment_id):
    """Rename an attachment; 422 with the message next to the name field."""
    attachment = service.attachment_for(current_user, attachment_id)
    try:
        service.rename(current_user, attachment_id, request.form.get("filename", ""))
    except ValidationError as err:
        if not htmx.targets("attachments"):
            raise
        return _panel(attachment.issue_id, 422, rename_errors={str(attachment.id): err.message},
                      rename_values={str(attachment.id): request.form.get("filename", "")})
    return _panel(attachment.issue_id)


@bp.post("/attachments/<attachment_id>/delete")
@login_required
def attachment_delete(attachment_id):
    """Delete an attachment and its file."""
    issue = service.delete(current_user, attachment_id)
    return _panel(issue.id)
