"""The issue vocabulary: identifiers, versions, and the places that must read it instead of copying it."""
import re
from pathlib import Path

import pytest
from flask import render_template_string
from sqlalchemy import CheckConstraint

from linear_web import vocabulary as v
from linear_web.api.dashboard import PriorityCounts, StatusCounts
from linear_web.api.schemas import IssueIn
from linear_web.models import Issue
from linear_web.models.issue import PRIORITY_CHECK, STATUS_CHECK
from linear_web.services import validation
from linear_web.services.issue_queries import IssueFilters, matches

ROOT = Path(__file__).resolve().parents[2]


# -- identifiers --------------------------------------------------------------------------------

@pytest.mark.parametrize("key, number", [("ENG", 42), ("AB", 1), ("A123456789", 999_999_999), ("X1", 7)])
def test_identifier_round_trip(key, number):
    assert v.parse_identifier(v.identifier(key, number)) == (key, number)


def test_parse_identifier_upper_cases_the_key():
    assert v.parse_identifier("eng-42") == ("ENG", 42)
    assert v.parse_identifier("Eng-007") == ("ENG", 7)


@pytest.mark.parametrize("ref", [
    None, 42, b"ENG-1", "", "ENG", "ENG-", "-1", "A-1", "1ENG-1", "ENG-1-2", "ENG_1", "ENG 1", " ENG-1",
    "ENG-1\n", "ENG-\x001", "EN\x00G-1", "ENG-1234567890", "ENG-12345678901234567890", "ABCDEFGHIJK-1",
    "ENG-٤٢", "ENG-+1", "ENG--1", "E" * 100_000 + "-1", "ENG-" + "1" * 100_000,
])
def test_parse_identifier_refuses_what_is_not_an_identifier(ref):
    assert v.parse_identifier(ref) is None


# -- versions -------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, expected", [(None, None), ("", None), (0, 0), (3, 3), ("3", 3), (" 12 ", 12),
                                           ("007", 7)])
def test_parse_version_accepts_numbers_and_form_text(raw, expected):
    assert v.parse_version(raw) == expected


@pytest.mark.parametrize("raw", [True, False, 1.0, "1.0", "-1", "abc", "²", "٣", "1" * 19, [], {}, " "])
def test_parse_version_refuses_the_rest(raw):
    with pytest.raises(ValueError):
        v.parse_version(raw)


def test_services_own_the_version_message():
    errors: dict = {}
    assert validation.check_version(errors, "x") is None
    assert errors == {"version": validation.VERSION_MESSAGE}


# -- statuses and priorities -------------------------------------------------------------------

def test_statuses_have_labels_icons_and_consistent_groups():
    assert len(set(v.STATUSES)) == len(v.STATUSES) and v.DEFAULT_STATUS in v.STATUSES and v.DONE in v.STATUSES
    assert set(v.STATUS_LABELS) == set(v.STATUS_ICONS) == set(v.STATUSES)
    assert set(v.OPEN_STATUSES) | set(v.CLOSED_STATUSES) == set(v.STATUSES)
    assert not set(v.OPEN_STATUSES) & set(v.CLOSED_STATUSES)
    assert v.DONE in v.COUNTED_STATUSES and v.DONE not in v.OPEN_STATUSES
    assert set(v.PRIORITY_MENU) == set(v.PRIORITIES) and v.PRIORITY_MENU[-1] == v.NO_PRIORITY


def test_check_constraints_are_built_from_the_vocabulary():
    assert STATUS_CHECK == "status in (" + ",".join(f"'{s}'" for s in v.STATUSES) + ")"
    assert PRIORITY_CHECK == f"priority between {min(v.PRIORITIES)} and {max(v.PRIORITIES)}"
    checks = {str(c.name): str(c.sqltext) for c in Issue.__table__.constraints if isinstance(c, CheckConstraint)}
    assert checks == {"ck_issues_status": STATUS_CHECK, "ck_issues_priority": PRIORITY_CHECK}
    assert Issue.__table__.c.title.type.length == v.TITLE_MAX


def test_status_and_priority_messages_name_every_value():
    errors: dict = {}
    assert validation.check_status(errors, "later") is None and validation.check_priority(errors, "9") is None
    assert all(s in errors["status"] for s in v.STATUSES)
    assert all(f"{p} ({v.PRIORITY_LABELS[p].lower()})" in errors["priority"] for p in v.PRIORITIES)
    assert validation.check_priority({}, "2") == 2 and validation.check_priority({}, 3) == 3
    assert validation.check_priority(errors := {}, True) is None and errors


def test_api_schemas_follow_the_vocabulary():
    schema = IssueIn.model_json_schema()["properties"]
    assert schema["status"]["enum"] == list(v.STATUSES)
    assert schema["priority"]["enum"] == list(v.PRIORITIES)
    assert schema["title"]["maxLength"] == v.TITLE_MAX
    assert list(StatusCounts.model_fields) == list(v.STATUSES)
    assert [f.alias for f in PriorityCounts.model_fields.values()] == [str(p) for p in v.PRIORITIES]


def test_every_status_and_priority_has_a_label_and_an_icon(app):
    with app.test_request_context():
        for s in v.STATUSES:
            html = render_template_string('{% from "_macros/icons.html" import status_icon %}{{ status_icon(s) }}',
                                          s=s)
            assert f'aria-label="{v.STATUS_LABELS[s]}"' in html
            assert re.search(r"<(circle|path)\b", html), f"no shape for {s}"
        for p in v.PRIORITIES:
            html = render_template_string('{% from "_macros/icons.html" import priority_icon %}'
                                          "{{ priority_icon(p) }}", p=p)
            assert f'aria-label="{v.PRIORITY_LABELS[p]}"' in html and "<rect" in html
        sprite = render_template_string('{% from "_macros/icons.html" import icon_sprite %}{{ icon_sprite() }}')
        assert re.findall(r'id="icon-status-(\w+)"', sprite) == list(v.STATUSES)


# -- "adding a status is one edit" ---------------------------------------------------------------

# The API contract names these figures ("done", "canceled" in GET /dashboard/stats; an issue's
# sub_issues {total, done}).
CONTRACT_KEYS = {("linear_web/services/stats.py", "done"), ("linear_web/services/stats.py", "canceled"),
                 ("linear_web/models/issue.py", "done")}
OWNERS = {"linear_web/vocabulary.py", "linear_web/demo/issues.py"}  # the home, and the demo's weights


def test_no_module_spells_out_a_status():
    found = []
    for path in [*ROOT.glob("linear_web/**/*.py"), *ROOT.glob("templates/**/*.html"), *ROOT.glob("static/**/*.js")]:
        rel = path.relative_to(ROOT).as_posix()
        if rel in OWNERS or "/vendor/" in rel:
            continue
        text = path.read_text(encoding="utf-8")
        for status in v.STATUSES:
            if re.search(rf"""["']{status}["']""", text) and (rel, status) not in CONTRACT_KEYS:
                found.append((rel, status))
    assert found == []


def test_the_demo_weights_fail_loudly_on_an_unknown_status():
    from linear_web.demo import issues as demo
    demo.check_weights(demo.STATUS_WEIGHTS, demo.PRIORITY_WEIGHTS)
    with pytest.raises(ValueError, match="doing"):
        demo.check_weights({**demo.STATUS_WEIGHTS, "doing": 1}, demo.PRIORITY_WEIGHTS)


# -- the list's filters, asked of one issue ----------------------------------------------------

def test_matches_uses_the_list_filters(f):
    admin, other = f.user(), f.user()
    team = f.team(admin, key="ENG", members=[other])
    issue = f.issue(team, admin, title="Flaky login", status="todo", priority=2, assignee_id=admin)
    outsider = f.user()
    cases = [(IssueFilters(team_id=team.id), True),
             (IssueFilters(team_id=team.id, statuses=["todo", v.DONE]), True),
             (IssueFilters(team_id=team.id, statuses=[v.DONE]), False),
             (IssueFilters(team_id=team.id, priorities=[2]), True),
             (IssueFilters(team_id=team.id, priorities=[1]), False),
             (IssueFilters(team_id=team.id, assignee="me"), True),
             (IssueFilters(team_id=team.id, assignee="none"), False),
             (IssueFilters(team_id=team.id, q="login"), True),
             (IssueFilters(team_id=team.id, q="checkout"), False)]
    assert [(c, matches(admin, c, issue.id)) for c, _ in cases] == cases
    assert matches(other, IssueFilters(team_id=team.id, assignee="me"), issue.id) is False
    assert matches(outsider, IssueFilters(), issue.id) is False
