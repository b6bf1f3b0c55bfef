"""Recording a case: staged attachments, references, and the one transaction
that stores the case, its files and the deflection session before it.

The views in :mod:`deflect.support` call these plain functions; they take the
store session and the upload folder explicitly so tests can call them alone.
"""
from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import re
import secrets
import shutil
import time
import unicodedata
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deflect.store import Attachment, Case, CaseEvent, DeflectionSession, SuggestionShown

log = logging.getLogger(__name__)

#: Crockford's base32 alphabet: no I, L, O, U, so a reference read aloud is unambiguous.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE = re.compile(r"\ACS-[0-9A-HJKMNP-TV-Z]{6}\Z")
SUBMISSION_KEY = re.compile(r"\A[0-9a-f]{32}\Z")
STAGED_ID = re.compile(r"\A[A-Za-z0-9_-]{16,64}\Z")
CHUNK = 64 * 1024
#: Files of a form left unsent are forgotten after this long.
STAGING_MAX_AGE_S = 2 * 24 * 3600
#: The step-1 text of a form, kept in its staging folder (no ``.json`` suffix: it is not a staged file).
DRAFT = "draft"
#: Content types of the usual attachment kinds, so they do not depend on the host's mime.types.
CONTENT_TYPES = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "pdf": "application/pdf", "txt": "text/plain", "log": "text/plain", "csv": "text/csv",
    "json": "application/json", "xml": "application/xml", "zip": "application/zip",
}


class AttachmentRejected(ValueError):
    """An uploaded file breaks a limit (kind or size); the message names the rule."""

    def __init__(self, rule: str, name: str):
        super().__init__(f"{name}: {rule}")
        self.rule = rule
        self.name = name


def new_reference() -> str:
    """Return a human-friendly case reference such as ``CS-7K3Q9X``.

    >>> bool(REFERENCE.match(new_reference()))
    True
    """
    return "CS-" + "".join(secrets.choice(CROCKFORD) for _ in range(6))


def new_submission_key() -> str:
    """Return the key that makes one filled-in form record at most one case."""
    return uuid.uuid4().hex


def is_submission_key(value: str | None) -> bool:
    return bool(value and SUBMISSION_KEY.match(value))


def clean_filename(name: str) -> str:
    """Return a displayable file name: no folders, no control characters, at most 200 characters.

    >>> clean_filename("C:\\\\Users\\\\me\\\\screen shot.png")
    'screen shot.png'
    """
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    return (name or "file")[-200:]


def extension(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


# --- staged attachments: files kept between a form shown with errors and its success ---

@dataclass(frozen=True)
class StagedFile:
    """A file the customer chose, kept on the server until the case is recorded."""

    id: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def staging_dir(upload_dir: Path, submission_key: str) -> Path:
    if not is_submission_key(submission_key):
        raise ValueError("not a submission key")
    return Path(upload_dir) / "staging" / submission_key


def stage_upload(upload_dir: Path, submission_key: str, stream: BinaryIO, filename: str,
                 *, allowed_types: tuple[str, ...], max_bytes: int) -> StagedFile:
    """Write one upload into the form's staging folder, checking its kind and size as it streams."""
    name = clean_filename(filename)
    if extension(name) not in allowed_types:
        raise AttachmentRejected("type", name)
    folder = staging_dir(upload_dir, submission_key)
    folder.mkdir(parents=True, exist_ok=True)
    staged_id = secrets.token_urlsafe(18)
    target = folder / staged_id
    digest, size = hashlib.sha256(), 0
    try:
        with target.open("xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise AttachmentRejected("size", name)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise AttachmentRejected("empty", name)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    content_type = (CONTENT_TYPES.get(extension(name)) or mimetypes.guess_type(name)[0]
                    or "application/octet-stream")
    staged = StagedFile(staged_id, name, content_type, size, digest.hexdigest())
    (folder / f"{staged_id}.json").write_text(json.dumps(asdict(staged)), encoding="utf-8")
    return staged


def staged_files(upload_dir: Path, submission_key: str) -> list[StagedFile]:
    """Return the files staged for a form, oldest first."""
    try:
        folder = staging_dir(upload_dir, submission_key)
    except ValueError:
        return []
    if not folder.is_dir():
        return []
    found = []
    for meta in sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns):
        staged = StagedFile(**json.loads(meta.read_text(encoding="utf-8")))
        if (folder / staged.id).is_file():
            found.append(staged)
    return found


def unstage(upload_dir: Path, submission_key: str, staged_id: str) -> None:
    """Forget one staged file (the customer removed it)."""
    if not STAGED_ID.match(staged_id or ""):
        return
    folder = staging_dir(upload_dir, submission_key)
    (folder / staged_id).unlink(missing_ok=True)
    (folder / f"{staged_id}.json").unlink(missing_ok=True)


def save_draft(upload_dir: Path, submission_key: str, draft: dict[str, Any]) -> None:
    """Keep what the customer typed in step 1 beside the form's staged files (not in a cookie)."""
    folder = staging_dir(upload_dir, submission_key)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / DRAFT).write_text(json.dumps(draft), encoding="utf-8")


def load_draft(upload_dir: Path, submission_key: str | None) -> dict[str, Any]:
    """Return the step-1 draft of a form, or ``{}`` if there is none (never sent, or pruned)."""
    try:
        return json.loads((staging_dir(upload_dir, submission_key) / DRAFT).read_text(encoding="utf-8"))
    except (ValueError, OSError):
        return {}


def discard_staging(upload_dir: Path, submission_key: str) -> None:
    try:
        shutil.rmtree(staging_dir(upload_dir, submission_key), ignore_errors=True)
    except ValueError:
        pass


def prune_staging(upload_dir: Path, max_age_s: float = STAGING_MAX_AGE_S) -> int:
    """Remove the staged files of forms left unsent for longer than ``max_age_s``; return how many forms."""
    root = Path(upload_dir) / "staging"
    if not root.is_dir():
        return 0
    cutoff, removed = time.time() - max_age_s, 0
    for folder in root.iterdir():
        try:
            if folder.is_dir() and folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except OSError:
            continue  # another request removed it first
    return removed


def attachment_path(upload_dir: Path, stored_name: str) -> Path:
    return Path(upload_dir) / "files" / stored_name


# --- the one transaction ---

def deflection_session(record: dict[str, Any], outcome: str) -> DeflectionSession:
    """Build the store's deflection session from the one kept in the customer's session."""
    now = datetime.now(timezone.utc)
    started = record.get("started")
    session = DeflectionSession(
        query=str(record.get("query", ""))[:5000],
        lang=str(record.get("lang", ""))[:8],
        from_article=(record.get("from") or None),
        product=(record.get("product") or None),
        outcome=outcome,
        created_at=datetime.fromisoformat(started) if started else now,
        ended_at=now,
    )
    for shown in record.get("shown", []):
        session.suggestions.append(SuggestionShown(
            rank=int(shown["rank"]), article_id=str(shown["id"])[:200], lang=str(shown["lang"])[:8],
            score=float(shown.get("score") or 0.0), opened=bool(shown.get("opened"))))
    return session


def record_deflection(db: Session, record: dict[str, Any], outcome: str) -> DeflectionSession:
    """Store a deflection session that ended without a case (deflected or abandoned)."""
    stored = deflection_session(record, outcome)
    db.add(stored)
    db.commit()
    return stored


def case_by_submission_key(db: Session, submission_key: str) -> Case | None:
    return db.scalar(select(Case).where(Case.submission_key == submission_key))


def case_by_token(db: Session, token: str) -> Case | None:
    return db.scalar(select(Case).where(Case.token == token))


def unused_reference(db: Session, attempts: int = 20) -> str:
    """Return a reference no case has yet (retrying on the rare collision)."""
    for _ in range(attempts):
        reference = new_reference()
        if db.scalar(select(Case.id).where(Case.reference == reference)) is None:
            return reference
    raise RuntimeError("no free case reference after several attempts")


def record_case(db: Session, upload_dir: Path, fields: dict[str, Any], *, submission_key: str,
                deflection: dict[str, Any] | None, actor: str) -> tuple[Case, bool]:
    """Store the case, its staged attachments and its deflection session in one transaction.

    Returns ``(case, created)``; a resent form (same ``submission_key``) returns
    the case already recorded with ``created`` False. Files are copied into
    place first; on any failure they are deleted and the transaction rolled
    back, and the staged files stay where they were, so nothing is lost.
    """
    existing = case_by_submission_key(db, submission_key)
    if existing is not None:
        return existing, False
    staged = staged_files(upload_dir, submission_key)
    written: list[Path] = []
    try:
        case = Case(reference=unused_reference(db), token=secrets.token_urlsafe(32),
                    submission_key=submission_key, status="new", **fields)
        if deflection:
            case.deflection_session = deflection_session(deflection, "case")
        case.events.append(CaseEvent(type="created", actor=actor, data={
            "status": "new", "severity": fields["severity"], "attachments": len(staged)}))
        for item in staged:
            stored_name = secrets.token_hex(16)
            target = attachment_path(upload_dir, stored_name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(staging_dir(upload_dir, submission_key) / item.id, target)
            written.append(target)
            case.attachments.append(Attachment(
                original_name=item.original_name, stored_name=stored_name,
                content_type=item.content_type, size=item.size, sha256=item.sha256))
        db.add(case)
        db.flush()
        db.commit()
    except IntegrityError:
        db.rollback()
        _delete(written)
        existing = case_by_submission_key(db, submission_key)
        if existing is None:
            raise
        return existing, False  # a double click won the race: one case, not two
    except BaseException:
        db.rollback()
        _delete(written)
        raise
    discard_staging(upload_dir, submission_key)
    return case, True


def _delete(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("could not remove %s after a failed case", path)
