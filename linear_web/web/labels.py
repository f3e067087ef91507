"""A team's Labels page: list with issue counts, create, rename/recolour/describe inline, delete."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from . import bp, htmx
from ..services import labels as label_service
from ..services.errors import Conflict, NotFound, ValidationError
from ..vocabulary import LABEL_COLORS
from .common import load_team

FORM_ID, LIST_ID = "label-form", "label-list"


def _form() -> dict:
    """What the user sent: name, description and the colour (a swatch, or the custom #rrggbb)."""
    form = {k: request.form.get(k, "") for k in ("name", "description", "color", "custom_color")}
    if form["color"] == "custom":
        # An empty custom field stays "custom", which the service refuses with its colour message.
        form["value"] = form["custom_color"].strip() or "custom"
    else:
        form["value"] = form["color"]
    return form


def _label_of(team, label_id):
    """A label of this team (NotFound for another team's label, even one the user may see)."""
    label = label_service.label_for(current_user, label_id)
    if label.team_id != team.id:
        raise NotFound("Label not found.")
    return label


def _page(team, status=200, *, form=None, errors=None, row_id=None, row_form=None, row_errors=None):
    """The whole page: the create form (with input and errors) and the labels with their counts."""
    return render_template("teams/labels.html", team=team, rows=label_service.label_counts(current_user, team.id),
                           form=form or {}, errors=errors or {}, colors=LABEL_COLORS, row_id=row_id,
                           row_form=row_form or {}, row_errors=row_errors or {}), status


def _list(team, *, oob: bool = False) -> str:
    """The #label-list fragment (out of band after a create, which answers with the form)."""
    return render_template("teams/_label_list.html", team=team, rows=label_service.label_counts(current_user, team.id),
                           row_id=None, row_form={}, row_errors={}, colors=LABEL_COLORS, oob=oob)


@bp.get("/team/<key>/labels")
@login_required
def label_list(key):
    """The team's labels with how many issues carry each."""
    return _page(load_team(key))


@bp.post("/team/<key>/labels")
@login_required
def label_create(key):
    """Create a label (any member); errors next to their fields, the input kept."""
    team = load_team(key)
    form = _form()
    try:
        label = label_service.create_label(current_user, team.id, form["name"], form["value"] or None,
                                           form["description"])
    except (ValidationError, Conflict) as err:
        if htmx.targets(FORM_ID):
            return render_template("teams/_label_form.html", team=team, form=form, errors=err.details,
                                   colors=LABEL_COLORS), err.status
        return _page(team, err.status, form=form, errors=err.details)
    flash(f"Label {label.name} created.", "success")
    if htmx.targets(FORM_ID):
        return (render_template("teams/_label_form.html", team=team, form={}, errors={}, colors=LABEL_COLORS)
                + _list(team, oob=True))
    return redirect(url_for("web.label_list", key=team.key), 303)


@bp.post("/team/<key>/labels/<label_id>")
@login_required
def label_update(key, label_id):
    """Rename, recolour or describe a label in its row."""
    team = load_team(key)
    label = _label_of(team, label_id)
    form = _form()
    try:
        label = label_service.update_label(current_user, label.id, form["name"], form["value"], form["description"])
    except (ValidationError, Conflict) as err:
        if htmx.targets(f"label-{label.id}"):
            return _row(team, label, form=form, errors=err.details), err.status
        return _page(team, err.status, row_id=str(label.id), row_form=form, row_errors=err.details)
    if htmx.targets(f"label-{label.id}"):
        return _row(team, label)
    flash(f"Label {label.name} saved.", "success")
    return redirect(url_for("web.label_list", key=team.key, _anchor=f"label-{label.id}"), 303)


def _row(team, label, *, form=None, errors=None) -> str:
    """One label's row with its count (the page's one GROUP BY, kept for this label)."""
    count = next((n for lab, n in label_service.label_counts(current_user, team.id) if lab.id == label.id), 0)
    return render_template("teams/_label_row.html", team=team, label=label, count=count, colors=LABEL_COLORS,
                           editing=bool(errors), form=form or {}, errors=errors or {})


@bp.post("/team/<key>/labels/<label_id>/delete")
@login_required
def label_delete(key, label_id):
    """Delete a label: it is taken off its issues (each keeps an activity line)."""
    team = load_team(key)
    label = _label_of(team, label_id)
    name = label.name
    taken_off = label_service.delete_label(current_user, label.id)
    flash(f"Label {name} deleted" + (f"; it was taken off {taken_off} issue{'s' if taken_off != 1 else ''}."
                                     if taken_off else "."), "success")
    if htmx.targets(LIST_ID):
        return _list(team)
    return redirect(url_for("web.label_list", key=team.key), 303)
