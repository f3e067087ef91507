"""The issue vocabulary: every fact about statuses, priorities, identifiers and field limits.

Models (check constraints), the API's pydantic `Literal`s, service validation, templates
(pickers, icons, dashboard) and JavaScript (through data attributes) all read from here.
Adding a status is one edit to STATUSES_INFO plus a migration for the check constraint; its
colour is a stylesheet matter (`--s-<status>`), the default text colour until one is given.
This module imports nothing of linear_web.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Status:
    """One workflow status, in board and list order."""

    value: str
    label: str
    open: bool  # counts as open work (dashboard, project counts, overdue…)
    icon: str  # the shape the icon macro draws: dashed, ring, half, check or cross
    counted: bool = True  # counts towards progress: done / (all counted); canceled does not


STATUSES_INFO: tuple[Status, ...] = (
    Status("backlog", "Backlog", open=True, icon="dashed"),
    Status("todo", "Todo", open=True, icon="ring"),
    Status("in_progress", "In Progress", open=True, icon="half"),
    Status("done", "Done", open=False, icon="check"),
    Status("canceled", "Canceled", open=False, icon="cross", counted=False),
)
STATUSES: tuple[str, ...] = tuple(s.value for s in STATUSES_INFO)
STATUS_LABELS: dict[str, str] = {s.value: s.label for s in STATUSES_INFO}
STATUS_ICONS: dict[str, str] = {s.value: s.icon for s in STATUSES_INFO}
OPEN_STATUSES: tuple[str, ...] = tuple(s.value for s in STATUSES_INFO if s.open)
CLOSED_STATUSES: tuple[str, ...] = tuple(s.value for s in STATUSES_INFO if not s.open)
COUNTED_STATUSES: tuple[str, ...] = tuple(s.value for s in STATUSES_INFO if s.counted)
DONE = "done"  # the status that completes work (progress, completed-per-day)
DEFAULT_STATUS = "backlog"
StatusLiteral = Literal[STATUSES]  # type: ignore[valid-type]

PRIORITY_LABELS: dict[int, str] = {0: "No priority", 1: "High", 2: "Medium", 3: "Low"}
PRIORITIES: tuple[int, ...] = tuple(PRIORITY_LABELS)
NO_PRIORITY = 0
HIGH_PRIORITY = 1  # the most urgent: the dashboard lists the oldest open ones
PRIORITY_MENU: tuple[int, ...] = (*(p for p in PRIORITIES if p != NO_PRIORITY), NO_PRIORITY)  # most urgent first

# Field limits (characters). Services enforce them with their messages; columns are sized by them.
TITLE_MAX = 255
BODY_MAX = 100_000  # issue descriptions, comments, Markdown previews
NAME_MAX = 100  # user, team, project and API key names
DESCRIPTION_MAX = 10_000  # team and project descriptions
EMAIL_MAX = 254
PASSWORD_MIN = 8
PASSWORD_MAX_BYTES = 72  # bcrypt reads no further
TEAM_KEY_MIN, TEAM_KEY_MAX = 2, 10
FILENAME_MAX = 255
SEARCH_MAX = 200
FILTER_TEXT_MAX = 100

# Identifiers: a team key (a letter, then letters or digits) and the number, "ENG-42".
TEAM_KEY_PATTERN = rf"[A-Za-z][A-Za-z0-9]{{{TEAM_KEY_MIN - 1},{TEAM_KEY_MAX - 1}}}"
IDENTIFIER_SEPARATOR = "-"
NUMBER_DIGITS_MAX = 9  # issue numbers stay well inside a 32-bit integer column
_IDENTIFIER = re.compile(rf"({TEAM_KEY_PATTERN}){IDENTIFIER_SEPARATOR}([0-9]{{1,{NUMBER_DIGITS_MAX}}})")


def identifier(team_key: str, number: int) -> str:
    """The human identifier of issue `number` of team `team_key`: ENG-42."""
    return f"{team_key}{IDENTIFIER_SEPARATOR}{number}"


def parse_identifier(ref) -> tuple[str, int] | None:
    """(TEAM KEY upper-cased, number) of "eng-42"; None when ref is not an identifier."""
    match = _IDENTIFIER.fullmatch(ref) if isinstance(ref, str) else None
    return (match.group(1).upper(), int(match.group(2))) if match else None


def parse_version(raw) -> int | None:
    """The optimistic-locking version a client sent (JSON number or form text): None when not
    sent (None or ""), the number otherwise; ValueError when it is not a whole number."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit() and len(raw.strip()) <= 18:
        return int(raw.strip())
    raise ValueError(f"not a whole number: {raw!r:.40}")


# -- planning ------------------------------------------------------------------------------------
LABEL_NAME_MAX = 50
LABEL_COLOR = re.compile(r"#[0-9a-fA-F]{6}")
LABEL_COLORS = ("#6b7280", "#ef4444", "#f97316", "#eab308", "#22c55e", "#14b8a6", "#3b82f6",
                "#8b5cf6", "#ec4899")  # the picker's palette; the first is the default

# A team's estimate scale: the values an issue may take, and how each reads.
ESTIMATE_SCALES: dict[str, dict[int, str]] = {
    "none": {},
    "linear": {n: str(n) for n in (1, 2, 3, 4, 5)},
    "fibonacci": {n: str(n) for n in (1, 2, 3, 5, 8, 13)},
    "exponential": {n: str(n) for n in (1, 2, 4, 8, 16)},
    "tshirt": {1: "XS", 2: "S", 3: "M", 5: "L", 8: "XL"},
}
ESTIMATE_SCALE_LABELS = {"none": "Not used", "linear": "Linear (1–5)", "fibonacci": "Fibonacci (1–13)",
                         "exponential": "Exponential (1–16)", "tshirt": "T-shirt sizes (XS–XL)"}


def estimate_label(scale: str, value: int | None) -> str:
    """How an estimate reads on the team's scale; a value off the scale reads as its number."""
    if value is None:
        return ""
    return ESTIMATE_SCALES.get(scale, {}).get(value, str(value))


# Cycles: time-boxed sprints (services/cycles.py).
CYCLE_NAME_MAX = 80
CYCLE_STATES = ("upcoming", "current", "completed")
CYCLE_WEEKS = (1, 2, 3, 4)  # automatic cycles: the lengths a team may choose
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CYCLES_AHEAD = 2  # automatic cycles: upcoming cycles kept in existence after the current one
CYCLE_MAX_DAYS = 366


# Relations as read from the issue asked about; each pair is stored once (models/relation.py).
RELATION_TYPES = ("blocks", "blocked_by", "related", "duplicate_of", "duplicated_by")
RELATION_CREATE_TYPES = ("blocks", "blocked_by", "related", "duplicate_of")
RELATION_LABELS = {"blocks": "Blocks", "blocked_by": "Blocked by", "related": "Related to",
                   "duplicate_of": "Duplicate of", "duplicated_by": "Duplicated by"}
# (stored type, this issue is the source) for each type as read from one side.
RELATION_STORAGE = {"blocks": ("blocks", True), "blocked_by": ("blocks", False),
                    "related": ("related", True), "duplicate_of": ("duplicate_of", True),
                    "duplicated_by": ("duplicate_of", False)}
RELATION_INVERSE = {"blocks": "blocked_by", "blocked_by": "blocks", "related": "related",
                    "duplicate_of": "duplicated_by", "duplicated_by": "duplicate_of"}

# -- history -----------------------------------------------------------------------------------
# What an Activity row records: its action, and for "updated"/"deleted" the field it touched
# (None for a move to another team). The API's Activity schema and the timeline read these.
ACTIVITY_ACTIONS = ("created", "updated", "commented", "attached", "deleted")
ACTIVITY_FIELDS = ("status", "priority", "title", "description", "assignee", "project", "labels", "parent",
                   "due_date", "estimate", "cycle", "relations", "comment", "attachment")


def join_label_names(names) -> str:
    """The label names an activity row records ("Bug, UI"), sorted. A name holding a comma or a
    double quote is quoted CSV-style ('Bug, "Needs, review"') so that the text splits back into
    exactly these names (split_label_names)."""
    def quoted(name: str) -> str:
        return '"' + name.replace('"', '""') + '"' if ("," in name or '"' in name) else name
    return ", ".join(quoted(n) for n in sorted(names, key=str.lower))


def split_label_names(text: str | None) -> list[str]:
    """The names of a join_label_names text, in its order (older rows without quotes read the same)."""
    if not text:
        return []
    import csv
    return [n for n in next(csv.reader([text], skipinitialspace=True)) if n]


# The inbox (services/notifications.py): handles, mentions, notification types.
HANDLE_MIN, HANDLE_MAX = 2, 30
HANDLE_PATTERN = r"[a-z0-9._-]{2,30}"
# "@handle" where it starts a word: not inside an email address or another word; a trailing dot
# ends a sentence, so it is not part of the handle.
MENTION_PATTERN = r"(?<![\w@.])@([a-z0-9._-]{2,30})(?<!\.)"
NOTIFICATION_TYPES = ("assigned", "mentioned", "commented", "status_changed")
