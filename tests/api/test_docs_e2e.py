"""Swagger UI and ReDoc really render from vendored assets under their CSP (a real browser)."""
import pytest

pytestmark = pytest.mark.e2e


def _csp_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def test_swagger_ui_renders_operations(page):
    errors = _csp_errors(page)
    page.goto("/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() >= 30
    assert page.get_by_text("/api/v1/issues/{issue_id}").first.is_visible()
    assert [e for e in errors if "Content Security Policy" in e or "Refused" in e] == []


def test_redoc_renders_operations(page):
    errors = _csp_errors(page)
    page.goto("/redoc")
    page.get_by_text("linear_web API").first.wait_for()
    page.locator("h2", has_text="Create an issue (KEY-N in its team)").first.wait_for()
    # ReDoc's footer logo points at its CDN: blocking it is intended (the page works offline).
    blocked = [e for e in errors if ("Content Security Policy" in e or "Refused" in e)
               and "cdn.redoc.ly/redoc/logo-mini.svg" not in e]
    assert blocked == []
