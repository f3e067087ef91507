"""Landing: the first team's issues, or "create your first team"."""
from flask import redirect, url_for
from flask_login import current_user

from ..services import access
from . import bp


@bp.get("/")
def home():
    """Send users to their work; visitors to log in."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    teams = access.memberships(current_user)
    if not teams:
        return redirect(url_for("web.team_new"))
    return redirect(url_for("web.team_home", key=teams[0].team.key))
