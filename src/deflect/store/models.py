"""The case store's tables: cases with their events and attachments, deflections
(what a customer asked and was shown before filing, or instead of filing) with
the suggestions they showed, and article feedback."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

#: Status values of a case, in lifecycle order (DESIGN.md, "The case, as it will grow").
CASE_STATUSES = ("new", "open", "pending_customer", "solved", "closed")
#: How a deflection ended: the customer was helped, filed a case, or started over.
OUTCOMES = ("deflected", "case", "abandoned")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class Deflection(Base):
    """One customer's way through the form before a case: what they asked and what they were shown."""

    __tablename__ = "deflection"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(Text)
    lang: Mapped[str] = mapped_column(String(8))
    from_article: Mapped[str | None] = mapped_column(String(200))
    product: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

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


class Case(Base):
    """A support case as the customer recorded it; later changes are events, never overwrites."""

    __tablename__ = "support_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="new")
    lang: Mapped[str] = mapped_column(String(8))
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    company: Mapped[str] = mapped_column(String(200))
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", cascade="all, delete-orphan")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="case", order_by="Attachment.id", cascade="all, delete-orphan")
    deflection: Mapped[Deflection | None] = relationship()


class CaseEvent(Base):
    """One entry of a case's append-only history (its creation is the first)."""

    __tablename__ = "case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), index=True)
    type: Mapped[str] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class Attachment(Base):
    """A file attached to a case, stored outside any served folder under a random name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_case.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))

    case: Mapped[Case] = relationship(back_populates="attachments")


class ArticleFeedback(Base):
    """A "Was this article helpful?" answer from the help center."""

    __tablename__ = "article_feedback"

    id: Mapped[int] = mapped_column(primary_key=True)
    article: Mapped[str] = mapped_column(String(200), index=True)
    lang: Mapped[str] = mapped_column(String(8))
    helpful: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
