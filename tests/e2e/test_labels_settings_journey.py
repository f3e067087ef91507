"""Browser journey: the team's Labels page. Create a label with a swatch, rename and recolour it
in its row, see its issue count, delete it after the confirmation that says what it is taken off."""
import os

import pytest
from playwright.sync_api import expect

from linear_web.infra.extensions import db
from linear_web.models import Label
from linear_web.services import issues, labels

from .journeys import console_errors, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def errors(page):
    return console_errors(page, "status of 409")  # the duplicate name the journey tries


def _dot_colour(chip) -> str:
    """The colour of the chip's dot (its ::before), as the browser paints it."""
    return chip.evaluate("el => getComputedStyle(el, '::before').backgroundColor")


def test_create_rename_recolour_count_and_delete_a_label(page, f, errors, tmp_path):
    ada, bob = f.user(name="Ada Lovelace"), f.user(name="Bob Stone")
    team = f.team(ada, key="ENG", name="Engineering", members=[bob])
    log_in(page, bob)  # any member manages labels
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Labels").click()
    expect(page.get_by_role("heading", name="ENG Engineering · Labels")).to_be_visible()
    expect(page.get_by_text("No labels yet")).to_be_visible()

    # Create: a name, the red swatch, a description.
    form = page.locator("#label-form")
    form.get_by_label("Name").fill("Bug")
    form.locator(".label-color-option", has_text="Red").click()
    form.get_by_label("Description (optional)").fill("Something is broken")
    form.get_by_role("button", name="Create label").click()
    row = page.locator(".label-row", has_text="Bug")
    expect(row).to_be_visible()
    expect(row.locator(".label-row-count")).to_have_text("0 issues")
    expect(form.get_by_label("Name")).to_have_value("")            # a fresh form for the next one
    assert _dot_colour(row.locator(".label-chip")) == "rgb(239, 68, 68)"  # coloured through CSSOM, no style=""

    # A duplicate name is refused next to the field, the input kept.
    form.get_by_label("Name").fill("bug")
    form.get_by_role("button", name="Create label").click()
    expect(form.locator("#error-name")).to_have_text("A label with this name already exists in this team.")
    expect(form.get_by_label("Name")).to_have_value("bug")

    # Two issues carry it: the count says so.
    label = db.session.scalar(db.select(Label).where(Label.team_id == team.id))
    for title in ("Crash on save", "Typo in footer"):
        issue = f.issue(team, ada, title=title)
        issues.update_issue(ada, issue.id, {"label_ids": [str(label.id)]})
    page.reload()
    row = page.locator(f"#label-{label.id}")
    expect(row.locator(".label-row-count")).to_have_text("2 issues")

    # Rename and recolour in the row, with a custom colour typed in.
    row.get_by_text("Edit").click()
    row.get_by_label("Name").fill("Defect")
    row.get_by_label("Custom colour, #rrggbb").fill("#14b8a6")
    row.get_by_role("button", name="Save").click()
    row = page.locator(f"#label-{label.id}")
    expect(row.locator(".label-chip")).to_have_text("Defect")
    expect(row.locator(".label-row-count")).to_have_text("2 issues")
    expect(row.locator(".label-chip")).to_have_attribute("data-label-color", "#14b8a6")
    assert _dot_colour(row.locator(".label-chip")) == "rgb(20, 184, 166)"
    page.screenshot(path=os.path.join(os.environ.get("SCREENSHOT_DIR") or str(tmp_path), "labels.png"), full_page=True)

    # Delete: the confirmation names the issues it is taken off.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    row.get_by_role("button", name="Delete label Defect").click()
    expect(page.locator(f"#label-{label.id}")).to_have_count(0)
    expect(page.get_by_text("No labels yet")).to_be_visible()
    assert asked == ["Delete label Defect? It is taken off 2 issues."]
    assert labels.list_labels(ada, team.id) == []
    assert errors == []
