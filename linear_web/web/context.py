"""Template globals: the user's teams for the sidebar and switcher, the current team."""
from flask import current_app, g
from flask_login import current_user

from ..models import PRIORITY_LABELS, STATUS_LABELS, STATUSES
from ..services import access
from . import bp


NAV = [("web.issue_list", "Issues"), ("web.board", "Board"), ("web.project_list", "Projects"),
       ("web.team_dashboard", "Dashboard"), ("web.team_settings", "Settings")]


@bp.app_context_processor
def inject_globals():
    teams = []
    if current_user.is_authenticated:
        if "my_memberships" not in g:
            g.my_memberships = access.memberships(current_user)
        teams = g.my_memberships
    rules = current_app.view_functions
    nav = [(e, label) for e, label in NAV if e in rules]
    return {"my_memberships": teams, "url_rules": rules, "nav_items": nav, "STATUSES": STATUSES, "STATUS_LABELS": STATUS_LABELS,
            "PRIORITY_LABELS": PRIORITY_LABELS, "current_team": g.get("current_team")}
