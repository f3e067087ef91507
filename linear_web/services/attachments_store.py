"""Attachment bytes on disk under UPLOAD_DIR, by random storage name (never the user's filename)."""
import logging
import os
import uuid

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Attachment

log = logging.getLogger(__name__)


def upload_dir() -> str:
    path = current_app.config["UPLOAD_DIR"]
    os.makedirs(path, exist_ok=True)
    return path


def path_for(storage_name: str) -> str:
    """The file's path; storage names are hex made by us, so no traversal is possible."""
    if not storage_name.isalnum():
        raise ValueError("bad storage name")
    return os.path.join(upload_dir(), storage_name)


def new_storage_name() -> str:
    return uuid.uuid4().hex


def files_of_issue(issue_id) -> list[str]:
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
