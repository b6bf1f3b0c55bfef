"""Filing a case: its reference, its private link, and the one transaction that
stores the case, its attachments and the deflection before it.

The views call these plain functions with the store's ``db`` and the form's
:class:`~deflect.staging.Staging` explicitly, so tests can call them alone.
"""
from __future__ import annotations

import hashlib
import logging
import re
import secrets
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deflect import lifecycle
from deflect.deflection import CurrentDeflection
from deflect.staging import StagedFile, Staging
from deflect.store import Attachment, Case, CaseEvent

log = logging.getLogger(__name__)

#: Crockford's base32 alphabet: no I, L, O, U, so a reference read aloud is unambiguous.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE = re.compile(r"\ACS-[0-9A-HJKMNP-TV-Z]{6}\Z")
#: A private link's token: 32 random bytes, URL-safe (43 characters).
TOKEN = re.compile(r"\A[A-Za-z0-9_-]{43}\Z")


def new_reference() -> str:
    """Return a human-friendly case reference such as ``CS-7K3Q9X``.

    >>> bool(REFERENCE.match(new_reference()))
    True
    """
    return "CS-" + "".join(secrets.choice(CROCKFORD) for _ in range(6))


def case_by_submission_key(db: Session, submission_key: str) -> Case | None:
    return db.scalar(select(Case).where(Case.submission_key == submission_key))


def case_by_token(db: Session, token: str) -> Case | None:
    """Return the case whose private link carries ``token`` (None for anything that is not a token)."""
    if not TOKEN.match(token or ""):
        return None
    return db.scalar(select(Case).where(Case.token == token))


def unused_reference(db: Session, attempts: int = 20) -> str:
    """Return a reference no case has yet (retrying on the rare collision)."""
    for _ in range(attempts):
        reference = new_reference()
        if db.scalar(select(Case.id).where(Case.reference == reference)) is None:
            return reference
    raise RuntimeError("no free case reference after several attempts")


def attachment_path(upload_dir: Path, stored_name: str) -> Path:
    return Path(upload_dir) / "files" / stored_name


class NewFiles:
    """Files about to join a case: copied into place first, removed again if the change does not commit.

    The rows it makes go to :func:`file_case` or :func:`deflect.lifecycle.act`;
    call :meth:`undo` when that raises, so no file is left without its row.
    """

    def __init__(self, upload_dir: Path):
        self.upload_dir = Path(upload_dir)
        self.rows: list[Attachment] = []
        self.written: list[Path] = []

    def _target(self) -> tuple[str, Path]:
        stored_name = secrets.token_hex(16)
        target = attachment_path(self.upload_dir, stored_name)
        target.parent.mkdir(parents=True, exist_ok=True)
        return stored_name, target

    def _row(self, stored_name: str, name: str, content_type: str, size: int, sha256: str) -> Attachment:
        row = Attachment(original_name=name, stored_name=stored_name, content_type=content_type, size=size,
                         sha256=sha256)
        self.rows.append(row)
        return row

    def add_staged(self, kept: Staging, item: StagedFile) -> Attachment:
        """Copy a staged file into place."""
        stored_name, target = self._target()
        shutil.copyfile(kept.path(item), target)
        self.written.append(target)
        return self._row(stored_name, item.original_name, item.content_type, item.size, item.sha256)

    def add_bytes(self, name: str, content_type: str, content: bytes) -> Attachment:
        """Write a file received whole (an e-mail's attachment)."""
        stored_name, target = self._target()
        target.write_bytes(content)
        self.written.append(target)
        return self._row(stored_name, name, content_type, len(content), hashlib.sha256(content).hexdigest())

    def undo(self) -> None:
        for path in self.written:
            try:
                path.unlink(missing_ok=True)
            except OSError:
                log.exception("could not remove %s after a failed change", path)
        self.written.clear()


#: A file or staging folder younger than this may belong to a change still in flight: left alone.
LEFTOVER_MIN_AGE_S = 3600


def sweep_leftovers(db: Session, upload_dir: Path, *, min_age_s: float = LEFTOVER_MIN_AGE_S,
                    now: float | None = None) -> tuple[int, int]:
    """Remove what a crash can leave behind; return (files, staging folders) removed.

    Files are copied into place before the commit that names them: a process
    killed in between leaves a file no attachment row names. A process killed
    just after the commit leaves the staging folder of a filed case. Both are
    only removed once older than ``min_age_s``, so a change in flight keeps its files.
    """
    now = now if now is not None else time.time()
    removed_files = removed_folders = 0
    files_dir = Path(upload_dir) / "files"
    old_files = [path for path in (files_dir.iterdir() if files_dir.is_dir() else [])
                 if path.is_file() and now - path.stat().st_mtime > min_age_s]
    for start in range(0, len(old_files), 500):
        chunk = {path.name: path for path in old_files[start:start + 500]}
        named = set(db.scalars(select(Attachment.stored_name).where(Attachment.stored_name.in_(list(chunk)))))
        for name, path in chunk.items():
            if name not in named:
                path.unlink(missing_ok=True)
                removed_files += 1
    staging_root = Path(upload_dir) / "staging"
    folders = {folder.name: folder for folder in (staging_root.iterdir() if staging_root.is_dir() else [])
               if folder.is_dir() and now - folder.stat().st_mtime > min_age_s}
    if folders:
        filed = set(db.scalars(select(Case.submission_key).where(Case.submission_key.in_(list(folders)))))
        for key in filed:
            Staging(upload_dir, key).discard()
            removed_folders += 1
    if removed_files or removed_folders:
        log.warning("removed %d files and %d staging folders left by interrupted changes", removed_files,
                    removed_folders)
    return removed_files, removed_folders


def file_case(db: Session, staging: Staging, fields: dict[str, Any], *,
              deflection: CurrentDeflection | None, now: datetime | None = None) -> tuple[Case, bool]:
    """Store the case, its staged attachments, its deflection and its first e-mails in one transaction.

    Returns ``(case, created)``; a resent form (same submission key) returns
    the case already filed with ``created`` False. Files are copied into
    place first; on any failure they are deleted and the transaction rolled
    back, and the staged files stay where they were, so nothing is lost.
    The lifecycle starts in the same transaction (:func:`deflect.lifecycle.on_filed`):
    the acknowledgement, and the on-call alert of a critical case, are queued with the case.
    """
    now = now or datetime.now(timezone.utc)
    existing = case_by_submission_key(db, staging.key)
    if existing is not None:
        return existing, False
    staged = staging.files()
    files = NewFiles(staging.upload_dir)
    try:
        case = Case(reference=unused_reference(db), token=secrets.token_urlsafe(32),
                    submission_key=staging.key, status="new", created_at=now, **fields)
        if deflection is not None:
            case.deflection = deflection.as_row("case")
        case.events.append(CaseEvent(type="created", at=now, actor_kind="customer", actor=fields["email"],
                                     to_status="new", data={"severity": fields["severity"],
                                                            "attachments": len(staged)}))
        for item in staged:
            case.attachments.append(files.add_staged(staging, item))
        db.add(case)
        db.flush()
        lifecycle.on_filed(db, case, now)
        db.commit()
    except IntegrityError:
        db.rollback()
        files.undo()
        existing = case_by_submission_key(db, staging.key)
        if existing is None:
            raise
        return existing, False  # a double click won the race: one case, not two
    except BaseException:
        db.rollback()
        files.undo()
        raise
    staging.discard()
    return case, True
