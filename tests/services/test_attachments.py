"""Attachment rules: type by content, clean names, nothing half-written, access by team.

`SAMPLES` and `make_png` are small real files built here; the web and API tests import them.
"""
import io
import os
import struct
import zipfile
import zlib

import pytest

from linear_web.infra.extensions import db
from linear_web.models import Activity, Attachment
from linear_web.services import attachments, issues
from linear_web.services.attachments import TooLarge, UnsupportedType, clean_filename
from linear_web.services.errors import NotFound, ValidationError


def make_png(width: int = 2, height: int = 2) -> bytes:
    """A valid RGB PNG (signature, IHDR, IDAT, IEND with CRCs)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + b"\x5e\x6a\xd2" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def make_zip(entries) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return buf.getvalue()


PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")
DOCX = make_zip([("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                  'package/2006/content-types"/>'), ("_rels/.rels", "<Relationships/>"),
                 ("word/document.xml", "<w:document/>")])
XLSX = make_zip([("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")])
ODT = make_zip([("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "<office/>")])

# (filename, bytes, stored content type)
SAMPLES = [
    ("pixel.png", make_png(), "image/png"),
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9", "image/jpeg"),
    ("anim.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "image/gif"),
    ("pic.webp", b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00",
     "image/webp"),
    ("spec.pdf", PDF, "application/pdf"),
    ("notes.txt", b"hello world\nsecond line\n", "text/plain"),
    ("data.csv", b"a,b,c\n1,2,3\n4,5,6\n", "text/csv"),
    ("data.json", b'{"a": [1, 2, 3], "b": "x"}\n', "application/json"),
    ("README.md", b"# Title\n\nSome *text* and a [link](https://example.com).\n\n- one\n- two\n", "text/plain"),
    ("bundle.zip", make_zip([("a.txt", "hello")]), "application/zip"),
    ("report.docx", DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("sheet.xlsx", XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("letter.odt", ODT, "application/vnd.oasis.opendocument.text"),
]

# (filename, bytes): refused as 415 whatever their name says.
DISGUISED = [
    ("innocent.png", b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><circle r="1"/></svg>'),
    ("page.html", b"<html><script>alert(document.cookie)</script></html>"),
    ("polyglot.gif", b"GIF89a/*\x01\x00\x01\x00\x00\x00\x00*/=1;<script>alert(1)</script>;"),
    ("header.png", b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"),
    ("png-with-html.png", make_png()[:-12] + b"<script>alert(1)</script>" + make_png()[-12:]),
    ("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + bytes(200)),
    ("data.xml", b'<?xml version="1.0"?><root><a>1</a></root>'),
]


def upload_dir_files(app) -> list[str]:
    return sorted(os.listdir(app.config["UPLOAD_DIR"])) if os.path.isdir(app.config["UPLOAD_DIR"]) else []


def empty_upload_dir(app) -> None:
    """Rows are truncated after each test but files stay: start each test with an empty folder."""
    for name in upload_dir_files(app):
        os.remove(os.path.join(app.config["UPLOAD_DIR"], name))


@pytest.fixture(autouse=True)
def _empty_uploads(app):
    empty_upload_dir(app)


@pytest.mark.parametrize("name,data,kind", SAMPLES, ids=[s[0] for s in SAMPLES])
def test_each_allowed_type_is_stored_with_its_sniffed_type(app, eng, crash, name, data, kind):
    admin, issue = eng.admin, crash
    att = attachments.upload(admin, issue.identifier, io.BytesIO(data), name)
    assert (att.filename, att.content_type, att.size) == (name, kind, len(data))
    with open(os.path.join(app.config["UPLOAD_DIR"], att.storage_name), "rb") as fh:
        assert fh.read() == data
    assert att.storage_name != name and att.storage_name.isalnum()


@pytest.mark.parametrize("name,data", DISGUISED, ids=[d[0] for d in DISGUISED])
def test_disguised_files_are_refused_and_leave_nothing(app, eng, crash, name, data):
    admin, issue = eng.admin, crash
    before = upload_dir_files(app)
    with pytest.raises(UnsupportedType) as err:
        attachments.upload(admin, issue.id, io.BytesIO(data), name)
    assert err.value.status == 415 and "not allowed" in err.value.message
    assert upload_dir_files(app) == before
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_empty_file_and_empty_name_are_422(app, eng, crash):
    admin, issue = eng.admin, crash
    with pytest.raises(ValidationError) as err:
        attachments.upload(admin, issue.id, io.BytesIO(b""), "empty.txt")
    assert err.value.details == {"file": "The file is empty."}
    for bad_name in ("", "..", "../", "\x00", "\u202e"):
        with pytest.raises(ValidationError):
            attachments.upload(admin, issue.id, io.BytesIO(b"hello"), bad_name)
    assert upload_dir_files(app) == []


@pytest.mark.parametrize("raw,clean", [
    ("../../etc/passwd", "passwd"), ("..\\..\\win.ini", "win.ini"), ("/abs/path/x.txt", "x.txt"),
    ("evil\u202etxt.exe", "eviltxt.exe"), ("a\x00b\x07c.txt", "abc.txt"), ("  spaced.txt  ", "spaced.txt"),
    ("%2e%2e%2fx.txt", "%2e%2e%2fx.txt"), ("résumé.pdf", "résumé.pdf"), (None, ""), ("..", ""),
])
def test_clean_filename(raw, clean):
    assert clean_filename(raw) == clean


def test_long_names_keep_their_extension():
    name = clean_filename("x" * 400 + ".pdf")
    assert len(name) == 255 and name.endswith(".pdf")


def test_path_in_name_is_stored_as_basename_and_file_stays_in_upload_dir(app, eng, crash):
    admin, issue = eng.admin, crash
    att = attachments.upload(admin, issue.id, io.BytesIO(b"root:x:0:0"), "../../etc/passwd")
    assert att.filename == "passwd"
    assert upload_dir_files(app) == [att.storage_name]


def test_oversized_stream_is_413_and_leaves_no_temp_file(app, eng, crash, monkeypatch):
    admin, issue = eng.admin, crash
    monkeypatch.setitem(app.config, "MAX_UPLOAD_MB", 1)
    with pytest.raises(TooLarge) as err:
        attachments.upload(admin, issue.id, io.BytesIO(b"a" * (1024 * 1024 + 1)), "big.txt")
    assert err.value.status == 413 and "1 MB" in err.value.message
    assert upload_dir_files(app) == []


def test_upload_writes_an_attached_activity(eng, crash):
    member, issue = eng.member, crash
    attachments.upload(member, issue.id, io.BytesIO(b"hi"), "hi.txt")
    row = db.session.scalars(db.select(Activity).where(Activity.action == "attached")).one()
    assert (row.issue_id, row.actor_id, row.new_value) == (issue.id, member.id, "hi.txt")


def test_failed_commit_removes_the_file(app, eng, crash, monkeypatch):
    admin, issue = eng.admin, crash

    def boom():
        raise RuntimeError("database went away")
    monkeypatch.setattr(db.session, "commit", boom)
    with pytest.raises(RuntimeError):
        attachments.upload(admin, issue.id, io.BytesIO(b"hello"), "a.txt")
    monkeypatch.undo()
    assert upload_dir_files(app) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_stream_that_breaks_midway_leaves_nothing(app, eng, crash):
    admin, issue = eng.admin, crash

    class Broken(io.RawIOBase):
        calls = 0

        def read(self, n=-1):
            Broken.calls += 1
            if Broken.calls > 2:
                raise OSError("client went away")
            return b"x" * 1000
    with pytest.raises(OSError):
        attachments.upload(admin, issue.id, Broken(), "a.txt")
    assert upload_dir_files(app) == []
    assert db.session.scalar(db.select(db.func.count()).select_from(Attachment)) == 0


def test_outsider_sees_and_changes_nothing(eng, outsider, crash):
    admin, outsider, issue = eng.admin, outsider.user, crash
    att = attachments.upload(admin, issue.id, io.BytesIO(b"secret"), "secret.txt")
    for call in (lambda: attachments.list_attachments(outsider, issue.id),
                 lambda: attachments.content(outsider, att.id),
                 lambda: attachments.rename(outsider, att.id, "mine.txt"),
                 lambda: attachments.delete(outsider, att.id),
                 lambda: attachments.upload(outsider, issue.id, io.BytesIO(b"some text"), "x.txt")):
        with pytest.raises(NotFound):
            call()
    db.session.expire_all()
    assert db.session.get(Attachment, att.id).filename == "secret.txt"


def test_attachment_must_belong_to_the_named_issue(f, eng, crash):
    admin, issue = eng.admin, crash
    other = f.issue(issue.team, admin, title="Other")
    att = attachments.upload(admin, issue.id, io.BytesIO(b"some text"), "x.txt")
    assert attachments.attachment_for(admin, att.id, issue.id) == att
    with pytest.raises(NotFound):
        attachments.attachment_for(admin, att.id, other.id)


def test_rename_cleans_and_validates(eng, crash):
    admin, member, issue = eng.admin, eng.member, crash
    att = attachments.upload(admin, issue.id, io.BytesIO(b"some text"), "x.txt")
    assert attachments.rename(member, att.id, "../notes\u202e.txt").filename == "notes.txt"
    with pytest.raises(ValidationError) as err:
        attachments.rename(member, att.id, "  ")
    assert "filename" in err.value.details


def test_delete_removes_row_and_file(app, eng, crash):
    admin, issue = eng.admin, crash
    att = attachments.upload(admin, issue.id, io.BytesIO(b"some text"), "x.txt")
    attachments.delete(admin, att.id)
    assert upload_dir_files(app) == [] and db.session.get(Attachment, att.id) is None


def test_deleting_the_issue_removes_its_files(app, eng, crash):
    admin, issue = eng.admin, crash
    attachments.upload(admin, issue.id, io.BytesIO(make_png()), "a.png")
    attachments.upload(admin, issue.id, io.BytesIO(b"more text"), "b.txt")
    assert len(upload_dir_files(app)) == 2
    issues.delete_issue(admin, issue.id)
    assert upload_dir_files(app) == []


def test_missing_file_on_disk_is_a_clear_not_found(app, eng, crash):
    admin, issue = eng.admin, crash
    att = attachments.upload(admin, issue.id, io.BytesIO(b"some text"), "x.txt")
    os.remove(os.path.join(app.config["UPLOAD_DIR"], att.storage_name))
    with pytest.raises(NotFound) as err:
        attachments.content(admin, att.id)
    assert "missing" in err.value.message


def test_only_raster_images_are_inline(eng, crash):
    admin, issue = eng.admin, crash
    png = attachments.upload(admin, issue.id, io.BytesIO(make_png()), "a.png")
    pdf = attachments.upload(admin, issue.id, io.BytesIO(PDF), "a.pdf")
    assert attachments.content(admin, png.id).inline is True
    assert attachments.content(admin, pdf.id).inline is False
