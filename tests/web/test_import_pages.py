"""Team settings › Import: the tab, the preview fragment (mapping, problems, first rows), the import
without JavaScript (303 to the summary) and with it (streamed progress lines), the summary, and
outsiders (404 everywhere)."""
import io
import json

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Issue

from .conftest import hx

CSV = ("Title,State,Labels,Assignee,Notes\n"
       "Write the importer,open,\"Feature, Backend\",,first\n"
       "Ship it,closed,Backend,,second\n").encode()


def form(data: bytes = CSV, **fields) -> dict:
    return {"file": (io.BytesIO(data), "issues.csv"), **fields}


def post(client, url, data: dict, headers=None):
    return client.post(url, data=data, content_type="multipart/form-data", headers=headers or {})


def issue_titles(team) -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(Issue.title).where(Issue.team_id == team.id).order_by(Issue.number)))


def test_the_settings_tabs_have_import_and_the_page_has_the_form(client, eng):
    client.login(eng.member)                                    # a plain member may import
    settings = client.get("/team/ENG/settings").get_data(as_text=True)
    assert 'href="/team/ENG/import"' in settings
    page = client.get("/team/ENG/import")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="import-form"' in html and 'type="file"' in html
    assert 'aria-current="page">Import</a>' in html and "<script>" not in html and "style=" not in html


def test_choosing_a_file_previews_columns_and_first_rows(client, eng):
    client.login(eng.admin)
    r = post(client, "/team/ENG/import/preview", form(), hx("import-preview"))
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.lstrip().startswith('<div id="import-preview"')
    assert '<option value="status" selected>Status</option>' in html          # "State" detected as the status
    assert 'name="map-4"' in html and '<option value="ignore" selected>Ignore</option>' in html   # Notes
    assert "Write the importer" in html and "Ship it" in html and "Import 2 issues" in html
    assert "Creates 2 new labels" in html and issue_titles(eng.team) == []


def test_changing_a_columns_mapping_changes_the_preview(client, eng):
    client.login(eng.admin)
    fields = {"map-0": "ignore", "header-0": "Title", "map-4": "title", "header-4": "Notes"}
    html = post(client, "/team/ENG/import/preview", form(**fields), hx("import-preview")).get_data(as_text=True)
    assert '<span class="import-row-title">first</span>' in html
    stale = {"map-0": "ignore", "header-0": "Another file's header"}        # another file: its own headers count
    html = post(client, "/team/ENG/import/preview", form(**stale), hx("import-preview")).get_data(as_text=True)
    assert '<span class="import-row-title">Write the importer</span>' in html


def test_problems_are_listed_with_row_and_column_and_there_is_no_import_button(client, eng):
    client.login(eng.admin)
    data = b"Title,Status\nGood,Todo\nBad,Sleeping\n,Done\n"
    r = post(client, "/team/ENG/import/preview", form(data), hx("import-preview"))
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "2 problems: nothing will be imported" in html
    assert "Row 3 · Status" in html and "“Sleeping”" in html and "Row 4 · Title" in html
    assert "data-import-submit" not in html


@pytest.mark.parametrize("data,words", [(b"", "The file is empty"), ("Title\nCafé\n".encode("latin-1"), "UTF-8"),
                                        (b"Name\nx\n", "No column holds the title")])
def test_unreadable_files_show_their_problem_not_a_500(client, eng, data, words):
    client.login(eng.admin)
    r = post(client, "/team/ENG/import/preview", form(data))
    assert r.status_code == 422 and words in r.get_data(as_text=True)
    assert 'id="import-form"' in r.get_data(as_text=True)                # the whole page, form included


def test_no_file_is_422_with_a_message(client, eng):
    client.login(eng.admin)
    for url in ("/team/ENG/import/preview", "/team/ENG/import"):
        r = post(client, url, {"file": (io.BytesIO(b""), "")})
        assert r.status_code == 422 and "Choose a CSV file" in r.get_data(as_text=True)


def test_import_without_javascript_redirects_to_the_summary(client, eng):
    client.login(eng.admin)
    r = post(client, "/team/ENG/import", form())
    assert r.status_code == 303 and r.headers["Location"].endswith("/team/ENG/import/done?first=1&last=2")
    assert issue_titles(eng.team) == ["Write the importer", "Ship it"]
    summary = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "Imported 2 issues" in summary and 'href="/issue/ENG-1"' in summary and 'href="/issue/ENG-2"' in summary
    assert "ENG-1 … ENG-2" in summary and 'aria-label="0 unread"' in summary    # the sidebar's own count


def test_a_bad_file_without_javascript_shows_the_problems_and_imports_nothing(client, eng):
    client.login(eng.admin)
    r = post(client, "/team/ENG/import", form(b"Title,Priority\nx,Maybe\n"))
    assert r.status_code == 422 and "Row 2 · Priority" in r.get_data(as_text=True)
    assert issue_titles(eng.team) == []


def test_import_with_javascript_streams_progress_then_the_summary(client, eng):
    client.login(eng.admin)
    rows = "Title\n" + "".join(f"Issue {n}\n" for n in range(1200))
    r = post(client, "/team/ENG/import", form(rows.encode()), {"Accept": "application/x-ndjson"})
    assert r.status_code == 200 and r.mimetype == "application/x-ndjson"
    lines = [json.loads(line) for line in r.get_data(as_text=True).splitlines()]
    phases = [(m["phase"], m["count"], m["total"]) for m in lines if "phase" in m]
    assert [p for p in phases if p[0] == "write"] == [("write", 1000, 1200), ("write", 1200, 1200)]
    assert phases[0][0] == "check" and phases[0][1] < phases[0][2]
    assert lines[-1] == {"finished": True, "created": 1200, "location": "/team/ENG/import/done?first=1&last=1200"}
    assert len(issue_titles(eng.team)) == 1200


def test_a_bad_file_streams_its_errors_and_imports_nothing(client, eng):
    client.login(eng.admin)
    r = post(client, "/team/ENG/import", form(b"Title,Status\nx,Nope\n"),
             {"Accept": "application/x-ndjson"})
    last = json.loads(r.get_data(as_text=True).splitlines()[-1])
    assert "Unknown status" in last["error"] and last["errors"][0]["row"] == 2 and issue_titles(eng.team) == []


def test_the_summary_lists_what_is_left_of_an_import(client, eng, f):
    client.login(eng.admin)
    for n in range(3):
        f.issue(eng.team, eng.admin, title=f"Row {n}")
    html = client.get("/team/ENG/import/done?first=2&last=3").get_data(as_text=True)
    assert "Imported 2 issues" in html and "Row 1" in html and "Row 2" in html and "Row 0" not in html
    assert 'href="/issue/ENG-2"' in html and 'href="/issue/ENG-3"' in html and 'href="/issue/ENG-1"' not in html
    assert "No issues numbered" in client.get("/team/ENG/import/done?first=50&last=60").get_data(as_text=True)
    assert client.get("/team/ENG/import/done").status_code == 303


def test_titles_with_html_are_inert_in_the_preview_and_summary(client, eng):
    client.login(eng.admin)
    data = b'Title\n"<img src=x onerror=alert(1)>"\n'
    html = post(client, "/team/ENG/import/preview", form(data), hx("import-preview")).get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    post(client, "/team/ENG/import", form(data))
    summary = client.get("/team/ENG/import/done?first=1&last=1").get_data(as_text=True)
    assert "<img src=x" not in summary


def test_outsiders_get_404_on_every_import_page_and_nothing_is_written(client, eng, outsider):
    client.login(outsider.user)
    assert client.get("/team/ENG/import").status_code == 404
    assert client.get("/team/ENG/import/done?first=1&last=2").status_code == 404
    for url in ("/team/ENG/import/preview", "/team/ENG/import"):
        assert post(client, url, form()).status_code == 404
        assert post(client, url, form(), {"Accept": "application/x-ndjson"}).status_code == 404
    assert issue_titles(eng.team) == []


def test_a_body_over_the_upload_limit_is_413(client, eng, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    client.login(eng.admin)
    assert post(client, "/team/ENG/import", form(b"Title\n" + b"x" * 4000 + b"\n")).status_code == 413
