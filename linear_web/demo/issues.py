"""Demo issues for `seed-demo`: a few hundred believable issues over the last 60 days.

Issues, status changes, comments and planning (labels, sub-issues, due dates, estimates, "blocks"
relations) go through the services (numbers, activity rows, events);
only the timestamps are rewritten afterwards so the workspace looks lived in. A team that already
has issues is left alone, so running seed-demo again changes nothing.
"""
from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import bindparam, func, select, update

from ..infra.extensions import db
from ..models import Activity, Comment, Issue, Membership, Project, Team, User, utcnow
from ..services import comments, issues, labels as label_service, relations
from ..vocabulary import ESTIMATE_SCALES, LABEL_COLORS, OPEN_STATUSES, PRIORITIES, STATUSES

# (share of the issues, statuses weighted like a real team's board)
TEAM_SHARE = {"ENG": 0.6, "DES": 0.4}
STATUS_WEIGHTS = {"backlog": 25, "todo": 20, "in_progress": 15, "done": 32, "canceled": 8}
PRIORITY_WEIGHTS = {0: 25, 1: 15, 2: 35, 3: 25}
# Issues start in one of these; later statuses are reached by an update, so the history has the change.
START_STATUSES = ("backlog", "todo")


def check_weights(status_weights: dict, priority_weights: dict) -> None:
    """Fail loudly when the demo weights name a status or priority the vocabulary does not have."""
    unknown = [s for s in (*status_weights, *START_STATUSES) if s not in STATUSES]
    unknown += [p for p in priority_weights if p not in PRIORITIES]
    if unknown:
        raise ValueError(f"Demo weights name values outside the vocabulary: {unknown}")


check_weights(STATUS_WEIGHTS, PRIORITY_WEIGHTS)

SUBJECTS = {
    "ENG": ["login form", "session cookie", "CSV export", "issue list", "board drag and drop", "search box",
            "WebSocket reconnect", "API rate limits", "password reset email", "attachment upload",
            "dashboard stats", "keyset pagination", "OpenAPI document", "activity timeline",
            "PostgreSQL connection pool", "Markdown preview", "CSRF token refresh", "gunicorn workers",
            "migration for comments", "notification settings", "team invitations", "API keys page"],
    "DES": ["empty states", "dark theme", "status icons", "priority bars", "sidebar navigation",
            "issue detail layout", "onboarding flow", "keyboard shortcut overlay", "button styles",
            "form error messages", "avatar initials", "board card density", "colour tokens",
            "focus outlines", "mobile sidebar", "typography scale", "settings page"],
}
PATTERNS = ["Fix {s} on Safari", "{S} is slow with many issues", "Redesign the {s}", "Add tests for the {s}",
            "{S} loses input after a failed save", "Document the {s}", "Improve accessibility of the {s}",
            "{S}: handle the empty case", "Refactor the {s}", "Polish the {s}", "{S} breaks in dark mode",
            "Investigate flaky {s}", "Make the {s} keyboard friendly", "Measure the {s} in production"]
DESCRIPTIONS = [
    "## Problem\nThe {s} misbehaves for some users.\n\n## Steps\n1. Open the {s}\n2. Do the usual thing\n"
    "3. See it go wrong\n\n**Expected:** it just works.",
    "We should revisit the {s} before the next release.\n\n- [x] Collect feedback\n- [ ] Sketch options\n"
    "- [ ] Decide and ship",
    "Reported by a customer:\n\n> The {s} feels off compared to the rest of the app.\n\nSee the thread for details.",
    "Notes on the {s}:\n\n| Case | Today | Target |\n|---|---|---|\n| small team | fine | fine |\n"
    "| 10k issues | slow | < 50 ms |",
    "Repro:\n\n```\ncurl -s localhost:8000/health\n```\n\nThe {s} should not depend on this.",
    "",
]
LABELS = {"ENG": ["Bug", "Feature", "Performance", "Security", "Tech debt", "Docs"],
          "DES": ["Research", "UI", "Brand", "Accessibility", "Bug"]}
# Share of issues with: a parent (an earlier top-level issue), a due date (open issues only), an
# estimate, a "blocks" relation from an earlier open issue.
PARENT_SHARE, DUE_SHARE, ESTIMATE_SHARE, BLOCKED_SHARE = 0.15, 0.2, 0.6, 0.05
COMMENTS = ["I can reproduce this on my machine.", "Should we split this into two issues?",
            "Fixed in the latest build, please check.", "Added a screenshot to the thread.",
            "This overlaps with the **{s}** work from last sprint.", "Moving this to next cycle.",
            "Looks good to me 👍", "Can we get numbers before and after?"]


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _team_context(team: Team):
    """Members (users) and projects of a team, in a stable order."""
    members = list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                      .where(Membership.team_id == team.id).order_by(User.email)))
    projects = list(db.session.scalars(select(Project).where(Project.team_id == team.id).order_by(Project.name)))
    return members, projects


def _fake_issue(rng: random.Random, key: str, members, projects) -> dict:
    subject = rng.choice(SUBJECTS[key])
    title = rng.choice(PATTERNS).format(s=subject, S=subject[0].upper() + subject[1:])
    return {"title": title, "description": rng.choice(DESCRIPTIONS).format(s=subject),
            "priority": _pick(rng, PRIORITY_WEIGHTS),
            "assignee_id": str(rng.choice(members).id) if rng.random() < 0.75 else None,
            "project_id": str(rng.choice(projects).id) if projects and rng.random() < 0.7 else None,
            "subject": subject}


def _team_labels(team: Team, actor: User) -> list[str]:
    """The team's demo labels (made when missing), as ids."""
    have = {label.name: label for label in label_service.list_labels(actor, team.id)}
    for i, name in enumerate(LABELS.get(team.key, [])):
        if name not in have:
            color = LABEL_COLORS[1 + i % (len(LABEL_COLORS) - 1)]  # a colour of its own (not the default grey)
            have[name] = label_service.create_label(actor, team.id, name, color)
    return [str(label.id) for label in have.values()]


def _planning(rng: random.Random, team: Team, label_ids: list[str], earlier: list[tuple], status: str) -> dict:
    """Labels, estimate, due date and parent of a new demo issue; `earlier` holds the team's
    (id, status, is top-level) of the issues made before it."""
    out: dict = {"label_ids": rng.sample(label_ids, rng.choice((0, 1, 1, 1, 2)))}
    scale = list(ESTIMATE_SCALES.get(team.estimates, {}))
    if scale and rng.random() < ESTIMATE_SHARE:
        out["estimate"] = rng.choice(scale)
    if status in OPEN_STATUSES and rng.random() < DUE_SHARE:
        out["due_date"] = (utcnow() + timedelta(days=rng.randint(-10, 30))).date().isoformat()
    tops = [iid for iid, _, top in earlier[-40:] if top]
    if tops and rng.random() < PARENT_SHARE:
        out["parent_id"] = rng.choice(tops)
    return out


def _seed_team(rng: random.Random, team: Team, count: int) -> tuple[int, int]:
    """Create `count` issues (with some status changes and comments); (issues, comments) made."""
    members, projects = _team_context(team)
    label_ids = _team_labels(team, members[0])
    now, stamps, comment_stamps, made = utcnow(), [], [], []
    for _ in range(count):
        data = _fake_issue(rng, team.key, members, projects)
        subject = data.pop("subject")
        actor = rng.choice(members)
        status = _pick(rng, STATUS_WEIGHTS)
        start = status if status in START_STATUSES else START_STATUSES[-1]
        data.update(_planning(rng, team, label_ids, made, status))
        issue = issues.create_issue(actor, team.id, {**data, "status": start})
        if status != start:
            issues.update_issue(rng.choice(members), issue.id, {"status": status})
        blockers = [iid for iid, st, _ in made[-30:] if st in OPEN_STATUSES]
        if status in OPEN_STATUSES and blockers and rng.random() < BLOCKED_SHARE:
            relations.add_relation(actor, issue.id, "blocked_by", rng.choice(blockers))
        made.append((str(issue.id), status, "parent_id" not in data))
        created = now - timedelta(days=rng.uniform(0, 60))
        updated = min(now, created + timedelta(hours=rng.uniform(0, 24 * 20)))
        stamps.append({"b_id": issue.id, "b_created": created, "b_updated": updated})
        if rng.random() < 0.3:
            for _ in range(rng.randint(1, 3)):
                c = comments.create_comment(rng.choice(members), issue.id, rng.choice(COMMENTS).format(s=subject))
                at = created + (updated - created) * rng.random()
                comment_stamps.append({"b_id": c.id, "b_created": at, "b_updated": at})
    _backdate(stamps, comment_stamps)
    return len(stamps), len(comment_stamps)


def _backdate(stamps: list[dict], comment_stamps: list[dict]) -> None:
    """Spread the new rows over the last 60 days (issues, their activity and comments)."""
    issues_t, comments_t, activity_t = Issue.__table__, Comment.__table__, Activity.__table__
    if stamps:
        db.session.execute(update(issues_t).where(issues_t.c.id == bindparam("b_id")).values(
            created_at=bindparam("b_created"), updated_at=bindparam("b_updated"),
            position=bindparam("b_position")),
            [{**s, "b_position": -s["b_created"].timestamp()} for s in stamps])
        for action, column in (("created", issues_t.c.created_at), ("updated", issues_t.c.updated_at),
                               ("commented", issues_t.c.updated_at)):
            owner = select(column).where(issues_t.c.id == activity_t.c.issue_id).scalar_subquery()
            ids = [s["b_id"] for s in stamps]
            for chunk in range(0, len(ids), 500):
                db.session.execute(update(activity_t).where(activity_t.c.action == action,
                                                            activity_t.c.issue_id.in_(ids[chunk:chunk + 500]))
                                   .values(created_at=owner))
    if comment_stamps:
        db.session.execute(update(comments_t).where(comments_t.c.id == bindparam("b_id")).values(
            created_at=bindparam("b_created"), updated_at=bindparam("b_updated")), comment_stamps)
    db.session.commit()


def seed_issues(count: int = 300, *, seed: int = 20261126):
    """Create about `count` demo issues across ENG and DES (only for teams without issues)."""
    rng = random.Random(seed)
    for key, share in TEAM_SHARE.items():
        team = db.session.scalar(select(Team).where(Team.key == key))
        if team is None:
            continue
        has_issues = db.session.scalar(select(func.count()).select_from(Issue).where(Issue.team_id == team.id))
        if has_issues:
            yield f"{key}: already has {has_issues} issues, left as they are."
            continue
        made, talk = _seed_team(rng, team, max(1, round(count * share)))
        yield f"{key}: created {made} demo issues and {talk} comments."
