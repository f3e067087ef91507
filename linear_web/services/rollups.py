"""Sub-issue progress and "blocked", stored on each issue's row and kept at commit.

A list, a board or an export reads `issues.sub_total`, `sub_done` and `blocked` with the row
instead of counting sub-issues and probing blocking relations per row. The services say which
issues a change touches (`touch`): an issue whose status or parent changed, the two issues of a
relation added or removed, an issue leaving its team. At commit those issues, their parents and
the issues they block are worked out again from the planning tables in one UPDATE, which writes
only the rows whose figures moved. An issue whose status changed (`touch_status`) only passes
the work on to its parent and the issues it blocks: its own figures do not depend on its status.
Before an issue is deleted, `touch_neighbours` notes its parent and the issues it blocks: the
database's cascades remove those links with it.

Two hooks around the list cache's own (services/../list_cache.py), in this order at commit:
`_plan` names the teams whose lists will change (an issue may block one in another team), the
list cache bumps a version stripe of each of those teams in id order, then `_write` flushes and
updates the issue rows. Version stripes before issue rows, as every write takes them: no
lock-order deadlock.
"""
from __future__ import annotations

from sqlalchemy import event as sa_event, or_, select, union
from sqlalchemy.orm import Session

from ..list_cache import mark_changed
from ..infra.extensions import db
from ..models import Issue, IssueParent, IssueRelation
from ..models.planning import blocked_sql, sub_done_sql, sub_total_sql

TOUCHED, STATUS, PLANNED = "rollups_touched", "rollups_status", "rollups_planned"


def touch(*issue_ids) -> None:
    """These issues' parent or blocking relations change in this transaction."""
    db.session().info.setdefault(TOUCHED, set()).update(i for i in issue_ids if i is not None)


def touch_status(issue_id) -> None:
    """The issue's status changes: its parent's progress and the marks of the issues it blocks
    move, not its own figures (an issue with neither costs one query at commit, no write)."""
    db.session().info.setdefault(STATUS, set()).add(issue_id)


def touch_neighbours(issue_id) -> None:
    """The issue is about to be deleted: its parent and the issues it blocks need new figures."""
    touch(*_neighbours(db.session(), {issue_id}))


def _neighbours(sess, ids) -> set:
    """The parents of `ids` and the issues they block."""
    parents = select(IssueParent.parent_id).where(IssueParent.issue_id.in_(ids))
    blocked = select(IssueRelation.target_id).where(IssueRelation.source_id.in_(ids), IssueRelation.type == "blocks")
    with sess.no_autoflush:
        return set(sess.scalars(union(parents, blocked)))


def _plan(sess) -> None:
    """Before the list cache bumps team rows: the issues to rework and the teams they are in."""
    ids, status = sess.info.pop(TOUCHED, None) or set(), sess.info.pop(STATUS, None) or set()
    if not ids and not status:
        return
    ids = ids | _neighbours(sess, ids | status)
    if not ids:
        return
    with sess.no_autoflush:
        mark_changed(*sess.scalars(select(Issue.team_id).where(Issue.id.in_(ids)).distinct()))
    sess.info[PLANNED] = ids


def _write(sess) -> None:
    """After the team rows are locked: flush, then write the figures that moved."""
    ids = sess.info.pop(PLANNED, None)
    if not ids:
        return
    sess.flush()
    issues = Issue.__table__
    total, done, blocked = sub_total_sql(issues.c.id), sub_done_sql(issues.c.id), blocked_sql(issues.c.id)
    sess.execute(issues.update()
                 .where(issues.c.id.in_(ids),
                        or_(issues.c.sub_total != total, issues.c.sub_done != done, issues.c.blocked != blocked))
                 .values(sub_total=total, sub_done=done, blocked=blocked))


def _forget(sess, *_args) -> None:
    sess.info.pop(TOUCHED, None)
    sess.info.pop(STATUS, None)
    sess.info.pop(PLANNED, None)


def install_planning(app) -> None:
    """Register before list_cache.install (see the module's docstring)."""
    if not sa_event.contains(Session, "before_commit", _plan):
        sa_event.listen(Session, "before_commit", _plan)
        sa_event.listen(Session, "after_soft_rollback", _forget)


def install_writing(app) -> None:
    """Register after list_cache.install."""
    if not sa_event.contains(Session, "before_commit", _write):
        sa_event.listen(Session, "before_commit", _write)
