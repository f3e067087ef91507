"""Small checks shared by every service: text fields, lengths, NUL characters, ids, and the issue
vocabulary's values (status, priority, version) with their messages."""
import uuid

from ..vocabulary import PRIORITIES, PRIORITY_LABELS, STATUSES, parse_version
from .errors import ValidationError

STATUS_MESSAGE = "Status must be one of: " + ", ".join(STATUSES) + "."
_PRIORITY_CHOICES = [f"{p} ({PRIORITY_LABELS[p].lower()})" for p in PRIORITIES]
PRIORITY_MESSAGE = f"Priority must be {', '.join(_PRIORITY_CHOICES[:-1])} or {_PRIORITY_CHOICES[-1]}."
VERSION_MESSAGE = "Version must be a whole number."


def clean_text(errors: dict, field: str, value, *, label: str, required: bool = False,
               max_len: int = 100, strip: bool = True) -> str | None:
    """Validate one text field; record a message in errors and return None when it is bad."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = f"{label} must be text."
        return None
    if "\x00" in value:
        errors[field] = f"{label} must not contain NUL characters."
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        errors[field] = f"{label} contains invalid characters."
        return None
    if strip:
        value = value.strip()
    if required and not value:
        errors[field] = f"{label} is required."
        return None
    if len(value) > max_len:
        errors[field] = f"{label} must be at most {max_len:,} characters."
        return None
    return value


def parse_uuid(value) -> uuid.UUID | None:
    """A UUID from a string or UUID; None when it is not one."""
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def check_status(errors: dict, value, field: str = "status") -> str | None:
    """The status if it is one of the vocabulary's; records the message and returns None otherwise."""
    if isinstance(value, str) and value in STATUSES:
        return value
    errors[field] = STATUS_MESSAGE
    return None


def check_priority(errors: dict, value, field: str = "priority") -> int | None:
    """A priority from JSON (a number) or form text ("2"); records the message and returns None otherwise."""
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value in PRIORITIES:
        return value
    errors[field] = PRIORITY_MESSAGE
    return None


def check_version(errors: dict, raw, field: str = "version") -> int | None:
    """The optimistic-locking version the client sent (None when not sent); records the message if bad."""
    try:
        return parse_version(raw)
    except ValueError:
        errors[field] = VERSION_MESSAGE
        return None


def raise_if(errors: dict) -> None:
    """Raise ValidationError with the recorded messages, if any."""
    if errors:
        raise ValidationError(errors)
