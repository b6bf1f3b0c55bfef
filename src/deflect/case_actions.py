"""The customer's actions on the case page, each validated once and taken at most once.

Every form of the page carries a *request key* (a submission key, like the
case form's). It names the form's staging folder (:class:`deflect.staging.Staging`:
the files chosen, and the draft kept when the form comes back with an error)
and goes to the event the form makes (``CaseEvent.request_key``, unique in the
store). A double click, a reload that resends the form, or a replayed request
therefore finds its event already there and changes nothing
(:class:`AlreadyDone`); two copies racing each other are settled by the
unique key, inside the lifecycle's own transaction.

Each ``*Form`` turns what the browser sent into the lifecycle's arguments;
:func:`take` runs one change through :func:`deflect.lifecycle.act`.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from wtforms import HiddenField, MultipleFileField, RadioField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from deflect import lifecycle, staging
from deflect.cases import NewFiles
from deflect.errors import DeflectError
from deflect.forms import choices, strip
from deflect.lifecycle import Actor, LifecycleError
from deflect.staging import Staging
from deflect.store import Case, CaseEvent
from deflect.vocabulary import ESCALATION_REASONS, label

#: The longest message a customer may write on the page (the case form's description takes as much).
MESSAGE_CHARS = 10_000
COMMENT_CHARS = 2_000
#: Form name → the lifecycle action it takes (the names the page, the drafts and the tests use).
ACTIONS = {"reply": "customer_reply", "nudge": "nudge", "escalation": "request_escalation",
           "accept": "accept_solution", "reject": "reject_solution", "close": "close", "survey": "rate"}
#: The action labels the page shows for each lifecycle action (vocabulary's ``action`` group).
ACTION_LABELS = {"customer_reply": "reply", "nudge": "nudge", "request_escalation": "request_escalation",
                 "accept_solution": "accept_solution", "reject_solution": "reject_solution", "close": "close_case",
                 "rate": "reply"}


class AlreadyDone(DeflectError):
    """The form was already sent and taken: this copy changes nothing."""

    def __init__(self):
        super().__init__(str(_l("This was already sent, and it is shown below. Nothing more was changed.")),
                         status=409, code="already_done")


class NotPossibleNow(DeflectError):
    """The case's state no longer allows the action (the page was older than the case)."""

    def __init__(self, action: str, status: str):
        super().__init__(str(_l("“%(action)s” is not possible any more: the case is now %(status)s. "
                                "Nothing was changed.", action=label("action", ACTION_LABELS.get(action, action)),
                                status=label("status", status))), status=409, code="illegal_transition")


def message_length():
    return Length(max=MESSAGE_CHARS, message=_l("Please keep your message under %(count)d characters.",
                                                count=MESSAGE_CHARS))


class ActionForm(FlaskForm):
    """What every action form carries: the CSRF token and its request key."""

    class Meta:
        locales = False

    key = HiddenField()

    def validate_key(self, field):
        if not staging.is_submission_key(field.data):
            raise ValidationError(_l("This form is incomplete. Please reload the page and try again."))

    def arguments(self) -> dict[str, Any]:
        """The lifecycle's ``body`` and ``data`` for this form."""
        return {}


class ReplyForm(ActionForm):
    body = TextAreaField(_l("Your message"), filters=[strip], validators=[
        DataRequired(message=_l("Please write your message.")), message_length()])
    attachments = MultipleFileField(_l("Attachments"))

    def arguments(self) -> dict[str, Any]:
        return {"body": self.body.data}


class RejectForm(ActionForm):
    body = TextAreaField(_l("What is still wrong?"), filters=[strip], validators=[
        DataRequired(message=_l("Please tell us what is still wrong: the analyst starts from there.")),
        message_length()])

    def arguments(self) -> dict[str, Any]:
        return {"body": self.body.data}


class EscalationForm(ActionForm):
    reasons = SelectMultipleField(_l("Why do you ask for an escalation?"), choices=choices(ESCALATION_REASONS.items()),
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                  validate_choice=False)
    body = TextAreaField(_l("Explain your reasons"), filters=[strip], validators=[message_length()])

    def validate_reasons(self, field):
        if any(reason not in ESCALATION_REASONS for reason in field.data or []):
            raise ValidationError(_l("Please choose reasons from the list."))

    def validate_body(self, field):
        if not field.data and not self.reasons.data:
            raise ValidationError(_l("Please choose at least one reason, or explain your reasons."))

    def arguments(self) -> dict[str, Any]:
        reasons = [reason for reason in ESCALATION_REASONS if reason in (self.reasons.data or [])]
        # The lifecycle needs a message: the reasons' own words stand in when nothing else was written.
        body = self.body.data or "\n".join(str(ESCALATION_REASONS[reason]) for reason in reasons)
        return {"body": body, "data": {"reasons": reasons, "via": "page"}}


class SurveyForm(ActionForm):
    score = RadioField(validate_choice=False)
    comment = TextAreaField(_l("Comment (optional)"), filters=[strip], validators=[
        Length(max=COMMENT_CHARS, message=_l("Please keep your comment under %(count)d characters.",
                                             count=COMMENT_CHARS))])

    def setup(self, scale: int) -> SurveyForm:
        self.scale = scale
        self.score.choices = choices((str(n), str(n)) for n in range(1, scale + 1))
        return self

    def validate_score(self, field):
        if field.data not in {str(n) for n in range(1, self.scale + 1)}:
            raise ValidationError(_l("Please choose a score from 1 to %(n)d.", n=self.scale))

    def arguments(self) -> dict[str, Any]:
        return {"data": {"score": int(self.score.data), "comment": self.comment.data or None}}


FORMS: dict[str, type[ActionForm]] = {"reply": ReplyForm, "nudge": ActionForm, "escalation": EscalationForm,
                                      "accept": ActionForm, "reject": RejectForm, "close": ActionForm,
                                      "survey": SurveyForm}


def event_of_request(db: Session, key: str) -> CaseEvent | None:
    """Return the event a form with this request key already made, if any."""
    return db.scalar(select(CaseEvent).where(CaseEvent.request_key == key)) if key else None


def take(db: Session, key: str, change: Callable[[], Any]) -> Any:
    """Run ``change`` (one or more lifecycle actions keyed by ``key``) unless the form was already taken.

    Raises :class:`AlreadyDone` for a form already taken, including the copy
    that lost a race against the first (the unique key refuses it), or a copy
    that finds the state the first one left.
    """
    if event_of_request(db, key) is not None:
        raise AlreadyDone()
    try:
        return change()
    except (IntegrityError, LifecycleError):
        db.rollback()
        if event_of_request(db, key) is not None:
            raise AlreadyDone() from None
        raise


def customer_of(case: Case, signed_in: str | None) -> Actor:
    """The customer acting on the page: the signed-in address if it is the case's contact or owner, else the contact."""
    if signed_in and signed_in.casefold() in {a.casefold() for a in case.recipients}:
        return Actor.customer(signed_in)
    return Actor.customer(case.email)


def act_on(db: Session, case: Case, name: str, form: ActionForm, actor: Actor, kept: Staging | None = None,
           now: datetime | None = None) -> list[CaseEvent]:
    """Take the action of the form ``name`` on ``case``; the reply takes the files staged under its key.

    Raises :class:`AlreadyDone`, :class:`NotPossibleNow`, or the lifecycle's
    own :class:`~deflect.lifecycle.LifecycleError` (nothing changed).
    """
    action, key, arguments = ACTIONS[name], form.key.data, form.arguments()
    try:
        if name == "reply":
            return take(db, key, lambda: _reply(db, case, actor, arguments["body"], key, kept, now))
        return [take(db, key, lambda: lifecycle.act(db, case.id, action, actor, now=now, request_key=key,
                                                    **arguments))]
    except lifecycle.IllegalTransition as refused:
        if refused.state in lifecycle.BY_ACTION[action].states:
            raise  # the state allows it but a rule does not (yet): the rule's own words (Nudge, escalation)
        raise NotPossibleNow(action, refused.state) from None


def _reply(db: Session, case: Case, actor: Actor, body: str, key: str, kept: Staging | None,
           now: datetime | None) -> list[CaseEvent]:
    files = NewFiles(current_app.config["UPLOAD_DIR"])
    try:
        rows = [files.add_staged(kept, item) for item in kept.files()] if kept else []
        events = lifecycle.customer_writes(db, case, actor, body, attachments=rows, via="page", now=now,
                                           request_key=key)
    except BaseException:
        files.undo()
        raise
    if kept:
        kept.discard()
    return events
