"""The case lifecycle: states and transitions declared once, as data, and one function to act.

States (support/case-lifecycle): ``new`` → ``open`` → ``pending_customer``
(the clock stands still; reminded after 2 working days, twice; solved after the
second unanswered reminder) → ``solved`` (the customer accepts, or rejects and
it reopens; a reply reopens it to the same agent; closed after 10 working
days) → ``closed`` (read-only for good). Beside the status runs the escalation
flag: ``requested`` → ``acknowledged`` → ``closed``. The numbers come from
mkdocs.yml's ``extra.policy`` (:class:`deflect.sla.ServicePolicy`), the same
declaration the articles are written from.

Every change goes through :func:`act`: it checks that the actor may take the
action in the case's state (:data:`TRANSITIONS`), writes the event, updates
the SLA clock and queues the e-mails in one transaction, or raises a
:class:`LifecycleError` (a 409 naming the state and the action; a 403 for an
actor who may never take it). Two actors at once on one case cannot both win:
the case row is locked (PostgreSQL) and carries a version that every change
bumps; a change that lost the race is retried on the fresh state, or refused
as :class:`CaseChanged` when the caller named the version it saw.
"""
from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from deflect.errors import DeflectError
from deflect.helpcenter import current_help_center
from deflect.sla import ServicePolicy, policy_of
from deflect.store import Attachment, Case, CaseEvent, Staff
from deflect.text import clean_text
from deflect.vocabulary import label

log = logging.getLogger(__name__)

NEW, OPEN, PENDING, SOLVED, CLOSED = "new", "open", "pending_customer", "solved", "closed"
ACTIVE = frozenset({NEW, OPEN, PENDING, SOLVED})
#: How many times an action that lost a race is tried again on the fresh state.
RETRIES = 3


@dataclass(frozen=True)
class Actor:
    """Who acts: the customer (by the case's link or e-mail), a staff member, or the system."""

    kind: str  # customer | staff | system
    name: str
    staff_id: int | None = None
    role: str | None = None  # agent | manager, for staff

    @classmethod
    def customer(cls, email: str) -> Actor:
        return cls("customer", email)

    @classmethod
    def staff(cls, member: Staff) -> Actor:
        return cls("staff", member.name, member.id, member.role)

    @classmethod
    def system(cls, name: str = "sweep") -> Actor:
        return cls("system", name)

    def may(self, who: str) -> bool:
        """Tell whether this actor is one of ``who`` (customer, agent, manager, system)."""
        if who == "agent":
            return self.kind == "staff"
        if who == "manager":
            return self.kind == "staff" and self.role == "manager"
        return self.kind == who


@dataclass(frozen=True)
class Transition:
    """One row of the lifecycle: who may take ``action`` from which states, and what follows.

    ``to`` maps a state to the next one (a state absent from ``to`` stays as it
    is); ``mails`` are the e-mails queued to the customer; ``notify`` those
    queued to staff; ``needs_body`` says a message or reason is required;
    ``public`` is False for what the customer never sees (internal notes).
    """

    action: str
    who: str
    states: frozenset[str]
    to: dict[str, str] = field(default_factory=dict)
    mails: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()
    needs_body: bool = False
    public: bool = True
    guard: str | None = None


def _t(action, who, states, to=None, **kwargs) -> Transition:
    return Transition(action, who, frozenset(states), dict(to or {}), **kwargs)


#: The lifecycle, declared once. Read it as: *who* may *action* a case in *states*; it becomes *to*.
TRANSITIONS: tuple[Transition, ...] = (
    # Support's side.
    _t("reply", "agent", {NEW, OPEN, PENDING, SOLVED}, {NEW: OPEN}, mails=("agent_reply",), needs_body=True),
    _t("note", "agent", {NEW, OPEN, PENDING, SOLVED, CLOSED}, needs_body=True, public=False),
    _t("request_information", "agent", {NEW, OPEN, PENDING}, {NEW: PENDING, OPEN: PENDING},
       mails=("information_requested",), needs_body=True),
    _t("propose_solution", "agent", {NEW, OPEN, PENDING}, {NEW: SOLVED, OPEN: SOLVED, PENDING: SOLVED},
       mails=("solution_proposed",), needs_body=True),
    _t("reopen", "agent", {SOLVED}, {SOLVED: OPEN}, mails=("agent_reply",), needs_body=True),
    _t("assign", "agent", {NEW, OPEN, PENDING, SOLVED}, public=False),
    _t("change_severity", "agent", {NEW, OPEN, PENDING}, needs_body=True),
    # An agent asks the managers for an escalation (the customer asked on the hotline, or the case needs it).
    _t("escalate", "agent", {NEW, OPEN, PENDING, SOLVED}, notify=("escalated_by_staff",), needs_body=True,
       public=False, guard="escalation_possible"),
    _t("acknowledge_escalation", "manager", {NEW, OPEN, PENDING, SOLVED}, mails=("escalation_acknowledged",),
       needs_body=True, guard="escalation_requested"),
    _t("close_escalation", "manager", {NEW, OPEN, PENDING, SOLVED, CLOSED}, mails=("escalation_closed",),
       needs_body=True, guard="escalation_acknowledged"),
    # The customer's side.
    _t("customer_reply", "customer", {NEW, OPEN, PENDING, SOLVED}, {PENDING: OPEN, SOLVED: OPEN},
       notify=("customer_replied",), needs_body=True),
    _t("accept_solution", "customer", {SOLVED}, {SOLVED: CLOSED}, mails=("closed",)),
    _t("reject_solution", "customer", {SOLVED}, {SOLVED: OPEN}, notify=("customer_replied",), needs_body=True),
    _t("close", "customer", {NEW, OPEN, PENDING, SOLVED}, {s: CLOSED for s in ACTIVE}, mails=("closed",)),
    _t("nudge", "customer", {NEW, OPEN}, notify=("nudged",), guard="nudge_allowed"),
    _t("request_escalation", "customer", {NEW, OPEN, PENDING, SOLVED}, notify=("escalation_requested",),
       needs_body=True, guard="escalation_possible"),
    # The survey: changeable while the case is solved; once after closure if it was solved and not yet answered.
    _t("rate", "customer", {SOLVED, CLOSED}, guard="survey_open"),
    # Timed rules (deflect sweep).
    _t("remind", "system", {PENDING}, mails=("reminder",)),
    _t("auto_solve", "system", {PENDING}, {PENDING: SOLVED}, mails=("solved_by_rule",)),
    _t("auto_close", "system", {SOLVED}, {SOLVED: CLOSED}, mails=("closed",)),
    _t("send_survey", "system", {SOLVED}, mails=("survey",)),
)
BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}
#: Actions that count as support's public answer (the first one is the initial response).
SUPPORT_ANSWERS = frozenset({"reply", "request_information", "propose_solution", "reopen"})


class LifecycleError(DeflectError):
    """An action the case's state or the actor does not allow."""


class IllegalTransition(LifecycleError):
    def __init__(self, action: str, state: str, message: str | None = None):
        if message is None:
            named = label("action", action)  # the button's words where the customer has one
            message = str(_l("“%(action)s” is not possible while the case is %(state)s.",
                             action=named, state=label("status", state)) if named != action else
                          _l("This is not possible while the case is %(state)s (%(action)s).",
                             action=action, state=label("status", state)))
        super().__init__(message, status=409, code="illegal_transition")
        self.action, self.state = action, state


class NotAllowed(LifecycleError):
    def __init__(self, action: str):
        super().__init__(str(_l("You may not do “%(action)s” on this case.", action=action)),
                         status=403, code="not_allowed")


class SurveyAnswered(IllegalTransition):
    """The survey of a closed case was already answered: an answer is changeable only until the case closes."""

    def __init__(self, score: int):
        super().__init__("rate", CLOSED, str(_l(
            "You have already answered the survey on this case (%(score)s). The case is closed, so the answer "
            "can no longer be changed. Thank you!", score=score)))
        self.code = "survey_answered"


class CaseChanged(LifecycleError):
    """The case changed since the actor looked at it (another actor was faster)."""

    def __init__(self):
        super().__init__(str(_l("This case changed while you were writing. Nothing you wrote is lost: "
                                "please look at the latest messages and send it again.")),
                         status=409, code="case_changed")


@dataclass
class Change:
    """What an action does to a case, built by :func:`act` and its effects before the commit."""

    case: Case
    transition: Transition
    actor: Actor
    now: datetime
    body: str | None
    data: dict[str, Any]
    before: str
    event: CaseEvent | None = None
    #: E-mails an effect adds to the transition's own (the survey when a case closes before it was sent).
    mails: list[str] = field(default_factory=list)
    #: True when :func:`allowed_actions` asks whether the action is possible (no score yet to check).
    probe: bool = False


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def policy() -> ServicePolicy:
    return policy_of(current_help_center())


# --- guards: rules beyond the state ---

def nudge_available_at(case: Case, rules: ServicePolicy) -> datetime:
    """When the customer may next ask for news (support/tracking): 2 working days without news, once per 24 h."""
    calendar = rules.calendar(case.lang)
    last_news = max(filter(None, (case.created_at, case.last_agent_update_at)))
    available = calendar.add_working_days(last_news, rules.nudge_after_days)
    if case.last_nudge_at:
        available = max(available, case.last_nudge_at + rules.nudge_every)
    return available


def _guard(change: Change) -> None:
    case, guard = change.case, change.transition.guard
    if guard == "nudge_allowed":
        available = nudge_available_at(case, policy())
        if change.now < available:
            raise IllegalTransition(change.transition.action, case.status, str(_l(
                "You can ask for news from %(when)s (UTC).", when=available.strftime("%Y-%m-%d %H:%M"))))
    elif guard == "escalation_possible" and case.escalation in ("requested", "acknowledged"):
        raise IllegalTransition(change.transition.action, case.status, str(_l(
            "An escalation of this case is already under way.")))
    elif guard == "escalation_requested" and case.escalation != "requested":
        raise IllegalTransition(change.transition.action, case.status, str(_l(
            "There is no escalation request to acknowledge.")))
    elif guard == "escalation_acknowledged" and case.escalation != "acknowledged":
        raise IllegalTransition(change.transition.action, case.status, str(_l(
            "There is no acknowledged escalation to close.")))
    elif guard == "survey_open":
        if case.status == CLOSED and case.solved_at is None:
            # Closed without ever being solved (the customer closed it): there was no solution to rate.
            raise IllegalTransition(change.transition.action, case.status, str(_l(
                "The survey is for solved cases: this case was closed without a solution.")))
        if case.status == CLOSED and case.survey_score is not None:
            raise SurveyAnswered(case.survey_score)
        if change.probe:
            return
        score = change.data.get("score")
        if not isinstance(score, int) or not 1 <= score <= policy().survey_scale:
            raise LifecycleError(str(_l("Please choose a score from 1 to %(n)d.", n=policy().survey_scale)),
                                 status=400, code="bad_score")


# --- effects: what each action does beside the status ---

def _effects(change: Change) -> None:
    case, action, now = change.case, change.transition.action, change.now
    rules = policy()
    if change.before == PENDING and case.status != PENDING and case.pending_since:
        # The customer answered: the clock runs again; the time it waited does not count.
        waited = rules.calendar(case.lang).working_time_between(case.pending_since, now)
        case.paused_seconds = (case.paused_seconds or 0.0) + waited.total_seconds()
        case.pending_since, case.reminders_sent, case.last_reminder_at = None, 0, None
    if action in SUPPORT_ANSWERS:
        case.first_response_at = case.first_response_at or now
        case.last_agent_update_at = now
    if action == "request_information" or (action == "remind"):
        if action == "request_information":
            case.pending_since, case.reminders_sent, case.last_reminder_at = now, 0, None
        else:
            case.reminders_sent = (case.reminders_sent or 0) + 1
            case.last_reminder_at = now
    if case.status == SOLVED and change.before != SOLVED:
        case.solved_at, case.survey_sent_at = now, None
        case.pending_since = None
        case.solved_with_article = change.data.get("article")  # None: solved without an article
    if case.status == OPEN and change.before == SOLVED:
        # The customer rejected the solution (or it reopened): no article solved the case.
        case.solved_at, case.solved_with_article = None, None
    if case.status == CLOSED and change.before != CLOSED:
        case.closed_at = now
        if change.before == SOLVED and case.survey_sent_at is None and case.survey_score is None:
            # Accepted (or closed) before the sweep sent the survey: the question still reaches the
            # customer, who may answer it once on the closed case.
            change.mails.append("survey")
            case.survey_sent_at = now
            change.data["survey_sent"] = True
    if action in {"customer_reply", "reject_solution"}:
        case.last_customer_update_at = now
    if action == "nudge":
        case.last_nudge_at = now
    if action in ("request_escalation", "escalate"):
        case.escalation = "requested"
    elif action == "acknowledge_escalation":
        case.escalation = "acknowledged"
    elif action == "close_escalation":
        case.escalation = "closed"
    if action == "assign":
        case.assignee_id = change.data.get("assignee_id")
    if action == "change_severity":
        change.data["from"], case.severity = case.severity, change.data["severity"]
    if action == "rate":
        case.survey_score = change.data["score"]
        case.survey_comment = change.data.get("comment") or None
    if action == "send_survey":
        case.survey_sent_at = now
    case.due_at = rules.due_times(case).next()
    case.updated_at = now


def _queue_mails(change: Change) -> None:
    from deflect.mail import outbox

    case = change.case
    for kind in (*change.transition.mails, *change.mails):
        outbox.queue_case_mail(kind, case, event=change.event, now=change.now)
    for kind in change.transition.notify:
        outbox.notify_staff(kind, case, event=change.event, now=change.now)


# --- the one function ---

def act(db: Session, case: Case | int, action: str, actor: Actor, *, body: str | None = None,
        data: dict[str, Any] | None = None, attachments: Iterable[Attachment] = (), now: datetime | None = None,
        expected_version: int | None = None, request_key: str | None = None) -> CaseEvent:
    """Take ``action`` on a case as ``actor``: check, record the event, move the clock, queue the mails.

    Everything happens in one transaction, committed here. ``attachments`` are
    new Attachment rows of files already copied into place, which join the
    event (:class:`deflect.cases.NewFiles`). Raises :class:`LifecycleError`
    (nothing changed) when the action is not allowed. ``request_key`` names
    the form that asked (unique among events): the same form sent twice raises
    :class:`sqlalchemy.exc.IntegrityError` the second time, and nothing changes.
    """
    transition = BY_ACTION.get(action)
    if transition is None:
        raise ValueError(f"unknown action {action!r}")
    if not actor.may(transition.who):
        raise NotAllowed(action)
    body = clean_text(body or "").strip() or None
    if transition.needs_body and not body:
        raise LifecycleError(str(_l("Please write a message.")), status=400, code="empty_message")
    case_id = case if isinstance(case, int) else case.id
    for attempt in range(RETRIES):
        try:
            return _act_once(db, case_id, transition, actor, body, dict(data or {}), list(attachments),
                             now or now_utc(), expected_version, request_key)
        except StaleDataError:
            db.rollback()
            if expected_version is not None or attempt == RETRIES - 1:
                raise CaseChanged() from None
            log.info("case %s changed under %s; trying again on the fresh state", case_id, action)
    raise AssertionError("unreachable")


def _act_once(db: Session, case_id: int, transition: Transition, actor: Actor, body: str | None,
              data: dict[str, Any], attachments: list[Attachment], now: datetime,
              expected_version: int | None, request_key: str | None = None) -> CaseEvent:
    db.expire_all()  # read the case as it is now, not as this handle last saw it
    if db.get_bind().dialect.name == "sqlite":
        # SQLite has no row locks: an UPDATE first takes its one write lock, so the read below stays true.
        db.execute(update(Case).where(Case.id == case_id).values(id=Case.id),
                   execution_options={"synchronize_session": False})
    case = db.scalar(select(Case).where(Case.id == case_id).with_for_update(of=Case))
    if case is None:
        raise DeflectError(str(_l("This case does not exist.")), status=404, code="not_found")
    if expected_version is not None and case.version != expected_version:
        db.rollback()
        raise CaseChanged()
    if case.status not in transition.states:
        db.rollback()
        raise IllegalTransition(transition.action, case.status)
    change = Change(case, transition, actor, now, body, data, before=case.status)
    _guard(change)
    case.status = transition.to.get(case.status, case.status)
    _effects(change)
    event = CaseEvent(type=transition.action, at=now, actor_kind=actor.kind, actor=actor.name[:320],
                      staff_id=actor.staff_id, from_status=change.before,
                      to_status=case.status if case.status != change.before else None,
                      public=transition.public, body=body, data=change.data, request_key=request_key)
    case.events.append(event)
    change.event = event
    db.flush()
    for attachment in attachments:
        case.attachments.append(attachment)
        attachment.event = event
    _queue_mails(change)
    db.commit()
    return event


def on_filed(db: Session, case: Case, now: datetime) -> None:
    """Start the lifecycle of a case being filed (inside the filing transaction, before its commit).

    The case gets the secret of its e-mail replies and its first SLA deadline;
    the acknowledgement is queued, and a critical case alerts the on-call team.
    """
    from deflect.mail import outbox

    case.reply_token = secrets.token_hex(12)
    case.updated_at = now
    case.due_at = policy().due_times(case).next()
    db.flush()
    outbox.queue_case_mail("acknowledgement", case, event=None, now=now)
    if case.severity == "critical" and current_app.config["ONCALL_EMAIL"]:
        outbox.notify_oncall(case, now=now)


def mentions_escalation(text: str, keywords: Iterable[str]) -> bool:
    """Tell whether a customer's message asks for an escalation with the words the article gives.

    >>> mentions_escalation("Hello, ESCALATION   request: we are blocked", ["Escalation Request"])
    True
    """
    squashed = " ".join((text or "").casefold().split())
    return any(" ".join(keyword.casefold().split()) in squashed for keyword in keywords if keyword.strip())


def escalation_keywords() -> list[str]:
    """The words that ask for an escalation (vocabulary/labels.yml's ``keyword.escalation_request``).

    Every language's, whatever the case's language: the articles tell customers
    that the English "Escalation Request" works everywhere, beside their own words.
    """
    center = current_help_center()
    words = ["Escalation Request"]
    if center.labels is not None and center.labels.has("keyword", "escalation_request"):
        words += [center.labels.get("keyword", "escalation_request", code) for code in center.languages]
    return list(dict.fromkeys(words))


def customer_writes(db: Session, case: Case, actor: Actor, body: str, *, attachments: Iterable[Attachment] = (),
                    via: str = "page", now: datetime | None = None,
                    expected_version: int | None = None, request_key: str | None = None) -> list[CaseEvent]:
    """A customer's message on a case (case page or e-mail): a reply, and an escalation request if it asks one.

    The support/escalation article tells customers to write the words
    "Escalation Request" in a reply: such a reply is also an escalation request.
    ``request_key`` goes to the reply (see :func:`act`).
    """
    events = [act(db, case, "customer_reply", actor, body=body, data={"via": via}, attachments=attachments,
                  now=now, expected_version=expected_version, request_key=request_key)]
    if mentions_escalation(body, escalation_keywords()) and case.escalation not in ("requested",
                                                                                             "acknowledged"):
        events.append(act(db, case, "request_escalation", actor, body=body,
                          data={"reasons": ["written"], "via": via}, now=now))
    return events


def allowed_actions(case: Case, actor: Actor, now: datetime | None = None) -> dict[str, bool]:
    """Return, for each action this actor could take, whether the case's state allows it now.

    Pages show only what is allowed; a guard that says "not yet" (the Nudge
    rule) is False here and explained by the page.
    """
    now = now or now_utc()
    allowed = {}
    for transition in TRANSITIONS:
        if not actor.may(transition.who) or transition.who == "system":
            continue
        ok = case.status in transition.states
        if ok and transition.guard:
            try:
                _guard(Change(case, transition, actor, now, None, {}, case.status, probe=True))
            except LifecycleError:
                ok = False
        allowed[transition.action] = ok
    return allowed
