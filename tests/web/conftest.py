"""Fixtures shared by the page tests."""


def hx(target: str) -> dict:
    """Headers of an htmx request aimed at one fragment."""
    return {"HX-Request": "true", "HX-Target": target}
