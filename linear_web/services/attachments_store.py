"""Attachment bytes on disk under UPLOAD_DIR, by random storage name (never the user's filename),
and what those bytes are (python-magic on the content, never the client's name or type)."""
import logging
import os
import struct
import uuid
import zipfile

import magic
from flask import current_app
from sqlalchemy import select

from ..infra.extensions import db
from ..models import Attachment

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
SNIFF_BYTES = 64 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
TEXT_TYPES = ("text/plain", "text/csv", "text/markdown", "text/x-markdown", "application/json")
ZIP = "application/zip"
OOXML = {"word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
OFFICE_PREFIXES = ("application/vnd.openxmlformats-officedocument.", "application/vnd.oasis.opendocument.")
LEGACY_OFFICE = ("application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint")
# Markup a browser could run if it ever treated the bytes as a page: never inside an "image".
HTML_MARKERS = (b"<script", b"<html", b"<!doctype", b"<iframe", b"<svg", b"<body", b"<object", b"<embed")


class TooLarge(Exception):
    """The stream went over the size limit while being copied."""


def upload_dir() -> str:
    """UPLOAD_DIR, created on first use."""
    path = current_app.config["UPLOAD_DIR"]
    os.makedirs(path, exist_ok=True)
    return path


def path_for(storage_name: str) -> str:
    """The file's path; storage names are hex made by us, so no traversal is possible."""
    if not storage_name.isalnum():
        raise ValueError("bad storage name")
    return os.path.join(upload_dir(), storage_name)


def new_storage_name() -> str:
    """A random hex name: the only name a file ever has on disk."""
    return uuid.uuid4().hex


def save_stream(stream, max_bytes: int) -> tuple[str, int]:
    """Copy a stream in chunks to a temp file in UPLOAD_DIR; (temp path, size). TooLarge past max."""
    tmp = os.path.join(upload_dir(), f".upload-{uuid.uuid4().hex}")
    size = 0
    try:
        with open(tmp, "xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise TooLarge()
                out.write(chunk)
    except BaseException:
        discard(tmp)
        raise
    return tmp, size


def publish(tmp_path: str) -> str:
    """Move a finished temp file to its random storage name (atomic rename); the name."""
    name = new_storage_name()
    os.replace(tmp_path, path_for(name))
    return name


def discard(path: str) -> None:
    """Remove a temp file if it is still there."""
    try:
        os.remove(path)
    except FileNotFoundError:
        pass


def exists(storage_name: str) -> bool:
    """Whether the bytes of a stored attachment are on disk."""
    return os.path.isfile(path_for(storage_name))


def files_of_issue(issue_id) -> list[str]:
    """Storage names of an issue's attachments (read before the issue is deleted)."""
    return list(db.session.scalars(select(Attachment.storage_name).where(Attachment.issue_id == issue_id)))


def remove_files(names: list[str]) -> None:
    """Delete files after their rows are gone (a missing file is not an error)."""
    for name in names:
        try:
            os.remove(path_for(name))
        except FileNotFoundError:
            pass
        except OSError:
            log.exception("could not remove attachment file %s", name)


# -- what the bytes are -----------------------------------------------------------------------

def sniff(path: str) -> str | None:
    """The allowed content type of the file at path, or None when it is not an allowed type."""
    with open(path, "rb") as fh:
        head = fh.read(SNIFF_BYTES)
    kind = magic.from_buffer(head, mime=True)
    if kind in IMAGE_TYPES:
        return kind if _sound_image(path, kind) else None
    if kind == "application/pdf" or kind in TEXT_TYPES:
        return kind
    if kind in LEGACY_OFFICE:
        return kind
    if kind == ZIP or kind.startswith(OFFICE_PREFIXES):
        return _zip_kind(path, kind)
    return None


def _sound_image(path: str, kind: str) -> bool:
    """Structure matches the type and no HTML hides in it (no polyglots)."""
    size = os.path.getsize(path)
    with open(path, "rb") as fh:
        head = fh.read(32)
        fh.seek(max(0, size - 16))
        tail = fh.read()
    ok = {
        "image/png": head[12:16] == b"IHDR" and tail.endswith(b"IEND\xaeB`\x82"),
        "image/gif": head[:6] in (b"GIF87a", b"GIF89a") and tail.endswith(b";"),
        "image/jpeg": head[:3] == b"\xff\xd8\xff" and b"\xff\xd9" in tail,
        "image/webp": head[8:12] == b"WEBP" and struct.unpack("<I", head[4:8])[0] + 8 <= size + 1,
    }[kind]
    return ok and not _contains_markup(path)


def _contains_markup(path: str) -> bool:
    """Whether HTML/SVG markup appears anywhere in the file (chunk boundaries overlap)."""
    overlap = max(len(m) for m in HTML_MARKERS)
    prev = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            window = (prev + chunk).lower()
            if any(m in window for m in HTML_MARKERS):
                return True
            prev = window[-overlap:]
    return False


def _zip_kind(path: str, kind: str) -> str | None:
    """A readable zip; office packages get their precise type from their inner manifest."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            if "mimetype" in names:
                inner = zf.read("mimetype")[:100].decode("ascii", "replace").strip()
                if inner.startswith("application/vnd.oasis.opendocument."):
                    return inner
            if "[Content_Types].xml" in names:
                for prefix, office in OOXML.items():
                    if any(n.startswith(prefix) for n in names):
                        return office
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, NotImplementedError):
        return None
    return kind if kind.startswith(OFFICE_PREFIXES) or kind == ZIP else None

