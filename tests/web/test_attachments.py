"""Attachments in the browser: upload fragment and statuses, content headers, rename, delete, access."""
import io
import re

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Attachment
from linear_web.services import attachments
from tests.services.test_attachments import DISGUISED, PDF, empty_upload_dir, make_png, upload_dir_files

FRAGMENT = {"HX-Request": "true", "HX-Target": "attachments"}


@pytest.fixture(autouse=True)
def _empty_uploads(app):
    empty_upload_dir(app)


@pytest.fixture
def as_ada(client, eng, outsider, crash):
    """Ada logged in on the client: (Ada, Eve the outsider, ENG-1)."""
    client.login(eng.admin)
    return eng.admin, outsider.user, crash


def post_files(client, identifier, files, headers=FRAGMENT, **kw):
    data = {"file": [(io.BytesIO(body), name) for name, body in files]}
    return client.post(f"/issue/{identifier}/attachments", data=data, headers=headers,
                       content_type="multipart/form-data", **kw)


def test_upload_several_files_returns_the_fragment_with_the_list(client, as_ada):
    _, _, issue = as_ada
    resp = post_files(client, "ENG-1", [("shot.png", make_png()), ("log.txt", b"line one\nline two\n")])
    assert resp.status_code == 201
    html = resp.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="attachments"') and "<html" not in html
    assert 'id="attachment-count">2<' in html
    assert "shot.png" in html and "log.txt" in html and "Ada" in html
    att = db.session.scalars(db.select(Attachment).where(Attachment.filename == "shot.png")).one()
    assert f'<img src="/attachments/{att.id}/content"' in html  # image preview
    assert "attachments.js" not in html  # assets only with the full page


def test_plain_form_upload_redirects_to_the_issue(client, as_ada):
    resp = post_files(client, "ENG-1", [("a.pdf", PDF)], headers={})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/issue/ENG-1")
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 1


@pytest.mark.parametrize("name,data", DISGUISED, ids=[d[0] for d in DISGUISED])
def test_disguised_upload_is_415_with_a_message(client, as_ada, app, name, data):
    resp = post_files(client, "ENG-1", [(name, data)])
    assert resp.status_code == 415
    assert re.search(r'data-upload-error>[^<]*not allowed', resp.get_data(as_text=True))
    assert upload_dir_files(app) == []


def test_empty_file_and_no_file_are_422(client, as_ada):
    assert post_files(client, "ENG-1", [("empty.txt", b"")]).status_code == 422
    resp = client.post("/issue/ENG-1/attachments", data={}, headers=FRAGMENT)
    assert resp.status_code == 422 and "Choose a file" in resp.get_data(as_text=True)


def test_plain_form_error_is_the_error_page_with_status(client, as_ada):
    resp = post_files(client, "ENG-1", [("x.svg", DISGUISED[1][1])], headers={})
    assert resp.status_code == 415 and "not allowed" in resp.get_data(as_text=True)


def test_oversized_upload_is_413_before_reading_and_leaves_no_file(client, as_ada, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    resp = post_files(client, "ENG-1", [("big.txt", b"a" * (2 * 1024 * 1024))])
    assert resp.status_code == 413
    assert upload_dir_files(app) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_upload_without_csrf_token_is_400(client, as_ada, app):
    resp = post_files(client, "ENG-1", [("a.txt", b"hello there")], csrf=False)
    assert resp.status_code == 400 and upload_dir_files(app) == []


def test_path_in_name_is_stored_as_its_last_part(client, as_ada):
    assert post_files(client, "ENG-1", [("../../etc/passwd", b"root:x:0:0")]).status_code == 201
    assert db.session.scalars(db.select(Attachment.filename)).one() == "passwd"


def _upload(as_ada, name, data):
    ada, _, issue = as_ada
    return attachments.upload(ada, issue.id, io.BytesIO(data), name)


def test_image_content_is_inline_and_sandboxed(client, as_ada):
    att = _upload(as_ada, "shot.png", make_png())
    resp = client.get(f"/attachments/{att.id}/content")
    assert resp.status_code == 200 and resp.data == make_png()
    assert resp.headers["Content-Type"] == "image/png"
    assert resp.headers["Content-Disposition"] == "inline; filename=\"shot.png\"; filename*=UTF-8''shot.png"
    assert resp.headers["Content-Security-Policy"] == "sandbox"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    forced = client.get(f"/attachments/{att.id}/content?download=1")
    assert forced.headers["Content-Disposition"].startswith("attachment;")


def test_other_content_downloads_with_an_encoded_name(client, as_ada):
    att = _upload(as_ada, 'résumé "final";.pdf', PDF)
    resp = client.get(f"/attachments/{att.id}/content")
    assert resp.headers["Content-Type"] == "application/pdf"
    assert resp.headers["Content-Disposition"] == (
        "attachment; filename=\"r_sum_ _final__.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22%3B.pdf")
    assert resp.headers["Content-Security-Policy"] == "sandbox"


def test_missing_file_is_a_404_page(client, as_ada, app):
    att = _upload(as_ada, "a.txt", b"hello there")
    empty_upload_dir(app)
    resp = client.get(f"/attachments/{att.id}/content")
    assert resp.status_code == 404


def test_rename_and_its_422(client, as_ada):
    att = _upload(as_ada, "a.txt", b"hello there")
    resp = client.post(f"/attachments/{att.id}/rename", data={"filename": "notes.txt"}, headers=FRAGMENT)
    assert resp.status_code == 200 and "notes.txt" in resp.get_data(as_text=True)
    bad = client.post(f"/attachments/{att.id}/rename", data={"filename": "/"}, headers=FRAGMENT)
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and 'aria-invalid="true"' in html and "needs a name" in html
    db.session.expire_all()
    assert db.session.get(Attachment, att.id).filename == "notes.txt"


def test_delete_removes_row_and_file(client, as_ada, app):
    att_id = _upload(as_ada, "a.txt", b"hello there").id
    resp = client.post(f"/attachments/{att_id}/delete", headers=FRAGMENT)
    assert resp.status_code == 200 and "No files yet" in resp.get_data(as_text=True)
    db.session.expire_all()
    assert upload_dir_files(app) == [] and db.session.get(Attachment, att_id) is None


def test_outsider_gets_404_everywhere_and_nothing_changes(make_client, as_ada, app):
    _, eve, issue = as_ada
    att = _upload(as_ada, "secret.txt", b"top secret words")
    outsider = make_client().login(eve)
    for method, url, kw in [
        ("get", "/issue/ENG-1/attachments", {"headers": FRAGMENT}),
        ("post", "/issue/ENG-1/attachments", {"data": {"file": (io.BytesIO(b"hello there"), "x.txt")},
                                              "headers": FRAGMENT}),
        ("get", f"/attachments/{att.id}/content", {}),
        ("post", f"/attachments/{att.id}/rename", {"data": {"filename": "pwned.txt"}, "headers": FRAGMENT}),
        ("post", f"/attachments/{att.id}/delete", {"headers": FRAGMENT}),
    ]:
        resp = getattr(outsider, method)(url, **kw)
        assert resp.status_code == 404, url
        assert b"top secret" not in resp.data
    db.session.expire_all()
    assert db.session.get(Attachment, att.id).filename == "secret.txt"
    assert len(upload_dir_files(app)) == 1


def test_issue_page_shows_the_panel_with_its_assets(client, as_ada):
    _upload(as_ada, "shot.png", make_png())
    resp = client.get("/issue/ENG-1")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'id="attachments"' in html and "shot.png" in html and "js/attachments.js" in html
    assert "style=" not in html.split('id="attachments"')[1].split("</section>")[0]


def test_login_required(make_client, as_ada):
    anonymous = make_client()
    resp = anonymous.get("/issue/ENG-1/attachments")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_issue_page_queries_do_not_grow_with_attachments(client, as_ada, count_queries):
    from flask import g
    _upload(as_ada, "one.txt", b"hello there")

    def measure():
        db.session.expire_all()
        g.pop("my_memberships", None)
        with count_queries() as q:
            assert client.get("/issue/ENG-1").status_code == 200
        return q.count
    few = measure()
    for n in range(4):
        _upload(as_ada, f"more{n}.png", make_png())
    assert measure() == few
