"""Which fragment an htmx request asks for (radiofeed's rule: HX-Request and HX-Target)."""
from flask import request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def targets(*ids: str) -> bool:
    """True when this is an htmx request whose target is one of these element ids."""
    return is_htmx() and request.headers.get("HX-Target") in ids

