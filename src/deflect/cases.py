"""Filing a case: its reference, its private link, and the one transaction that
stores the case, its attachments and the deflection before it.

The views call these plain functions with the store's ``db`` and the form's
:class:`~deflect.staging.Staging` explicitly, so tests can call them alone.
"""
from __future__ import annotations

import logging
import re
import secrets
import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deflect.deflection import CurrentDeflection
from deflect.staging import Staging
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


def file_case(db: Session, staging: Staging, fields: dict[str, Any], *,
              deflection: CurrentDeflection | None, actor: str) -> tuple[Case, bool]:
    """Store the case, its staged attachments and its deflection in one transaction.

    Returns ``(case, created)``; a resent form (same submission key) returns
    the case already filed with ``created`` False. Files are copied into
    place first; on any failure they are deleted and the transaction rolled
    back, and the staged files stay where they were, so nothing is lost.
    """
    existing = case_by_submission_key(db, staging.key)
    if existing is not None:
        return existing, False
    staged = staging.files()
    written: list[Path] = []
    try:
        case = Case(reference=unused_reference(db), token=secrets.token_urlsafe(32),
                    submission_key=staging.key, status="new", **fields)
        if deflection is not None:
            case.deflection = deflection.as_row("case")
        case.events.append(CaseEvent(type="created", actor=actor, data={
            "status": "new", "severity": fields["severity"], "attachments": len(staged)}))
        for item in staged:
            stored_name = secrets.token_hex(16)
            target = attachment_path(staging.upload_dir, stored_name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(staging.path(item), target)
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
        existing = case_by_submission_key(db, staging.key)
        if existing is None:
            raise
        return existing, False  # a double click won the race: one case, not two
    except BaseException:
        db.rollback()
        _delete(written)
        raise
    staging.discard()
    return case, True


def _delete(paths: list[Path]) -> None:
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("could not remove %s after a failed case", path)
