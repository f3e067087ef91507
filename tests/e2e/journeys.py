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
