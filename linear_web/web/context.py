"""Template globals: the issue vocabulary, the user's teams for the sidebar and switcher, the current team,
the inbox's unread count, the sidebar's saved views."""
from flask import current_app, g
from flask_login import current_user

from .. import vocabulary
from ..services import access, display, notifications, views as view_service
from . import bp

# The vocabulary as Jinja globals, so imported macros (icons) see it too, not only page contexts.
# JavaScript reads it from data attributes these templates render.
VOCABULARY = {name: getattr(vocabulary, name) for name in (
    "STATUSES", "STATUS_LABELS", "STATUS_ICONS", "OPEN_STATUSES", "COUNTED_STATUSES", "DONE", "PRIORITIES",
    "PRIORITY_LABELS", "PRIORITY_MENU", "NO_PRIORITY", "HIGH_PRIORITY", "RELATION_TYPES", "RELATION_CREATE_TYPES",
    "RELATION_LABELS", "ESTIMATE_SCALES", "ESTIMATE_SCALE_LABELS")}


NAV = [("web.issue_list", "Issues"), ("web.board", "Board"), ("web.cycle_list", "Cycles"), ("web.project_list", "Projects"),
       ("web.view_list", "Views"), ("web.team_dashboard", "Dashboard"), ("web.label_list", "Labels"),
       ("web.team_settings", "Settings")]


# The display options' names (services/display.py): the filter bar's "Display" menu.
DISPLAY = {"GROUPINGS": display.GROUPINGS, "GROUPING_LABELS": display.GROUPING_LABELS,
           "DISPLAY_PROPERTIES": display.PROPERTIES, "PROPERTY_LABELS": display.PROPERTY_LABELS,
           "DEFAULT_DISPLAY": display.Display()}


@bp.record_once
def _vocabulary_globals(state) -> None:
    """Install the vocabulary and the display options' names in the app's Jinja environment once."""
    state.app.jinja_env.globals.update(VOCABULARY)
    state.app.jinja_env.globals.update(DISPLAY)


@bp.app_context_processor
def inject_globals():
    """The user's teams, the navigation, the current team and the unread count, for every page."""
    teams = []
    if current_user.is_authenticated:
        if "my_memberships" not in g:
            g.my_memberships = access.memberships(current_user)
        teams = g.my_memberships
    rules = current_app.view_functions
    nav = [(e, label) for e, label in NAV if e in rules]
    return {"my_memberships": teams, "url_rules": rules, "nav_items": nav, "current_team": g.get("current_team"),
            "inbox_unread": inbox_unread, "sidebar_views": sidebar_views}


def inbox_unread() -> int:
    """The sidebar badge's count: one query, made the first time a page's sidebar asks for it (once
    per request; fragments, which have no sidebar, never do)."""
    if "inbox_unread" not in g:
        g.inbox_unread = notifications.unread_count(current_user) if current_user.is_authenticated else 0
    return g.inbox_unread


def sidebar_views(membership) -> list:
    """The saved views the sidebar lists under a membership's team: they come with the membership
    row, loaded with the session's user (services.views.sidebar_of), so no statement of their own."""
    return view_service.sidebar_of(membership)
