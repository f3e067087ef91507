"""Board rules: a move names a known status, a whole version, neighbours of the same board, never itself."""
import pytest

from linear_web.infra.extensions import db
from linear_web.models import Issue
from linear_web.services import boards
from linear_web.services.errors import Conflict, NotFound, ValidationError


def _status(issue) -> str:
    """The issue's status as stored."""
    db.session.expire_all()
    return db.session.get(Issue, issue.id).status


@pytest.mark.parametrize("kwargs, field, message", [
    ({"status": "nope"}, "status", "Status must be one of"),
    ({"status": "done", "version": "abc"}, "version", "Version must be a whole number"),
    ({"status": "done", "before": "ENG-999"}, "before", "no longer on this board"),
    ({"status": "done", "after": "00000000-0000-0000-0000-000000000000"}, "after", "no longer on this board"),
])
def test_bad_moves_name_the_field_and_change_nothing(eng, f, kwargs, field, message):
    issue = f.issue(eng.team, eng.admin, title="Stay", status="todo")
    with pytest.raises(ValidationError) as raised:
        boards.move_on_board(eng.admin, eng.team, issue.id, kwargs.pop("status"), **kwargs)
    assert message in raised.value.details[field]
    assert _status(issue) == "todo"


def test_a_card_is_not_placed_next_to_itself_nor_next_to_another_teams_card(eng, f):
    issue = f.issue(eng.team, eng.admin, title="Here")
    foreign = f.issue(f.team(eng.admin, key="OPS"), eng.admin, title="Elsewhere")
    with pytest.raises(ValidationError) as raised:
        boards.move_on_board(eng.admin, eng.team, issue.id, "done", before=issue.identifier)
    assert list(raised.value.details) == ["position"]
    with pytest.raises(ValidationError) as raised:
        boards.move_on_board(eng.admin, eng.team, issue.id, "done", before=str(foreign.id))
    assert list(raised.value.details) == ["before"]
    assert _status(issue) == "backlog"


def test_a_card_of_another_board_is_not_found_through_this_one(eng, f, outsider):
    mine_elsewhere = f.issue(f.team(eng.admin, key="OPS"), eng.admin)
    with pytest.raises(NotFound):
        boards.move_on_board(eng.admin, eng.team, mine_elsewhere.id, "done")
    theirs = f.issue(outsider.team, outsider.user)
    with pytest.raises(NotFound):
        boards.move_on_board(eng.admin, eng.team, theirs.id, "done")
    assert _status(mine_elsewhere) == _status(theirs) == "backlog"


def test_a_move_with_a_stale_version_is_a_conflict(eng, f):
    issue = f.issue(eng.team, eng.admin, status="todo")
    seen = issue.version
    moved = boards.move_on_board(eng.member, eng.team, issue.id, "in_progress", version=str(seen))
    assert moved.status == "in_progress" and moved.version == seen + 1
    with pytest.raises(Conflict):
        boards.move_on_board(eng.admin, eng.team, issue.id, "done", version=seen)
    assert _status(issue) == "in_progress"
