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
from typing import Iterable, Mapping

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from deflect.drafts import redact_patterns
from deflect.lifecycle import CLOSED, SOLVED
from deflect.search import EVIDENCE_SOURCE
from deflect.search import evidence as search_evidence
from deflect.search import questions, subject
from deflect.search.evidence import Evidence, EvidenceUnavailable
from deflect.search.index import current_generation, served_articles
from deflect.search.questions import QUESTIONS_FILE, same_question
from deflect.search.synonyms import read_or_empty
from deflect.store import ArticleFeedback, Case, Deflection, session_factory

#: Only records of the last year are read: articles change, and old questions may be answered otherwise now.
SINCE_DAYS = 365
#: At most this many of each kind, the newest first: a bound on the index build's time and memory.
MAX_RECORDS = 20_000
#: The review shows this many characters of each question.
SHOWN_CHARS = 160
#: A longer answered question is not proposed for the questions file (``--propose``).
PROPOSED_CHARS = 200


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


def proposals(answered: Iterable[AnsweredQuestion], listed: dict[str, set[str]],
              articles: Mapping[str, set[str]]) -> dict[str, dict[str, list[tuple[str, int]]]]:
    """Return, per language and article, the answered questions that ``vocabulary/questions.yml`` could list.

    ``articles``: the ids the help center serves, per language (only those
    languages are read; an article since removed is left out).

    Each is the customer's text on one line, without what personal data looks
    like (:func:`deflect.drafts.redact_patterns`), with the number of
    customers who asked it (most first). A question already listed for the
    language (``listed``: :func:`deflect.search.questions.same_question` of
    each line of the questions file and of the subjects file's ``other``), or
    longer than :data:`PROPOSED_CHARS` (a case's whole description makes a
    poor example), is left out. An author reads them and copies the right
    ones: nothing here changes what the search does by itself.
    """
    customers: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    texts: dict[tuple[str, str, str], str] = {}
    for item in answered:
        text = redact_patterns(" ".join(item.question.split()))
        key = (item.lang, item.article, same_question(text))
        if item.article not in articles.get(item.lang, ()) or not text or len(text) > PROPOSED_CHARS \
                or key[2] in listed.get(item.lang, set()):
            continue
        customers[key].add(item.source)
        texts.setdefault(key, text)
    found: dict[str, dict[str, list[tuple[str, int]]]] = {}
    for key in sorted(customers, key=lambda key: (key[0], key[1], -len(customers[key]), key[2])):
        found.setdefault(key[0], {}).setdefault(key[1], []).append((texts[key], len(customers[key])))
    return found


def proposal_yaml(found: dict[str, dict[str, list[tuple[str, int]]]]) -> str:
    """Return :func:`proposals` in the questions file's shape, each line saying how many customers asked it.

    >>> print(proposal_yaml({"fr": {"support/sla": [("délai de réponse ?", 2)]}}), end="")
    fr:
      support/sla:
        - "délai de réponse ?"  # 2 customers
    """
    lines = []
    for lang, articles in found.items():
        lines.append(f"{lang}:")
        for article, asked in articles.items():
            lines.append(f"  {article}:")
            lines += [f"    - {json.dumps(text, ensure_ascii=False)}  # {count} customer{'s' if count > 1 else ''}"
                      for text, count in asked]
    return "\n".join(lines) + "\n" if lines else ""


def _listed(help_center) -> dict[str, set[str]]:
    """Return, per language, the questions the questions file and the subjects file's ``other`` already list."""
    root, languages = Path(help_center.root), help_center.languages
    listed: dict[str, set[str]] = defaultdict(set)
    asked = read_or_empty(questions.read_file, root / QUESTIONS_FILE)
    others = read_or_empty(subject.read_file, root / subject.SUBJECTS_FILE)
    for lang, question, _ in questions.labelled(asked, languages) + subject.examples(others, languages):
        listed[lang].add(same_question(question))
    return listed


def _words(found: dict[str, int]) -> str:
    return ", ".join(f"{word} ({n})" for word, n in found.items()) or "nothing"


@click.command("learned")
@click.option("--lang", default=None, help="one language (default: all)")
@click.option("--format", "form", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--propose", is_flag=True,
              help="print the answered questions that vocabulary/questions.yml does not list yet, in its shape")
@with_appcontext
def learned_command(lang: str | None, form: str, propose: bool) -> None:
    """What the search learned from customers' answered questions, per article, and the questions behind it.

    With ``--propose``: those questions as lines for ``vocabulary/questions.yml``
    (:func:`proposals`), for an author to review and copy.
    """
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
    if propose:
        served = {lang: ids for lang, ids in served_articles(help_center).items() if code in (None, lang)}
        found = proposals(answered, _listed(help_center), served)
        click.echo(f"# Answered questions of the last {SINCE_DAYS} days that {QUESTIONS_FILE} does not list yet.\n"
                   "# Read each one: copy those in a customer's words that the article truly answers, under it,\n"
                   "# and remove names, companies and anything private; then `deflect check` and `deflect index`.")
        click.echo(proposal_yaml(found) or "# Nothing to propose.", nl=not found)
        return
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
