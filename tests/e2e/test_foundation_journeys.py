"""Browser journeys for the foundation: accounts, a team, its members and projects."""
import re

import pytest
from playwright.sync_api import expect

from linear_web.services import auth

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-password"


def _sign_up(page, name, email):
    page.goto("/signup")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()


def _log_in(page, email, password=PASSWORD):
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_sign_up_create_team_add_member_create_project(page):
    auth.signup("bob@example.com", PASSWORD, "Bob Builder")
    _sign_up(page, "Ada Lovelace", "ada@example.com")
    expect(page.get_by_role("heading", name="Create your first team")).to_be_visible()
    expect(page.get_by_text("Welcome to linear_web, Ada Lovelace.")).to_be_visible()

    page.get_by_label("Team name").fill("Engineering")
    page.get_by_label("Key", exact=True).fill("ENG")
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_text("Team Engineering created.")).to_be_visible()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_text("Engineering").first).to_be_visible()

    nav.get_by_role("link", name="Settings").click()
    expect(page).to_have_url(re.compile(r"/team/ENG/settings$"))
    members = page.locator("#team-members")
    page.get_by_label("Email").fill("nobody@example.com")
    page.get_by_role("button", name="Add member").click()
    expect(members.get_by_text("No account uses this email")).to_be_visible()
    page.get_by_label("Email").fill("bob@example.com")
    page.get_by_role("button", name="Add member").click()
    expect(members.get_by_text("Bob Builder", exact=True)).to_be_visible()
    expect(page.get_by_text("Bob Builder was added as member.")).to_be_visible()
    expect(page.get_by_label("Role of Bob Builder")).to_have_value("member")

    # The only admin cannot step down: a clear message, the role stays.
    page.get_by_label("Role of Ada Lovelace").select_option("member")
    page.locator(".member-role-form", has=page.get_by_label("Role of Ada Lovelace")) \
        .get_by_role("button", name="Save role").click()
    expect(members.get_by_role("alert")).to_contain_text("A team needs at least one admin")
    expect(page.get_by_label("Role of Ada Lovelace")).to_have_value("admin")

    bob_row = members.locator(".member", has_text="Bob Builder")
    page.get_by_label("Role of Bob Builder").select_option("admin")
    bob_row.get_by_role("button", name="Save role").click()
    expect(page.get_by_text("Bob Builder is now admin.")).to_be_visible()
    expect(page.get_by_label("Role of Bob Builder")).to_have_value("admin")
    page.once("dialog", lambda dialog: dialog.dismiss())
    bob_row.get_by_role("button", name="Remove Bob Builder").click()
    page.wait_for_timeout(300)
    expect(bob_row).to_be_visible()  # dismissed: nothing happens
    page.once("dialog", lambda dialog: dialog.accept())
    bob_row.get_by_role("button", name="Remove Bob Builder").click()
    expect(page.get_by_text("The member was removed from the team.")).to_be_visible()
    expect(members.get_by_text("Bob Builder", exact=True)).to_have_count(0)

    nav.get_by_role("link", name="Projects").click()
    expect(page.get_by_text("No projects yet.")).to_be_visible()
    page.get_by_label("Project name").fill("Launch")
    page.get_by_label("Description").fill("Everything for the first release")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_text("Project Launch created.")).to_be_visible()
    row = page.locator(".project-row", has_text="Launch")
    expect(row).to_contain_text("0 open · 0 total")
    expect(row).to_contain_text("Everything for the first release")

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Delete Launch").click()
    expect(page.get_by_text("Project Launch deleted.")).to_be_visible()
    expect(page.get_by_text("No projects yet.")).to_be_visible()


def test_log_out_and_back_in_and_a_wrong_password(page):
    user = auth.signup("ada@example.com", PASSWORD, "Ada Lovelace")
    from linear_web.services import teams
    teams.create_team(user, "ENG", "Engineering")
    _log_in(page, "ada@example.com")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_contain_text("Engineering")
    expect(page).to_have_url(re.compile(r"/team/ENG/"))

    nav.get_by_role("button", name="Log out Ada Lovelace").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    expect(page.get_by_role("heading", name="Log in to linear_web")).to_be_visible()
    page.goto("/team/ENG/settings")
    expect(page).to_have_url(re.compile(r"/login\?next="))

    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    expect(page.get_by_label("Email")).to_have_value("ada@example.com")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/team/ENG/settings$"))
    expect(page.get_by_role("heading", name=re.compile("Settings"))).to_be_visible()


def test_signup_errors_show_next_to_fields(page):
    auth.signup("taken@example.com", PASSWORD, "Someone")
    page.goto("/signup")
    page.get_by_label("Name").fill("Ada")
    page.get_by_label("Email").fill("taken@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#error-password")).to_have_text("Password must be at least 8 characters.")
    expect(page.get_by_label("Name")).to_have_value("Ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator("#error-email")).to_have_text("An account with this email already exists.")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_pages_fit_a_360px_phone_and_the_menu_opens(page, scheme):
    user = auth.signup("ada@example.com", PASSWORD, "Ada Lovelace")
    from linear_web.services import projects, teams
    teams.create_team(user, "ENG", "Engineering")
    projects.create_project(user, "ENG", "A project with a long name that has to wrap somewhere", "")
    page.emulate_media(color_scheme=scheme)
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/login", "/signup"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    _log_in(page, "ada@example.com")
    for path in ("/team/ENG/settings", "/team/ENG/projects", "/teams/new", "/team/NOPE"):
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    nav = page.get_by_role("navigation", name="Main")
    new_team = nav.get_by_role("link", name="+ New team")
    expect(new_team).to_be_hidden()  # closed: off-screen and out of the tab order
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    expect(page.get_by_label("Show navigation")).to_be_focused()
    page.keyboard.press("Space")
    expect(new_team).to_be_visible()
    expect(new_team).to_be_in_viewport()
    dark_bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert (dark_bg == "rgb(22, 23, 27)") == (scheme == "dark")
