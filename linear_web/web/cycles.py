"""A team's Cycles pages: the list (current, upcoming, completed) with progress, create, rename or
change dates inline, delete, the automatic-cycles settings (admins); and a cycle's page with its
figures, "Complete cycle", the burndown (inline SVG + a table) and its issues grouped by status.

Writes on the list page answer htmx with the page's #cycles-body region (a date change can move a
cycle to another section), plain posts with a 303 back to the page, or with the page again and the
errors next to their fields (422 bad input, 409 overlapping dates)."""
from dataclasses import replace
from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from . import bp, htmx
from ..services import access, cycles, issue_queries as queries
from ..services.errors import Conflict, ValidationError
from ..services.issue_queries import IssueFilters, Page
from ..vocabulary import CYCLE_NAME_MAX, CYCLE_WEEKS, OPEN_STATUSES, STATUSES, WEEKDAYS
from .activity_words import MONTHS
from .common import load_team, plural

BODY_ID = "cycles-body"
SECTIONS_ID = "cycles-sections"
DETAIL_ID = "cycle-page"
FIELDS = ("name", "starts_on", "ends_on")
GROUP_PAGE = 50  # rows of each status group on a cycle's page; "Load more" fetches the rest
SECTIONS = (("current", "Current"), ("upcoming", "Upcoming"), ("completed", "Completed"))
CHART_W, CHART_H, PAD, PAD_LEFT = 1000, 260, 30, 44


# -- words ---------------------------------------------------------------------------------------

def _day(value: date, year: bool) -> str:
    return f"{MONTHS[value.month - 1]} {value.day}" + (f", {value.year}" if year else "")


@bp.app_template_filter("cycle_span")
def cycle_span(cycle) -> str:
    """"Dec 7 – Dec 20" (this year), "Dec 21 – Jan 3, 2027", "Dec 7 – Dec 20, 2027": a year is
    written when it is not this year's, once when both days share it."""
    start, end, this_year = cycle.starts_on, cycle.ends_on, cycles.today().year
    return f"{_day(start, start.year not in (this_year, end.year))} – {_day(end, end.year != this_year)}"


@bp.app_template_filter("cycle_day")
def cycle_day(value: date) -> str:
    """"Dec 7", with the year when it is not this year's."""
    return _day(value, value.year != cycles.today().year)


def when(view: cycles.CycleView) -> str:
    """Days left of the current cycle, when an upcoming one starts, when a completed one ended."""
    if view.state == "current":
        return f"{plural(view.days_left, 'day')} left"
    if view.state == "upcoming":
        days = (view.cycle.starts_on - cycles.today()).days
        return "Starts tomorrow" if days == 1 else f"Starts in {plural(days, 'day')}"
    return f"Ended {cycle_day(view.cycle.ends_on)}"


# -- the list page -------------------------------------------------------------------------------

def _form() -> dict:
    """What the user sent of a cycle form, as typed."""
    return {k: request.form.get(k, "") for k in FIELDS}


def _suggestion(views: list) -> dict:
    """The create form's first dates: two weeks from the day after the last cycle (or today)."""
    start = cycles.today()
    if views:
        start = max(start, max(v.cycle.ends_on for v in views) + timedelta(days=1))
    return {"name": "", "starts_on": start.isoformat(), "ends_on": (start + timedelta(days=13)).isoformat()}


def _context(team, *, form=None, errors=None, row=None, row_form=None, row_errors=None,
             settings_form=None, settings_errors=None) -> dict:
    """Everything the page shows: the settled cycles with their figures (one GROUP BY) by section."""
    views = cycles.views_of(cycles.team_cycles(current_user, team))
    sections = {state: [v for v in views if v.state == state] for state, _ in SECTIONS}
    sections["completed"].reverse()  # the latest first
    settings = settings_form or {"cycles_auto": team.cycles_auto, "cycle_weeks": str(team.cycle_weeks),
                                 "cycle_start_day": str(team.cycle_start_day)}
    return dict(team=team, sections=sections, section_names=SECTIONS, when=when,
                form=form or _suggestion(views), errors=errors or {}, row=row, row_form=row_form or {},
                row_errors=row_errors or {}, is_admin=access.role_in(current_user, team) == "admin",
                settings=settings, settings_errors=settings_errors or {}, weeks=CYCLE_WEEKS,
                weekdays=WEEKDAYS, name_max=CYCLE_NAME_MAX)


def _page(team, status: int = 200, **kwargs):
    """The page, or its #cycles-body region for htmx: a write from the page, or a live refresh
    (which takes #cycles-sections out of it, leaving the forms and their messages alone)."""
    template = "cycles/_body.html" if htmx.targets(BODY_ID) or htmx.targets(SECTIONS_ID) else "cycles/list.html"
    return render_template(template, **_context(team, **kwargs)), status


def _done(team, message: str, anchor: str | None = None):
    """After a write: the flash, then the region again (htmx) or a 303 back to the page."""
    flash(message, "success")
    if htmx.targets(BODY_ID):
        return _page(team)
    return redirect(url_for("web.cycle_list", key=team.key, _anchor=anchor), 303)


@bp.get("/team/<key>/cycles")
@login_required
def cycle_list(key):
    """The team's cycles: current, upcoming, completed, each with its progress."""
    return _page(load_team(key))


@bp.post("/team/<key>/cycles")
@login_required
def cycle_create(key):
    """Create a cycle (any member); errors next to their fields, the input kept."""
    team = load_team(key)
    form = _form()
    try:
        view = cycles.create_cycle(current_user, team.id, form)
    except (ValidationError, Conflict) as err:
        return _page(team, err.status, form=form, errors=err.details)
    return _done(team, f"{view.cycle.title} created: {cycle_span(view.cycle)}.", f"cycle-{view.cycle.number}")


@bp.post("/team/<key>/cycles/<int:number>")
@login_required
def cycle_update(key, number):
    """Rename a cycle or change its dates (in its row on the list page)."""
    team = load_team(key)
    cycle = cycles.cycle_by_number(current_user, team, number)
    form = _form()
    data = {k: v for k, v in form.items() if k in request.form}
    try:
        view = cycles.update_cycle(current_user, cycle.id, data)
    except (ValidationError, Conflict) as err:
        return _page(team, err.status, row=number, row_form=form, row_errors=err.details)
    return _done(team, f"{view.cycle.title} saved: {cycle_span(view.cycle)}.", f"cycle-{number}")


@bp.post("/team/<key>/cycles/<int:number>/delete")
@login_required
def cycle_delete(key, number):
    """Delete a cycle: its issues stay, out of any cycle."""
    team = load_team(key)
    cycle = cycles.cycle_by_number(current_user, team, number)
    title = cycle.title
    cycles.delete_cycle(current_user, cycle.id)
    return _done(team, f"{title} deleted; its issues are no longer in a cycle.")


@bp.post("/team/<key>/cycles/settings")
@login_required
def cycle_settings(key):
    """Automatic cycles on or off, their length and start weekday (team admins; others 403)."""
    team = load_team(key)
    form = {"cycles_auto": request.form.get("cycles_auto") in ("on", "true", "1"),
            "cycle_weeks": request.form.get("cycle_weeks", ""),
            "cycle_start_day": request.form.get("cycle_start_day", "")}
    try:
        team = cycles.set_automatic(current_user, team.id, form["cycles_auto"], form["cycle_weeks"],
                                    form["cycle_start_day"])
    except ValidationError as err:
        return _page(team, err.status, settings_form=form, settings_errors=err.details)
    if team.cycles_auto:
        message = (f"Automatic cycles on: {plural(team.cycle_weeks, 'week')} long, "
                   f"starting on {WEEKDAYS[team.cycle_start_day]}.")
    else:
        message = "Automatic cycles off: cycles already planned stay."
    return _done(team, message, "cycle-settings-heading")


# -- a cycle's page ------------------------------------------------------------------------------

def burndown_chart(view: cycles.CycleView, points: list[dict]) -> dict | None:
    """The burndown's geometry: the x axis spans every day of the cycle (day i from x[i] to
    x[i+1]); remaining (scope − completed) as steps, scope as a thin line, the ideal line from the
    first day's scope (the first day with any) down to 0 at the end of the last day. None before
    the first day."""
    if not points:
        return None
    cycle = view.cycle
    days = (cycle.ends_on - cycle.starts_on).days + 1
    top = max([p["scope"] for p in points] + [1])
    step = (CHART_W - PAD_LEFT - PAD) / days
    base = CHART_H - PAD

    def x(i: float) -> float:
        return round(PAD_LEFT + i * step, 2)

    def y(n: float) -> float:
        return round(base - (base - PAD) * n / top, 2)

    def steps(values: list[int]) -> str:
        return " ".join(f"{x(i)},{y(v)} {x(i + 1)},{y(v)}" for i, v in enumerate(values))

    # From the first day's scope; a cycle planned after its first day starts from its first scope.
    first = next((p["scope"] for p in points if p["scope"]), 0)
    rows = []
    for i, p in enumerate(points):
        day = date.fromisoformat(p["date"])
        remaining = p["scope"] - p["completed"]
        rows.append({"day": day, "scope": p["scope"], "completed": p["completed"], "remaining": remaining,
                     "ideal": round(first * (1 - (i + 1) / days), 1), "x": x(i + 0.5), "y": y(remaining),
                     "x0": x(i), "w": round(step, 2)})
    ticks = sorted({0, days - 1} | set(range(0, days - 3, 7)))
    today = cycles.today()
    last = rows[-1]
    return {"width": CHART_W, "height": CHART_H, "pad": PAD, "left": PAD_LEFT, "right": CHART_W - PAD,
            "base": base, "top": top, "top_y": y(top), "mid": top // 2 if top >= 4 else None, "mid_y": y(top // 2),
            "remaining_line": steps([r["remaining"] for r in rows]),
            "scope_line": steps([r["scope"] for r in rows]),
            "ideal": {"x1": x(0), "y1": y(first), "x2": x(days), "y2": y(0)},
            "today_x": x((today - cycle.starts_on).days + 0.5) if view.state == "current" else None,
            "rows": rows, "first": first, "scope": last["scope"], "completed": last["completed"],
            "remaining": last["remaining"], "last_day": last["day"],
            "ticks": [{"day": cycle.starts_on + timedelta(days=i), "x": x(i + 0.5)} for i in ticks]}


def burndown_words(view: cycles.CycleView, chart: dict) -> str:
    """The chart's name for screen readers: what it is and where it stands."""
    words = (f"Burndown of {view.cycle.title}: {plural(chart['scope'], 'issue')} in scope, "
             f"{chart['remaining']} remaining, {chart['completed']} completed on {cycle_day(chart['last_day'])}")
    if view.state == "completed":
        return words + "; the cycle is completed."
    return words + f"; the ideal line reaches 0 on {cycle_day(view.cycle.ends_on)}."


def _grouped(filters: IssueFilters) -> dict:
    """The cycle's issues: counts and estimate sums per status (one GROUP BY), then the first page
    of each non-empty status: a fixed number of queries whatever the number of issues."""
    counts, points = queries.totals_by_status(current_user, filters)
    groups = [(s, queries.list_issues(current_user, replace(filters, statuses=[s]), limit=GROUP_PAGE)
               if counts[s] else Page([], None)) for s in STATUSES]
    return {"groups": [(s, page) for s, page in groups if counts[s]], "counts": counts, "points": points,
            "open_count": sum(counts[s] for s in OPEN_STATUSES)}


@bp.get("/team/<key>/cycles/<int:number>")
@login_required
def cycle_detail(key, number):
    """A cycle: its figures, the burndown, its issues by status; the region alone for htmx."""
    team = load_team(key)
    cycle = cycles.cycle_by_number(current_user, team, number)
    view = cycles.view_of(cycle)
    chart = burndown_chart(view, cycles.burndown(cycle))
    filters = IssueFilters(team_id=team.id, cycle=cycle.id)
    template = "cycles/_detail.html" if htmx.targets(DETAIL_ID) else "cycles/detail.html"
    return render_template(template, team=team, view=view, cycle=cycle, chart=chart, when=when,
                           chart_words=burndown_words(view, chart) if chart else "", filters=filters,
                           uses_estimates=team.estimates != "none", **_grouped(filters))


@bp.post("/team/<key>/cycles/<int:number>/complete")
@login_required
def cycle_complete(key, number):
    """End the current cycle today; its unfinished issues move to the next cycle, or out of cycles."""
    team = load_team(key)
    cycle = cycles.cycle_by_number(current_user, team, number)
    try:
        view, moved, target = cycles.complete_cycle(current_user, cycle.id)
    except ValidationError as err:
        flash(" ".join(err.details.values()) or err.message, "error")
        return redirect(url_for("web.cycle_detail", key=team.key, number=number), 303)
    title = view.cycle.title
    if not moved:
        message = f"{title} completed: no unfinished issues to move."
    elif target is not None:
        message = f"{title} completed: {plural(moved, 'unfinished issue')} moved to {target.title}."
    else:
        message = f"{title} completed: {plural(moved, 'unfinished issue')} moved out of cycles."
    flash(message, "success")
    return redirect(url_for("web.cycle_detail", key=team.key, number=number), 303)
