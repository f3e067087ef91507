"""What CSV imports understand: the fields a column can fill, the headers of our own export and of
Linear's, Jira's and GitHub's CSV exports, and how their statuses, priorities, dates, labels and
estimates read. Pure functions of text (services/imports.py does the rest); no database here."""
from __future__ import annotations

import re
from datetime import date

from ..vocabulary import DEFAULT_STATUS, ESTIMATE_SCALES, NO_PRIORITY, STATUS_LABELS, split_label_names

# The fields a column can fill, in the order the mapping menus offer them.
FIELDS = ("title", "description", "status", "priority", "assignee", "project", "labels", "due_date", "estimate",
          "cycle", "parent", "identifier")
FIELD_LABELS = {"title": "Title", "description": "Description", "status": "Status", "priority": "Priority",
                "assignee": "Assignee", "project": "Project", "labels": "Labels", "due_date": "Due date",
                "estimate": "Estimate", "cycle": "Cycle", "parent": "Parent",
                "identifier": "Identifier (links sub-issues)"}
# Fields several columns may fill: labels add up (Jira repeats its Labels column, one label each);
# for the others the first column with a value wins (Linear's Cycle Number, then Cycle Name).
MULTI = ("labels",)

# Headers, compared by normalised_header(): our export (services/exports.COLUMNS), Linear's, Jira's
# and GitHub's. A header not listed here is not imported (the response's ignored_columns), and the
# browser lets the user map it by hand.
HEADERS = {
    "title": "title", "summary": "title", "issue title": "title", "subject": "title",
    "description": "description", "body": "description", "issue description": "description",
    "status": "status", "state": "status", "workflow state": "status",
    "priority": "priority",
    "assignee": "assignee", "assignees": "assignee", "assignee email": "assignee", "assigned to": "assignee",
    "project": "project", "project name": "project",
    "labels": "labels", "label": "labels", "tags": "labels",
    "due date": "due_date", "due": "due_date", "due on": "due_date",
    "estimate": "estimate", "story points": "estimate", "points": "estimate",
    "custom field (story points)": "estimate", "story point estimate": "estimate",
    "cycle": "cycle", "cycle name": "cycle", "cycle number": "cycle", "sprint": "cycle",
    "parent": "parent", "parent issue": "parent", "parent id": "parent", "parent key": "parent",
    "parent identifier": "parent",
    "identifier": "identifier", "id": "identifier", "issue key": "identifier", "key": "identifier",
    "issue id": "identifier",
}


def normalised_header(header: str) -> str:
    """A header as HEADERS lists it: lower case, `_` and runs of spaces as one space."""
    return " ".join(header.replace("_", " ").lower().split())


def field_for_header(header: str) -> str | None:
    """The field a column of this header fills by default; None: not imported."""
    return HEADERS.get(normalised_header(header))


def _key(text: str) -> str:
    """A status or priority as the tables below list it: lower case, `_` and `-` as spaces, and
    apostrophes dropped ("Won't Do" → "wont do")."""
    return " ".join(re.sub(r"[_\-]", " ", text.lower().replace("'", "").replace("\u2019", "")).split())


# Statuses: ours (value and label), and other trackers' names for them, listed under our label (the
# vocabulary owns the values): Linear's default workflow, Jira's, GitHub's states. GitHub's (and
# Jira's) "open" is accepted work that nobody has started: Todo, not Backlog.
_BY_LABEL = {label: value for value, label in STATUS_LABELS.items()}
SYNONYMS = {"Backlog": ("triage", "icebox"),
            "Todo": ("to do", "open", "reopened", "new", "unstarted", "selected for development"),
            "In Progress": ("started", "in review", "review", "doing"),
            "Done": ("closed", "resolved", "completed", "complete", "fixed"),
            "Canceled": ("cancelled", "duplicate", "wont do", "wont fix", "wontfix")}
STATUSES = {**{_key(v): v for v in STATUS_LABELS}, **{_key(label): v for v, label in STATUS_LABELS.items()},
            **{name: _BY_LABEL[label] for label, names in SYNONYMS.items() for name in names}}
STATUS_HINT = ("Backlog, Todo, In Progress, Done or Canceled (or Linear's, Jira's and GitHub's names: "
               "To Do, Open, Closed, Duplicate…)")

# Priorities: ours as numbers (0 none, 1 high, 2 medium, 3 low) and by name; Linear's Urgent,
# Jira's Highest/Lowest (and its older Blocker/Critical/Major/Minor/Trivial).
PRIORITIES = {
    "0": 0, "1": 1, "2": 2, "3": 3,
    "no priority": 0, "none": 0,
    "urgent": 1, "highest": 1, "high": 1, "blocker": 1, "critical": 1,
    "medium": 2, "normal": 2, "major": 2,
    "low": 3, "lowest": 3, "minor": 3, "trivial": 3,
}
PRIORITY_HINT = "Urgent, High, Medium, Low or No priority (or 0–3, or Jira's Highest and Lowest)"

_ISO_DAY = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?")
_SLASHED_DAY = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
# Jira: 05/Mar/24 4:15 PM (day/month name/year, a time of day that does not matter for a due date).
_JIRA_DAY = re.compile(r"(\d{1,2})/([A-Za-z]{3})/(\d{2}|\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?\s*(?:[AaPp][Mm])?)?")
MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DATE_HINT = "write YYYY-MM-DD (ISO timestamps and Jira's 05/Mar/24 work too)"


def parse_status(raw: str) -> str | None:
    """Our status for a cell; the default for an empty one; None when it is not a status we know."""
    return DEFAULT_STATUS if not raw.strip() else STATUSES.get(_key(raw))


def parse_priority(raw: str) -> int | None:
    """Our priority for a cell (an empty one is no priority); None when it is not one we know."""
    return NO_PRIORITY if not raw.strip() else PRIORITIES.get(_key(raw))


def parse_due(raw: str) -> date | None:
    """The calendar day of a cell: ISO dates and timestamps (the day as written), YYYY/MM/DD and
    Jira's dd/MMM/yy. ValueError when it is none of these or not a real day."""
    text = raw.strip()
    if match := _ISO_DAY.fullmatch(text):
        return date.fromisoformat(match.group(1))
    if match := _SLASHED_DAY.fullmatch(text):
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    if (match := _JIRA_DAY.fullmatch(text)) and match.group(2).lower() in MONTHS:
        year = int(match.group(3))
        return date(year + 2000 if year < 100 else year, MONTHS.index(match.group(2).lower()) + 1,
                    int(match.group(1)))
    raise ValueError(text)


def split_labels(raw: str) -> list[str]:
    """The label names of a cell: comma-separated (quotes allowed, as the activity history writes
    them), trimmed, empty ones dropped."""
    if not raw.strip():
        return []
    try:
        names = split_label_names(raw)
    except Exception:  # noqa: BLE001 - an unbalanced quote: read it as plain commas
        names = raw.split(",")
    return [n.strip() for n in names if n.strip()]


def parse_estimate(raw: str, scale: str) -> int | None:
    """A value of the team's scale from a number ("3", "3.0") or the scale's name for it ("M");
    None when the text is neither or the value is not on the scale."""
    values = ESTIMATE_SCALES.get(scale, {})
    text = raw.strip()
    if re.fullmatch(r"\d{1,5}(?:\.0+)?", text):
        number = int(text.split(".")[0])
        return number if number in values else None
    by_name = {label.lower(): value for value, label in values.items()}
    return by_name.get(text.lower())


def scale_hint(scale: str) -> str:
    """The values of a scale as a message lists them: "1, 2, 3, 5, 8, 13" or "XS (1), S (2)…"."""
    return ", ".join(label if label == str(v) else f"{label} ({v})" for v, label in ESTIMATE_SCALES[scale].items())


def guess_delimiter(first_line: str) -> str:
    """The header row's separator: a comma unless semicolons or tabs clearly are (spreadsheets in
    some locales save with semicolons). Counted outside quotes."""
    outside = re.sub(r'"[^"]*"', "", first_line)
    counts = {sep: outside.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] > counts[","] else ","
