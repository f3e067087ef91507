"""Steps shared by the browser journeys."""
from playwright.sync_api import expect

from tests import factories


def log_in(page, user):
    """Log in through the form, as a person would, and wait for the app's navigation."""
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()


def console_errors(page, *expected: str) -> list:
    """The console errors (CSP violations, htmx target errors, failed scripts) and page exceptions
    seen during a test; a message containing one of `expected` (a refusal the test provokes, such
    as "status of 422") is not one. Each journey's `errors` fixture asserts the list stays empty."""
    seen: list = []
    page.on("console", lambda m: seen.append(m.text)
            if m.type == "error" and not any(e in m.text for e in expected) else None)
    page.on("pageerror", lambda exc: seen.append(str(exc)))
    return seen
