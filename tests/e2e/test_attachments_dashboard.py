"""Browser journeys: attach files on the issue page (picker, progress, preview, refusal, rename, delete)
and the dashboard in light and dark themes (screenshots kept in $SCREENSHOT_DIR when set)."""
import os
import random
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from linear_web.infra.extensions import db
from linear_web.models import Activity, utcnow
from tests.services.test_attachments import PDF, empty_upload_dir, make_png

from .journeys import console_errors, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def errors(page):
    return console_errors(page, "status of 415")  # the disguised upload the journey tries


def test_attach_an_image_with_the_picker_and_see_progress_and_preview(page, f, app, errors, tmp_path):
    empty_upload_dir(app)
    ada = f.user(name="Ada Lovelace")
    team = f.team(ada, key="ENG", name="Engineering")
    f.issue(team, ada, title="Screenshots please")
    log_in(page, ada)
    page.goto("/issue/ENG-1")
    panel = page.locator("#attachments")
    expect(panel.get_by_text("No files yet")).to_be_visible()

    page.set_input_files("#attachment-file", files=[
        {"name": "screen shot.png", "mimeType": "image/png", "buffer": make_png(64, 40)},
        {"name": "spec.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    rows = panel.locator(".upload-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".upload-row-status")).to_have_text("Uploaded")
    expect(rows.nth(1).locator(".upload-row-status")).to_have_text("Uploaded")
    assert rows.nth(0).locator("progress").evaluate("p => p.value") == 100
    expect(panel.locator("#attachment-count")).to_have_text("2")

    thumb = panel.get_by_role("img", name="Preview of screen shot.png")
    expect(thumb).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth === 64", arg=thumb.element_handle())
    expect(panel.get_by_role("link", name="spec.pdf")).to_be_visible()
    panel.screenshot(path=os.path.join(os.environ.get("SCREENSHOT_DIR") or str(tmp_path), "attachments.png"), caret="initial")

    # A disguised file is refused with the server's message in its progress row.
    page.set_input_files("#attachment-file", files=[
        {"name": "cat.png", "mimeType": "image/png", "buffer": b"<html><script>alert(1)</script></html>"}])
    expect(panel.locator(".upload-row.is-error .upload-row-status")).to_contain_text("not allowed")
    expect(panel.locator("#attachment-count")).to_have_text("2")

    # Rename (htmx) then delete with the confirmation.
    panel.locator(".attachment", has_text="spec.pdf").get_by_text("Rename").click()
    field = panel.get_by_label("New name for spec.pdf")
    field.fill("requirements.pdf")
    field.press("Enter")
    expect(panel.get_by_role("link", name="requirements.pdf")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    panel.get_by_role("button", name="Delete requirements.pdf").click()
    expect(panel.get_by_role("link", name="requirements.pdf")).to_have_count(0)
    expect(panel.locator("#attachment-count")).to_have_text("1")
    assert errors == []


@pytest.fixture
def busy_team(f):
    """Two teams with issues spread over the last weeks, some completed, several assignees."""
    rng = random.Random(3)
    ada, bob, cy = f.user(name="Ada Lovelace"), f.user(name="Bob Stone"), f.user(name="Cy Young")
    eng = f.team(ada, key="ENG", name="Engineering", members=[bob, cy])
    ops = f.team(ada, key="OPS", name="Operations", members=[bob])
    now = utcnow()
    for n in range(60):
        team = eng if n % 3 else ops
        status = rng.choice(["backlog", "todo", "in_progress", "done", "done", "canceled"])
        who = rng.choice([ada, bob, cy, None]) if team is eng else rng.choice([ada, bob, None])
        issue = f.issue(team, ada, title=f"Issue {n}", status=status, priority=rng.choice([0, 1, 2, 3]),
                        **({"assignee_id": who} if who else {}))
        issue.created_at = now - timedelta(days=rng.randint(0, 40), hours=rng.randint(0, 20))
        if status == "done":
            db.session.add(Activity(issue_id=issue.id, actor_id=ada.id, action="updated", field="status",
                                    old_value="todo", new_value="done",
                                    created_at=issue.created_at + timedelta(days=rng.randint(0, 6))))
    db.session.commit()
    return ada


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_dashboard_in_both_themes(page, busy_team, errors, scheme, tmp_path):
    page.emulate_media(color_scheme=scheme)
    log_in(page, busy_team)
    page.goto("/team/ENG/dashboard")
    region = page.locator("#dashboard")
    expect(region.get_by_role("heading", name="By status")).to_be_visible()
    expect(region.locator("svg.trend polyline.line-created")).to_be_visible()
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (background == "rgb(22, 23, 27)") == (scheme == "dark")
    # A segment of the status bar leads to the filtered list behind it.
    href = region.locator(".stack-bar a").first.get_attribute("href")
    assert href.startswith("/team/ENG/issues?status=")
    folder = os.environ.get("SCREENSHOT_DIR") or str(tmp_path)
    page.screenshot(path=os.path.join(folder, f"dashboard-team-{scheme}.png"), full_page=True)
    page.goto("/dashboard")
    expect(page.locator("#dashboard .stack-row")).to_have_count(2)
    page.screenshot(path=os.path.join(folder, f"dashboard-all-{scheme}.png"), full_page=True)
    assert errors == []


def test_dashboard_updates_live_when_an_issue_changes(page, f, errors):
    ada = f.user(name="Ada Lovelace")
    team = f.team(ada, key="ENG", name="Engineering")
    f.issue(team, ada, title="First", status="todo")
    log_in(page, ada)
    page.goto("/team/ENG/dashboard")
    expect(page.locator("#live")).to_have_attribute("data-state", "live")
    tiles = page.locator("#dashboard .dash-tile-value")
    expect(tiles.first).to_have_text("1")
    f.issue(team, ada, title="Second", status="done")  # another user's change, committed elsewhere
    expect(tiles.first).to_have_text("2")
    expect(tiles.nth(2)).to_have_text("1")
    page.wait_for_timeout(500)
    assert errors == []
