"""Reading a CSV import: the file as numbered rows (decoded line by line, so a decoding error names
its row), its columns and the fields they fill, the team's names the values are looked up in, and
each row's cells turned into the values of an issue, with what is wrong with them.
services/imports.py checks and writes; services/import_formats.py reads the values."""
from __future__ import annotations

import csv
import io
import itertools
import tempfile
from collections import namedtuple
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select

from ..infra.extensions import db
from ..models import Cycle, Label, Membership, Project, Team, User
from ..vocabulary import BODY_MAX, ESTIMATE_SCALE_LABELS, LABEL_NAME_MAX, NAME_MAX, TITLE_MAX
from . import cycles
from . import import_formats as fmt
from .exports import DANGEROUS

ROW_CHARS_MAX = 100_000     # characters in one row, all its cells together
LABELS_PER_ISSUE = 100


@dataclass(frozen=True)
class RowError:
    """One problem: its row as a spreadsheet numbers it (header 1; None for the whole file) and the
    column's header as the file writes it (None for the whole row)."""

    row: int | None
    column: str | None
    message: str

    def to_json(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class Column:
    """A column of the file and the field it fills (None: not imported)."""

    index: int
    header: str
    field: str | None

    @property
    def name(self) -> str:
        return self.header or f"Column {self.index + 1}"


# -- the file ----------------------------------------------------------------------------

class FileProblem(Exception):
    """Reading cannot go on: the row where it stopped (None: the whole file) and why."""

    def __init__(self, row: int | None, message: str):
        super().__init__(message)
        self.row, self.message = row, message


class Reader:
    """The records of a CSV upload: decoded line by line (a decoding error names its row), split
    by csv.reader, numbered as a spreadsheet numbers rows. `bytes_read` is how far it got."""

    def __init__(self, stream):
        self.stream, self.bytes_read, self.records = stream, 0, 0

    def _lines(self) -> Iterator[str]:
        for number, raw in enumerate(iter(self.stream.readline, b"")):
            self.bytes_read += len(raw)
            if number == 0:
                raw = _first_line(raw)
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as err:
                bad = raw[err.start:err.start + 1].hex().upper()
                raise FileProblem(self.records + 1, (
                    f"The file is not UTF-8 text (byte 0x{bad} in row {self.records + 1}): imports expect "
                    "UTF-8. Save it as “CSV UTF-8” and upload it again.")) from None

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        lines = self._lines()
        first = next(lines, None)
        if first is None:
            raise FileProblem(None, "The file is empty: it needs a header row (column names) and a row per issue.")
        reader = csv.reader(itertools.chain([first], lines), delimiter=fmt.guess_delimiter(first))
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                row = self.records + 1
                if "field larger than field limit" in str(err):
                    raise FileProblem(row, f"Row {row} is longer than {ROW_CHARS_MAX:,} characters.") from None
                raise FileProblem(row, f"Row {row} cannot be read as CSV ({err}).") from None
            self.records += 1
            yield self.records, cells


def _first_line(raw: bytes) -> bytes:
    """The first line without a UTF-8 byte order mark; a problem for what is clearly not CSV."""
    if raw.startswith(b"PK\x03\x04"):
        raise FileProblem(None, "This is an Excel workbook or a ZIP file, not CSV: save the sheet as "
                                 "“CSV UTF-8” and upload that.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(None, "The file is UTF-16 text: imports expect UTF-8. Save it as “CSV UTF-8” "
                                 "and upload it again.")
    return raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw


def seekable(stream):
    """The upload as a stream that can be read twice (uploads already are: spooled to a temp file)."""
    return stream if getattr(stream, "seekable", lambda: False)() else spooled_copy(stream)


def spooled_copy(stream):
    """A copy of a stream that the caller owns and closes (in memory up to 1 MB, then a temp file):
    for a response that reads the upload after its request has closed it."""
    copy = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    if getattr(stream, "seekable", lambda: False)():
        stream.seek(0)
    while chunk := stream.read(64 * 1024):
        copy.write(chunk)
    copy.seek(0)
    return copy


def size_of(stream) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def read_columns(stream, mapping: dict | None = None) -> list[Column]:
    """The file's columns with the field each fills: `mapping` (column index → field, or None to
    ignore it) where given, else what the header says (field_for_header)."""
    stream.seek(0)
    try:
        _, header = next(iter(Reader(stream)))
    except (StopIteration, FileProblem):
        return []               # the check says what is wrong with the file
    finally:
        stream.seek(0)
    return columns_of(header, mapping)


def columns_of(header: list[str], mapping: dict | None) -> list[Column]:
    out = []
    for index, raw in enumerate(header):
        text = raw.strip()
        chosen = fmt.field_for_header(text)
        if mapping is not None and index in mapping:
            chosen = mapping[index] if mapping[index] in fmt.FIELDS else None
        out.append(Column(index, text, chosen))
    return out


# -- the team's names: members, labels, projects, cycles -----------------------------------------

AMBIGUOUS = object()
Known = namedtuple("Known", "id color name")   # a label (id, colour, name) for the row's label summary


class Names:
    """What a file's values are looked up in: the team's members, labels, projects and cycles,
    each read in one query, and the labels and projects the file will create."""

    def __init__(self, team: Team):
        self.team = team
        self.emails, self.handles, self.names, self.member_names = {}, {}, {}, {}
        rows = db.session.execute(select(User.id, User.email, User.handle, User.name)
                                  .join(Membership, Membership.user_id == User.id)
                                  .where(Membership.team_id == team.id))
        for uid, email, handle, name in rows:
            self.emails[email.lower()] = uid
            self.handles[handle.lower()] = uid
            key = " ".join(name.lower().split())
            self.names[key] = AMBIGUOUS if key in self.names else uid
            self.member_names[uid] = name
        self.labels = {name.lower(): Known(lid, color, name) for lid, color, name in db.session.execute(
            select(Label.id, Label.color, Label.name).where(Label.team_id == team.id))}
        self.projects: dict = {}
        for pid, name in db.session.execute(select(Project.id, Project.name).where(Project.team_id == team.id)
                                            .order_by(Project.created_at, Project.id)):
            self.projects.setdefault(name.lower(), (pid, name))
        self.cycles: dict = {}
        for cycle in db.session.scalars(select(Cycle).where(*cycles.takes_issues(team.id, cycles.today()))):
            for key in (cycle.name.lower(), f"cycle {cycle.number}", str(cycle.number)):
                if key:
                    self.cycles.setdefault(key, cycle)
        self.new_labels: dict[str, str] = {}     # lower-case name → the name as first written
        self.new_projects: dict[str, str] = {}

    def lookup(self, text: str):
        """The member named by an email, a handle (with or without @) or a name; None when nobody;
        AMBIGUOUS for a name two members share."""
        key = text.strip().lower()
        return self.emails.get(key) or self.handles.get(key.lstrip("@")) or self.names.get(" ".join(key.split()))

    def member(self, raw: str):
        """The member a cell names; a list (GitHub's Assignees) gives its first person."""
        found = self.lookup(raw)
        if found is None and "," in raw:
            found = self.lookup(raw.split(",")[0])
        return found


# -- one row ---------------------------------------------------------------------------------------

class Row:
    """A row's values, ready to insert (labels and project by lower-case name)."""

    __slots__ = ("number", "title", "description", "status", "priority", "assignee_id", "project", "labels",
                 "due_date", "estimate", "cycle", "parent", "idents")

    def __init__(self, number: int):
        self.number = number
        self.description, self.assignee_id, self.project, self.labels = "", None, None, ()
        self.due_date = self.estimate = self.cycle = self.parent = None
        self.idents = ()


class Converter:
    """Turns the cells of a row into a Row, recording what is wrong with them."""

    def __init__(self, names: Names, columns: list[Column]):
        self.names = names
        self.by_field: dict[str, list[Column]] = {}
        for col in columns:
            if col.field is not None:
                self.by_field.setdefault(col.field, []).append(col)
        self.scale = names.team.estimates
        self.uses_estimates = bool(fmt.ESTIMATE_SCALES.get(self.scale))
        self.estimates_skipped = 0
        self.several_assignees = 0
        self.unknown_cycles: dict[str, int] = {}

    def _cell(self, cells: list[str], name: str) -> tuple[str, Column | None]:
        """The first non-blank cell of the field's columns, and its column."""
        for col in self.by_field.get(name, ()):
            if col.index < len(cells) and cells[col.index].strip():
                return unguarded(cells[col.index]), col
        return "", None

    def convert(self, number: int, cells: list[str], errors: list[RowError]) -> Row:
        row = Row(number)
        err = lambda col, message: errors.append(RowError(number, col.name if col else None, message))  # noqa: E731
        for name, cols in self.by_field.items():
            for col in cols:
                if col.index < len(cells) and "\x00" in cells[col.index]:
                    err(col, "The cell holds a NUL character, which cannot be stored: remove it.")
                    return row
        raw, col = self._cell(cells, "title")
        title = raw.strip()
        if not title:
            err(col or (self.by_field["title"][0] if "title" in self.by_field else None), "The title is empty.")
        elif len(title) > TITLE_MAX:
            err(col, f"The title is {len(title):,} characters long: at most {TITLE_MAX} fit.")
        row.title = title
        raw, col = self._cell(cells, "description")
        if len(raw) > BODY_MAX:
            err(col, f"The description is longer than {BODY_MAX:,} characters.")
        row.description = raw
        raw, col = self._cell(cells, "status")
        row.status = fmt.parse_status(raw)
        if row.status is None:
            err(col, f"Unknown status “{short(raw)}”: use {fmt.STATUS_HINT}.")
        raw, col = self._cell(cells, "priority")
        row.priority = fmt.parse_priority(raw)
        if row.priority is None:
            err(col, f"Unknown priority “{short(raw)}”: use {fmt.PRIORITY_HINT}.")
        self._assignee(row, cells, err)
        self._project(row, cells, err)
        self._labels(row, cells, err)
        self._planning(row, cells, err)
        row.idents = tuple(cells[c.index].strip().lower() for c in self.by_field.get("identifier", ())
                           if c.index < len(cells) and cells[c.index].strip())
        return row

    def _assignee(self, row: Row, cells, err) -> None:
        raw, col = self._cell(cells, "assignee")
        if not raw.strip():
            return
        found = self.names.member(raw)
        if found is AMBIGUOUS:
            err(col, f"Several members of {self.names.team.key} are named “{short(raw)}”: use their email.")
        elif found is None:
            err(col, f"No member of {self.names.team.key} has the email, handle or name “{short(raw)}”: "
                     "add them to the team first, or do not import this column.")
        else:
            row.assignee_id = found
            self.several_assignees += "," in raw and self.names.lookup(raw) is None

    def _project(self, row: Row, cells, err) -> None:
        raw, col = self._cell(cells, "project")
        name = " ".join(raw.split())
        if not name:
            return
        if len(name) > NAME_MAX:
            err(col, f"The project name is longer than {NAME_MAX} characters.")
            return
        key = name.lower()
        if key not in self.names.projects:
            self.names.new_projects.setdefault(key, name)
        row.project = key

    def _labels(self, row: Row, cells, err) -> None:
        keys: dict[str, None] = {}
        for col in self.by_field.get("labels", ()):
            if col.index >= len(cells):
                continue
            for name in fmt.split_labels(unguarded(cells[col.index])):
                if len(name) > LABEL_NAME_MAX:
                    err(col, f"The label “{short(name)}” is longer than {LABEL_NAME_MAX} characters.")
                elif any(ord(c) < 32 for c in name):
                    err(col, f"The label “{short(name)}” holds a control character.")
                else:
                    key = name.lower()
                    if key not in self.names.labels:
                        self.names.new_labels.setdefault(key, name)
                    keys[key] = None
        if len(keys) > LABELS_PER_ISSUE:
            err(self.by_field["labels"][0], f"An issue may carry at most {LABELS_PER_ISSUE} labels.")
        row.labels = tuple(keys)

    def _planning(self, row: Row, cells, err) -> None:
        raw, col = self._cell(cells, "due_date")
        if raw.strip():
            try:
                row.due_date = fmt.parse_due(raw)
            except ValueError:
                err(col, f"The due date “{short(raw)}” is not a date: {fmt.DATE_HINT}.")
        raw, col = self._cell(cells, "estimate")
        if raw.strip():
            if not self.uses_estimates:
                self.estimates_skipped += 1
            else:
                row.estimate = fmt.parse_estimate(raw, self.scale)
                if row.estimate is None:
                    err(col, f"The estimate “{short(raw)}” is not on {self.names.team.key}'s scale "
                             f"({ESTIMATE_SCALE_LABELS[self.scale]}: {fmt.scale_hint(self.scale)}).")
        raw, col = self._cell(cells, "cycle")
        if raw.strip():
            cycle = self.names.cycles.get(" ".join(raw.lower().split()))
            if cycle is None:
                self.unknown_cycles[short(raw.strip())] = self.unknown_cycles.get(short(raw.strip()), 0) + 1
            else:
                row.cycle = cycle.id
        raw, col = self._cell(cells, "parent")
        if raw.strip():
            row.parent = (raw.strip(), col.name)


def unguarded(text: str) -> str:
    """A cell without the apostrophe our export puts before a formula character (exports.safe_cell),
    so that an export imports as it was; the formula stays text (and is guarded again on export)."""
    return text[1:] if text.startswith("'") and text[1:2] in DANGEROUS else text


def short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "…"
