"""API: import issues from a CSV file (ours, Linear's, Jira's or GitHub's export), all or nothing."""
import uuid

from flask import current_app, jsonify, request
from pydantic import Field
from werkzeug.exceptions import RequestEntityTooLarge

from ..services import access
from ..services import imports as service
from .common import UnsupportedMediaType, api_route, current_api_user
from .schemas import ErrorBody, Out, Query


class ImportQuery(Query):
    team_id: uuid.UUID = Field(description="The team the issues go to (any member may import).")
    dry_run: bool = Field(False, description="true: check the whole file and answer what it would create; "
                                             "nothing is written.")


class ImportRowError(Out):
    row: int | None = Field(description="The row as a spreadsheet numbers it: the header is row 1, the first "
                                        "issue row 2; null for the whole file.")
    column: str | None = Field(description="The column's header as the file writes it; null for the whole row.")
    message: str


class ImportRange(Out):
    first: str
    last: str


class ImportResult(Out):
    created: int
    would_create: int
    errors: list[ImportRowError]
    ignored_columns: list[str] = Field(description="Headers of the columns that were not imported.")
    notes: list[str] = Field(description="What the import did besides the rows: labels and projects it "
                                         "creates, values it could not use (a cycle the team lacks…).")
    identifiers: ImportRange | None = Field(description="The identifiers of the issues created, numbered in one "
                                                        "block: first to last.")


class ImportFailedOut(ImportResult):
    error: ErrorBody


UPLOAD = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "A CSV file in UTF-8 (a byte order mark is allowed), a header row "
                                           "first, at most 10,000 issues."}}}}}},
    "responses": {
        "413": {"description": "The file is larger than MAX_UPLOAD_MB.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}},
        "415": {"description": "Not multipart/form-data.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}},
        "422": {"description": "The file has problems (nothing was imported): `errors` names each row and column. "
                               "Or a query parameter is invalid.",
                "content": {"application/json": {"schema": {"anyOf": [
                    {"$ref": "#/components/schemas/ImportFailedOut"},
                    {"$ref": "#/components/schemas/ErrorOut"}]}}}}}}


def _failed(result: service.Result, message: str):
    """The 422 of a file with problems: the API's error body plus the result's fields."""
    resp = jsonify({"error": {"code": "validation_error", "message": message, "details": {"file": message}},
                    **result.to_json()})
    resp.status_code = 422
    return resp


@api_route("/issues/import", methods=["POST"], query=ImportQuery, response=ImportResult, tags=["issues"],
           openapi=UPLOAD, extra_models=[ImportFailedOut])
def issue_import(query: ImportQuery):
    """Import issues from a CSV file (multipart field `file`): every row or none.

    Columns are matched by header, ignoring case: our export's, and Linear's, Jira's and GitHub's
    (Title/Summary, Description/Body, Status/State, Priority, Assignee(s), Labels, Project, Due date,
    Estimate, Cycle, Parent, Identifier/Issue key). A file with any problem creates nothing and
    answers 422 with each row's errors; `dry_run=true` checks without writing."""
    if request.content_length and request.content_length > current_app.config["MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()
    access.team_for(current_api_user(), query.team_id)  # outsiders get 404 before any format check
    if request.mimetype != "multipart/form-data":
        raise UnsupportedMediaType("Send the CSV as multipart/form-data in the field `file`.")
    upload = request.files.get("file")
    if upload is None:
        return _failed(service.missing_file(), "Send the CSV file in the multipart field `file`.")
    try:
        return service.run(current_api_user(), query.team_id, upload.stream, dry_run=query.dry_run).to_json()
    except service.ImportFailed as failed:
        return _failed(failed.result, failed.message)
