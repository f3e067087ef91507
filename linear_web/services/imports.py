"""CSV import: a file of issues from our own export, Linear, Jira or GitHub into one team.

All or nothing. The file is read twice, as a stream (memory stays flat whatever its length):
1. **check**: every row is parsed and validated, references are looked up (members, labels,
   projects, cycles, parents within the file), and every problem is recorded with its row (as a
   spreadsheet counts: the header is row 1) and its column. Nothing is written.
2. **write** (only when the check found nothing): new projects and labels, then the team's
   numbers in one allocation, then the issues in batches (one multi-row INSERT per table per
   batch), all in one transaction. Any failure rolls all of it back.
`steps()` yields the progress of both passes (the browser shows it while it happens); `run()` is
the same without the progress (the API).

The importer becomes the creator of every issue; each gets a `created` activity row marked
`imported` (the timeline reads "imported the issue"). Assignees are subscribed but not notified.
"""
from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from .. import events
from ..events import Event, emit_many
from ..infra.extensions import db
from ..list_cache import mark_changed
from ..models import Activity, CycleChange, Issue, IssueParent, IssueSubscription, Label, Project, Team, User, \
    issue_labels, utcnow
from ..models.planning import summary_of
from ..vocabulary import DONE, LABEL_COLORS, identifier, parse_identifier
from . import access, cycles, rollups
from .errors import Conflict, ValidationError
from .import_rows import (ROW_CHARS_MAX, Column, Converter, FileProblem, Known, Names, Reader, Row, RowError,
                          columns_of, read_columns, seekable, short, size_of, spooled_copy)

__all__ = ["check", "steps", "run", "read_columns", "spooled_copy", "imported_issues", "missing_file", "Check",
           "Column", "Progress", "Result", "RowError", "ImportFailed"]

ROW_LIMIT = 10_000          # issues in one file
PREVIEW_ROWS = 20
ERRORS_LISTED = 200         # errors listed in a response (all are counted)
EVENTS_MAX = 100            # up to this many issues, one ISSUE_CREATED each (see _announce)
NEW_NAMES_MAX = 500         # new labels, and new projects, one file may create
BATCH = 1000                # rows per INSERT statement
CHECK_EVERY = 500           # rows checked between two progress reports
NAMES_IN_NOTES = 5


@dataclass(frozen=True)
class Progress:
    """How far a pass is: `check` counts bytes of the file read, `write` issues inserted."""

    phase: str
    done: int
    total: int


@dataclass
class Result:
    """What an import did (or, for a dry run, would do)."""

    created: int = 0
    would_create: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    team_key: str = ""
    first: int | None = None   # the numbers of the issues created: first..last, one block
    last: int | None = None

    @property
    def identifiers(self) -> dict | None:
        if self.first is None:
            return None
        return {"first": identifier(self.team_key, self.first), "last": identifier(self.team_key, self.last)}

    def to_json(self) -> dict:
        return {"created": self.created, "would_create": self.would_create,
                "errors": [e.to_json() for e in self.errors], "ignored_columns": self.ignored_columns,
                "notes": self.notes, "identifiers": self.identifiers}


class ImportFailed(ValidationError):
    """The file has errors: nothing was written. `result` lists them."""

    def __init__(self, result: Result):
        count = result.error_count
        message = (result.errors[0].message if count == 1 else
                   f"{count:,} problems in the file: nothing was imported. Fix them and import it again.")
        super().__init__({"file": message}, message)
        self.result = result


# -- pass 1: check ---------------------------------------------------------------------------------

@dataclass
class Check:
    """The first pass over a file: its columns, how many issues it holds, every problem, notes,
    the first rows as they will be created, and what the write needs (parents, new names)."""

    team: Team
    columns: list[Column] = field(default_factory=list)
    issues: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    notes: list[str] = field(default_factory=list)
    preview: list[dict] = field(default_factory=list)
    new_labels: list[str] = field(default_factory=list)
    new_projects: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    size: int = 0
    names: Names | None = None
    parents: dict = field(default_factory=dict)        # issue index → ("new", index) | ("existing", id)
    sub_counts: dict = field(default_factory=dict)     # new parent's index → [sub_total, sub_done]

    @property
    def ok(self) -> bool:
        return self.error_count == 0 and self.issues > 0

    def add_error(self, error: RowError) -> None:
        self.error_count += 1
        if len(self.errors) < ERRORS_LISTED:
            self.errors.append(error)

    def result(self, **extra) -> Result:
        notes = list(self.notes)
        if self.error_count > len(self.errors):
            notes.append(f"Only the first {len(self.errors)} of {self.error_count:,} problems are listed.")
        return Result(errors=self.errors, error_count=self.error_count, ignored_columns=self.ignored_columns,
                      notes=notes, team_key=self.team.key, **extra)


def check(actor: User, team_ref, stream, *, mapping: dict | None = None) -> Check:
    """Check a whole file without writing anything (the browser's preview)."""
    team = access.team_for(actor, team_ref)
    stream = seekable(stream)
    gen = _checking(team, stream, mapping)
    while True:
        try:
            next(gen)
        except StopIteration as done:
            return done.value


def _checking(team: Team, stream, mapping: dict | None):
    """Generator: Progress while it reads; returns the Check."""
    found = Check(team=team, size=size_of(stream))
    names = found.names = Names(team)
    reader = Reader(stream)
    records = iter(reader)
    parents_wanted: list[tuple[int, int, str, str]] = []   # (index, row, column, value)
    idents: dict[str, int] = {}
    done_flags = bytearray()
    try:
        header = next(records, None)
        if header is None:
            raise FileProblem(None, "The file is empty: it needs a header row (column names) and a row per issue.")
        if not any(cell.strip() for cell in header[1]):
            raise FileProblem(1, "Row 1 is empty: it must be the header, the names of the columns.")
        found.columns = columns_of(header[1], mapping)
        if not any(c.field == "title" for c in found.columns):
            raise FileProblem(1, "No column holds the title: name one “Title” (or “Summary”), or choose "
                                  "Title for one of the columns.")
        convert = Converter(names, found.columns)
        width = len(found.columns)
        for number, cells in records:
            if not any(c.strip() for c in cells):
                continue                                   # blank rows (a spreadsheet's tail) are skipped
            if found.issues == ROW_LIMIT:
                raise FileProblem(number, f"The file holds more than {ROW_LIMIT:,} issues (row {number} is "
                                           f"the {ROW_LIMIT + 1:,}th): split it into files of at most "
                                           f"{ROW_LIMIT:,} rows.")
            errors: list[RowError] = []
            if sum(len(c) for c in cells) > ROW_CHARS_MAX:
                errors.append(RowError(number, None, f"The row is longer than {ROW_CHARS_MAX:,} characters."))
            elif len(cells) > width and any(c.strip() for c in cells[width:]):
                errors.append(RowError(number, None, f"The row has {len(cells)} cells but the header names "
                                                     f"{width} columns: check its quotes and commas."))
            else:
                row = convert.convert(number, cells, errors)
            index = found.issues
            found.issues += 1
            for error in errors:
                found.add_error(error)
            done_flags.append(not errors and row.status == DONE)
            if not errors:
                for key in row.idents:
                    idents[key] = -1 if key in idents else index
                if row.parent:
                    parents_wanted.append((index, number, row.parent[1], row.parent[0]))
                if len(found.preview) < PREVIEW_ROWS:
                    found.preview.append(_preview(row, names))
            if found.issues % CHECK_EVERY == 0:
                yield Progress("check", reader.bytes_read, found.size)
        if found.issues == 0:
            raise FileProblem(None, "The file has a header row but no issues below it.")
    except FileProblem as problem:
        found.add_error(RowError(problem.row, None, problem.message))
        return _finish(found, names, None)
    yield Progress("check", found.size, found.size)
    _link_parents(found, parents_wanted, idents, done_flags)
    return _finish(found, names, convert)


def _finish(found: Check, names: Names, convert: Converter | None) -> Check:
    """Names to create, ignored columns and notes, once every row is read."""
    found.new_labels = list(names.new_labels.values())
    found.new_projects = list(names.new_projects.values())
    for what, new in (("labels", found.new_labels), ("projects", found.new_projects)):
        if len(new) > NEW_NAMES_MAX:
            found.add_error(RowError(None, None, f"The file would create {len(new):,} {what}: at most "
                                                 f"{NEW_NAMES_MAX} at a time."))
    found.ignored_columns = [c.name for c in found.columns if c.field is None]
    key = found.team.key
    if convert is not None:
        if convert.estimates_skipped:
            for col in convert.by_field.get("estimate", ()):
                found.ignored_columns.append(col.name)
            found.notes.append(f"{key} does not use estimates, so the {plural(convert.estimates_skipped, 'estimate')} "
                               "in the file are not imported: choose a scale in the team's settings first.")
        if convert.unknown_cycles:
            count = sum(convert.unknown_cycles.values())
            found.notes.append(f"{plural(count, 'issue')} name a cycle that {key} does not have or that is "
                               f"completed ({_names(convert.unknown_cycles)}): they are imported without one.")
        if convert.several_assignees:
            found.notes.append(f"{plural(convert.several_assignees, 'issue')} list several assignees: each gets "
                               "the first one.")
    for what, new in (("label", found.new_labels), ("project", found.new_projects)):
        if new and len(new) <= NEW_NAMES_MAX:
            found.notes.append(f"Creates {plural(len(new), 'new ' + what)}: {_names(new)}.")
    if found.issues > EVENTS_MAX:
        found.notes.append(f"Imports of more than {EVENTS_MAX} issues send no live events: pages that are open "
                           "show the new issues when they are reloaded.")
    return found


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun if count == 1 else noun + 's'}"


def _names(values) -> str:
    values = list(values)
    shown = ", ".join(f"“{v}”" for v in values[:NAMES_IN_NOTES])
    return shown + (f" and {len(values) - NAMES_IN_NOTES:,} more" if len(values) > NAMES_IN_NOTES else "")


def _preview(row: Row, names: Names) -> dict:
    """A row as the preview shows it: what the issue will be."""
    labels = [(names.labels[k].name, False, names.labels[k].color) if k in names.labels
              else (names.new_labels[k], True, None) for k in row.labels]
    project = names.projects.get(row.project) if row.project else None
    return {"row": row.number, "title": row.title, "description": short(row.description, 140),
            "status": row.status, "priority": row.priority,
            "assignee": names.member_names.get(row.assignee_id) if row.assignee_id else None,
            "project": project[1] if project else names.new_projects.get(row.project),
            "project_new": row.project is not None and project is None, "labels": labels,
            "due_date": row.due_date, "estimate": row.estimate,
            "cycle": next((c.title for c in names.cycles.values() if c.id == row.cycle), None),
            "parent": row.parent[0] if row.parent else None}


def _link_parents(found: Check, wanted: list, idents: dict, done_flags: bytearray) -> None:
    """Resolve each row's parent: a row of this file (by an identifier column), else an issue of the
    team by identifier; loops among the file's rows are errors, unknown parents a note."""
    team, existing_wanted, unknown = found.team, {}, {}
    for index, number, column, value in wanted:
        key = value.lower()
        if key in idents:
            target = idents[key]
            if target == -1:
                found.add_error(RowError(number, column, f"The parent “{short(value)}” names two rows of the file."))
            elif target == index:
                found.add_error(RowError(number, column, "An issue cannot be its own parent."))
            else:
                found.parents[index] = ("new", target)
            continue
        parsed = parse_identifier(value)
        if parsed and parsed[0] == team.key:
            existing_wanted.setdefault(parsed[1], []).append(index)
        else:
            unknown[short(value)] = unknown.get(short(value), 0) + 1
    numbers = list(existing_wanted)
    for start in range(0, len(numbers), BATCH):
        for iid, num in db.session.execute(select(Issue.id, Issue.number).where(
                Issue.team_id == team.id, Issue.number.in_(numbers[start:start + BATCH]))):
            for index in existing_wanted.pop(num):
                found.parents[index] = ("existing", iid)
    for num in existing_wanted:
        text = identifier(team.key, num)
        unknown[text] = unknown.get(text, 0) + len(existing_wanted[num])
    if unknown:
        found.notes.append(f"{plural(sum(unknown.values()), 'issue')} name a parent that is neither a row of the "
                           f"file nor an issue of {team.key} ({_names(unknown)}): they are imported as top-level issues.")
    _refuse_loops(found, wanted)
    for child, (kind, parent) in found.parents.items():
        if kind == "new":
            counts = found.sub_counts.setdefault(parent, [0, 0])
            counts[0] += 1
            counts[1] += done_flags[child]


def _refuse_loops(found: Check, wanted: list) -> None:
    """Rows whose parents lead back to themselves are errors (and lose their links)."""
    rows = {index: (number, column, value) for index, number, column, value in wanted}
    state: dict[int, int] = {}                    # 1: being walked, 2: known to end
    for start in list(found.parents):
        path, node = [], start
        while node in found.parents and found.parents[node][0] == "new" and state.get(node) != 2:
            if state.get(node) == 1:
                loop = path[path.index(node):]
                for index in loop:
                    number, column, value = rows[index]
                    found.add_error(RowError(number, column, f"The parent “{short(value)}” makes a loop: an "
                                                             "issue would be its own ancestor."))
                for index in loop:
                    found.parents.pop(index, None)
                break
            state[node] = 1
            path.append(node)
            node = found.parents[node][1]
        for index in path:
            state[index] = 2


# -- pass 2: write ----------------------------------------------------------------------------------

def steps(actor: User, team_ref, stream, *, mapping: dict | None = None, dry_run: bool = False) -> Iterator:
    """Check, then (unless dry_run) write the file: yields Progress as it goes and the Result last.
    ImportFailed (422) when the file has any problem: nothing is written then."""
    team = access.team_for(actor, team_ref)
    stream = seekable(stream)
    found = yield from _checking(team, stream, mapping)
    if not found.ok:
        raise ImportFailed(found.result())
    if dry_run:
        yield found.result(would_create=found.issues)
        return
    try:
        result = yield from _writing(actor, found, stream)
    except BaseException:
        db.session.rollback()      # a failure, or the browser leaving mid-stream: nothing stays
        raise
    yield result


def run(actor: User, team_ref, stream, *, mapping: dict | None = None, dry_run: bool = False) -> Result:
    """The whole import without progress reports (the API)."""
    result = None
    for item in steps(actor, team_ref, stream, mapping=mapping, dry_run=dry_run):
        result = item
    return result


def _writing(actor: User, found: Check, stream):
    """Generator: Progress per batch written; returns the Result after the commit."""
    team, names = found.team, found.names
    now, day = utcnow(), cycles.today()
    labels, new_labels = _create_labels(team, names, now)
    projects = _create_projects(team, names, now)
    total = found.issues
    last = db.session.execute(update(Team).where(Team.id == team.id)
                              .values(issue_counter=Team.issue_counter + total)
                              .returning(Team.issue_counter)).scalar_one()
    first = last - total + 1
    convert = Converter(names, found.columns)
    ids: list[uuid.UUID] = []
    stream.seek(0)
    records = iter(Reader(stream))
    next(records)                                   # the header
    started = time.time()
    batch: list[Row] = []
    for number, cells in records:
        if not any(c.strip() for c in cells):
            continue
        errors: list[RowError] = []
        row = convert.convert(number, cells, errors)
        if errors:                                  # the file changed between the passes
            raise ImportFailed(Result(errors=errors, error_count=len(errors), team_key=team.key))
        batch.append(row)
        if len(batch) == BATCH:
            _insert(actor, team, found, batch, ids, labels, projects, first, now, day, started)
            batch = []
            yield Progress("write", len(ids), total)
    if batch:
        _insert(actor, team, found, batch, ids, labels, projects, first, now, day, started)
    _insert_parents(found, ids)
    mark_changed(team.id)
    _announce(actor, team, ids, first, new_labels)
    yield Progress("write", len(ids), total)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("Another change to the team's labels or issues got in the way: import the file again.")
    return found.result(created=total, would_create=total, first=first, last=last)


def _create_labels(team: Team, names: Names, now) -> tuple[dict, list]:
    """The labels of the file by lower-case name (the team's, and the new ones inserted now), and
    the new ones."""
    labels = dict(names.labels)
    rows = []
    for i, (key, name) in enumerate(names.new_labels.items()):
        color = LABEL_COLORS[1 + i % (len(LABEL_COLORS) - 1)]
        labels[key] = Known(uuid.uuid4(), color, name)
        rows.append({"id": labels[key].id, "team_id": team.id, "name": name, "color": color, "description": "",
                     "created_at": now})
    try:
        for start in range(0, len(rows), BATCH):
            db.session.execute(insert(Label), rows[start:start + BATCH])
    except IntegrityError:
        db.session.rollback()
        raise Conflict("A label with one of the file's label names was created meanwhile: import the file again.")
    return labels, [labels[key] for key in names.new_labels]


def _create_projects(team: Team, names: Names, now) -> dict:
    """Project ids by lower-case name: the team's, and the new ones inserted now."""
    projects = {key: pid for key, (pid, _) in names.projects.items()}
    rows = []
    for key, name in names.new_projects.items():
        projects[key] = uuid.uuid4()
        rows.append({"id": projects[key], "team_id": team.id, "name": name, "description": "", "created_at": now})
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(Project), rows[start:start + BATCH])
    return projects


def _insert(actor: User, team: Team, found: Check, batch: list[Row], ids: list, labels: dict, projects: dict,
            first: int, now, day, started: float) -> None:
    """One batch of issues with their activity, subscriptions, labels and cycle figures: one
    multi-row INSERT per table. Row order is creation order: numbers ascend, and each issue is a
    microsecond newer than the one before (lists show the last row first)."""
    issues, activity, subs, tags, changes = [], [], [], [], []
    for row in batch:
        index = len(ids)
        iid = uuid.uuid4()
        ids.append(iid)
        created = now + timedelta(microseconds=index)
        chips = sorted((labels[k] for k in row.labels), key=lambda label: label.name.lower())
        sub_total, sub_done = found.sub_counts.get(index, (0, 0))
        issues.append({
            "id": iid, "team_id": team.id, "number": first + index, "title": row.title,
            "description": row.description, "status": row.status, "priority": row.priority,
            "project_id": projects[row.project] if row.project else None, "assignee_id": row.assignee_id,
            "creator_id": actor.id, "due_date": row.due_date, "cycle_id": row.cycle, "estimate": row.estimate,
            "label_summary": summary_of(chips), "sub_total": sub_total, "sub_done": sub_done, "blocked": False,
            "position": -(started + index / 1000), "created_at": created, "updated_at": created, "version": 1})
        activity.append({"id": uuid.uuid4(), "issue_id": iid, "actor_id": actor.id, "action": "created",
                         "field": None, "old_value": None, "new_value": "imported", "created_at": created})
        subs.append({"issue_id": iid, "user_id": actor.id, "subscribed": True, "created_at": created})
        if row.assignee_id and row.assignee_id != actor.id:
            subs.append({"issue_id": iid, "user_id": row.assignee_id, "subscribed": True, "created_at": created})
        tags.extend({"issue_id": iid, "label_id": chip.id} for chip in chips)
        if row.cycle:
            changes.append({"id": uuid.uuid4(), "cycle_id": row.cycle, "issue_id": iid, "day": day, "scope": 1,
                            CycleChange.done.key: 1 if row.status == DONE else 0})   # the cycle's done count
    for table, rows in ((Issue.__table__, issues), (Activity.__table__, activity),
                        (IssueSubscription.__table__, subs), (issue_labels, tags), (CycleChange.__table__, changes)):
        if rows:
            db.session.execute(insert(table), rows)


def _insert_parents(found: Check, ids: list) -> None:
    """The parent links, once every issue exists; issues of the team that gain sub-issues get
    their progress worked out again at commit (services/rollups.py)."""
    links = [{"issue_id": ids[child], "parent_id": ids[parent] if kind == "new" else parent}
             for child, (kind, parent) in found.parents.items()]
    for start in range(0, len(links), BATCH):
        db.session.execute(insert(IssueParent), links[start:start + BATCH])
    rollups.touch(*{parent for kind, parent in found.parents.values() if kind == "existing"})


def _announce(actor: User, team: Team, ids: list, first: int, new_labels: list) -> None:
    """Live events, sent at commit. Up to EVENTS_MAX issues, one ISSUE_CREATED each, as if they had
    been created one by one (and a LABEL_CREATED per new label). A larger import sends none: ten
    thousand events would overflow every open socket's queue (WS_QUEUE_SIZE) and make each
    process load every issue to route it; pages show the issues when reloaded, and the list
    caches are invalidated all the same (mark_changed)."""
    if len(ids) > EVENTS_MAX:
        return
    out = [Event(type=events.ISSUE_CREATED, team_id=str(team.id), actor_id=str(actor.id), issue_id=str(iid),
                 identifier=identifier(team.key, first + i)) for i, iid in enumerate(ids)]
    if len(new_labels) <= EVENTS_MAX:
        out += [Event(type=events.LABEL_CREATED, team_id=str(team.id), actor_id=str(actor.id), label_id=str(label.id))
                for label in new_labels]
    emit_many(out)


def missing_file() -> Result:
    """The result of a request that sent no file."""
    error = RowError(None, None, "Send the CSV file in the multipart field `file`.")
    return Result(errors=[error], error_count=1)


def count_imported(team_id, first: int, last: int) -> int:
    """How many of the numbers first..last are issues of the team now (the summary page)."""
    return db.session.scalar(select(func.count()).select_from(Issue).where(
        Issue.team_id == team_id, Issue.number.between(first, last))) or 0


def imported_issues(actor: User, team_ref, first: int, last: int, *, limit: int = 200) -> tuple[Team, list, int]:
    """The team's issues numbered first..last (what an import created), by number, at most
    `limit`, and how many there are: the summary page."""
    team = access.team_for(actor, team_ref)
    if first < 1 or last < first or last - first > ROW_LIMIT:
        return team, [], 0
    stmt = (select(Issue.number, Issue.title, Issue.status).where(
        Issue.team_id == team.id, Issue.number.between(first, last)).order_by(Issue.number).limit(limit))
    rows = [{"identifier": identifier(team.key, n), "title": t, "status": s} for n, t, s in db.session.execute(stmt)]
    return team, rows, count_imported(team.id, first, last)

