"""Relations between issues: blocks / blocked by, related, duplicate of. Stored once per pair
and read from either side; the other issue may be in any team the actor belongs to."""
from __future__ import annotations

import uuid

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from .. import events
from ..events import Event, emit
from ..infra.extensions import db
from ..models import Activity, Issue, IssueRelation, User, iso, utcnow
from ..models.planning import brief_columns
from ..vocabulary import RELATION_CREATE_TYPES, RELATION_INVERSE, RELATION_LABELS, RELATION_STORAGE
from . import access, rollups
from .errors import Conflict, NotFound, ValidationError
from .validation import parse_uuid



class RelationView:
    """A relation as seen from one issue: its type from that side and the other issue."""

    def __init__(self, id_: uuid.UUID, type_: str, other: Issue, created_at):
        self.id, self.type, self.other, self.created_at = id_, type_, other, created_at

    @property
    def label(self) -> str:
        return RELATION_LABELS[self.type]

    def to_json(self) -> dict:
        return {"id": str(self.id), "type": self.type, "created_at": iso(self.created_at),
                "issue": {**self.other.brief(), "team_id": str(self.other.team_id)}}


def add_relation(actor: User, issue_ref, type_, other_ref) -> RelationView:
    """Relate two issues; the same pair twice is a Conflict, an issue with itself a ValidationError."""
    issue = access.issue_for(actor, issue_ref)
    if type_ not in RELATION_CREATE_TYPES:
        raise ValidationError({"type": "Type must be one of: " + ", ".join(RELATION_CREATE_TYPES) + "."})
    if not other_ref or not isinstance(other_ref, (str, uuid.UUID)):
        raise ValidationError({"issue_id": "Name the other issue by id or identifier."})
    other = access.issue_for(actor, other_ref)  # NotFound for issues of other teams
    if other.id == issue.id:
        raise ValidationError({"issue_id": "An issue cannot be related to itself."})
    stored, from_source = RELATION_STORAGE[type_]
    source, target = (issue, other) if from_source else (other, issue)
    pair = IssueRelation.pair(issue.id, other.id)
    if db.session.scalar(select(IssueRelation.id).where(IssueRelation.pair_key == pair)):
        raise _duplicate(issue, other)
    relation = IssueRelation(type=stored, source_id=source.id, target_id=target.id, pair_key=pair,
                             creator_id=actor.id, created_at=utcnow())
    db.session.add(relation)
    rollups.touch(source.id, target.id)
    _record(actor, issue, other, type_, added=True)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise _duplicate(issue, other)
    return RelationView(relation.id, type_, other, relation.created_at)


def _duplicate(issue: Issue, other: Issue) -> Conflict:
    return Conflict(f"{issue.identifier} and {other.identifier} are already related.",
                    {"issue_id": "These two issues are already related."})


def _record(actor: User, issue: Issue, other: Issue, type_: str, *, added: bool) -> None:
    """An activity row on both issues and an update event for each (both pages show it)."""
    now = utcnow()
    for subject, obj, seen_as in ((issue, other, type_), (other, issue, RELATION_INVERSE[type_])):
        text = f"{RELATION_LABELS[seen_as].lower()} {obj.identifier}"
        db.session.add(Activity(issue_id=subject.id, actor_id=actor.id, action="updated", field="relations",
                                old_value=None if added else text, new_value=text if added else None,
                                created_at=now))
        emit(Event.for_issue(events.ISSUE_UPDATED, subject, actor))


def list_relations(actor: User, issue_ref) -> list[RelationView]:
    """The issue's relations read from its side, oldest first (the other issues loaded in one query)."""
    issue = access.issue_for(actor, issue_ref)
    return relations_of(actor, issue)


def relations_of(actor: User, issue: Issue) -> list[RelationView]:
    """Relations of an issue already checked visible; only other issues the actor may see."""
    return relation_views(db.session, issue.id, team_ids=access.team_ids_of(actor))


# One alias for every call: a new aliased() per call made a new statement shape, compiled anew
# on every issue page and API detail (about 3 ms each).
_OTHER = aliased(Issue, name="other_issue")


def relation_views(session, issue_id, *, team_ids=None) -> list[RelationView]:
    """The relations of issue `issue_id` read from its side, oldest first, in one query; with
    `team_ids` (a subquery) only those whose other issue is in one of those teams. Live delivery
    passes no teams and filters per receiver."""
    other = _OTHER
    stmt = (select(IssueRelation, other).options(*brief_columns(other))
            .join(other, or_(other.id == IssueRelation.source_id, other.id == IssueRelation.target_id))
            .where(or_(IssueRelation.source_id == issue_id, IssueRelation.target_id == issue_id),
                   other.id != issue_id)
            .order_by(IssueRelation.created_at, IssueRelation.id))
    if team_ids is not None:
        stmt = stmt.where(other.team_id.in_(team_ids))
    out = []
    for relation, related in session.execute(stmt):
        from_source = relation.source_id == issue_id
        out.append(RelationView(relation.id, relation.type if from_source else RELATION_INVERSE[relation.type], related,
                                relation.created_at))
    return out


def remove_relation(actor: User, issue_ref, relation_ref) -> None:
    """Remove a relation from either side; both issues lose it."""
    issue = access.issue_for(actor, issue_ref)
    rid = parse_uuid(relation_ref)
    view = next((r for r in relations_of(actor, issue) if r.id == rid), None) if rid else None
    if view is None:
        raise NotFound("Relation not found.")
    _record(actor, issue, view.other, view.type, added=False)
    rollups.touch(issue.id, view.other.id)
    db.session.delete(db.session.get(IssueRelation, view.id))
    db.session.commit()
