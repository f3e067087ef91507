"""Dashboards: all my teams (/dashboard) and one team (/team/<KEY>/dashboard).

The figures come from services.stats; this module only turns them into chart geometry (inline
SVG drawn by templates/dashboard/) and into links to the filtered issue list behind each figure.
"""
from datetime import date
from urllib.parse import urlencode

from flask import render_template, request, url_for
from flask_login import current_user, login_required

from . import htmx
from ..services import cycles, stats
from ..vocabulary import OPEN_STATUSES, PRIORITY_LABELS, PRIORITY_MENU, STATUS_LABELS, STATUSES
from . import bp
from .common import issue_url
from .common import load_team

CHART_W, CHART_H, PAD = 1000, 230, 34


def issue_list_url(team, **params) -> str:
    """/team/<KEY>/issues?… filtered like the figure (lists repeat the parameter)."""
    query = urlencode([(k, v) for k, vals in params.items() if vals is not None
                       for v in (vals if isinstance(vals, (list, tuple)) else [vals])])
    base = url_for("web.issue_list", key=team.key)
    return f"{base}?{query}" if query else base


def stacked(parts: list[dict], width: float = 100.0) -> list[dict]:
    """Lay parts ({value, …}) side by side over `width` in proportion; zero parts are dropped."""
    total = sum(p["value"] for p in parts)
    x, out = 0.0, []
    for p in parts:
        if not total or not p["value"]:
            continue
        w = width * p["value"] / total
        out.append({**p, "x": round(x, 3), "w": round(w, 3)})
        x += w
    return out


def status_rows(board: stats.Dashboard) -> list[dict]:
    """One stacked bar per team: a segment per status, each linking to that status's list."""
    return [{"team": t, "total": t.total, "segments": stacked([
        {"value": t.by_status[s], "cls": f"s-{s}", "label": f"{STATUS_LABELS[s]}: {t.by_status[s]}",
         "href": issue_list_url(t.team, status=s)} for s in STATUSES])} for t in board.stats.teams]


def priority_rows(board: stats.Dashboard) -> list[dict]:
    """One bar per priority, split by team; bar lengths relative to the largest priority."""
    totals = board.stats.by_priority
    top = max(totals.values(), default=0) or 1
    rows = []
    for p in PRIORITY_MENU:
        parts = [{"value": t.by_priority[p], "team": t.team,
                  "label": f"{t.team.key} · {PRIORITY_LABELS[p]}: {t.by_priority[p]}",
                  "href": issue_list_url(t.team, priority=p)} for t in board.stats.teams]
        rows.append({"priority": p, "label": PRIORITY_LABELS[p], "total": totals[p],
                     "segments": stacked(parts, 100.0 * totals[p] / top), "parts": parts})
    return rows


def assignee_rows(board: stats.Dashboard) -> list[dict]:
    """Open issues per (team, assignee) as bars relative to the busiest, linked to their lists."""
    top = max((r["open"] for r in board.assignees), default=0) or 1
    return [{**r, "w": round(100.0 * r["open"] / top, 3),
             "href": issue_list_url(r["team"], assignee=str(r["user_id"]) if r["user_id"] else "none",
                                    status=OPEN_STATUSES)} for r in board.assignees]


def series(days: list[dict]) -> dict:
    """The 30-day chart: an area + line for created, a line for completed, points with tooltips."""
    top = max([d["created"] for d in days] + [d["completed"] for d in days] + [1])
    step = (CHART_W - 2 * PAD) / max(len(days) - 1, 1)

    def point(i, n):
        return round(PAD + i * step, 2), round(CHART_H - PAD - (CHART_H - 2 * PAD) * n / top, 2)
    created = [point(i, d["created"]) for i, d in enumerate(days)]
    completed = [point(i, d["completed"]) for i, d in enumerate(days)]
    base = CHART_H - PAD
    line = " ".join(f"{x},{y}" for x, y in created)
    ticks = sorted({0, len(days) - 1} | set(range(0, len(days) - 3, 7)))
    return {"width": CHART_W, "height": CHART_H, "pad": PAD, "top": top, "base": base,
            "created_line": line, "completed_line": " ".join(f"{x},{y}" for x, y in completed),
            "created_area": f"{created[0][0]},{base} {line} {created[-1][0]},{base}",
            "points": [{"day": d["day"], "created": d["created"], "completed": d["completed"],
                        "cx": c[0], "cy": c[1], "dx": k[0], "dy": k[1]}
                       for d, c, k in zip(days, created, completed)],
            "ticks": [{"day": days[i]["day"], "x": created[i][0]} for i in ticks],
            "total_created": sum(d["created"] for d in days),
            "total_completed": sum(d["completed"] for d in days)}


def age_days(issue, today: date) -> int:
    """Days since the issue was opened."""
    return (today - issue.created_at.date()).days


def _render(board: stats.Dashboard, team=None):
    """The page, or only the #dashboard region when htmx (a live refresh) asks for it."""
    today = board.days[-1]["day"]
    context = dict(board=board, team=team, teams=board.stats.teams, status_rows=status_rows(board),
                   priority_rows=priority_rows(board), assignee_rows=assignee_rows(board),
                   chart=series(board.days), list_url=issue_list_url, issue_url=issue_url,
                   age=lambda i: age_days(i, today), self_url=request.path,
                   current_cycles=cycles.current_views(current_user, [t.team for t in board.stats.teams]))
    template = "dashboard/_body.html" if htmx.targets("dashboard") else "dashboard/page.html"
    return render_template(template, **context)


@bp.get("/dashboard")
@login_required
def dashboard_all():
    """Figures across all of my teams."""
    return _render(stats.dashboard(current_user))


@bp.get("/team/<key>/dashboard")
@login_required
def team_dashboard(key):
    """One team's figures (404 for outsiders)."""
    team = load_team(key)
    return _render(stats.dashboard(current_user, team.id), team)
