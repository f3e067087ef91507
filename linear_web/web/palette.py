"""The command palette (Ctrl/Cmd+K; templates/_palette.html, static/js/palette.js): the issues that
match what is typed, the values of a team's pickers for an action's second step, and moving an issue
to another team (the one change the pages had no form for). Every change goes through the services."""
from flask import flash, make_response, render_template, request, url_for
from flask_login import current_user, login_required

from ..services import access, issues as issue_service
from ..services.errors import Conflict, NotFound, ValidationError
from ..services.issue_queries import IssueFilters, search_issues
from ..vocabulary import SEARCH_MAX
from . import bp, htmx
from .common import load_team, pickers

ISSUE_OPTIONS = 8  # issues offered at once
OPTION_KINDS = ("assignee", "labels", "cycle")


@bp.get("/palette/issues")
@login_required
def palette_issues():
    """The user's teams' issues matching ?q= (an identifier first, then by relevance) as the
    palette's options; nothing for an empty q, 422 for text too long or with NUL."""
    q = request.args.get("q", "")
    if len(q) > SEARCH_MAX or "\x00" in q:
        return render_template("palette/_issues.html", issues=[],
                               error=f"Search text must be at most {SEARCH_MAX} characters."), 422
    q = q.strip()
    found = search_issues(current_user, IssueFilters(q=q), limit=ISSUE_OPTIONS).items if q else []
    return render_template("palette/_issues.html", issues=found, error=None)


@bp.get("/team/<key>/palette/options")
@login_required
def palette_options(key):
    """The team's members, labels or cycles (?kind=) as the options of an action's second step;
    with ?issue= (one of the team's issues) its current values are marked."""
    team = load_team(key)
    kind = request.args.get("kind", "")
    if kind not in OPTION_KINDS:
        raise ValidationError({"kind": "Kind must be one of: " + ", ".join(OPTION_KINDS) + "."})
    issue = None
    if request.args.get("issue"):
        issue = access.issue_for(current_user, request.args["issue"])
        if issue.team_id != team.id:
            raise NotFound("Issue not found.")
    return render_template("palette/_options.html", kind=kind, issue=issue,
                           **pickers(team, labels=kind == "labels"))


@bp.post("/issue/<ref>/move")
@login_required
def issue_move(ref):
    """Move the issue to another of the user's teams (form field team_id: a key or an id) through
    update_issue: it takes the next number there and its old identifier keeps redirecting.
    Outsiders and teams the user is not in: 404."""
    team_ref = request.form.get("team_id", "")
    try:
        issue = issue_service.update_issue(current_user, ref, {"team_id": team_ref},
                                           version=request.form.get("version") or None)
    except (ValidationError, Conflict) as err:
        if not htmx.is_htmx():
            raise  # the error page with the message (hooks.service_error)
        resp = make_response(render_template("_flash.html", messages=[("error", err.message)]), err.status)
        resp.headers.update({"HX-Retarget": "#flash", "HX-Reswap": "outerHTML"})
        return resp
    flash(f"Moved to {issue.team.name} as {issue.identifier}.", "success")
    url = url_for("web.issue_detail", ref=issue.identifier)
    if not htmx.is_htmx():
        return make_response("", 303, {"Location": url})
    # A full page load (HX-Redirect), not an htmx swap: the new page has its own scripts and socket.
    # Plain text, so the after-request hook leaves the flash for that page.
    resp = make_response("", 204, {"HX-Redirect": url})
    resp.mimetype = "text/plain"
    return resp
