"""The issue page: in-place edits of title, description and properties; comments; delete."""
from flask import flash, g, make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from . import htmx
from ..services import access, comments as comment_service, issues as issue_service
from ..services.errors import Conflict, ValidationError
from ..vocabulary import parse_identifier
from . import bp, counts
from .common import pickers

UPDATE_FIELDS = ("title", "description", "status", "priority", "assignee_id", "project_id", "due_date", "estimate",
                 "cycle_id")
FRAGMENTS = {"issue-title": "issues/_title.html", "issue-description": "issues/_description.html",
             "issue-properties": "issues/_properties.html"}


def timeline(issue) -> list:
    """Comments and activity lines merged by time ("commented" lines duplicate the comments)."""
    items = [("comment", c) for c in issue.comments]
    items += [("activity", a) for a in issue.activities if a.action != "commented"]
    return sorted(items, key=lambda item: item[1].created_at)


def detail_page(ref, status: int = 200, *, issue=None, **extra):
    """The full issue page (fixed number of queries), with optional form state and errors."""
    issue = issue or issue_service.issue_detail(current_user, ref)
    g.current_team = issue.team
    from .issue_planning import planning_context
    # The subscribers come in the pickers' statement (members, projects, cycles).
    options = pickers(issue.team, labels=False, subscribers_of=issue.id)
    subscribers = options.pop("subscribers")
    ctx = {"form": {}, "errors": {}, "message": None, **options, **planning_context(issue),
           "subscribed": any(u.id == current_user.id for u in subscribers), "subscribers": subscribers, **extra}
    return render_template("issues/detail.html", issue=issue, timeline=timeline(issue), **ctx), status


@bp.get("/issue/<ref>")
@login_required
def issue_detail(ref):
    """An issue by identifier; old identifiers (moved issues) and UUIDs redirect to the current one."""
    issue = issue_service.issue_detail(current_user, ref)
    if ref != issue.identifier:
        return redirect(url_for("web.issue_detail", ref=issue.identifier))
    return detail_page(issue.id, issue=issue)


def _fragment(issue, *, form=None, errors=None, message=None, status=200):
    """The fragment the request targets (title, description, properties; a list row with the counts)."""
    target = request.headers.get("HX-Target", "")
    ctx = {"issue": issue, "form": form or {}, "errors": errors or {}, "message": message}
    if target == f"issue-{issue.identifier}":
        return render_template("issues/_row.html", **ctx) + counts.list_counts(issue.team), status
    ctx.update(pickers(issue.team, labels=False))
    html = render_template(FRAGMENTS.get(target, "issues/_properties.html"), **ctx)
    if target in ("issue-title", "issue-description") and status == 200:
        html += render_template("issues/_properties.html", oob=True, **{**ctx, "form": {}, "errors": {},
                                                                       "message": None})
    return html, status


def _update_failed(ref, data: dict, err):
    """Re-render what the user edited, keeping their input, with the message (422 or 409)."""
    errors = err.details if isinstance(err, ValidationError) else {}
    message = err.message if isinstance(err, Conflict) else None
    if not htmx.is_htmx():
        return detail_page(ref, err.status, form=data, errors=errors, message=message)
    if message:  # keep the version the user saw: the page stays stale until they reload
        data = {**data, "version": request.form.get("version")}
    issue = access.issue_for(current_user, ref)
    if htmx.targets(f"issue-{issue.identifier}"):
        flash(err.message, "error")
    return _fragment(issue, form=data, errors=errors, message=message, status=err.status)


@bp.post("/issue/<ref>")
@login_required
def issue_update(ref):
    """Save the title, description or a property; a stale `version` keeps the input and says who."""
    data = {k: request.form[k] for k in UPDATE_FIELDS if k in request.form}
    try:
        issue = issue_service.update_issue(current_user, ref, data, version=request.form.get("version"))
    except (ValidationError, Conflict) as err:
        return _update_failed(ref, data, err)
    if not htmx.is_htmx():
        return redirect(url_for("web.issue_detail", ref=issue.identifier), 303)
    return _fragment(issue)


@bp.post("/issue/<ref>/delete")
@login_required
def issue_delete(ref):
    """Delete the issue (after the browser's confirmation) and go back to the team's list."""
    info = issue_service.delete_issue(current_user, ref)
    flash(f"Deleted {info['identifier']}.", "success")
    team_key, _ = parse_identifier(info["identifier"])
    return redirect(url_for("web.issue_list", key=team_key), 303)


def _comment_form_failed(ref, body: str, err: ValidationError):
    """The comment form again with the typed text and the message (422)."""
    if not htmx.is_htmx():
        return detail_page(ref, 422, comment_body=body, comment_errors=err.details)
    html = render_template("issues/_comment_form.html", ref=ref, body=body, errors=err.details)
    resp = make_response(html, 422)
    resp.headers.update({"HX-Retarget": "#comment-form", "HX-Reswap": "outerHTML"})
    return resp


@bp.post("/issue/<ref>/comments")
@login_required
def comment_create(ref):
    """Add a comment: it joins the timeline, and the form comes back empty."""
    body = request.form.get("body", "")
    try:
        comment = comment_service.create_comment(current_user, ref, body)
    except ValidationError as err:
        return _comment_form_failed(ref, body, err)
    if not htmx.is_htmx():
        return redirect(url_for("web.issue_detail", ref=ref, _anchor=f"comment-{comment.id}"), 303)
    return (render_template("issues/_comment.html", comment=comment)
            + render_template("issues/_comment_form.html", ref=ref, body="", errors={}, oob=True))


@bp.post("/issue/<ref>/comments/<comment_id>")
@login_required
def comment_update(ref, comment_id):
    """Edit one's own comment (others get 403; outsiders 404)."""
    body = request.form.get("body", "")
    try:
        comment = comment_service.update_comment(current_user, comment_id, body, issue_ref=ref)
    except ValidationError as err:
        comment = comment_service.comment_for(current_user, comment_id, ref)
        html = render_template("issues/_comment.html", comment=comment, editing=True, body=body, errors=err.details)
        return (html, 422) if htmx.is_htmx() else detail_page(ref, 422)
    if not htmx.is_htmx():
        return redirect(url_for("web.issue_detail", ref=ref, _anchor=f"comment-{comment.id}"), 303)
    return render_template("issues/_comment.html", comment=comment)


@bp.post("/issue/<ref>/comments/<comment_id>/delete")
@login_required
def comment_delete(ref, comment_id):
    """Delete one's own comment; htmx removes it from the timeline."""
    comment_service.delete_comment(current_user, comment_id, issue_ref=ref)
    if not htmx.is_htmx():
        return redirect(url_for("web.issue_detail", ref=ref), 303)
    return ""
