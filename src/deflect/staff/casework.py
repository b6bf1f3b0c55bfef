"""A case as an agent works it: what the customer tried first, the articles that match, the actions.

Plain functions the views call with the store's handle; every change goes
through :func:`deflect.lifecycle.act` (:func:`perform`), which checks the
actor and the state, records the event with its author and queues the
customer's e-mails in the case's language.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from deflect import drafts, lifecycle, search
from deflect.content import ContentError, split_front_matter
from deflect.helpcenter import current_help_center
from deflect.site import HelpCenter
from deflect.staff import forms
from deflect.store import ArticleFeedback, Case, CaseEvent, SavedReply, Staff

SUGGESTIONS = 5


@dataclass(frozen=True)
class Vote:
    """A "Was this article helpful?" answer the customer gave while deciding to file."""

    helpful: bool
    reason: str | None
    at: datetime


@dataclass(frozen=True)
class ArticleTried:
    """An article the customer was shown before filing: where, whether they opened it, how they voted."""

    rank: int
    article: str
    lang: str
    title: str
    url: str
    opened: bool
    votes: tuple[Vote, ...] = ()

    @property
    def unhelpful(self) -> bool:
        return any(not vote.helpful for vote in self.votes)


@dataclass(frozen=True)
class TriedFirst:
    """What the customer tried before filing: the question they typed, and the articles they were shown."""

    question: str
    lang: str
    from_article: str | None
    articles: tuple[ArticleTried, ...] = field(default_factory=tuple)


@lru_cache(maxsize=512)
def _article_title(center: HelpCenter, article: str, lang: str) -> str:
    for language in dict.fromkeys((lang, center.default_language)):
        path = Path(center.docs_dir) / language / f"{article}.md"
        try:
            meta, _ = split_front_matter(path.read_text(encoding="utf-8"))
        except (OSError, ContentError):
            continue
        if meta.get("title"):
            return str(meta["title"])
    return article


def article_title(article: str, lang: str) -> str:
    """The title of a help-center article in ``lang`` (English's, or its id, if it has none)."""
    return _article_title(current_help_center(), article, lang)


def absolute(url: str) -> str:
    """A help-center link a customer can open from an e-mail (site-relative ones get the public address)."""
    return current_app.config["PUBLIC_URL"].rstrip("/") + url if url.startswith("/") else url


def tried_first(session: Session, case: Case) -> TriedFirst | None:
    """What the customer asked and was shown before filing ``case`` (None: filed without a deflection)."""
    deflection = case.deflection
    if deflection is None:
        return None
    votes: dict[str, list[Vote]] = {}
    for vote in session.scalars(select(ArticleFeedback).where(ArticleFeedback.deflection_key == case.submission_key)
                                .order_by(ArticleFeedback.id)):
        votes.setdefault(vote.article, []).append(Vote(vote.helpful, vote.reason, vote.created_at))
    center = current_help_center()
    articles = tuple(
        ArticleTried(shown.rank, shown.article_id, shown.lang, article_title(shown.article_id, shown.lang),
                     center.page_url(shown.article_id, shown.lang), shown.opened,
                     tuple(votes.get(shown.article_id, ())))
        for shown in deflection.suggestions)
    return TriedFirst(deflection.query, deflection.lang, deflection.from_article, articles)


@dataclass(frozen=True)
class ArticleMatch:
    """An article that matches the case, ready to insert into a reply: its title and its section's address."""

    article: str
    title: str
    url: str
    snippet: str
    fallback: bool

    @property
    def insert_text(self) -> str:
        return f"{self.title}: {self.url}"


def matching_articles(case: Case) -> list[ArticleMatch]:
    """The articles that answer the case, in the case's language (the deflection search, as the form uses it)."""
    from deflect.support import find_suggestions

    question = f"{case.subject}\n{case.description}"  # suggest() cuts it
    return [ArticleMatch(found.id, found.title, absolute(found.url), found.snippet, found.fallback)
            for found in find_suggestions(question, case.lang)[:SUGGESTIONS]]


def saved_replies(session: Session, lang: str | None = None) -> list[SavedReply]:
    """The saved replies (of one language), by title."""
    query = select(SavedReply).order_by(SavedReply.lang, SavedReply.title, SavedReply.id)
    if lang:
        query = query.where(SavedReply.lang == lang)
    return list(session.scalars(query))


def team(session: Session) -> list[Staff]:
    """The active members, by name: who a case can be assigned to."""
    return list(session.scalars(select(Staff).where(Staff.active.is_(True)).order_by(Staff.name, Staff.id)))


def history(case: Case) -> list[CaseEvent]:
    """The case's whole history, internal notes included, oldest first."""
    return list(case.events)


#: The cases worth an article: their solution is known (a solved case may still reopen; its draft is then early).
DRAFTABLE = (lifecycle.SOLVED, lifecycle.CLOSED)


@dataclass(frozen=True)
class ArticleDraft:
    """A solved case written as a help-center article for an author to review, and where it would live."""

    markdown: str
    path: str  # docs/<lang>/support/<slug>.md

    @property
    def file_name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def article_draft(case: Case) -> ArticleDraft:
    """The draft of ``case`` (:mod:`deflect.drafts`), in the case's language down to its headings.

    The draft belongs beside the articles of the case's language, whatever
    language the agent's workspace speaks.
    """
    with force_locale(case.lang):
        headings = {"question": gettext("The question"), "solution": gettext("The solution")}
    return ArticleDraft(drafts.draft_article(case, headings), drafts.suggested_path(case))


def acknowledgement(case: Case, escalation_manager: str, technical_lead: str, message: str | None) -> str:
    """The text of an escalation's acknowledgement, in the case's language: the customer's two contacts."""
    with force_locale(case.lang):
        lines = [gettext("Escalation manager: %(name)s", name=escalation_manager),
                 gettext("Technical lead: %(name)s", name=technical_lead)]
    return "\n".join(lines) + (f"\n\n{message}" if message else "")


def perform(session: Session, case: Case, action: str, member: Staff, form: forms.CaseActionForm,
            now: datetime | None = None) -> CaseEvent:
    """Take a staff ``action`` on ``case`` with a validated ``form``, through the lifecycle.

    Raises :class:`deflect.lifecycle.LifecycleError` (``CaseChanged`` when the
    case's version is no longer the one the form was shown with).
    """
    actor = lifecycle.Actor.staff(member)
    body: str | None = getattr(form, "body", None) and form.body.data
    data: dict = {}
    if isinstance(form, forms.ComposerForm):
        action = form.action.data
        if form.article.data:
            data["article"] = form.article.data
    elif isinstance(form, forms.SeverityForm):
        data["severity"] = form.severity.data
    elif isinstance(form, forms.AssignForm):
        data["assignee_id"] = form.assignee_id
        body = body or None
    elif action == "take":
        action, data["assignee_id"] = "assign", member.id
    elif isinstance(form, forms.AcknowledgeForm):
        data = {"escalation_manager": form.escalation_manager.data, "technical_lead": form.technical_lead.data}
        body = acknowledgement(case, form.escalation_manager.data, form.technical_lead.data, form.body.data)
    return lifecycle.act(session, case.id, action, actor, body=body, data=data, now=now,
                         expected_version=form.version.data)
