"""What the service's records teach the search: questions that an article answered.

Two kinds of record say that an article answered a customer's question:

* a deflection that ended with "this solved my problem" (``deflected``): the
  article is the one the customer voted helpful during it or, without such a
  vote, the only one they opened (none opened, or several and no vote: the
  record does not say which, and teaches nothing); an article voted
  unhelpful never counts;
* a case an agent solved by proposing an article (``solved_with_article``)
  and that stayed solved or was closed from there: a solution the customer
  rejected, or a later solution without the article, does not count (the
  lifecycle clears the column then, :func:`deflect.lifecycle._effects`).

Each becomes an :class:`AnsweredQuestion` naming its *source*, the customer
as well as the records tell: a deflection's browser (its random key; one
browser's many deflections are one customer), a case's browser when it came
through the form, else its contact's address. The search then learns a word
for an article only from several sources, within bounds, and only when the
index is built again (:mod:`deflect.search.evidence`), so that what one
customer does never changes what another sees.

``rebuild_index`` reads the records through the callable :func:`init_app`
registers; when the store cannot be read it builds without them and says
so. ``deflect learned`` shows the authors, per article and language, what
the current index learned and the questions behind it.
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from deflect.lifecycle import CLOSED, SOLVED
from deflect.search import EVIDENCE_SOURCE
from deflect.search import evidence as search_evidence
from deflect.search.evidence import Evidence, EvidenceUnavailable
from deflect.search.index import current_generation, served_articles
from deflect.store import ArticleFeedback, Case, Deflection, session_factory

#: Only records of the last year are read: articles change, and old questions may be answered otherwise now.
SINCE_DAYS = 365
#: At most this many of each kind, the newest first: a bound on the index build's time and memory.
MAX_RECORDS = 20_000
#: The review shows this many characters of each question.
SHOWN_CHARS = 160


@dataclass(frozen=True)
class AnsweredQuestion:
    """A customer's question that an article answered, according to one record of the service."""

    lang: str
    article: str
    question: str
    source: str  # the customer, as the records tell: counted once however many records they left
    record: str  # what the authors' review names: "deflection 41", "case LUM-2026-00042"
    how: str  # "voted helpful", "opened", "solved by an agent"
    at: datetime

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.lang, self.article, self.question, self.source)


def from_deflections(db: Session, since: datetime) -> list[AnsweredQuestion]:
    """Return the questions of deflections that ended with "this solved my problem", with the article that did."""
    deflections = list(db.scalars(
        select(Deflection).options(selectinload(Deflection.suggestions))
        .where(Deflection.outcome == "deflected", Deflection.created_at >= since)
        .order_by(Deflection.id.desc()).limit(MAX_RECORDS)))
    votes: dict[str, dict[str, bool]] = defaultdict(dict)
    for key, article, helpful in db.execute(
            select(ArticleFeedback.deflection_key, ArticleFeedback.article, ArticleFeedback.helpful)
            .join(Deflection, Deflection.submission_key == ArticleFeedback.deflection_key)
            .where(Deflection.outcome == "deflected", Deflection.created_at >= since)
            .order_by(ArticleFeedback.id)):
        votes[key][article] = helpful and votes[key].get(article, True)  # one "unhelpful" outweighs
    found = []
    for deflection in deflections:
        voted = votes.get(deflection.submission_key or "", {})
        articles, how = sorted(article for article, helpful in voted.items() if helpful), "voted helpful"
        if not articles:
            opened = {shown.article_id for shown in deflection.suggestions if shown.opened} - set(voted)
            articles, how = (sorted(opened), "opened") if len(opened) == 1 else ([], "")
        source = (f"browser:{deflection.browser_key}" if deflection.browser_key
                  else f"deflection:{deflection.id}")
        found += [AnsweredQuestion(deflection.lang, article, deflection.query, source,
                                   f"deflection {deflection.id}", how, deflection.ended_at or deflection.created_at)
                  for article in articles]
    return found


def from_cases(db: Session, since: datetime) -> list[AnsweredQuestion]:
    """Return the questions of cases an agent solved with an article that the customer did not reject."""
    # The lifecycle keeps solved_with_article to the current solution: a rejected one clears it.
    cases = list(db.scalars(
        select(Case).options(selectinload(Case.deflection))
        .where(Case.solved_with_article.is_not(None), Case.status.in_((SOLVED, CLOSED)), Case.created_at >= since)
        .order_by(Case.id.desc()).limit(MAX_RECORDS)))
    found = []
    for case in cases:
        asked = case.deflection
        question = asked.query if asked is not None and asked.query else f"{case.subject}\n{case.description}"
        source = (f"browser:{asked.browser_key}" if asked is not None and asked.browser_key
                  else f"email:{case.email.casefold()}")
        found.append(AnsweredQuestion(case.lang, case.solved_with_article, question, source, f"case {case.reference}",
                                      "solved by an agent", case.solved_at or case.updated_at))
    return found


def answered_questions(app: Flask, now: datetime | None = None) -> list[AnsweredQuestion]:
    """Return every answered question of the last :data:`SINCE_DAYS` days, oldest first.

    Raises :class:`EvidenceUnavailable` when the store cannot be read (down,
    or not migrated yet).
    """
    since = (now or datetime.now(timezone.utc)) - timedelta(days=SINCE_DAYS)
    try:
        with session_factory(app)() as db:
            found = from_deflections(db, since) + from_cases(db, since)
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        first_line = (str(cause).strip().splitlines() or [""])[0][:200]
        raise EvidenceUnavailable(f"{type(cause).__name__}: {first_line}") from exc
    return sorted(found, key=lambda item: item.at)


def review(answered: Iterable[AnsweredQuestion], learned_now: search_evidence.Learned,
           next_build: search_evidence.Learned) -> list[dict]:
    """Return, per article and language, what the index learned, what the next build would, and why."""
    rows: dict[tuple[str, str], dict] = {}

    def row(key: tuple[str, str]) -> dict:
        return rows.setdefault(key, {"lang": key[0], "article": key[1], "learned_now": {}, "next_build": {},
                                     "customers": 0, "questions": []})

    for key, found in learned_now.items():
        row(key)["learned_now"] = dict(found)
    for key, found in next_build.items():
        row(key)["next_build"] = dict(found)
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    for item in answered:
        key = (item.lang, item.article)
        sources[key].add(item.source)
        row(key)["questions"].append({"at": item.at.isoformat(timespec="minutes"), "record": item.record,
                                      "how": item.how, "question": " ".join(item.question.split())})
    for key, found in sources.items():
        rows[key]["customers"] = len(found)
    return [rows[key] for key in sorted(rows)]


def _words(found: dict[str, int]) -> str:
    return ", ".join(f"{word} ({n})" for word, n in found.items()) or "nothing"


@click.command("learned")
@click.option("--lang", default=None, help="one language (default: all)")
@click.option("--format", "form", type=click.Choice(["text", "json"]), default="text", show_default=True)
@with_appcontext
def learned_command(lang: str | None, form: str) -> None:
    """What the search learned from customers' answered questions, per article, and the questions behind it."""
    app = current_app._get_current_object()
    help_center = app.extensions["deflect.help_center"]
    code = help_center.normalize_language(lang) if lang else None
    if lang and code is None:
        raise click.UsageError(f"unknown language {lang!r}: choose one of {', '.join(help_center.languages)}")
    generation = current_generation(Path(app.config["INDEX_DIR"]))
    learned_now = search_evidence.load(generation) if generation else {}
    try:
        answered = answered_questions(app)
    except EvidenceUnavailable as exc:
        click.echo(f"Warning: the service's records cannot be read ({exc}): only what the index learned.", err=True)
        answered = []
    next_build = search_evidence.learn([item.evidence for item in answered], served_articles(help_center))
    rows = [row for row in review(answered, learned_now, next_build) if code in (None, row["lang"])]
    if form == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    click.echo(f"Questions answered by an article in the last {SINCE_DAYS} days; a word is learned once "
               f"{search_evidence.MIN_SOURCES} different customers used it (`deflect index` applies it).")
    if not rows:
        click.echo("Nothing yet.")
    for row in rows:
        click.echo(f"\n{row['lang']} {row['article']}  ({row['customers']} customer(s))")
        click.echo(f"  learned by the current index: {_words(row['learned_now'])}")
        click.echo(f"  the next build would learn:   {_words(row['next_build'])}")
        for asked in row["questions"]:
            text = asked["question"]
            text = text if len(text) <= SHOWN_CHARS else text[:SHOWN_CHARS - 1] + "…"
            click.echo(f"  - {asked['at'][:10]} {asked['record']} ({asked['how']}): {text}")


def init_app(app: Flask) -> None:
    """Let index builds learn from the store's records; register ``deflect learned``."""
    app.extensions[EVIDENCE_SOURCE] = lambda: [item.evidence for item in answered_questions(app)]
    app.cli.add_command(learned_command)
