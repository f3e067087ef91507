"""Template globals: the issue vocabulary, the user's teams for the sidebar and switcher, the current team."""
from flask import current_app, g
from flask_login import current_user

from .. import vocabulary
from ..services import access
from . import bp

# The vocabulary as Jinja globals, so imported macros (icons) see it too, not only page contexts.
# JavaScript reads it from data attributes these templates render.
VOCABULARY = {name: getattr(vocabulary, name) for name in (
    "STATUSES", "STATUS_LABELS", "STATUS_ICONS", "OPEN_STATUSES", "COUNTED_STATUSES", "DONE", "PRIORITIES",
    "PRIORITY_LABELS", "PRIORITY_MENU", "NO_PRIORITY", "HIGH_PRIORITY", "RELATION_TYPES", "RELATION_CREATE_TYPES",
    "RELATION_LABELS", "ESTIMATE_SCALES", "ESTIMATE_SCALE_LABELS")}


NAV = [("web.issue_list", "Issues"), ("web.board", "Board"), ("web.cycle_list", "Cycles"), ("web.project_list", "Projects"),
       ("web.team_dashboard", "Dashboard"), ("web.label_list", "Labels"), ("web.team_settings", "Settings")]


@bp.record_once
def _vocabulary_globals(state) -> None:
    """Install the vocabulary in the app's Jinja environment once."""
    state.app.jinja_env.globals.update(VOCABULARY)


@bp.app_context_processor
def inject_globals():
    """The user's teams, the navigation and the current team, for every page."""
    teams = []
    if current_user.is_authenticated:
        if "my_memberships" not in g:
            g.my_memberships = access.memberships(current_user)
        teams = g.my_memberships
    rules = current_app.view_functions
    nav = [(e, label) for e, label in NAV if e in rules]
    return {"my_memberships": teams, "url_rules": rules, "nav_items": nav, "current_team": g.get("current_team")}
