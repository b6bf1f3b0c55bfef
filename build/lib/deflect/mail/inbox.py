"""Customers' e-mailed replies, added to their case: ``deflect mail-in``.

An MTA's pipe transport (or fetchmail) hands one RFC 822 message to
``deflect mail-in`` on standard input. :func:`receive` parses it
(:func:`deflect.mail.inbound.parse_message`: the new text only, its
attachments, the case's reply token from the ``support+<token>@…`` address
or the subject), and adds it to the case through the same lifecycle action
as a reply on the case page (:func:`deflect.lifecycle.customer_writes`).

A message that cannot be a customer's reply (an auto-reply, a bounce, an
unknown or forged token, a closed case, an oversized message) never creates
or changes a case: it is refused with a logged reason, and the command exits
0 so that the MTA does not bounce mail back to a robot. Only a temporary
failure of the store exits 75 (EX_TEMPFAIL), so the MTA tries again later.
"""
from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from deflect import lifecycle, vocabulary
from deflect.cases import NewFiles
from deflect.lifecycle import Actor, LifecycleError
from deflect.mail.inbound import MailRejected, parse_message
from deflect.mail.outbox import sender
from deflect.staging import clean_filename, extension
from deflect.store import Case, session_factory

log = logging.getLogger(__name__)
EX_TEMPFAIL = 75


@dataclass
class Received:
    """What became of one e-mail: ``added`` to a case, or ``refused`` with a reason code."""

    outcome: str
    code: str
    reference: str | None = None
    files_refused: list[str] = field(default_factory=list)


def receive(app: Flask, raw: bytes) -> Received:
    """Add one e-mailed reply to its case, or refuse it with a logged reason (never raising for bad mail)."""
    try:
        message = parse_message(raw, max_bytes=app.config["MAIL_MAX_BYTES"], reply_address=sender()[1])
    except MailRejected as rejected:
        log.warning("mail-in refused (%s): %s", rejected.code, rejected)
        return Received("refused", rejected.code)
    with session_factory(app)() as db:
        case = db.scalar(select(Case).where(Case.reply_token == message.reply_token))
        if case is None:
            log.warning("mail-in refused (unknown_token): no case has the reply token of a message from %s",
                        message.sender)
            return Received("refused", "unknown_token")
        if case.status == lifecycle.CLOSED:
            log.warning("mail-in refused (closed): %s wrote to the closed case %s", message.sender, case.reference)
            return Received("refused", "closed", case.reference)
        limits = vocabulary.attachment_limits()
        files, refused = NewFiles(app.config["UPLOAD_DIR"]), []
        for filename, content_type, content in message.attachments:
            name = clean_filename(filename)
            if (extension(name) not in limits.file_types or not content or len(content) > limits.max_file_bytes
                    or len(files.rows) >= limits.max_files):
                refused.append(name)
                continue
            files.add_bytes(name, content_type, content)
        body = message.text
        if refused:
            body = (body + "\n\n" if body else "") + "[" + ", ".join(refused) + ": " + str(
                _refused_note(limits)) + "]"
        try:
            lifecycle.customer_writes(db, case, Actor.customer(message.sender), body or "—",
                                      attachments=files.rows, via="email")
        except LifecycleError as refused_change:
            files.undo()
            log.warning("mail-in refused (%s) on %s: %s", refused_change.code, case.reference, refused_change.message)
            return Received("refused", refused_change.code, case.reference)
        except BaseException:
            files.undo()
            raise
    log.info("mail-in added a reply from %s to %s (%d files, %d refused)", message.sender, case.reference,
             len(files.rows), len(refused))
    return Received("added", "ok", case.reference, refused)


def _refused_note(limits: vocabulary.AttachmentLimits) -> str:
    return (f"not attached (accepted: {', '.join(limits.file_types)}; at most {limits.max_files} files of "
            f"{limits.max_file_mb} MB)")


@click.command("mail-in")
@with_appcontext
def mail_in_command() -> None:
    """Add the e-mail on standard input (RFC 822, as an MTA pipes it) to its case."""
    raw = sys.stdin.buffer.read(current_app.config["MAIL_MAX_BYTES"] + 1)
    try:
        received = receive(current_app._get_current_object(), raw)
    except OperationalError as exc:  # the store is down: let the MTA keep the message and try again
        log.error("mail-in could not reach the store, the MTA will retry: %s", exc)
        sys.exit(EX_TEMPFAIL)
    click.echo(f"{received.outcome}: {received.code}" + (f" ({received.reference})" if received.reference else ""))


def init_app(app: Flask) -> None:
    app.cli.add_command(mail_in_command)
