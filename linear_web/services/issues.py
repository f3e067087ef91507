"""Writing issues: create, update (with activity rows and optimistic locking), move, delete.

Every change to a tracked field writes one Activity row in the same transaction; events are
emitted in that transaction too and go out only when it commits.
"""
from __future__ import annotations

import time

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from .. import events
from ..events import Event, emit
from ..list_cache import mark_changed
from ..infra.extensions import db
from ..models import Activity, Comment, Issue, IssueAlias, Project, Team, User, utcnow
from ..vocabulary import BODY_MAX, DEFAULT_STATUS, NO_PRIORITY, TITLE_MAX
from . import access, cycles, notifications, planning, rollups
from .errors import Conflict, NotFound, ValidationError
from .validation import check_priority, check_status, check_version, clean_text, parse_uuid

EDITABLE = ("title", "description", "status", "priority", "project_id", "assignee_id", "team_id") + planning.FIELDS


def _validate(data: dict, *, partial: bool) -> tuple[dict, dict]:
    """Typed, cleaned values of the editable fields present in data; errors per field."""
    errors, out = {}, {}
    unknown = [k for k in data if k not in EDITABLE and k not in ("version",)]
    for k in unknown:
        errors[k] = "This field cannot be set."
    if "title" in data or not partial:
        out["title"] = clean_text(errors, "title", data.get("title"), label="Title", required=True,
                                  max_len=TITLE_MAX)
    if "description" in data:
        out["description"] = clean_text(errors, "description", data.get("description"), label="Description",
                                         max_len=BODY_MAX, strip=False)
    if "status" in data:
        out["status"] = check_status(errors, data["status"])
    if "priority" in data:
        out["priority"] = check_priority(errors, data["priority"])
    for key, label in (("project_id", "Project"), ("assignee_id", "Assignee"), ("team_id", "Team")):
        if key in data:
            raw = data[key]
            if raw in (None, "") and key != "team_id":
                out[key] = None
            elif parse_uuid(raw) is None and not (key == "team_id" and isinstance(raw, str) and raw):
                errors[key] = f"{label} must be an id."
            else:
                out[key] = parse_uuid(raw) or raw
    out.update(planning.clean(errors, data))
    return out, errors


def _check_refs(errors: dict, team_id, values: dict) -> None:
    """Assignee must be a team member; project must belong to the team."""
    if values.get("assignee_id") and not access.is_member(values["assignee_id"], team_id):
        errors["assignee_id"] = "The assignee must be a member of the issue's team."
    if values.get("project_id"):
        project = db.session.get(Project, values["project_id"])
        if project is None or project.team_id != team_id:
            errors["project_id"] = "The project must belong to the issue's team."


def next_number(team_id) -> int:
    """Atomically take the team's next issue number (row lock on PostgreSQL, write lock on SQLite)."""
    return db.session.execute(
        update(Team).where(Team.id == team_id).values(issue_counter=Team.issue_counter + 1)
        .returning(Team.issue_counter)
    ).scalar_one()


def create_issue(actor: User, team_ref, data: dict) -> Issue:
    """A new issue numbered KEY-N in the team, with a `created` activity row."""
    team = access.team_for(actor, team_ref)
    values, errors = _validate({k: v for k, v in data.items() if k != "team_id"}, partial=False)
    values.setdefault("status", DEFAULT_STATUS)
    values.setdefault("priority", NO_PRIORITY)
    _check_refs(errors, team.id, values)
    plan = planning.resolve(actor, errors, team, {k: values.pop(k) for k in planning.FIELDS if k in values})
    if errors:
        raise ValidationError(errors)
    now = utcnow()
    issue = Issue(team_id=team.id, number=next_number(team.id), creator_id=actor.id, created_at=now,
                  updated_at=now, position=-time.time(), description=values.pop("description", None) or "",
                  due_date=plan.get("due_date"), estimate=plan.get("estimate"), **values)
    issue.team = team
    db.session.add(issue)
    db.session.flush()
    for key, value in plan.items():
        if key in ("label_ids", "parent_id", "cycle_id"):  # rows of their own; the issue needed its id first
            planning.apply(issue, key, value)
    notifications.issue_created(actor, issue)
    db.session.add(Activity(issue_id=issue.id, actor_id=actor.id, action="created", created_at=now))
    emit(Event.for_issue(events.ISSUE_CREATED, issue, actor))
    db.session.commit()
    return issue


def _display(field: str, issue: Issue) -> str | None:
    """How a field's value reads in the activity history."""
    if field == "assignee":
        return issue.assignee.name if issue.assignee else None
    if field == "project":
        return issue.project.name if issue.project else None
    value = getattr(issue, field)
    return None if value is None else str(value)


def _stale(issue: Issue) -> Conflict:
    last = db.session.scalar(select(Activity).where(Activity.issue_id == issue.id)
                             .order_by(Activity.created_at.desc()).limit(1))
    who = last.actor.name if last else "someone"
    return Conflict(f"This issue was changed by {who} meanwhile — reload to see the latest version.",
                    {"version": f"Stale version: the current version is {issue.version}."})


class _LostRace(Exception):
    """The issue changed between reading and writing it (another request committed first)."""


def update_issue(actor: User, issue_ref, data: dict, *, version=None, position: float | None = None) -> Issue:
    """Apply a partial change; one Activity row per changed field; 409 on a stale version.

    `version` (or data["version"]) is what the client saw: a number, form text, or None when not sent.
    A client that sent a version gets 409 when another change lands first; one that did not asked
    for its change whatever the version, so the change is applied again on the fresh row (a few
    tries, then 409)."""
    checked = version is not None or "version" in data
    return _retrying(lambda: _update_issue(actor, issue_ref, data, version=version, position=position),
                     tries=1 if checked else 3)


def _retrying(change, tries: int):
    """Run change(); when it loses a race, run it again on fresh rows, at most `tries` times, then 409."""
    for attempt in range(tries):
        try:
            return change()
        except _LostRace as lost:
            fresh = db.session.get(Issue, lost.args[0], populate_existing=True)
            if fresh is None:
                raise NotFound("Issue not found.") from None
            if attempt == tries - 1:
                raise _stale(fresh) from None
            db.session.expire_all()
    raise AssertionError("unreachable")


def _update_issue(actor: User, issue_ref, data: dict, *, version, position) -> Issue:
    issue = access.issue_for(actor, issue_ref)
    values, errors = _validate(data, partial=True)
    if version is None and "version" in data:
        version = data["version"]
    version = check_version(errors, version)
    if errors:
        raise ValidationError(errors)
    if version is not None and version != issue.version:
        raise _stale(issue)
    target_team = issue.team
    if "team_id" in values and values["team_id"] not in (issue.team_id, str(issue.team_id)):
        target_team = access.team_for(actor, values["team_id"])
    values.pop("team_id", None)
    moving = target_team.id != issue.team_id
    if moving:
        # Carried-over assignee/project that do not fit the new team are cleared, not refused.
        if "assignee_id" not in values and issue.assignee_id and not access.is_member(issue.assignee_id, target_team.id):
            values["assignee_id"] = None
        if "project_id" not in values and issue.project_id:
            values["project_id"] = None
    _check_refs(errors, target_team.id, values)
    values.update(planning.resolve(actor, errors, target_team, {k: values.pop(k) for k in planning.FIELDS
                                                                 if k in values}, issue))
    if errors:
        raise ValidationError(errors)
    detached = _detach(actor, issue) if moving else False
    changed = _apply(actor, issue, values) or detached
    if position is not None and position != issue.position:
        issue.position, changed = position, True
    old_team_id = None
    if moving:
        old_team_id, old_identifier = str(issue.team_id), issue.identifier
        mark_changed(issue.team_id, target_team.id)  # both teams' lists change
        number = next_number(target_team.id)
        db.session.add(IssueAlias(team_id=issue.team_id, number=issue.number, issue_id=issue.id))
        issue.team_id, issue.team, issue.number = target_team.id, target_team, number
        db.session.add(Activity(issue_id=issue.id, actor_id=actor.id, action="updated", field=None,
                                old_value=old_identifier, new_value=issue.identifier))
        changed = True
    if not changed:
        return issue
    issue.updated_at = utcnow()
    emit(Event.for_issue(events.ISSUE_UPDATED, issue, actor, old_team_id=old_team_id))
    _commit_or_conflict(issue)
    return issue


def _apply(actor: User, issue: Issue, values: dict) -> bool:
    """Set changed fields and add their activity rows; True when anything changed.

    No autoflush while fields change: loading the new assignee must not flush a half-applied
    update (each flush of an Issue bumps its version)."""
    with db.session.no_autoflush:
        return _apply_fields(actor, issue, values)


def _apply_fields(actor: User, issue: Issue, values: dict) -> bool:
    changed, told = False, {}  # told: old values of the fields whose change notifies someone
    for key, value in values.items():
        if key in planning.FIELDS:
            change = planning.apply(issue, key, value)
            if change:
                db.session.add(Activity(issue_id=issue.id, actor_id=actor.id, action="updated",
                                        field=planning.ACTIVITY_FIELD[key], old_value=change[0],
                                        new_value=change[1]))
                changed = True
            continue
        if getattr(issue, key) == value:
            continue
        field = {"assignee_id": "assignee", "project_id": "project"}.get(key, key)
        old = _display(field, issue)
        if key in ("assignee_id", "status", "description"):
            told[key] = getattr(issue, key)
        if key == "status":
            cycles.status_changed(issue, issue.status, value)  # its cycle's done count
        setattr(issue, key, value)
        if key == "status":
            rollups.touch_status(issue.id)  # its parent's progress, the issues it blocks
        if key == "assignee_id":
            issue.assignee = db.session.get(User, value) if value else None
        elif key == "project_id":
            issue.project = db.session.get(Project, value) if value else None
        db.session.add(Activity(issue_id=issue.id, actor_id=actor.id, action="updated", field=field,
                                old_value=old, new_value=_display(field, issue)))
        changed = True
    notifications.issue_changed(actor, issue, told)
    return changed


def _detach(actor: User, issue: Issue) -> bool:
    """An issue leaving its team drops its labels and parent; its sub-issues become top-level."""
    changes, children = planning.detach_for_move(issue)
    for field, old, new in changes:
        db.session.add(Activity(issue_id=issue.id, actor_id=actor.id, action="updated", field=field,
                                old_value=old, new_value=new))
    for child in children:
        db.session.add(Activity(issue_id=child.id, actor_id=actor.id, action="updated", field="parent",
                                old_value=issue.identifier, new_value=None))
        emit(Event.for_issue(events.ISSUE_UPDATED, child, actor))
    return bool(changes)


def _commit_or_conflict(issue: Issue) -> None:
    issue_id = issue.id  # (bulk edits: the first issue)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise _LostRace(issue_id) from None


def move_card(actor: User, issue_ref, status=None, *, change: dict | None = None, before=None, after=None,
              version=None) -> Issue:
    """Board drag and drop: set the status (or apply `change`, the fields of the column the card
    went to, when the board is grouped otherwise) and place the card between two neighbours."""
    issue = access.issue_for(actor, issue_ref)
    position = _between(actor, issue, before, after)
    data = change if change is not None else {"status": status}
    return update_issue(actor, issue.id, data, version=version, position=position)


def _between(actor: User, issue: Issue, before, after) -> float | None:
    """A position between the card above (`after`) and below (`before`), if given."""
    def pos(ref):
        if not ref:
            return None
        other = access.issue_for(actor, ref)
        if other.team_id != issue.team_id:
            raise ValidationError({"position": "Cards can only be placed among their own team's cards."})
        return other.position
    above, below = pos(after), pos(before)
    if above is None and below is None:
        return None
    if above is None:
        return below - 1.0
    if below is None:
        return above + 1.0
    return (above + below) / 2.0


def delete_issue(actor: User, issue_ref) -> dict:
    """Delete an issue (its comments, activity and attachments go with it)."""
    issue = access.issue_for(actor, issue_ref)
    info = {"id": str(issue.id), "identifier": issue.identifier, "team_id": str(issue.team_id)}
    from . import attachments_store
    files = attachments_store.files_of_issue(issue.id)
    emit(Event.for_issue(events.ISSUE_DELETED, issue, actor))
    rollups.touch_neighbours(issue.id)
    cycles.issue_deleted(issue)
    db.session.delete(issue)
    db.session.commit()
    attachments_store.remove_files(files)
    return info


def bulk_update(actor: User, refs: list, data: dict) -> list[Issue]:
    """Apply one change to several issues (fields, or labels added and removed); all or none."""
    return _retrying(lambda: _bulk_update(actor, refs, data), tries=3)


def _bulk_update(actor: User, refs: list, data: dict) -> list[Issue]:
    if not refs:
        raise ValidationError({"issues": "Select at least one issue."})
    issues = [access.issue_for(actor, r) for r in refs[:500]]
    data = dict(data)
    label_edit = {k: data.pop(k) for k in ("add_label_ids", "remove_label_ids") if k in data}
    values, errors = _validate(data, partial=True)
    values.pop("team_id", None)
    if errors:
        raise ValidationError(errors)
    planned = []
    for issue in issues:
        _check_refs(errors, issue.team_id, values)
        per_issue = planning.resolve(actor, errors, issue.team, {k: values[k] for k in planning.FIELDS
                                                                  if k in values}, issue)
        if label_edit and not errors:
            per_issue["label_ids"] = _edited_labels(errors, issue, label_edit)
        if errors:
            raise ValidationError(errors, f"{issue.identifier}: " + next(iter(errors.values())))
        planned.append((issue, {**values, **per_issue}))
    now = utcnow()
    for issue, issue_values in planned:
        if _apply(actor, issue, issue_values):
            issue.updated_at = now
            emit(Event.for_issue(events.ISSUE_UPDATED, issue, actor))
    _commit_or_conflict(issues[0])
    return issues


def _edited_labels(errors: dict, issue: Issue, edit: dict) -> list | None:
    """The issue's labels with edit["add_label_ids"] added and edit["remove_label_ids"] taken off."""
    from . import labels as label_service
    add = label_service.resolve_labels(errors, issue.team_id, edit.get("add_label_ids") or [])
    remove = label_service.resolve_labels(errors, issue.team_id, edit.get("remove_label_ids") or [])
    if errors:
        return None
    gone = {str(label.id) for label in remove}
    keep = [c for c in issue.label_chips if c.id not in gone]
    kept = {c.id for c in keep}
    return keep + [label for label in add if str(label.id) not in gone | kept]


def issue_detail(actor: User, issue_ref) -> Issue:
    """The issue with comments, activity and attachments loaded in a fixed number of queries: the
    attachments (few on an issue) joined in the issue's own statement, comments and activity one
    query each."""
    stmt = access.visible_issues(actor).options(
        selectinload(Issue.comments), selectinload(Issue.activities), joinedload(Issue.attachments))
    issue = access.load_issue(stmt, issue_ref)
    if issue is None:
        raise NotFound("Issue not found.")
    return issue


def activity_of(issue_id, *, newest_first: bool = False):
    """The select of an issue's activity rows (actors joined), without an access check: for callers
    that made it (list_activity) or that check each reader (live pushes)."""
    order = (Activity.created_at.desc(), Activity.id.desc()) if newest_first else (Activity.created_at, Activity.id)
    return select(Activity).where(Activity.issue_id == issue_id).order_by(*order)


def list_activity(actor: User, issue_ref) -> list[Activity]:
    """The issue's activity history, oldest first."""
    issue = access.issue_for(actor, issue_ref)
    return list(db.session.scalars(activity_of(issue.id)))


__all__ = ["create_issue", "update_issue", "move_card", "delete_issue", "bulk_update", "issue_detail",
           "activity_of", "list_activity", "next_number", "Comment"]
