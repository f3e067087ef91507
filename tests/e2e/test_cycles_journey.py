"""Browser journey: plan a cycle. Create two cycles on the Cycles page (an overlap refused on the
way), put an issue in the current one from the issue page, see it on the cycle page with its
burndown, complete the cycle and find the issue in the next one."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from linear_web.infra.extensions import db
from linear_web.models import Cycle, Issue
from linear_web.services import issue_queries

from .journeys import console_errors, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def errors(page):
    return console_errors(page, "status of 409")  # the overlapping cycle the journey tries


def _create(page, name: str, starts, ends):
    form = page.locator("#cycle-form")
    form.get_by_label("Name (optional)").fill(name)
    form.get_by_label("Start date").fill(starts.isoformat())
    form.get_by_label("End date").fill(ends.isoformat())
    form.get_by_role("button", name="Create cycle").click()


def test_create_cycles_plan_an_issue_complete_and_roll_over(page, f, errors):
    ada, bob = f.user(name="Ada Lovelace"), f.user(name="Bob Stone")
    team = f.team(ada, key="ENG", name="Engineering", members=[bob])
    f.issue(team, ada, title="Ship the importer", status="in_progress")
    today = issue_queries.today()
    log_in(page, bob)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cycles").first.click()
    expect(page.get_by_role("heading", name="Current", exact=False).first).to_be_visible()

    _create(page, "Sprint one", today, today + timedelta(days=6))
    expect(page.locator("#cycles-current")).to_contain_text("Sprint one")
    _create(page, "", today + timedelta(days=3), today + timedelta(days=10))          # overlaps
    expect(page.locator("#cycle-form")).to_contain_text("These dates overlap Sprint one")
    _create(page, "", today + timedelta(days=7), today + timedelta(days=20))
    expect(page.locator("#cycles-upcoming")).to_contain_text("Cycle 2")

    # The issue page's Cycle field offers the current and upcoming cycles.
    page.goto("/issue/ENG-1")
    cycle_field = page.get_by_label("Cycle", exact=True)
    expect(cycle_field.locator("option")).to_have_text(["No cycle", "Sprint one · current",
                                                        f"Cycle 2 · from {(today + timedelta(days=7)):%b} "
                                                        f"{(today + timedelta(days=7)).day}"])
    cycle_field.select_option(label="Sprint one · current")
    expect(page.locator(".timeline, #issue-activity").first).to_contain_text("added to Sprint one")

    # The cycle page: the issue under its status, the burndown with its text alternative.
    page.goto("/team/ENG/cycles/1")
    expect(page.get_by_role("heading", name="Sprint one")).to_be_visible()
    expect(page.locator("#cycle-page")).to_contain_text("Ship the importer")
    chart = page.get_by_role("img", name="Burndown of Sprint one", exact=False)
    expect(chart).to_be_visible()

    # Complete: the unfinished issue moves to Cycle 2, with a line in its history.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Complete cycle").click()
    expect(page.get_by_text("Sprint one completed: 1 unfinished issue moved to Cycle 2.")).to_be_visible()
    expect(page.get_by_role("button", name="Complete cycle")).to_have_count(0)
    assert asked == ["Complete Sprint one today? 1 unfinished issue will move to the next cycle, "
                     "or out of cycles if there is none."]
    db.session.expire_all()
    two = db.session.scalar(db.select(Cycle).where(Cycle.team_id == team.id, Cycle.number == 2))
    assert db.session.scalar(db.select(Issue.cycle_id).where(Issue.team_id == team.id)) == two.id
    page.goto("/team/ENG/cycles/2")
    expect(page.locator("#cycle-page")).to_contain_text("Ship the importer")
    page.goto("/issue/ENG-1")
    expect(page.locator(".timeline, #issue-activity").first).to_contain_text("moved from Sprint one to Cycle 2")
    assert errors == []
