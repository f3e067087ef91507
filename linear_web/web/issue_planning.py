"""The issue page's planning: label, parent, due-date and estimate pickers (also opened on list
rows), sub-issues and relations. Every change goes through the services the JSON API uses."""
from flask import make_response, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..services import access, issue_queries, issues as issue_service, labels as label_service
from ..services import planning, relations as relation_service
from ..services.errors import Conflict, NotFound, ValidationError
from ..vocabulary import ESTIMATE_SCALES, RELATION_CREATE_TYPES, SEARCH_MAX, parse_identifier
from . import bp, counts, htmx

PICKERS = {"labels": "label_ids", "parent": "parent_id", "due": "due_date", "estimate": "estimate"}
CANDIDATES = 8  # issues offered by the parent and relation searches


@bp.app_template_global()
def estimate_options(issue) -> list[tuple[int, str, bool]]:
    """(value, label, on the scale) of the team's scale, plus the issue's own value when it is off
    the scale (kept as it is after the team changed scale)."""
    scale = ESTIMATE_SCALES.get(issue.team.estimates, {})
    options = [(value, label, True) for value, label in scale.items()]
    if issue.estimate is not None and issue.estimate not in scale:
        options.append((issue.estimate, str(issue.estimate), False))
        options.sort(key=lambda o: o[0])
    return options


def planning_context(issue) -> dict:
    """Parent, sub-issues and relations of the issue page (one query, whatever their number)."""
    parent, children, relations = planning.neighbours(current_user, issue, brief=True)
    return {"parent": parent, "children": children, "relations": relations}


def _oob(template: str, **ctx) -> str:
    return render_template(template, oob=True, **ctx)


# -- pickers -----------------------------------------------------------------------------------

def _picker_ctx(kind: str, issue, *, context: str, form=None, errors=None, message=None, created=None) -> dict:
    """What a picker's template needs; its form posts to issue_planning_save."""
    form, errors = form or {}, errors or {}
    ctx = {"issue": issue, "kind": kind, "context": context, "form": form, "errors": errors, "message": message,
           "created": created,
           "save_target": f"#issue-{issue.identifier}" if context == "row" else "#issue-properties"}
    if kind == "labels":
        ctx["labels"] = label_service.list_labels(current_user, issue.team_id)
        ctx["checked"] = set(form["label_ids"]) if "label_ids" in form else {c.id for c in issue.label_chips}
    elif kind == "parent":
        ctx["candidates"] = parent_candidates(issue, form.get("q", ""))
    return ctx


def parent_candidates(issue, q: str) -> list:
    """Issues of the same team that could be the parent: by identifier, by title search, or the
    newest ones when nothing is typed (the issue itself left out)."""
    q = (q or "").strip()[:SEARCH_MAX]
    filters = issue_queries.IssueFilters(team_id=issue.team_id, q=q)
    found = _by_identifier(q) if parse_identifier(q) else None
    if found is not None:
        rows = [found] if found.team_id == issue.team_id else []
    elif q:
        rows = issue_queries.search_issues(current_user, filters, limit=CANDIDATES + 1).items
    else:
        rows = issue_queries.list_issues(current_user, filters, limit=CANDIDATES + 1).items
    return [r for r in rows if r.id != issue.id][:CANDIDATES]


def _by_identifier(q: str):
    try:
        return access.issue_for(current_user, q)
    except NotFound:
        return None


@bp.get("/issue/<ref>/picker")
@login_required
def issue_picker(ref):
    """A planning picker for one issue (?kind=labels|parent|due|estimate, &context=row on the list);
    with HX-Target parent-candidates, only the parent search's results."""
    issue = access.issue_for(current_user, ref)
    kind = request.args.get("kind", "")
    if kind not in PICKERS:
        raise NotFound("No such picker.")
    context = "row" if request.args.get("context") == "row" else "page"
    if kind == "parent" and htmx.targets("parent-candidates"):
        return render_template("issues/_parent_candidates.html", issue=issue,
                               candidates=parent_candidates(issue, request.args.get("q", "")))
    return _picker_response(kind, issue, context=context, form={"q": request.args.get("q", "")})


def _picker_response(kind: str, issue, *, status: int = 200, **kw):
    """The picker for htmx (the dialog's content), or a page of its own without JavaScript."""
    ctx = _picker_ctx(kind, issue, **kw)
    template = f"issues/_picker_{kind}.html" if htmx.is_htmx() else "issues/picker_page.html"
    return render_template(template, **ctx), status


def _picker_values(kind: str) -> dict:
    """What a picker's form sends, as update_issue takes it."""
    if kind == "labels":
        return {"label_ids": [v for v in request.form.getlist("label_ids") if v]}
    if kind == "due" and request.form.get("clear"):
        return {"due_date": ""}
    return {PICKERS[kind]: request.form.get(PICKERS[kind], "")}


@bp.post("/issue/<ref>/planning")
@login_required
def issue_planning_save(ref):
    """Save one picker (labels, parent, due date or estimate) through update_issue with the version
    the picker showed; the list row or the issue page's panels come back, errors in the picker."""
    kind = request.form.get("picker", "")
    if kind not in PICKERS:
        access.issue_for(current_user, ref)  # outsiders: 404 first
        raise ValidationError({"picker": "Unknown picker."})
    data = _picker_values(kind)
    try:
        issue = issue_service.update_issue(current_user, ref, data, version=request.form.get("version"))
    except (ValidationError, Conflict) as err:
        return _picker_failed(ref, kind, data, err)
    if not htmx.is_htmx():
        return redirect(url_for("web.issue_detail", ref=issue.identifier), 303)
    return saved_panels(issue)


def saved_panels(issue):
    """After a planning change: the list row (with the counts) when the row asked, else the
    properties panel with the breadcrumb and the parent section out of band."""
    if htmx.targets(f"issue-{issue.identifier}"):
        return render_template("issues/_row.html", issue=issue) + counts.list_counts(issue.team)
    from .common import pickers
    parent = access.issue_for(current_user, issue.parent_id) if issue.parent_id else None
    html = render_template("issues/_properties.html", issue=issue, form={}, errors={}, message=None,
                           **pickers(issue.team, labels=False))
    return html + _oob("issues/_breadcrumb.html", issue=issue, parent=parent) \
        + _oob("issues/_parent.html", issue=issue, parent=parent)


def _picker_failed(ref, kind: str, data: dict, err):
    """The picker again with what was chosen and the message (422, or 409 for a stale version or a
    duplicate label name); without htmx, the issue page with the message next to the field."""
    errors = err.details if isinstance(err, ValidationError) else {}
    message = err.message if isinstance(err, Conflict) else None
    issue = access.issue_for(current_user, ref)
    form = {**data, "name": request.form.get("name", ""), "q": request.form.get("q", "")}
    context = "row" if request.form.get("context") == "row" else "page"
    html, status = _picker_response(kind, issue, status=err.status, context=context, form=form, errors=errors,
                                    message=message)
    resp = make_response(html, status)
    if htmx.is_htmx():
        resp.headers.update({"HX-Retarget": "#planning-picker-body", "HX-Reswap": "innerHTML"})
    return resp


@bp.post("/issue/<ref>/labels/new")
@login_required
def issue_label_create(ref):
    """Create a label of the issue's team from the picker; it comes back checked (saved with the
    others when the picker closes). A bad or taken name: 422/409 next to the name."""
    issue = access.issue_for(current_user, ref)
    context = "row" if request.form.get("context") == "row" else "page"
    checked = [v for v in request.form.getlist("label_ids") if v]
    name = request.form.get("name", "")
    try:
        label = label_service.create_label(current_user, issue.team_id, name, request.form.get("color") or None)
    except (ValidationError, Conflict) as err:
        errors = err.details if isinstance(err, ValidationError) else {"name": err.message}
        return _picker_response("labels", issue, status=err.status, context=context,
                                form={"label_ids": checked, "name": name}, errors=errors)
    return _picker_response("labels", issue, context=context, form={"label_ids": checked + [str(label.id)], "name": ""},
                            created=label)


# -- sub-issues ------------------------------------------------------------------------------

@bp.post("/issue/<ref>/sub-issues")
@login_required
def sub_issue_create(ref):
    """Create a sub-issue in one step (same team, parent set); the section comes back with it."""
    issue = access.issue_for(current_user, ref)
    title = request.form.get("title", "")
    try:
        child = issue_service.create_issue(current_user, issue.team_id, {"title": title, "parent_id": str(issue.id)})
    except ValidationError as err:
        return _section_failed(issue, "issues/_sub_issues.html", err, sub_form={"title": title},
                               sub_errors=err.details)
    if not htmx.is_htmx():
        return redirect(url_for("web.issue_detail", ref=issue.identifier, _anchor="issue-sub-issues"), 303)
    _, children = planning.family(current_user, issue, brief=True)
    return render_template("issues/_sub_issues.html", issue=issue, children=children, added=child)


def _section_failed(issue, template: str, err, **ctx):
    """A section again with the input and the message, or the whole page without htmx."""
    if not htmx.is_htmx():
        from .issue_detail import detail_page
        return detail_page(issue.id, err.status, issue=issue, **ctx)
    return render_template(template, issue=issue, **planning_context(issue), **ctx), err.status


# -- relations -------------------------------------------------------------------------------

def relation_candidates(issue, q: str, related_ids: set) -> list:
    """Issues of any of the user's teams matching the typed identifier or words (the issue itself
    and those already related left out)."""
    q = (q or "").strip()[:SEARCH_MAX]
    if not q:
        return []
    if parse_identifier(q):
        found = _by_identifier(q)
        rows = [found] if found else []
    else:
        rows = issue_queries.search_issues(current_user, issue_queries.IssueFilters(q=q), limit=CANDIDATES + 4).items
    return [r for r in rows if r.id != issue.id and r.id not in related_ids][:CANDIDATES]


@bp.get("/issue/<ref>/relations/candidates")
@login_required
def relation_search(ref):
    """The relation form's search results (an htmx fragment)."""
    issue = access.issue_for(current_user, ref)
    related = {r.other.id for r in relation_service.relations_of(current_user, issue)}
    q = request.args.get("q", "")
    return render_template("issues/_relation_candidates.html", issue=issue, q=q,
                           candidates=relation_candidates(issue, q, related))


@bp.post("/issue/<ref>/relations")
@login_required
def relation_create(ref):
    """Relate the issue to another one (chosen from the search, or an identifier typed);
    itself: 422, the same pair again: 409, both shown in the panel."""
    issue = access.issue_for(current_user, ref)
    type_ = request.form.get("type", "")
    other = request.form.get("issue_id") or request.form.get("q", "").strip()
    form = {"type": type_, "q": request.form.get("q", "")}
    try:
        if not other:
            raise ValidationError({"issue_id": "Choose an issue to relate."})
        try:
            relation_service.add_relation(current_user, issue.id, type_, other)
        except NotFound:
            raise ValidationError({"issue_id": "No issue found with that identifier in your teams."}) from None
    except (ValidationError, Conflict) as err:
        errors = err.details if isinstance(err, ValidationError) else {}
        message = err.message if isinstance(err, Conflict) else None
        return _section_failed(issue, "issues/_relations.html", err, relation_form=form, relation_errors=errors,
                               relation_message=message)
    if not htmx.is_htmx():
        return redirect(url_for("web.issue_detail", ref=issue.identifier, _anchor="issue-relations"), 303)
    return render_template("issues/_relations.html", issue=issue, relation_form={"type": type_},
                           relations=relation_service.relations_of(current_user, issue))


@bp.post("/issue/<ref>/relations/<relation_id>/delete")
@login_required
def relation_delete(ref, relation_id):
    """Remove a relation (both issues lose it); the panel comes back without it."""
    issue = access.issue_for(current_user, ref)
    relation_service.remove_relation(current_user, issue.id, relation_id)
    if not htmx.is_htmx():
        return redirect(url_for("web.issue_detail", ref=issue.identifier, _anchor="issue-relations"), 303)
    return render_template("issues/_relations.html", issue=issue,
                           relations=relation_service.relations_of(current_user, issue))


__all__ = ["RELATION_CREATE_TYPES", "planning_context", "saved_panels"]
