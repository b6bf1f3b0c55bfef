"""The outbox: e-mails written in the same transaction as the event they tell of, delivered later.

Nothing is lost when the mail server is down: :func:`queue_case_mail` adds
an :class:`~deflect.store.OutgoingMail` row to the caller's transaction
(the lifecycle's, or the filing's), and :func:`deliver_due` (``deflect
worker``, and the sweep) sends what is due over SMTP, retrying with growing
delays. A worker *claims* a message with one conditional UPDATE before it
sends it, so several workers on several replicas never send one twice.

Every e-mail to a customer is written in the case's language, from the
gettext catalogs and two Jinja templates (``mail/customer.txt`` and
``.html``); the words of each kind are in :data:`CUSTOMER_MAILS`.
"""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import formataddr, make_msgid, parseaddr
from typing import Any

import click
from flask import Flask, current_app, render_template
from flask.cli import with_appcontext
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from deflect.helpcenter import current_help_center
from deflect.links import public_url
from deflect.mail.outbound import DeliveryFailed, compose, transport_from_settings
from deflect.store import Case, CaseEvent, OutgoingMail, Staff, db, session_factory
from deflect.vocabulary import Label, label

log = logging.getLogger(__name__)

#: How long a worker holds a message it is sending before another may try it.
LEASE = timedelta(minutes=5)
#: Attempts before a message counts as undeliverable; delays between them grow (1, 2, 4 … minutes, at most 6 h).
MAX_ATTEMPTS = 12
MAX_DELAY = timedelta(hours=6)


@dataclass(frozen=True)
class MailWords:
    """The words of one kind of e-mail: its subject and what it says before the message, if any."""

    subject: Any
    intro: Any
    after: Any = None


#: Customer e-mails. ``%(…)s`` names come from :func:`case_context`.
CUSTOMER_MAILS: dict[str, MailWords] = {
    "acknowledgement": MailWords(
        _l("We have received your case: %(subject)s"),
        _l("Thank you, %(name)s. We have received your case %(reference)s. An analyst checks its category and "
           "severity, then sends you an initial response within the target for its severity."),
        _l("To add information, reply to this e-mail or use the link below.")),
    "agent_reply": MailWords(
        _l("New reply on your case: %(subject)s"),
        _l("%(agent)s replied on your case %(reference)s:")),
    "information_requested": MailWords(
        _l("We need information from you: %(subject)s"),
        _l("To go on with your case %(reference)s, %(agent)s needs information from you:"),
        _l("Your case waits for your answer: reply to this e-mail or on the case page.")),
    "reminder": MailWords(
        _l("Reminder: we are waiting for your answer: %(subject)s"),
        _l("We are still waiting for your answer on your case %(reference)s. Our question was:"),
        _l("Without an answer, your case is marked as solved after the second reminder.")),
    "solution_proposed": MailWords(
        _l("A solution for your case: %(subject)s"),
        _l("%(agent)s proposes this solution for your case %(reference)s:"),
        _l("Does it solve your problem? Accept the solution, or tell us that it did not, on the case page. "
           "Without an answer, the case closes by itself after %(close_days)s working days.")),
    "solved_by_rule": MailWords(
        _l("Your case is solved: %(subject)s"),
        _l("We did not receive the information we asked for on your case %(reference)s, so we have marked it "
           "as solved."),
        _l("If the problem remains, reply to this e-mail: your case reopens with the same analyst.")),
    "closed": MailWords(
        _l("Your case is closed: %(subject)s"),
        _l("Your case %(reference)s is closed. It stays readable for reference."),
        _l("A closed case cannot be reopened: if the problem comes back, open a new case and quote "
           "%(reference)s.")),
    "escalation_acknowledged": MailWords(
        _l("Your escalation request is acknowledged: %(subject)s"),
        _l("A support manager has reviewed your escalation request on case %(reference)s:")),
    "escalation_closed": MailWords(
        _l("The escalation of your case is closed: %(subject)s"),
        _l("A support manager has closed the escalation of your case %(reference)s:")),
    # The question, its scale's words and the button are labels: the case page and support/satisfaction
    # say the same. A score's link only opens the page with that score chosen (a mail scanner that follows
    # every link must not answer): the customer confirms there.
    "survey": MailWords(
        Label("survey", "question"),
        _l("Support has solved your case %(reference)s. One question: %(question)s Choose a score below, from 1 "
           "(%(lowest)s) to %(scale)s (%(highest)s): it opens your case page with that score chosen, and you "
           "confirm it there with “%(send)s”, with a comment if you wish.")),
}
#: E-mails to the support team, in the staff member's language.
STAFF_MAILS: dict[str, MailWords] = {
    "oncall_alert": MailWords(_l("Critical case filed: %(subject)s"),
                              _l("A critical case was just filed by %(name)s (%(company)s):")),
    "customer_replied": MailWords(_l("The customer replied: %(subject)s"),
                                  _l("%(name)s wrote on case %(reference)s:")),
    "nudged": MailWords(_l("The customer asks for news: %(subject)s"),
                        _l("%(name)s used the Nudge button on case %(reference)s.")),
    "escalation_requested": MailWords(_l("Escalation request: %(subject)s"),
                                      _l("%(name)s requests an escalation of case %(reference)s:")),
    "escalated_by_staff": MailWords(_l("Escalation request: %(subject)s"),
                                    _l("%(agent)s asks for an escalation of case %(reference)s:")),
}
#: Staff e-mails that go to the managers even when the case has an assignee.
FOR_MANAGERS = frozenset({"escalation_requested", "escalated_by_staff"})


def sender() -> tuple[str, str]:
    """Return the (name, address) e-mails come from: ``MAIL_FROM``, else the vendor's team and e-mail."""
    configured = current_app.config["MAIL_FROM"]
    if configured:
        return parseaddr(configured)
    vendor = current_help_center().extra.get("vendor", {})
    return str(vendor.get("team", "")), str(vendor.get("email", "support@localhost"))


def reply_address(case: Case) -> str:
    """The address a customer's reply goes to: the sender's, with ``+<the case's reply token>``."""
    local, _, domain = sender()[1].partition("@")
    return f"{local}+{case.reply_token}@{domain}"


def thread_headers(case: Case) -> dict[str, str]:
    """Headers that keep a case's e-mails in one thread in the customer's mail program."""
    domain = sender()[1].partition("@")[2] or "localhost"
    root = f"<case-{case.reference}@{domain}>"
    return {"References": root, "In-Reply-To": root}


def case_context(case: Case, event: CaseEvent | None) -> dict[str, Any]:
    """What the e-mail templates and their words may name."""
    from deflect.sla import policy_of

    rules = policy_of(current_help_center())
    return {
        "case": case, "event": event, "reference": case.reference, "subject": case.subject,
        "name": case.contact_name, "company": case.company,
        "agent": (event.actor if event is not None and event.actor_kind == "staff" else
                  sender()[0] or "Support"),
        "link": public_url("cases.case_view", token=case.token),
        "close_days": rules.close_after_days, "scale": rules.survey_scale,
        "question": label("survey", "question", case.lang), "lowest": label("survey", "lowest", case.lang),
        "highest": label("survey", "highest", case.lang), "send": label("action", "send_survey", case.lang),
        "scores": [(score, public_url("cases.case_view", token=case.token, score=score) + "#survey")
                   for score in range(1, rules.survey_scale + 1)],
        "team": sender()[0], "site_name": current_help_center().site_name.get(case.lang, ""),
    }


def render(kind: str, words: MailWords, lang: str, context: dict[str, Any], audience: str) -> tuple[str, str, str]:
    """Return (subject, text, html) of one e-mail, written in ``lang``."""
    with force_locale(lang):
        subject = str(words.subject) % context
        intro = str(words.intro) % context
        after = str(words.after) % context if words.after else ""
        parts = {"kind": kind, "intro": intro, "after": after, "lang": lang, **context}
        text = render_template(f"mail/{audience}.txt", **parts)
        html = render_template(f"mail/{audience}.html", **parts)
    return subject, text, html


def _add(kind: str, recipient: str, lang: str, subject: str, text: str, html: str, *, case: Case | None,
         headers: dict[str, str], now: datetime) -> OutgoingMail:
    if case is not None:
        subject = f"[{case.reference}] {subject}"
    mail = OutgoingMail(kind=kind, recipient=recipient, lang=lang, subject=subject[:400], text=text, html=html,
                        headers={"Message-ID": make_msgid(domain=sender()[1].partition("@")[2] or None),
                                 **headers},
                        created_at=now, next_attempt_at=now, attempts=0)
    if case is not None:
        mail.case_id = case.id
    db_of(case).add(mail)
    return mail


def db_of(case: Case | None) -> Session:
    """The transaction a mail joins: the case's own (the lifecycle's), else the request's."""
    from sqlalchemy.orm import object_session

    return (object_session(case) if case is not None else None) or db()


def queue_case_mail(kind: str, case: Case, *, event: CaseEvent | None, now: datetime) -> list[OutgoingMail]:
    """Queue the e-mail ``kind`` to the case's contact (and owner), in the case's language."""
    subject, text, html = render(kind, CUSTOMER_MAILS[kind], case.lang, case_context(case, event), "customer")
    headers = {**thread_headers(case), "Reply-To": reply_address(case)}
    return [_add(kind, to, case.lang, subject, text, html, case=case, headers=headers, now=now)
            for to in case.recipients]


def notify_staff(kind: str, case: Case, *, event: CaseEvent | None, now: datetime) -> list[OutgoingMail]:
    """Tell the support team: the assigned agent, or (escalations, unassigned cases) the managers."""
    session = db_of(case)
    if kind not in FOR_MANAGERS and case.assignee_id:
        members = [session.get(Staff, case.assignee_id)]
    else:
        members = list(session.scalars(select(Staff).where(Staff.role == "manager", Staff.active.is_(True))))
    queued = []
    for member in members:
        if member is None or not member.active:
            continue
        subject, text, html = render(kind, STAFF_MAILS[kind], member.language, case_context(case, event), "staff")
        queued.append(_add(kind, member.email, member.language, subject, text, html, case=case,
                           headers=thread_headers(case), now=now))
    return queued


def notify_oncall(case: Case, *, now: datetime) -> OutgoingMail:
    """Alert the on-call address at once: a critical case was filed."""
    lang = current_help_center().default_language
    subject, text, html = render("oncall_alert", STAFF_MAILS["oncall_alert"], lang, case_context(case, None),
                                 "staff")
    return _add("oncall_alert", current_app.config["ONCALL_EMAIL"], lang, subject, text, html, case=case,
                headers={**thread_headers(case), "X-Priority": "1", "Importance": "high"}, now=now)


def queue_lost_links(email: str, cases: list[Case], lang: str, now: datetime) -> OutgoingMail:
    """Queue the e-mail that gives a customer the private links of their open cases."""
    links = [(case.reference, case.subject, public_url("cases.case_view", token=case.token)) for case in cases]
    with force_locale(lang):
        subject = str(_l("The links to your cases"))
        parts = {"links": links, "lang": lang, "team": sender()[0],
                 "site_name": current_help_center().site_name.get(lang, "")}
        text = render_template("mail/links.txt", **parts)
        html = render_template("mail/links.html", **parts)
    return _add("lost_link", email, lang, subject, text, html, case=None, headers={}, now=now)


def queue_sign_in_link(email: str, link: str, lang: str, valid_minutes: int, now: datetime) -> OutgoingMail:
    """Queue the e-mail with a one-time "My cases" sign-in link, in the language the customer asked in."""
    with force_locale(lang):
        subject = str(_l("Your sign-in link to “%(my_cases)s”", my_cases=label("action", "my_cases")))
        parts = {"link": link, "minutes": valid_minutes, "lang": lang, "team": sender()[0],
                 "site_name": current_help_center().site_name.get(lang, "")}
        text = render_template("mail/sign_in.txt", **parts)
        html = render_template("mail/sign_in.html", **parts)
    return _add("sign_in_link", email, lang, subject, text, html, case=None, headers={}, now=now)


def queue_staff_invitation(member: Staff, link: str, inviter: str, *, valid_days: int, now: datetime) -> OutgoingMail:
    """Queue the e-mail that invites a staff member to choose a password (in their language)."""
    lang = member.language
    with force_locale(lang):
        subject = str(_l("You are invited to the support workspace"))
        parts = {"member": member, "link": link, "inviter": inviter, "days": valid_days, "lang": lang,
                 "team": sender()[0],
                 "site_name": current_help_center().site_name.get(lang, "")}
        text = render_template("staff/mail/invitation.txt", **parts)
        html = render_template("staff/mail/invitation.html", **parts)
    return _add("staff_invitation", member.email, lang, subject, text, html, case=None, headers={}, now=now)


# --- delivery ---

@dataclass
class Delivery:
    """What one round of delivery did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0


def retry_delay(attempts: int) -> timedelta:
    """The wait before attempt ``attempts + 1``: 1, 2, 4 … minutes, at most :data:`MAX_DELAY`.

    >>> [int(retry_delay(n).total_seconds() // 60) for n in (1, 2, 3, 10)]
    [1, 2, 4, 360]
    """
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_DELAY)


def claim_due(session: Session, now: datetime, batch: int) -> list[tuple[int, str]]:
    """Claim up to ``batch`` due messages for this worker; return (id, claim) of those it won."""
    candidates = session.scalars(
        select(OutgoingMail.id).where(
            OutgoingMail.sent_at.is_(None), OutgoingMail.failed_at.is_(None), OutgoingMail.next_attempt_at <= now,
            or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
        ).order_by(OutgoingMail.next_attempt_at, OutgoingMail.id).limit(batch)).all()
    won = []
    for mail_id in candidates:
        claim = uuid.uuid4().hex
        result = session.execute(
            update(OutgoingMail).where(
                OutgoingMail.id == mail_id, OutgoingMail.sent_at.is_(None),
                or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now),
            ).values(claim=claim, claimed_until=now + LEASE))
        session.commit()
        if result.rowcount == 1:
            won.append((mail_id, claim))
    return won


def deliver_due(app: Flask, *, now: datetime | None = None, batch: int = 100) -> Delivery:
    """Send the messages that are due, once each; reschedule or give up on failures."""
    now = now or datetime.now(timezone.utc)
    transport = transport_from_settings(app.config)
    done = Delivery()
    with session_factory(app)() as session:
        for mail_id, claim in claim_due(session, now, batch):
            mail = session.get(OutgoingMail, mail_id)
            if mail is None or mail.claim != claim:
                continue
            name, address = sender()
            message = compose(sender=formataddr((name, address)), to=mail.recipient, subject=mail.subject,
                              text=mail.text, html=mail.html, headers=dict(mail.headers))
            mail.attempts += 1
            try:
                transport.send(message)
            except DeliveryFailed as failure:
                mail.last_error = str(failure)[:2000]
                if failure.temporary and mail.attempts < MAX_ATTEMPTS:
                    mail.next_attempt_at = now + retry_delay(mail.attempts)
                    done.retried += 1
                    log.warning("mail %s to %s not sent (attempt %d), next try %s: %s", mail.id, mail.recipient,
                                mail.attempts, mail.next_attempt_at.isoformat(), failure)
                else:
                    mail.failed_at = now
                    done.failed += 1
                    log.error("mail %s to %s given up after %d attempts: %s", mail.id, mail.recipient,
                              mail.attempts, failure)
            else:
                mail.sent_at = datetime.now(timezone.utc)
                done.sent += 1
            mail.claim, mail.claimed_until = None, None
            session.commit()
    return done


@click.command("worker")
@click.option("--once", is_flag=True, help="deliver what is due, then exit")
@click.option("--interval", default=5.0, show_default=True, type=click.FloatRange(0.1),
              help="seconds between rounds")
@with_appcontext
def worker_command(once: bool, interval: float) -> None:
    """Deliver the e-mail outbox over SMTP (until stopped, or --once)."""
    app = current_app._get_current_object()
    while True:
        done = deliver_due(app)
        if done.sent or done.retried or done.failed or once:
            click.echo(f"sent {done.sent}, to retry {done.retried}, given up {done.failed}")
        if once:
            return
        time.sleep(interval)


def init_app(app: Flask) -> None:
    app.cli.add_command(worker_command)
