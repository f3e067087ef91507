"""Team settings › Import: upload a CSV, check the column mapping and a preview, import it with
real progress, then a summary linking to the new issues.

The file stays in the page's file input: each change (a file chosen, a column mapped otherwise)
posts the form again with htmx and gets the #import-preview fragment back, so nothing is kept on
the server between requests. "Import" posts the same form; static/js/imports.js asks for the
progress as NDJSON lines (`Accept: application/x-ndjson`), which the response streams while the
service checks and writes. Without JavaScript the import runs in the request and answers 303.
"""
import json
import logging

from flask import Response, abort, current_app, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user, login_required

from . import bp, htmx
from ..services import imports as service
from ..services.errors import ServiceError
from ..services.import_formats import FIELD_LABELS, FIELDS
from .common import load_team

log = logging.getLogger(__name__)
PREVIEW_ID = "import-preview"
STREAM = "application/x-ndjson"


def _upload():
    """The uploaded file, or None when none was chosen; 413 before reading a body over the limit."""
    if request.content_length and request.content_length > current_app.config["MAX_CONTENT_LENGTH"]:
        abort(413)
    upload = request.files.get("file")
    return upload if upload is not None and upload.filename else None


def _mapping(stream) -> dict:
    """The column mapping the form sends (`map-<i>`: a field or "ignore"), for the columns whose
    header (`header-<i>`) is still the file's: another file starts again from its headers."""
    mapping = {}
    for col in service.read_columns(stream):
        sent = request.form.get(f"map-{col.index}")
        if sent is not None and request.form.get(f"header-{col.index}") == col.header:
            mapping[col.index] = sent if sent in FIELDS else None
    return mapping


def _page(team, status: int = 200, *, check=None, message: str | None = None):
    """The Import tab: the upload form with the preview (when a file was checked)."""
    context = {"team": team, "check": check, "message": message, "fields": FIELDS, "field_labels": FIELD_LABELS,
               "row_limit": service.ROW_LIMIT, "preview_rows": service.PREVIEW_ROWS}
    if htmx.targets(PREVIEW_ID):
        return render_template("imports/_preview.html", **context), status
    return render_template("imports/page.html", **context), status


@bp.get("/team/<key>/import")
@login_required
def import_page(key):
    """Import CSV: choose a file."""
    return _page(load_team(key))


@bp.post("/team/<key>/import/preview")
@login_required
def import_preview(key):
    """Check the chosen file with the mapping of the form: the #import-preview fragment for htmx."""
    team = load_team(key)
    upload = _upload()
    if upload is None:
        return _page(team, 422, message="Choose a CSV file to import.")
    check = service.check(current_user, team.id, upload.stream, mapping=_mapping(upload.stream))
    return _page(team, 200 if check.ok else 422, check=check)


@bp.post("/team/<key>/import")
@login_required
def import_run(key):
    """Import the file: NDJSON progress lines for imports.js, else a 303 to the summary."""
    team = load_team(key)
    upload = _upload()
    if upload is None:
        return _page(team, 422, message="Choose a CSV file to import.")
    mapping = _mapping(upload.stream)
    if STREAM in request.headers.get("Accept", ""):
        # The request closes its files when the view returns: the response reads a copy of its own.
        copy = service.spooled_copy(upload.stream)
        lines = _progress(service.steps(current_user, team.id, copy, mapping=mapping), team, copy)
        return Response(stream_with_context(lines), mimetype=STREAM,
                        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
    try:
        result = service.run(current_user, team.id, upload.stream, mapping=mapping)
    except service.ImportFailed:
        check = service.check(current_user, team.id, upload.stream, mapping=mapping)
        return _page(team, 422, check=check)
    except ServiceError as err:
        return _page(team, err.status, message=err.message)
    return redirect(_summary_url(team, result), 303)


def _summary_url(team, result) -> str:
    return url_for("web.import_summary", key=team.key, first=result.first, last=result.last)


def _progress(items, team, copy):
    """The NDJSON lines of an import: {phase, count, total} as it goes, then {finished: true,
    created, location} or {error, errors}. A browser that leaves mid-way closes the generator: the service rolls back."""
    def line(obj) -> str:
        return json.dumps(obj) + "\n"
    try:
        for item in items:
            if isinstance(item, service.Progress):
                yield line({"phase": item.phase, "count": item.done, "total": item.total})
            else:
                yield line({"finished": True, "created": item.created, "location": _summary_url(team, item)})
    except service.ImportFailed as failed:
        yield line({"error": failed.message, "errors": [e.to_json() for e in failed.result.errors[:20]]})
    except ServiceError as err:
        yield line({"error": err.message})
    except Exception:  # noqa: BLE001 - the status line is sent already: say it failed, and log why
        log.exception("CSV import failed")
        yield line({"error": "Something went wrong on our side: nothing was imported."})
    finally:
        copy.close()


@bp.get("/team/<key>/import/done")
@login_required
def import_summary(key):
    """After an import: the new issues (the numbers first..last), each linked."""
    team = load_team(key)
    first, last = request.args.get("first", type=int), request.args.get("last", type=int)
    if first is None or last is None:
        return redirect(url_for("web.import_page", key=team.key), 303)
    team, issues, total = service.imported_issues(current_user, team.id, first, last)
    return render_template("imports/summary.html", team=team, issues=issues, total=total, first=first, last=last)
