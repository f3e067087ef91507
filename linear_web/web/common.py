"""What every team page shares: the current team, the pickers, issue URLs, ages, plurals, initials,
due dates, estimates, filter URLs."""
from datetime import datetime, timezone
from functools import lru_cache

from flask import g, url_for
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from ..models.planning import parse_labels
from ..models.user import initials as name_initials
from ..infra.extensions import db
from ..services import access, cycles as cycle_service, teams as team_service
from ..services.issue_queries import IssueFilters, today
from ..vocabulary import OPEN_STATUSES, estimate_label
from . import bp

def load_team(key: str):
    """The current team for a team-scoped page (NotFound for outsiders) and the sidebar."""
    team = access.team_for(current_user, key)
    g.current_team = team
    return team


def pickers(team, *, labels: bool = True, subscribers_of=None) -> dict:
    """Members, projects and (for the filter and bulk menus) labels of the team, for filters,
    forms and property pickers, in one query. The issue page's label picker loads its own, so it
    passes labels=False. The team came through access (load_team, or a visible issue's team), so
    no second check. A team with automatic cycles gets the cycles it lacks first."""
    if team.cycles_auto:
        cycle_service.settle(current_user, team)
    return team_service.picker_options(team.id, labels=labels, subscribers_of=subscribers_of)


@bp.app_template_global()
def cycle_named(cycle_id, team_id) -> str:
    """The title of a cycle of the team that a picker does not offer (an issue's completed cycle,
    a completed cycle's filter); "" for another team's cycle."""
    from ..models import Cycle
    cycle = db.session.get(Cycle, cycle_id) if cycle_id else None
    return cycle.title if cycle is not None and cycle.team_id == team_id else ""


@bp.app_template_global()
def issue_url(issue, external: bool = False) -> str:
    """The issue page's URL. url_for once per request, then a concatenation: a list renders
    hundreds of rows, and url_for twice a row was a tenth of the fragment's time."""
    if external:
        return url_for("web.issue_detail", ref=issue.identifier, _external=True)
    prefix = g.get("issue_url_prefix")
    if prefix is None:
        # Identifiers (KEY-123) need no quoting, so the built URL of a placeholder is the prefix.
        prefix = g.issue_url_prefix = url_for("web.issue_detail", ref="_")[:-1]
    return prefix + issue.identifier


@bp.app_template_filter("age")
def age(value: datetime, suffix: bool = False) -> str:
    """Compact age of a timestamp: 5m, 3h, 2d, 6w, 1y (with suffix: "5m ago", "just now")."""
    seconds = max(0, (datetime.now(timezone.utc) - value).total_seconds())
    for unit, size in (("y", 31_536_000), ("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds >= size:
            return f"{int(seconds // size)}{unit}" + (" ago" if suffix else "")
    return "just now" if suffix else "now"


@bp.app_template_filter("plural")
def plural(count: int, noun: str) -> str:
    """"1 issue", "2 issues": the one plural rule of the pages and of their flash messages."""
    return f"{count} {noun if count == 1 else noun + 's'}"


@bp.app_template_global()
def is_overdue(issue) -> bool:
    """Due before today (UTC) and still open: what the `overdue` filter selects."""
    return issue.due_date is not None and issue.status in OPEN_STATUSES and issue.due_date < today()


bp.add_app_template_global(estimate_label, "estimate_label")


@bp.app_template_filter("label_chips")
@lru_cache(maxsize=8192)
def label_chips(summary: str | None) -> Markup:
    """The chips of a row's `label_summary`, by name. Rows and cards render thousands of them, so
    the markup of each distinct summary is kept: the summary holds each label's id, colour and
    name, so a renamed or recoloured label is a new key, never a stale chip."""
    return Markup("".join(f'<span class="label-chip" data-label-color="{escape(c.color)}">{escape(c.name)}</span>'
                          for c in parse_labels(summary)))


@bp.app_template_filter("initials")
def initials(name: str) -> str:
    """Avatar letters of a bare name (a live viewer), by the rule User.initials uses; "?" for none."""
    return name_initials(name) or "?"


@bp.app_template_global()
def filter_url(endpoint: str, key: str, filters: IssueFilters, display=None, **extra) -> str:
    """A URL of a team view that keeps the current filters and display options (plus extra parameters)."""
    args = MultiDict(filters.to_args() + (display.to_args() if display is not None else []))
    for name, value in extra.items():
        args[name] = value
    return url_for(endpoint, key=key, **args.to_dict(flat=False))
