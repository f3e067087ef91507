"""The one plural rule, the one initials rule and the one <time> macro the templates share."""
from datetime import UTC, date, datetime, timedelta

from flask import render_template_string

from linear_web.models import User
from linear_web.web.common import initials, plural

TIME = '{% from "_macros/time.html" import timestamp %}'


def test_plural_says_one_issue_and_otherwise_issues():
    assert [plural(n, "issue") for n in (0, 1, 2)] == ["0 issues", "1 issue", "2 issues"]


def test_initials_of_a_bare_name_follow_the_user_rule():
    for name in ("Ada Lovelace", "ada byron lovelace", "  Grace   Hopper ", "Cher"):
        assert initials(name) == User(name=name, email="x@example.com").initials
    assert initials("Ada Lovelace") == "AL" and initials("   ") == "?"
    assert User(name=" ", email="zed@example.com").initials == "Z"


def test_timestamp_has_iso_datetime_full_title_and_compact_age(app):
    when = datetime.now(UTC) - timedelta(hours=3)
    with app.test_request_context():
        html = render_template_string(TIME + '{{ timestamp(when, "Created ", suffix=False, class="row-age") }}',
                                      when=when)
        ago = render_template_string(TIME + "{{ timestamp(when) }}", when=when)
        fixed = render_template_string(TIME + '{{ timestamp(when, format="%Y") }}', when=when)
        day = render_template_string(TIME + '{{ timestamp(d, format="%b %-d") }}', d=date(2024, 3, 5))
    full = when.strftime("%Y-%m-%d %H:%M")
    assert html == f'<time class="row-age" datetime="{when.isoformat()}" title="Created {full} UTC">3h</time>'
    assert ago.endswith(f'title="{full} UTC">3h ago</time>')
    assert fixed.endswith(f">{when:%Y}</time>")
    assert day == '<time datetime="2024-03-05" title="2024-03-05">Mar 5</time>'
