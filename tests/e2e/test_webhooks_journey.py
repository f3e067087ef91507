"""Browser journey: a team admin adds a webhook from team settings, copies its secret (shown once),
sends a test event that a real receiver gets, and sees the delivery in the table."""
import pytest
from playwright.sync_api import expect

from linear_web.services import outbox

from .journeys import console_errors, log_in

pytestmark = pytest.mark.e2e


def test_add_a_webhook_copy_its_secret_send_a_test_and_see_the_delivery(page, eng, receiver):
    errors = console_errors(page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, eng.admin)
    page.goto("/team/ENG/settings")
    page.get_by_role("navigation", name="Team settings").get_by_role("link", name="Webhooks").click()
    expect(page.get_by_role("heading", name="Add webhook")).to_be_visible()
    page.get_by_label("Payload URL").fill(receiver.url)
    page.get_by_label("ISSUE_CREATED").check()
    page.get_by_role("button", name="Add webhook").click()
    secret = page.locator("#webhook-secret-value")
    expect(secret).to_contain_text("whsec_")
    page.locator("#webhook-secret").get_by_role("button", name="Copy").click()
    expect(page.locator("#webhook-secret").get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret.inner_text()
    page.get_by_role("link", name=receiver.url).click()
    page.get_by_role("button", name="Send test").click()
    expect(page.locator("#flash")).to_contain_text("Test event queued")
    outbox.run_once()                                     # the sender thread's work, done here
    page.reload()
    row = page.locator("table.deliveries tbody tr").first
    expect(row).to_contain_text("PING")
    expect(row).to_contain_text("200")
    assert receiver.requests[0].json["type"] == "PING"
    page.goto("/team/ENG/webhooks")
    expect(page.locator("#webhook-secret")).to_have_count(0)   # shown once
    assert errors == []

