"""API attachments: multipart upload by content type, metadata, rename, delete, content headers, outsiders."""
import io

import pytest
from werkzeug.test import EnvironBuilder, run_wsgi_app

from linear_web.infra.extensions import db
from linear_web.models import Attachment
from tests.services.test_attachments import DISGUISED, PDF, SAMPLES, empty_upload_dir, make_png, upload_dir_files

from .conftest import error_of


@pytest.fixture(autouse=True)
def _empty_uploads(app):
    empty_upload_dir(app)


def upload(client, ref, name, data):
    return client.post(f"/api/v1/issues/{ref}/attachments", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("name,data,kind", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_upload_each_allowed_type(api, eng, crash, name, data, kind):
    ada, issue = eng.admin, crash
    r = upload(api(ada), "ENG-1", name, data)
    assert r.status_code == 201, r.json
    body = r.json
    assert set(body) == {"id", "issue_id", "filename", "content_type", "size", "uploader_id", "created_at",
                         "content_url"}
    assert (body["filename"], body["content_type"], body["size"]) == (name, kind, len(data))
    assert body["issue_id"] == str(issue.id) and body["uploader_id"] == str(ada.id)
    assert body["content_url"] == f"/api/v1/attachments/{body['id']}/content"
    assert api(ada).get(body["content_url"]).data == data


@pytest.mark.parametrize("name,data", DISGUISED, ids=[d[0] for d in DISGUISED])
def test_disguised_files_are_415(api, eng, crash, app, name, data):
    r = upload(api(eng.admin), "ENG-1", name, data)
    assert r.status_code == 415 and error_of(r)["code"] == "unsupported_media_type"
    assert "not allowed" in error_of(r)["message"] and upload_dir_files(app) == []


def test_bad_requests(api, eng, crash):
    client = api(eng.admin)
    empty = upload(client, "ENG-1", "empty.txt", b"")
    assert empty.status_code == 422 and error_of(empty)["details"] == {"file": "The file is empty."}
    nameless = upload(client, "ENG-1", "", b"hello there")
    assert nameless.status_code == 422 and "file" in error_of(nameless)["details"]
    no_field = client.post("/api/v1/issues/ENG-1/attachments", data={"other": "x"}, content_type="multipart/form-data")
    assert no_field.status_code == 422 and "file" in error_of(no_field)["details"]
    as_json = client.post("/api/v1/issues/ENG-1/attachments", json={"file": "x"})
    assert as_json.status_code == 415 and "multipart" in error_of(as_json)["message"]
    assert api(None).get("/api/v1/issues/ENG-1/attachments").status_code == 401


def test_oversized_is_413_json_and_leaves_nothing(api, eng, crash, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    r = upload(api(eng.admin), "ENG-1", "big.txt", b"a" * (2 * 1024 * 1024))
    assert r.status_code == 413 and error_of(r)["code"] == "payload_too_large"
    assert upload_dir_files(app) == [] and db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_list_get_rename_delete(api, eng, crash, app):
    client = api(eng.admin)
    first = upload(client, "ENG-1", "a.png", make_png()).json
    upload(client, "ENG-1", "b.pdf", PDF)
    listed = client.get("/api/v1/issues/ENG-1/attachments").json
    assert [a["filename"] for a in listed["items"]] == ["a.png", "b.pdf"] and listed["next_cursor"] is None
    assert client.get(f"/api/v1/attachments/{first['id']}").json == first
    renamed = client.patch(f"/api/v1/attachments/{first['id']}", json={"filename": "../shot\u202e.png"})
    assert renamed.status_code == 200 and renamed.json["filename"] == "shot.png"
    assert client.patch(f"/api/v1/attachments/{first['id']}", json={"filename": ""}).status_code == 422
    assert client.patch(f"/api/v1/attachments/{first['id']}", json={"filename": "x", "size": 1}).status_code == 422
    assert client.delete(f"/api/v1/attachments/{first['id']}").status_code == 204
    assert client.get(f"/api/v1/attachments/{first['id']}").status_code == 404
    assert len(upload_dir_files(app)) == 1


def test_content_headers(api, eng, crash):
    client = api(eng.admin)
    png = upload(client, "ENG-1", "shot.png", make_png()).json
    txt = upload(client, "ENG-1", "naïve notes.txt", b"hello there\n").json
    r = client.get(png["content_url"])
    assert r.headers["Content-Type"] == "image/png" and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Content-Security-Policy"] == "sandbox"
    assert r.headers["Content-Disposition"].startswith("inline;")
    r = client.get(txt["content_url"])
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.headers["Content-Disposition"] == (
        "attachment; filename=\"na_ve notes.txt\"; filename*=UTF-8''na%C3%AFve%20notes.txt")


def test_missing_file_is_404_json(api, eng, crash, app):
    client = api(eng.admin)
    att = upload(client, "ENG-1", "a.txt", b"hello there").json
    empty_upload_dir(app)
    r = client.get(att["content_url"])
    assert r.status_code == 404 and "missing" in error_of(r)["message"]


def test_outsider_gets_404_everywhere(api, eng, outsider, crash, app):
    ada, eve, issue = eng.admin, outsider.user, crash
    att = upload(api(ada), "ENG-1", "secret.txt", b"top secret words").json
    outsider = api(eve)
    for method, path, kw in [
        ("GET", f"/api/v1/issues/{issue.id}/attachments", {}),
        ("POST", "/api/v1/issues/ENG-1/attachments",
         {"data": {"file": (io.BytesIO(b"hello there"), "x.txt")}, "content_type": "multipart/form-data"}),
        ("GET", f"/api/v1/attachments/{att['id']}", {}),
        ("PATCH", f"/api/v1/attachments/{att['id']}", {"json": {"filename": "pwned.txt"}}),
        ("DELETE", f"/api/v1/attachments/{att['id']}", {}),
        ("GET", f"/api/v1/attachments/{att['id']}/content", {}),
    ]:
        r = outsider.open(method, path, **kw)
        assert r.status_code == 404 and error_of(r)["code"] == "not_found", path
        assert b"secret" not in r.data
    db.session.expire_all()
    assert db.session.scalars(db.select(Attachment.filename)).all() == ["secret.txt"]
    assert len(upload_dir_files(app)) == 1


def test_issue_detail_lists_attachments(api, eng, crash):
    client = api(eng.admin)
    att = upload(client, "ENG-1", "a.png", make_png()).json
    assert client.get("/api/v1/issues/ENG-1").json["attachments"] == [att]


def test_chunked_oversized_upload_is_413_without_content_length(api, eng, crash, app, monkeypatch):
    """No Content-Length (chunked): the limit still stops the body as it is read."""
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024 * 1024)
    boundary = "lwboundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.txt\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode() + b"a" * (2 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    token = api(eng.admin).token
    environ = EnvironBuilder(path="/api/v1/issues/ENG-1/attachments", method="POST", input_stream=io.BytesIO(body),
                             headers={"Authorization": f"Bearer {token}", "Transfer-Encoding": "chunked",
                                      "Content-Type": f"multipart/form-data; boundary={boundary}"}).get_environ()
    environ.pop("CONTENT_LENGTH")
    environ["wsgi.input_terminated"] = True
    app_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
    assert status.startswith("413") and b"payload_too_large" in b"".join(app_iter)
    assert upload_dir_files(app) == [] and db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0
