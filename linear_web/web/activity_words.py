"""Dates and activity rows in words: short dates (rows, cards, the timeline) and label changes."""
from __future__ import annotations

from datetime import date

from ..services.issue_queries import today as utc_today
from ..vocabulary import split_label_names
from . import bp

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # not the locale's


@bp.app_template_filter("short_date")
def short_date(value, today: date | None = None) -> str:
    """"Dec 5" for a date of this year (UTC), "Dec 5, 2027" otherwise; a date or a YYYY-MM-DD string.
    Text that is not a date is returned as it is. Due dates on rows, cards and the issue page and
    the timeline's lines all read this."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    if value is None:
        return ""
    today = today or utc_today()
    text = f"{MONTHS[value.month - 1]} {value.day}"
    return text if value.year == today.year else f"{text}, {value.year}"


def _names(value: str | None) -> list[str]:
    """The label names of an activity value ("Bug, UI", as services.labels stores a set)."""
    return split_label_names(value)


@bp.app_template_filter("label_changes")
def label_changes(activity) -> tuple[list[str], list[str]]:
    """(added, removed) label names of a `labels` activity row, each in the stored order."""
    old, new = _names(activity.old_value), _names(activity.new_value)
    return [n for n in new if n not in old], [n for n in old if n not in new]
