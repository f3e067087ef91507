"""API: files on issues (multipart upload, list, rename, delete) and their bytes."""
from typing import Annotated

from flask import current_app, request, send_file
from pydantic import StringConstraints
from werkzeug.exceptions import RequestEntityTooLarge

from ..services import access
from ..services import attachments as service
from ..services.errors import ValidationError
from ..vocabulary import FILENAME_MAX
from .common import UnsupportedMediaType, api_route, current_api_user, list_response
from .schemas import AttachmentList, AttachmentOut, Input

UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "PNG, JPEG, GIF, WebP, PDF, text, CSV, Markdown, JSON, ZIP or an "
                                           "office document, checked by its content."}}}}}},
    "responses": {"413": {"description": "The file is larger than MAX_UPLOAD_MB.",
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}},
                  "415": {"description": "Not multipart, or the file's content is not an allowed type.",
                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}}}}
CONTENT_RESPONSE = {"responses": {"200": {
    "description": "The bytes, with X-Content-Type-Options: nosniff, Content-Security-Policy: sandbox and "
                   "an RFC 6266 Content-Disposition (inline only for raster images).",
    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}}}


class AttachmentPatch(Input):
    filename: Annotated[str, StringConstraints(min_length=1, max_length=FILENAME_MAX)] | None = None


@api_route("/issues/<issue_id>/attachments", methods=["POST"], response=AttachmentOut, status=201,
           tags=["attachments"], openapi=UPLOAD_BODY)
def attachment_create(issue_id):
    """Attach a file (multipart field `file`); 413 over MAX_UPLOAD_MB, 415 for a type not allowed."""
    if request.content_length and request.content_length > current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()
    access.issue_for(current_api_user(), issue_id)  # outsiders get 404 before any format check
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("Send the file as multipart/form-data in the field `file`.")
    upload = request.files.get("file")
    if upload is None:
        raise ValidationError({"file": "Send the file in the multipart field `file`."})
    return service.upload(current_api_user(), issue_id, upload.stream, upload.filename).to_json()


@api_route("/issues/<issue_id>/attachments", response=AttachmentList, tags=["attachments"])
def attachment_list(issue_id):
    """An issue's attachments, oldest first."""
    return list_response(service.list_attachments(current_api_user(), issue_id))


@api_route("/attachments/<attachment_id>", response=AttachmentOut, tags=["attachments"])
def attachment_get(attachment_id):
    """One attachment's metadata."""
    return service.attachment_for(current_api_user(), attachment_id).to_json()


@api_route("/attachments/<attachment_id>", methods=["PATCH"], body=AttachmentPatch, response=AttachmentOut,
           tags=["attachments"])
def attachment_update(attachment_id, body: AttachmentPatch):
    """Rename an attachment (the name is cleaned like an upload's)."""
    return service.rename(current_api_user(), attachment_id, body.filename).to_json()


@api_route("/attachments/<attachment_id>", methods=["DELETE"], status=204, tags=["attachments"])
def attachment_delete(attachment_id):
    """Delete an attachment and its file."""
    service.delete(current_api_user(), attachment_id)


@api_route("/attachments/<attachment_id>/content", tags=["attachments"], openapi=CONTENT_RESPONSE)
def attachment_content(attachment_id):
    """The attachment's bytes."""
    found = service.content(current_api_user(), attachment_id)
    resp = send_file(found.path, mimetype=found.attachment.content_type, conditional=True, max_age=0)
    resp.headers.update(found.headers(download=request.args.get("download") == "1"))
    return resp
