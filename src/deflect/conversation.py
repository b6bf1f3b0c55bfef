"""What the customer's case page tells: the public conversation, who waits for whom, what comes next.

Built from the case's history (:class:`~deflect.store.CaseEvent`) and the SLA
clock (:mod:`deflect.sla`). Only public events leave this module: internal
notes and assignments never reach a customer's page. Every word a customer
reads about the lifecycle (statuses, actions, escalation states) comes from
:func:`deflect.vocabulary.label`, the words the articles use.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import format_date, format_time
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from deflect.helpcenter import current_help_center
from deflect.lifecycle import CLOSED, NEW, OPEN, PENDING, SOLVED, nudge_available_at, policy
from deflect.store import Attachment, Case, CaseEvent
from deflect.vocabulary import ESCALATION_REASONS, label

#: What the conversation calls each public event; a ``(group, key)`` pair is a shared label.
HEADINGS: dict[str, object] = {
    "created": _l("Case filed"),
    "customer_reply": _l("Message"),
    "reply": _l("Reply from support"),
    "request_information": _l("Information requested"),
    "propose_solution": _l("Solution proposed"),
    "reopen": _l("Reopened by support"),
    "change_severity": _l("Severity changed"),
    "acknowledge_escalation": ("escalation", "acknowledged"),
    "close_escalation": ("escalation", "closed"),
    "accept_solution": _l("Solution accepted"),
    "reject_solution": ("action", "reject_solution"),
    "close": _l("Case closed by the customer"),
    "nudge": ("action", "nudge"),
    "request_escalation": ("action", "request_escalation"),
    "rate": _l("Survey answered"),
    "remind": _l("Reminder sent"),
    "auto_solve": _l("Marked as solved: no answer after the second reminder"),
    "auto_close": _l("Closed automatically"),
    "send_survey": _l("Survey sent"),
}


def heading(event_type: str) -> str:
    """Return what the conversation calls an event (an unknown public event is an "Update")."""
    found = HEADINGS.get(event_type, _l("Update"))
    return label(*found) if isinstance(found, tuple) else str(found)


def local_time(moment: datetime | None) -> Markup:
    """Return a moment as ``<time>``: UTC in the page's language, turned into the reader's zone by case-page.js.

    The ``datetime`` attribute is what the script reads; the text is what a
    browser without JavaScript shows.
    """
    if moment is None:
        return Markup("")
    utc = f"{format_date(moment, 'medium')} {format_time(moment, 'short')} UTC"
    return Markup('<time datetime="{0}" data-local-time>{1}</time>').format(
        moment.strftime("%Y-%m-%dT%H:%M:%SZ"), utc)


@dataclass(frozen=True)
class Entry:
    """One public event of the conversation, as the customer reads it."""

    id: int
    at: datetime
    type: str
    side: str  # customer | support | system
    author: str
    heading: str
    body: str | None
    status_change: tuple[str, str] | None
    details: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def author_of(case: Case, event: CaseEvent) -> str:
    """Name who did it as the customer knows them: the contact, the owner, an analyst, or the support team."""
    if event.actor_kind == "customer":
        actor = (event.actor or "").casefold()
        if actor == (case.email or "").casefold():
            return case.contact_name
        if case.owner_email and actor == case.owner_email.casefold():
            return case.owner_name or case.owner_email
        return event.actor
    if event.actor_kind == "staff":
        return event.actor
    return str(current_help_center().extra.get("vendor", {}).get("team", "")) or current_help_center().site_name.get(
        case.lang, "")


def details_of(event: CaseEvent) -> list[str]:
    """The short facts an event carries beside its message (reasons, a score, a severity, a channel)."""
    data = event.data or {}
    found = []
    if event.type == "request_escalation":
        found += [str(ESCALATION_REASONS[reason]) for reason in data.get("reasons", []) if reason in ESCALATION_REASONS]
    if event.type == "change_severity" and data.get("severity"):
        found.append(f"{label('severity', data.get('from', ''))} → {label('severity', data['severity'])}")
    if event.type == "rate" and data.get("score"):
        found.append(str(_l("Your answer: %(score)s (from 1 = %(lowest)s to %(scale)s = %(highest)s)",
                            score=data["score"], scale=policy().survey_scale, lowest=label("survey", "lowest"),
                            highest=label("survey", "highest"))))
    if data.get("via") == "email":
        found.append(str(_l("Sent by e-mail")))
    return found


def entries(case: Case) -> list[Entry]:
    """Return the case's public conversation, oldest first: its filing, every message and every change."""
    found = []
    for event in case.events:
        if not event.public:
            continue
        body = event.body
        if event.type == "created":
            body = case.description
        elif event.type == "rate":
            body = (event.data or {}).get("comment") or None
        files = ([a for a in case.attachments if a.event_id is None] if event.type == "created"
                 else list(event.attachments))
        change = None
        if event.to_status and event.from_status and event.to_status != event.from_status:
            change = (label("status", event.from_status), label("status", event.to_status))
        side = {"customer": "customer", "staff": "support"}.get(event.actor_kind, "system")
        found.append(Entry(event.id, event.at, event.type, side, author_of(case, event), heading(event.type), body,
                           change, details_of(event), files))
    return found


@dataclass(frozen=True)
class Outlook:
    """Who waits for whom, and the next moment that matters, as the SLA clock and the rules have it."""

    status: str
    #: first_response | next_update | resolution: which target ``due_at`` is (new and open cases).
    due: str | None = None
    due_at: datetime | None = None
    #: Pending customer: since when the case waits for the customer, and when it is reminded.
    waiting_since: datetime | None = None
    reminder_at: datetime | None = None
    #: Solved: when the case closes by itself without an answer.
    closes_at: datetime | None = None
    closed_at: datetime | None = None


def outlook(case: Case) -> Outlook:
    """Return what happens next on ``case``, from the same rules the sweep applies."""
    rules = policy()
    calendar = rules.calendar(case.lang)
    if case.status in (NEW, OPEN):
        due = rules.due_times(case)
        for name in ("first_response", "next_update", "resolution"):
            if getattr(due, name):
                return Outlook(case.status, name, getattr(due, name))
        return Outlook(case.status)
    if case.status == PENDING and case.pending_since:
        last = case.last_reminder_at or case.pending_since
        return Outlook(case.status, waiting_since=case.pending_since,
                       reminder_at=calendar.add_working_days(last, rules.reminder_after_days))
    if case.status == SOLVED and case.solved_at:
        return Outlook(case.status, closes_at=calendar.add_working_days(case.solved_at, rules.close_after_days))
    if case.status == CLOSED:
        return Outlook(case.status, closed_at=case.closed_at)
    return Outlook(case.status)


@dataclass(frozen=True)
class NudgeRule:
    """The Nudge rule of the support/tracking article, and when this case may next use it."""

    after_days: int
    every_hours: int
    available_at: datetime


def nudge_rule(case: Case) -> NudgeRule:
    rules = policy()
    return NudgeRule(rules.nudge_after_days, int(rules.nudge_every.total_seconds() // 3600),
                     nudge_available_at(case, rules))


def escalation_review_due(case: Case) -> datetime | None:
    """When a manager reviews the escalation request under way (support/escalation), if one is."""
    if case.escalation != "requested":
        return None
    requested = [event.at for event in case.events if event.type in ("request_escalation", "escalate")]
    if not requested:
        return None
    return policy().escalation_review_due(case.severity, case.lang, requested[-1])
