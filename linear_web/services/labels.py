"""Labels of a team: create, rename, recolour, delete; which labels an issue carries."""
from __future__ import annotations

import uuid

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from .. import events
from ..events import Event, emit
from ..infra.extensions import db
from ..models import Activity, Issue, Label, Team, User, issue_labels, utcnow
from ..models.planning import summary_of, summary_sql
from ..vocabulary import DESCRIPTION_MAX, LABEL_COLOR, LABEL_COLORS, LABEL_NAME_MAX, identifier, join_label_names
from . import access
from .errors import Conflict, NotFound
from .validation import clean_text, parse_uuid, raise_if


def _clean(errors: dict, name, color, description, *, partial: bool) -> dict:
    """Validated values of the fields given (all of them when not partial)."""
    out: dict = {}
    if name is not None or not partial:
        name = clean_text(errors, "name", name, label="Name", required=True, max_len=LABEL_NAME_MAX)
        if name is not None and any(ord(c) < 32 for c in name):
            errors["name"] = "Name must not contain control characters."
        out["name"] = name
    if color is not None or not partial:
        color = LABEL_COLORS[0] if color in (None, "") else color
        if not isinstance(color, str) or not LABEL_COLOR.fullmatch(color):
            errors["color"] = "Colour must be #rrggbb, e.g. #3b82f6."
        else:
            out["color"] = color.lower()
    if description is not None:
        out["description"] = clean_text(errors, "description", description, label="Description",
                                        max_len=DESCRIPTION_MAX)
    return out


def _name_taken(team_id, name: str, except_id=None) -> bool:
    stmt = select(Label.id).where(Label.team_id == team_id, func.lower(Label.name) == name.lower())
    if except_id is not None:
        stmt = stmt.where(Label.id != except_id)
    return db.session.scalar(stmt.limit(1)) is not None


def _duplicate(name: str) -> Conflict:
    return Conflict(f"A label named “{name}” already exists in this team.",
                    {"name": "A label with this name already exists in this team."})


def _commit_unique(name: str) -> None:
    """Commit; a concurrent create of the same name (the unique index) becomes 409."""
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _duplicate(name)


def create_label(actor: User, team_ref, name, color=None, description=None) -> Label:
    """A new label of the team (any member); names are unique in a team, ignoring case."""
    team = access.team_for(actor, team_ref)
    errors: dict = {}
    values = _clean(errors, name, color, description, partial=False)
    raise_if(errors)
    if _name_taken(team.id, values["name"]):
        raise _duplicate(values["name"])
    label = Label(team_id=team.id, description=values.pop("description", None) or "", **values)
    db.session.add(label)
    db.session.flush()
    emit(Event.for_label(events.LABEL_CREATED, label, actor))
    _commit_unique(label.name)
    return label


def label_for(actor: User, ref) -> Label:
    """A label of one of the actor's teams; NotFound otherwise."""
    lid = parse_uuid(ref)
    label = db.session.scalar(select(Label).where(Label.id == lid, Label.team_id.in_(access.team_ids_of(actor)))) \
        if lid else None
    if label is None:
        raise NotFound("Label not found.")
    return label


def labels_of(team_id):
    """The select of a team's labels by name, without an access check: for callers that made it
    (list_labels, the pages' pickers of a team loaded through access)."""
    return select(Label).where(Label.team_id == team_id).order_by(func.lower(Label.name), Label.id)


def list_labels(actor: User, team_ref) -> list[Label]:
    """The team's labels by name."""
    team = access.team_for(actor, team_ref)
    return list(db.session.scalars(labels_of(team.id)))


def label_counts(actor: User, team_ref) -> list[tuple[Label, int]]:
    """The team's labels with how many issues carry each (one GROUP BY)."""
    team = access.team_for(actor, team_ref)
    counts = (select(issue_labels.c.label_id, func.count().label("n"))
              .group_by(issue_labels.c.label_id).subquery())
    stmt = (select(Label, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.label_id == Label.id)
            .where(Label.team_id == team.id).order_by(func.lower(Label.name), Label.id))
    return [(label, int(n)) for label, n in db.session.execute(stmt)]


def update_label(actor: User, label_ref, name=None, color=None, description=None) -> Label:
    """Rename, recolour or describe a label; rows showing it refresh."""
    label = label_for(actor, label_ref)
    errors: dict = {}
    values = _clean(errors, name, color, description, partial=True)
    raise_if(errors)
    if "name" in values and _name_taken(label.team_id, values["name"], except_id=label.id):
        raise _duplicate(values["name"])
    changed = {k: v for k, v in values.items() if getattr(label, k) != v}
    if not changed:
        return label
    for key, value in changed.items():
        setattr(label, key, value)
    if "name" in changed or "color" in changed:  # the rows that show it say so
        db.session.flush()
        _rewrite_summaries(label.id)
    emit(Event.for_label(events.LABEL_UPDATED, label, actor))
    _commit_unique(label.name)
    return label


def delete_label(actor: User, label_ref) -> int:
    """Delete a label: taken off its issues, each with an activity row and an update event."""
    label = label_for(actor, label_ref)
    team = db.session.get(Team, label.team_id)
    rows = db.session.execute(
        select(Issue.id, Issue.number).join(issue_labels, issue_labels.c.issue_id == Issue.id)
        .where(issue_labels.c.label_id == label.id)).all()
    if rows:
        now = utcnow()
        ids = [iid for iid, _ in rows]
        db.session.execute(update(Issue).where(Issue.id.in_(ids))
                           .values(updated_at=now, version=Issue.version + 1)
                           .execution_options(synchronize_session=False))
        db.session.execute(insert(Activity), [
            {"issue_id": iid, "actor_id": actor.id, "action": "updated", "field": "labels",
             "old_value": label.name, "new_value": None, "created_at": now} for iid in ids])
        for iid, number in rows:
            emit(Event(type=events.ISSUE_UPDATED, team_id=str(label.team_id), actor_id=str(actor.id),
                       issue_id=str(iid), identifier=identifier(team.key, number)))
    emit(Event.for_label(events.LABEL_DELETED, label, actor))
    _rewrite_summaries(label.id, without=True)
    db.session.execute(delete(issue_labels).where(issue_labels.c.label_id == label.id))
    db.session.delete(label)
    db.session.commit()
    return len(rows)


def resolve_labels(errors: dict, team_id, raw) -> list[Label] | None:
    """The labels named by a list of ids, all of the team `team_id`; an error names the field."""
    if not isinstance(raw, (list, tuple)) or not all(isinstance(r, str) for r in raw):
        errors["label_ids"] = "Labels must be a list of label ids."
        return None
    ids = list(dict.fromkeys(parse_uuid(r) for r in raw))
    if None in ids or len(ids) > 100:
        errors["label_ids"] = "Labels must be a list of label ids."
        return None
    found = list(db.session.scalars(select(Label).where(Label.id.in_(ids), Label.team_id == team_id))) if ids else []
    if len(found) != len(ids):
        errors["label_ids"] = "Labels must belong to the issue's team."
        return None
    return sorted(found, key=lambda label: label.name.lower())


def set_issue_labels(issue: Issue, labels: list) -> tuple[str, str] | None:
    """Replace the issue's label set (Labels, or the chips of labels it has) and its stored
    summary; (old names, new names) for the activity row, or None if unchanged."""
    current = {c.id: c.name for c in issue.label_chips}
    wanted = {str(label.id): label.name for label in labels}
    if set(current) == set(wanted):
        return None
    db.session.execute(delete(issue_labels).where(issue_labels.c.issue_id == issue.id))
    if wanted:
        db.session.execute(insert(issue_labels), [{"issue_id": issue.id, "label_id": uuid.UUID(lid)} for lid in wanted])
    # Written beside the ORM's own UPDATE of the issue, which bumps its version when the change
    # is an edit; a new issue keeps version 1.
    summary = summary_of(labels)
    db.session.execute(update(Issue.__table__).where(Issue.__table__.c.id == issue.id).values(label_summary=summary))
    set_committed_value(issue, "label_summary", summary)
    return _names(current.values()), _names(wanted.values())


def _rewrite_summaries(label_id, *, without: bool = False) -> None:
    """The stored label summaries of every issue carrying the label, read again from the labels
    (after a rename or recolour; leaving the label out, before its deletion)."""
    issues = Issue.__table__
    carrying = select(issue_labels.c.issue_id).where(issue_labels.c.label_id == label_id)
    db.session.execute(update(issues).where(issues.c.id.in_(carrying))
                       .values(label_summary=summary_sql(issues.c.id, without_label=label_id if without else None)))


def _names(names) -> str:
    return join_label_names(names)
