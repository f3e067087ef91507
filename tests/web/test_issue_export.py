"""CSV export of the list's filter: columns, formula guard, filters, streaming, filename."""
import csv
import io

import pytest


@pytest.fixture
def team(f):
    admin = f.user(name="Ada Lovelace")
    bob = f.user(name="=HYPERLINK(\"http://evil\")")
    t = f.team(admin, key="ENG", name="Engineering", members=[bob])
    return t, admin, bob


def read_csv(resp) -> list[list[str]]:
    text = resp.get_data(as_text=True)
    assert text.startswith("\ufeff")  # UTF-8 with BOM: spreadsheets pick the encoding
    return list(csv.reader(io.StringIO(text[1:])))


def test_export_columns_rows_and_headers(client, f, team):
    t, admin, bob = team
    web = f.project(t, admin, name="Website")
    f.issue(t, admin, title="Ünïcode title", status="todo", priority=1, project_id=web, assignee_id=bob)
    resp = client.login(admin).get("/team/ENG/issues/export.csv")
    assert resp.status_code == 200 and resp.is_streamed
    assert resp.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = resp.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="linear_web-eng-') and disposition.endswith('.csv"')
    rows = read_csv(resp)
    assert rows[0] == ["identifier", "title", "status", "priority", "team", "project", "assignee", "creator",
                       "created_at", "updated_at", "labels", "parent", "due_date", "estimate", "cycle"]
    assert rows[1][:8] == ["ENG-1", "Ünïcode title", "todo", "1", "Engineering", "Website",
                           "'=HYPERLINK(\"http://evil\")", "Ada Lovelace"]
    assert rows[1][8].endswith("+00:00")


@pytest.mark.parametrize("title", ["=1+2", "+cmd", "-2", "@SUM(A1)"])  # titles are trimmed: no leading tab or CR
def test_formula_cells_are_guarded(client, f, team, title):
    t, admin, _ = team
    f.issue(t, admin, title=title + " tail")
    rows = read_csv(client.login(admin).get("/team/ENG/issues/export.csv"))
    assert rows[1][1] == "'" + title + " tail"


def test_export_uses_the_same_filters_as_the_list(client, f, team):
    t, admin, bob = team
    f.issue(t, admin, title="a", status="todo")
    f.issue(t, admin, title="b", status="done", assignee_id=admin)
    f.issue(t, admin, title="c", status="done")
    client.login(admin)
    rows = read_csv(client.get("/team/ENG/issues/export.csv?status=done&assignee=none"))
    assert [r[0] for r in rows[1:]] == ["ENG-3"]
    html = client.get("/team/ENG/issues?status=done&assignee=none").get_data(as_text=True)
    assert 'href="/team/ENG/issues/export.csv?status=done&amp;assignee=none"' in html


def test_export_of_many_issues_streams_in_batches(client, f, team, monkeypatch):
    from linear_web.services import exports
    monkeypatch.setattr(exports, "BATCH", 7)
    t, admin, _ = team
    for n in range(20):
        f.issue(t, admin, title=f"n{n}")
    resp = client.login(admin).get("/team/ENG/issues/export.csv")
    chunks = list(resp.response)
    assert len(chunks) >= 4  # header + 3 batches, not one big string
    rows = list(csv.reader(io.StringIO("".join(c if isinstance(c, str) else c.decode() for c in chunks)[1:])))
    assert len(rows) == 21 and len({r[0] for r in rows[1:]}) == 20


def test_export_only_has_this_teams_issues(client, f, team):
    t, admin, _ = team
    other = f.team(admin, key="OPS")
    f.issue(t, admin, title="ours")
    f.issue(other, admin, title="other team")
    rows = read_csv(client.login(admin).get("/team/ENG/issues/export.csv"))
    assert [r[1] for r in rows[1:]] == ["ours"]


def test_bad_filter_on_export_is_422(client, team):
    t, admin, _ = team
    resp = client.login(admin).get("/team/ENG/issues/export.csv?sort=evil")
    assert resp.status_code == 422 and "text/html" in resp.headers["Content-Type"]


def test_outsider_export_is_404(client, f, team):
    t, admin, _ = team
    f.issue(t, admin, title="secret")
    resp = client.login(f.user()).get("/team/ENG/issues/export.csv")
    assert resp.status_code == 404 and "secret" not in resp.get_data(as_text=True)


def test_timestamps_are_written_as_isoformat_in_utc(client, f, team):
    """PostgreSQL formats them in SQL: the text must match datetime.isoformat(), whole seconds too."""
    from datetime import datetime, timezone

    from linear_web.infra.extensions import db
    t, admin, _ = team
    whole, fraction = f.issue(t, admin, title="whole"), f.issue(t, admin, title="fraction")
    whole.created_at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    fraction.created_at = datetime(2026, 1, 2, 3, 4, 5, 120, tzinfo=timezone.utc)
    db.session.commit()
    rows = {r[1]: r for r in read_csv(client.login(admin).get("/team/ENG/issues/export.csv"))[1:]}
    assert rows["whole"][8] == "2026-01-02T03:04:05+00:00"
    assert rows["fraction"][8] == "2026-01-02T03:04:05.000120+00:00"
    assert rows["whole"][9] == whole.updated_at.isoformat()


def test_export_has_the_planning_cells(client, f, team):
    from linear_web.services import labels, teams
    t, admin, _ = team
    teams.update_team(admin, t.id, estimates="tshirt")
    bug, evil = labels.create_label(admin, t.id, "bug"), labels.create_label(admin, t.id, "=Evil")
    parent = f.issue(t, admin, title="Parent")
    f.issue(t, admin, title="Child", parent_id=parent.id, due_date="2026-12-05", estimate=5,
            label_ids=[str(bug.id), str(evil.id)])
    rows = read_csv(client.login(admin).get("/team/ENG/issues/export.csv"))
    child = next(r for r in rows if r[1] == "Child")
    assert child[10:] == ["'=Evil, bug", parent.identifier, "2026-12-05", "L", ""]
    assert next(r for r in rows if r[1] == "Parent")[10:] == ["", "", "", "", ""]
