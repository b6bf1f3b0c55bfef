"""The case store's tables: cases with their events and attachments, deflections
(what a customer asked and was shown before filing, or instead of filing) with
the suggestions they showed, article feedback, staff, the mail outbox, and the customers' "My cases" sign-in links."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text,
                        TypeDecorator)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Status values of a case, in lifecycle order (the transitions are in deflect.lifecycle).
CASE_STATUSES = ("new", "open", "pending_customer", "solved", "closed")
#: How a deflection ended: the customer was helped, filed a case, or started over.
OUTCOMES = ("deflected", "case", "abandoned")
#: Longest e-mail address (RFC 5321) and the longest actor a history entry names.
EMAIL_CHARS = 254
ACTOR_CHARS = 320


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A moment, always timezone-aware UTC in Python, whatever the database keeps.

    SQLite has no time zones: SQLAlchemy would hand back naive datetimes, and
    working-time arithmetic on naive and aware values raises. Naive input is
    refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("a naive datetime cannot be stored: give it a time zone")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime}


class Deflection(Base):
    """One customer's way through the form before a case: what they asked and what they were shown."""

    __tablename__ = "deflection"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    from_article: Mapped[str | None] = mapped_column(String(200))
    product: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column()
    #: The deflection's key: the "Was this article helpful?" votes cast during it carry it as their
    #: ``deflection_key``, and the case filed at its end as its ``submission_key``.
    submission_key: Mapped[str | None] = mapped_column(String(64), index=True)
    #: A random key the customer's browser keeps (in its session cookie) across its deflections: the
    #: search learns from several customers, not from one customer's many deflections (deflect.learning).
    browser_key: Mapped[str | None] = mapped_column(String(64))

    suggestions: Mapped[list[SuggestionShown]] = relationship(
        back_populates="deflection", order_by="SuggestionShown.rank", cascade="all, delete-orphan")


class SuggestionShown(Base):
    """An article shown to the customer during a deflection, at a rank."""

    __tablename__ = "suggestion_shown"

    id: Mapped[int] = mapped_column(primary_key=True)
    deflection_id: Mapped[int] = mapped_column(ForeignKey("deflection.id", ondelete="CASCADE"), index=True)
    rank: Mapped[int] = mapped_column(Integer)
    article_id: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(8))
    score: Mapped[float] = mapped_column(Float, default=0.0)
    opened: Mapped[bool] = mapped_column(Boolean, default=False)

    deflection: Mapped[Deflection] = relationship(back_populates="suggestions")


class Staff(Base):
    """A member of the support team: an agent, or a manager (escalations, reports, accounts)."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_CHARS), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="agent")
    language: Mapped[str] = mapped_column(String(8), default="en")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column()


class Case(Base):
    """A support case. Its fields are what the customer filed; its state changes only
    through :func:`deflect.lifecycle.act`, each change an event in its history."""

    __tablename__ = "support_case"
    __table_args__ = (
        Index("ix_case_queue", "status", "severity", "due_at"),
        Index("ix_case_email", "email"),
        # The staff queue's views and filters (deflect.staff.queue): counted and sorted from the index.
        Index("ix_case_assignee_queue", "assignee_id", "status", "severity", "due_at"),
        Index("ix_case_escalation", "escalation", "status"),
        Index("ix_case_product", "product", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    #: The secret in the Reply-To address of the case's e-mails (``support+<reply_token>@…``).
    reply_token: Mapped[str | None] = mapped_column(String(40), unique=True)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    lang: Mapped[str] = mapped_column(String(8), index=True)
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(EMAIL_CHARS))
    phone: Mapped[str | None] = mapped_column(String(40))
    company: Mapped[str] = mapped_column(String(200))
    #: Who else to contact about the case: receives its e-mails and sees it in "My cases".
    owner_name: Mapped[str | None] = mapped_column(String(200))
    owner_email: Mapped[str | None] = mapped_column(String(EMAIL_CHARS), index=True)
    product: Mapped[str] = mapped_column(String(200))
    request_type: Mapped[str] = mapped_column(String(20))
    severity: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    intent: Mapped[str | None] = mapped_column(Text)
    steps: Mapped[str | None] = mapped_column(Text)
    actual: Mapped[str | None] = mapped_column(Text)
    supporting_info: Mapped[str | None] = mapped_column(Text)
    technical_details: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    deflection_id: Mapped[int | None] = mapped_column(ForeignKey("deflection.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # --- state kept by the lifecycle (deflect.lifecycle); each change comes with an event ---
    #: Bumped by every change: two actors at once cannot both win (optimistic check).
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    #: None, or the escalation request's state: requested, acknowledged, closed.
    escalation: Mapped[str | None] = mapped_column(String(20))
    first_response_at: Mapped[datetime | None] = mapped_column()
    #: Last public message from support (the "news" the Nudge rule counts from).
    last_agent_update_at: Mapped[datetime | None] = mapped_column()
    last_customer_update_at: Mapped[datetime | None] = mapped_column()
    last_nudge_at: Mapped[datetime | None] = mapped_column()
    pending_since: Mapped[datetime | None] = mapped_column()
    reminders_sent: Mapped[int] = mapped_column(Integer, default=0)
    last_reminder_at: Mapped[datetime | None] = mapped_column()
    #: Working seconds the SLA clock stood still while the case waited for the customer.
    paused_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    #: The next SLA deadline (first response, next update or resolution); None when paused or done.
    due_at: Mapped[datetime | None] = mapped_column()
    solved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    #: The help-center article the case was solved with, if any (feeds the authors' reports).
    solved_with_article: Mapped[str | None] = mapped_column(String(200))
    survey_sent_at: Mapped[datetime | None] = mapped_column()
    survey_score: Mapped[int | None] = mapped_column(Integer)
    survey_comment: Mapped[str | None] = mapped_column(Text)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", order_by="Attachment.id", cascade="all, delete-orphan")
    deflection: Mapped[Deflection | None] = relationship()
    assignee: Mapped[Staff | None] = relationship()

    __mapper_args__ = {"version_id_col": version}

    @property
    def recipients(self) -> list[str]:
        """The addresses that receive the case's e-mails: the contact, and the owner if another."""
        return list(dict.fromkeys(a for a in (self.email, self.owner_email) if a))


class CaseEvent(Base):
    """One entry of a case's append-only history (its creation is the first).

    ``actor_kind`` is ``customer``, ``staff`` or ``system``; ``actor`` names them
    (an e-mail address, a staff member's name, ``sweep``). A message (a reply,
    a note, a reason) is in ``body``; ``public`` is False for internal notes,
    which the customer never sees.
    """

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(20), default="system")
    actor: Mapped[str] = mapped_column(String(ACTOR_CHARS))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    body: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The key of the form (or message) that asked for this change: a form sent twice makes one event.
    request_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    case: Mapped[Case] = relationship(back_populates="events")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="event", order_by="Attachment.id")


class Attachment(Base):
    """A file attached to a case, stored outside any served folder under a random name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), index=True)
    #: The message it came with (None: filed with the case).
    event_id: Mapped[int | None] = mapped_column(ForeignKey("case_event.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="attachments")
    event: Mapped[CaseEvent | None] = relationship(back_populates="attachments")


class CustomerSignIn(Base):
    """A "My cases" sign-in link sent to an address: one use, expiring; only its token's hash is kept."""

    __tablename__ = "customer_sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(EMAIL_CHARS), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class ArticleFeedback(Base):
    """A "Was this article helpful?" answer from the help center."""

    __tablename__ = "article_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    article: Mapped[str] = mapped_column(String(200), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The deflection in progress when the vote was cast, if the article was one it showed: the case
    #: filed at its end carries the same key as its ``submission_key`` (what the customer tried first).
    deflection_key: Mapped[str | None] = mapped_column(String(64), index=True)


class SavedReply(Base):
    """A saved reply (canned answer) in one language: written by managers, inserted by agents."""

    __tablename__ = "saved_reply"

    id: Mapped[int] = mapped_column(primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), index=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))

    updated_by: Mapped[Staff | None] = relationship()


class AuditEntry(Base):
    """One staff action outside a case's history (sign-in, invitation, saved reply …), with its author.

    What staff do to a case is in the case's own history (:class:`CaseEvent`,
    whose ``staff_id`` names the author); everything else is here. ``staff_id``
    is None for a sign-in attempt on an unknown address, and for the command
    line (``actor`` says ``cli``).
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    actor: Mapped[str] = mapped_column(String(ACTOR_CHARS))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(ACTOR_CHARS))
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class OutgoingMail(Base):
    """An e-mail waiting in the outbox, written in the same transaction as the event it tells of.

    ``deflect worker`` delivers it; a worker *claims* a message (``claim`` and
    ``claimed_until``) before sending, so several workers never send one twice.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "sent_at", "failed_at", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("support_case.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient: Mapped[str] = mapped_column(String(EMAIL_CHARS))
    lang: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(400))
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    claim: Mapped[str | None] = mapped_column(String(32))
    claimed_until: Mapped[datetime | None] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    failed_at: Mapped[datetime | None] = mapped_column()
