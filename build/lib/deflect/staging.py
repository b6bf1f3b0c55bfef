"""Staged uploads: what a customer chose and typed, kept on the server until a form is sent.

A :class:`Staging` is the folder of one filled-in form, named by its
submission key (``UPLOAD_DIR/staging/<key>/``): the files chosen so far
(each with a small JSON description) and the *draft*, the step-1 text of the
deflection in progress. It lives from the first step of the form until the
case is filed or the customer gives up; forms left unsent are removed after
:data:`MAX_AGE_S` by :func:`prune`, which ``deflect staging prune`` runs and
which the service runs on its own at most once every :data:`PRUNE_EVERY_S`
(never a scan of every folder on every request).
"""
from __future__ import annotations

import hashlib
import json
import mimetypes
import re
import secrets
import shutil
import threading
import time
import unicodedata
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

import click
from flask import Flask, current_app
from flask.cli import AppGroup

SUBMISSION_KEY = re.compile(r"\A[0-9a-f]{32}\Z")
STAGED_ID = re.compile(r"\A[A-Za-z0-9_-]{16,64}\Z")
CHUNK = 64 * 1024
#: Files and text of a form left unsent are forgotten after this long.
MAX_AGE_S = 2 * 24 * 3600
#: The service prunes by itself at most this often (a laptop has no cron).
PRUNE_EVERY_S = 3600
#: The step-1 text of a form (no ``.json`` suffix: it is not a staged file).
DRAFT = "draft"
#: Content types of the usual attachment kinds, so they do not depend on the host's mime.types.
CONTENT_TYPES = {
    "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
    "pdf": "application/pdf", "txt": "text/plain", "log": "text/plain", "csv": "text/csv",
    "json": "application/json", "xml": "application/xml", "zip": "application/zip",
}


class AttachmentRejected(ValueError):
    """An uploaded file breaks a limit (``type``, ``size`` or ``empty``); ``rule`` names it."""

    def __init__(self, rule: str, name: str):
        super().__init__(f"{name}: {rule}")
        self.rule = rule
        self.name = name


def new_submission_key() -> str:
    """Return the key that makes one filled-in form file at most one case."""
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


@dataclass(frozen=True)
class StagedFile:
    """A file the customer chose, kept on the server until the case is filed."""

    id: str
    original_name: str
    content_type: str
    size: int
    sha256: str


class Staging:
    """The staging folder of one filled-in form (see the module docstring)."""

    def __init__(self, upload_dir: Path, key: str):
        if not is_submission_key(key):
            raise ValueError("not a submission key")
        self.key = key
        self.upload_dir = Path(upload_dir)
        self.folder = self.upload_dir / "staging" / key

    def add(self, stream: BinaryIO, filename: str, *, allowed_types: tuple[str, ...],
            max_bytes: int) -> StagedFile:
        """Keep one upload, checking its kind and its size as it streams in."""
        name = clean_filename(filename)
        if extension(name) not in allowed_types:
            raise AttachmentRejected("type", name)
        self.folder.mkdir(parents=True, exist_ok=True)
        staged_id = secrets.token_urlsafe(18)
        target = self.folder / staged_id
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
        (self.folder / f"{staged_id}.json").write_text(json.dumps(asdict(staged)), encoding="utf-8")
        return staged

    def files(self) -> list[StagedFile]:
        """Return the files kept for this form, oldest first."""
        if not self.folder.is_dir():
            return []
        found = []
        for meta in sorted(self.folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns):
            staged = StagedFile(**json.loads(meta.read_text(encoding="utf-8")))
            if self.path(staged).is_file():
                found.append(staged)
        return found

    def path(self, staged: StagedFile) -> Path:
        return self.folder / staged.id

    def remove(self, staged_id: str) -> None:
        """Forget one file (the customer unticked it)."""
        if not STAGED_ID.match(staged_id or ""):
            return
        (self.folder / staged_id).unlink(missing_ok=True)
        (self.folder / f"{staged_id}.json").unlink(missing_ok=True)

    def save_draft(self, draft: dict[str, Any]) -> None:
        """Keep what the customer typed in step 1 (not in a cookie: no text is too long to keep)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / DRAFT).write_text(json.dumps(draft), encoding="utf-8")

    def draft(self) -> dict[str, Any]:
        """Return the step-1 draft, or ``{}`` when there is none (never sent, or pruned)."""
        try:
            return json.loads((self.folder / DRAFT).read_text(encoding="utf-8"))
        except (ValueError, OSError):
            return {}

    def discard(self) -> None:
        """Remove everything kept for this form (it was sent, or abandoned)."""
        shutil.rmtree(self.folder, ignore_errors=True)


def staging_for(key: str | None) -> Staging | None:
    """Return the app's staging folder of a submission key, or None for a key that is not one."""
    return Staging(current_app.config["UPLOAD_DIR"], key) if is_submission_key(key) else None


def prune(upload_dir: Path, max_age_s: float = MAX_AGE_S) -> int:
    """Remove the staging folders of forms left unsent longer than ``max_age_s``; return how many."""
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
            continue  # another process removed it first
    return removed


_last_prune: dict[str, float] = {}
_prune_lock = threading.Lock()


def prune_now_and_then(upload_dir: Path) -> None:
    """Prune at most once every :data:`PRUNE_EVERY_S` per process (for a service without cron)."""
    with _prune_lock:
        now = time.monotonic()
        if now - _last_prune.get(str(upload_dir), -PRUNE_EVERY_S) < PRUNE_EVERY_S:
            return
        _last_prune[str(upload_dir)] = now
    prune(upload_dir)


staging_cli = AppGroup("staging", help="Files and text of forms not sent yet.")


@staging_cli.command("prune")
@click.option("--older-than", "hours", default=MAX_AGE_S / 3600, show_default=True, type=click.FloatRange(0),
              help="hours since the form was last touched")
def prune_command(hours: float) -> None:
    """Remove what forms left unsent for longer than HOURS keep on the server."""
    removed = prune(Path(current_app.config["UPLOAD_DIR"]), hours * 3600)
    click.echo(f"Removed {removed} unsent form(s).")


def init_app(app: Flask) -> None:
    app.cli.add_command(staging_cli)
