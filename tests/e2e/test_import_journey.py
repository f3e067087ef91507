"""Browser journeys: Import CSV from the team settings. Choose a file, map a column the header did
not name, read the preview, import with the progress streamed, land on the summary and open an
imported issue; a file with a bad row lists it and imports nothing until the column is ignored."""
import re

import pytest
from playwright.sync_api import expect

from linear_web.infra.extensions import db
from linear_web.models import Issue

from .journeys import console_errors, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def errors(page):
    return console_errors(page, "status of 422")  # the previews of files that cannot be imported yet


def csv_file(text: str) -> dict:
    return {"name": "issues.csv", "mimeType": "text/csv", "buffer": text.encode()}


def imported(team) -> list[Issue]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Issue).where(Issue.team_id == team.id).order_by(Issue.number)))


def test_preview_map_import_and_open_the_summary(page, f, eng, errors):
    log_in(page, eng.member)                                     # any member may import
    page.goto("/team/ENG/settings")
    page.locator(".settings-tabs").get_by_role("link", name="Import").click()
    expect(page.get_by_role("heading", name="Import CSV")).to_be_visible()
    expect(page.locator("[data-import-preview-button]")).to_be_hidden()   # the script previews on change

    rows = "".join(f"Task number {n},{'closed' if n % 2 else 'open'},Imported\n" for n in range(1, 1501))
    page.set_input_files("#import-file", files=[csv_file("Headline,State,Labels\n" + rows)])
    expect(page.locator("#import-errors")).to_contain_text("No column holds the title")
    expect(page.get_by_label("Headline")).to_have_value("ignore")
    expect(page.get_by_label("State")).to_have_value("status")

    page.get_by_label("Headline").select_option("title")        # map it by hand: the preview follows
    expect(page.locator("#import-errors")).to_have_count(0)
    preview = page.locator("#import-rows .import-row")
    expect(preview).to_have_count(20)
    expect(preview.first).to_contain_text("Task number 1")
    expect(preview.first.locator(".label-chip")).to_have_text("Imported new")
    expect(page.locator("#import-preview")).to_contain_text("the first 20 of 1,500 issues")
    assert imported(eng.team) == []

    # What the progress area says as the server streams it (recorded before the page moves on).
    shown: list = []
    page.expose_function("recordImportProgress", lambda text: shown.append(text))
    page.evaluate("""() => {
      const box = document.getElementById('import-progress');
      new MutationObserver(() => window.recordImportProgress(
        [...box.querySelectorAll('.import-phase-status')].map(s => s.textContent).join(' | ')))
        .observe(box, {subtree: true, childList: true, characterData: true, attributes: true});
    }""")
    page.get_by_role("button", name="Import 1,500 issues").click()
    expect(page).to_have_url(re.compile(r"/team/ENG/import/done\?first=1&last=1500$"))
    summary = page.locator("#import-summary")
    expect(summary.get_by_role("heading")).to_have_text("Imported 1,500 issues")
    expect(summary).to_contain_text("ENG-1 … ENG-1500")
    assert len(imported(eng.team)) == 1500
    assert any(text.endswith("1,000 of 1,500 issues") for text in shown), shown     # a real step in between
    assert any(text.endswith("1,500 created") for text in shown), shown
    summary.get_by_role("link", name="ENG-2", exact=True).click()
    expect(page).to_have_url(re.compile(r"/issue/ENG-2$"))
    expect(page.locator(".timeline")).to_contain_text("imported the issue")
    assert not errors, errors


def test_a_bad_row_is_named_and_nothing_imports_until_it_is_dealt_with(page, f, eng, errors):
    log_in(page, eng.admin)
    page.goto("/team/ENG/import")
    page.set_input_files("#import-file", files=[csv_file("Title,Status,Priority\nFine,Todo,High\n"
                                                         "Broken,Sleeping,Low\n")])
    problems = page.locator("#import-errors")
    expect(problems).to_contain_text("1 problem: nothing will be imported")
    expect(problems).to_contain_text("Row 3 · Status")
    expect(problems).to_contain_text("“Sleeping”")
    expect(page.locator("[data-import-submit]")).to_have_count(0)

    page.get_by_label("Status", exact=True).select_option("ignore")   # leave the statuses out
    expect(problems).to_have_count(0)
    page.get_by_role("button", name="Import 2 issues").click()
    expect(page.locator("#import-summary")).to_contain_text("Imported 2 issues")
    assert [(i.title, i.status, i.priority) for i in imported(eng.team)] == [("Fine", "backlog", 1),
                                                                           ("Broken", "backlog", 3)]
    assert not errors, errors
