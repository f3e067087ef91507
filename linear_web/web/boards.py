"""The board: columns per status, drag-and-drop (and keyboard) moves that persist."""
from flask import render_template, request, url_for
from flask_login import current_user, login_required

from . import htmx
from ..services import boards
from ..services.display import Display
from ..services.errors import Conflict, ValidationError
from ..services.issue_queries import IssueFilters
from . import bp, counts
from .common import load_team, pickers


def _filters(team):
    """The board's filters and display options from the query string; bad values fall back to
    none (the default display), with messages."""
    try:
        return IssueFilters.from_args(request.args, team_id=team.id), Display.from_args(request.args), {}
    except ValidationError as err:
        return IssueFilters(team_id=team.id), Display(), err.details


@bp.get("/team/<key>/board")
@login_required
def board(key):
    """A team's board with the list's filters; the #board fragment for htmx filter changes."""
    team = load_team(key)
    filters, display, errors = _filters(team)
    return board_response(team, filters, errors, url_for("web.board", key=team.key), display)


def board_response(team, filters: IssueFilters, errors: dict, action_url: str, display: Display | None = None,
                   **page):
    """The board of these filters as the board route answers it (#board for htmx), for other pages
    showing it (a saved view's, with its header in `page`); `errors`: refused filters, 422."""
    display = display or Display()
    columns = boards.board_columns(current_user, team, filters, group_by=display.group_by)
    status = 422 if errors else 200
    context = dict(team=team, columns=columns, filters=filters, errors=errors, display=display)
    if htmx.targets("board"):
        return render_template("boards/_board.html", **context), status
    return render_template("boards/board.html", **pickers(team),
                           action_url=action_url, target="#board", **context, **page), status


@bp.post("/team/<key>/board/move")
@login_required
def board_move(key):
    """Persist a card move; the stored card (or the current one and a message, 409/422) and the counts."""
    team = load_team(key)
    form = request.form
    try:
        issue = boards.move_on_board(current_user, team, form.get("issue"), form.get("status"),
                                     before=form.get("before"), after=form.get("after"),
                                     version=form.get("version"), group_by=form.get("group_by") or "status",
                                     came_from=form.get("from"))
    except (ValidationError, Conflict) as err:
        card = boards.current_card(current_user, team, form.get("issue"))
        html = render_template("boards/_move_result.html", issue=card, message=err.message)
        return html + counts.board_counts(team, _columns_of_move()), err.status
    return (render_template("boards/_move_result.html", issue=issue, message=None)
            + counts.board_counts(team, _columns_of_move()))


def _columns_of_move() -> list[str]:
    """The columns a move touched (the one left and the one entered), by their keys: when the board
    is grouped other than by status, their counts are sent even if they are now empty."""
    return [k for k in (request.form.get("from"), request.form.get("status")) if k]
