"""Small checks shared by every service: text fields, lengths, NUL characters, ids."""
import uuid

from .errors import ValidationError


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


def raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)
