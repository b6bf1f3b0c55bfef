"""What the help center fails to answer, from what the service records: the authors' reports.

One :func:`build_report` computes every figure for a period and a language;
``deflect report`` prints it (CSV or JSON) and the managers' page in the
workspace draws it. Figures, by section:

* **funnel**: deflections (a customer described a problem) → with suggestions
  → an article opened → "this solved my problem" (deflected) → filed anyway;
  per language and per suggested article;
* **deflection rate** per week: deflected ÷ (deflected + filed);
* **unanswered**: questions that got no suggestion, and questions filed anyway
  after suggestions, grouped so that a repeated question counts once (with how often);
* **feedback**: "Was this article helpful?" per article, with the reasons given;
* **solved with an article**: cases an agent solved by pointing to an article;
* **survey**: the scores (1–7) and their mean;
* **SLA**: per severity, the share of cases whose first response and whose
  resolution (solved) came within target (:mod:`deflect.sla`; the clock as the
  case ran, pauses included; cases whose target lies ahead are not counted yet).
"""
from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from deflect.cli import MOMENT
from deflect.sla import ServicePolicy, policy_of
from deflect.store import ArticleFeedback, Case, Deflection, session_factory

#: How many grouped questions a list keeps (the most frequent first).
TOP_QUESTIONS = 50


def question_key(text: str) -> str:
    """The form of a question under which repeats count once: case, accents, punctuation and spaces aside.

    >>> question_key("  Export to EXCEL fails!! ") == question_key("export to excel fails")
    True
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.findall(r"\w+", plain))


@dataclass
class Period:
    """The report's scope: [since, until) and optionally one language."""

    since: datetime
    until: datetime
    lang: str | None = None


@dataclass
class Report:
    """Every figure of :func:`build_report` (see the module docstring)."""

    period: dict[str, Any]
    funnel: dict[str, int] = field(default_factory=dict)
    funnel_by_lang: dict[str, dict[str, int]] = field(default_factory=dict)
    articles: list[dict[str, Any]] = field(default_factory=list)
    weekly: list[dict[str, Any]] = field(default_factory=list)
    unanswered: list[dict[str, Any]] = field(default_factory=list)
    filed_anyway: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    solved_with_article: list[dict[str, Any]] = field(default_factory=list)
    survey: dict[str, Any] = field(default_factory=dict)
    sla: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _grouped(questions: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Group (lang, question) pairs by :func:`question_key`; the most frequent first, one example each."""
    counts: Counter = Counter()
    example: dict[tuple[str, str], str] = {}
    for lang, question in questions:
        key = (lang, question_key(question))
        if not key[1]:
            continue
        counts[key] += 1
        example.setdefault(key, " ".join(question.split())[:300])
    return [{"lang": lang, "question": example[(lang, key)], "count": count}
            for (lang, key), count in counts.most_common(TOP_QUESTIONS)]


def _funnel(deflections: list[Deflection]) -> dict[str, int]:
    shown = [d for d in deflections if d.suggestions]
    return {
        "asked": len(deflections),
        "suggested": len(shown),
        "opened": sum(1 for d in shown if any(s.opened for s in d.suggestions)),
        "deflected": sum(1 for d in deflections if d.outcome == "deflected"),
        "filed_anyway": sum(1 for d in shown if d.outcome == "case"),
        "filed_without_suggestion": sum(1 for d in deflections if d.outcome == "case" and not d.suggestions),
        "abandoned": sum(1 for d in deflections if d.outcome == "abandoned"),
    }


def _week(moment: datetime) -> str:
    monday = (moment - timedelta(days=moment.weekday())).date()
    return monday.isoformat()


def _sla_rows(cases: list[Case], rules: ServicePolicy, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for severity in rules.targets:
        targets = rules.targets[severity]
        first = {"met": 0, "missed": 0}
        resolution = {"met": 0, "missed": 0}
        for case in (c for c in cases if c.severity == severity):
            clock = rules.clock(case.severity, case.lang)
            due = targets.first_response.after(clock, case.created_at)
            if case.first_response_at:
                first["met" if case.first_response_at <= due else "missed"] += 1
            elif now > due:
                first["missed"] += 1
            resolved_due = targets.resolution.after(clock, case.created_at)
            if case.paused_seconds:
                resolved_due = clock.add_working_time(resolved_due, timedelta(seconds=case.paused_seconds))
            done = case.solved_at or case.closed_at
            if done:
                resolution["met" if done <= resolved_due else "missed"] += 1
            elif now > resolved_due:
                resolution["missed"] += 1
        rows.append({"severity": severity, "first_response_met": first["met"], "first_response_missed": first["missed"],
                     "resolution_met": resolution["met"], "resolution_missed": resolution["missed"],
                     "first_response_rate": _rate(first), "resolution_rate": _rate(resolution)})
    return rows


def _rate(tally: dict[str, int]) -> float | None:
    total = tally["met"] + tally["missed"]
    return round(tally["met"] / total, 3) if total else None


def build_report(db: Session, period: Period, rules: ServicePolicy, now: datetime | None = None) -> Report:
    """Compute every figure of the report for ``period`` (see the module docstring)."""
    now = now or datetime.now(timezone.utc)
    deflection_query = select(Deflection).options(selectinload(Deflection.suggestions)).where(
        Deflection.created_at >= period.since, Deflection.created_at < period.until)
    case_query = select(Case).where(Case.created_at >= period.since, Case.created_at < period.until)
    feedback_query = select(ArticleFeedback).where(ArticleFeedback.created_at >= period.since,
                                                   ArticleFeedback.created_at < period.until)
    if period.lang:
        deflection_query = deflection_query.where(Deflection.lang == period.lang)
        case_query = case_query.where(Case.lang == period.lang)
        feedback_query = feedback_query.where(ArticleFeedback.lang == period.lang)
    deflections = list(db.scalars(deflection_query))
    cases = list(db.scalars(case_query))
    votes = list(db.scalars(feedback_query))

    report = Report(period={"since": period.since.isoformat(), "until": period.until.isoformat(),
                            "lang": period.lang or "all"})
    report.funnel = _funnel(deflections)
    by_lang: dict[str, list[Deflection]] = defaultdict(list)
    for deflection in deflections:
        by_lang[deflection.lang].append(deflection)
    report.funnel_by_lang = {lang: _funnel(items) for lang, items in sorted(by_lang.items())}

    per_article: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for deflection in deflections:
        for shown in deflection.suggestions:
            tally = per_article[(shown.lang, shown.article_id)]
            tally["suggested"] += 1
            tally["opened"] += shown.opened
            tally["deflected"] += deflection.outcome == "deflected"
            tally["filed_anyway"] += deflection.outcome == "case"
    report.articles = sorted(({"lang": lang, "article": article, **dict(tally)}
                              for (lang, article), tally in per_article.items()),
                             key=lambda row: (-row["suggested"], row["lang"], row["article"]))

    weeks: dict[str, Counter] = defaultdict(Counter)
    for deflection in deflections:
        if deflection.outcome in ("deflected", "case"):
            weeks[_week(deflection.created_at)][deflection.outcome] += 1
    report.weekly = [{"week": week, "deflected": tally["deflected"], "filed": tally["case"],
                      "rate": round(tally["deflected"] / (tally["deflected"] + tally["case"]), 3)}
                     for week, tally in sorted(weeks.items())]

    report.unanswered = _grouped([(d.lang, d.query) for d in deflections if not d.suggestions])
    report.filed_anyway = _grouped([(d.lang, d.query) for d in deflections if d.suggestions and d.outcome == "case"])

    feedback: dict[tuple[str, str], dict[str, Any]] = {}
    for vote in votes:
        row = feedback.setdefault((vote.lang, vote.article), {"lang": vote.lang, "article": vote.article,
                                                              "helpful": 0, "not_helpful": 0, "reasons": []})
        row["helpful" if vote.helpful else "not_helpful"] += 1
        if vote.reason:
            row["reasons"].append(vote.reason)
    report.feedback = sorted(feedback.values(), key=lambda row: (-row["not_helpful"], row["lang"], row["article"]))

    solved = Counter((c.lang, c.solved_with_article) for c in cases if c.solved_with_article)
    report.solved_with_article = [{"lang": lang, "article": article, "cases": count}
                                  for (lang, article), count in solved.most_common()]

    scores = [c.survey_score for c in cases if c.survey_score is not None]
    report.survey = {"answers": len(scores), "mean": round(sum(scores) / len(scores), 2) if scores else None,
                     "scores": {str(score): scores.count(score) for score in range(1, rules.survey_scale + 1)}}
    report.sla = _sla_rows(cases, rules, now)
    return report


def as_csv(report: Report) -> str:
    """The report as CSV: one section per block (``section,key,…``), for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "lang", "key", "value"])
    for name, value in report.funnel.items():
        writer.writerow(["funnel", report.period["lang"], name, value])
    for lang, funnel in report.funnel_by_lang.items():
        for name, value in funnel.items():
            writer.writerow(["funnel", lang, name, value])
    for row in report.articles:
        for name in ("suggested", "opened", "deflected", "filed_anyway"):
            writer.writerow([f"article:{row['article']}", row["lang"], name, row.get(name, 0)])
    for row in report.weekly:
        writer.writerow(["deflection_rate", report.period["lang"], row["week"], row["rate"]])
    for section in ("unanswered", "filed_anyway"):
        for row in getattr(report, section):
            writer.writerow([section, row["lang"], row["question"], row["count"]])
    for row in report.feedback:
        writer.writerow([f"feedback:{row['article']}", row["lang"], "helpful", row["helpful"]])
        writer.writerow([f"feedback:{row['article']}", row["lang"], "not_helpful", row["not_helpful"]])
        for reason in row["reasons"]:
            writer.writerow([f"feedback:{row['article']}", row["lang"], "reason", reason])
    for row in report.solved_with_article:
        writer.writerow(["solved_with_article", row["lang"], row["article"], row["cases"]])
    writer.writerow(["survey", report.period["lang"], "answers", report.survey["answers"]])
    writer.writerow(["survey", report.period["lang"], "mean", report.survey["mean"]])
    for score, count in report.survey["scores"].items():
        writer.writerow(["survey", report.period["lang"], f"score {score}", count])
    for row in report.sla:
        for name in ("first_response_rate", "resolution_rate"):
            writer.writerow([f"sla:{row['severity']}", report.period["lang"], name, row[name]])
    return out.getvalue()


#: The formats a report is written in, for ``deflect report --format`` and the reports page's downloads.
FORMATS = ("csv", "json")


def export(report: Report, form: str) -> str:
    """Write ``report`` as CSV or JSON: the one text both ``deflect report`` and the page's downloads give."""
    if form == "csv":
        return as_csv(report)
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"


@click.command("report")
@click.option("--since", default=None, type=MOMENT, help="first day (ISO 8601; default: 30 days ago)")
@click.option("--until", default=None, type=MOMENT, help="the day after the last (default: now)")
@click.option("--lang", default=None, help="one language (default: all)")
@click.option("--format", "form", type=click.Choice(FORMATS), default="json", show_default=True)
@with_appcontext
def report_command(since: datetime | None, until: datetime | None, lang: str | None, form: str) -> None:
    """What the help center fails to answer: the deflection funnel, questions, votes, survey, SLA."""
    help_center = current_app.extensions["deflect.help_center"]
    if lang is not None and help_center.normalize_language(lang) is None:
        raise click.UsageError(f"unknown language {lang!r}: choose one of {', '.join(help_center.languages)}")
    now = datetime.now(timezone.utc)
    period = Period(since or now - timedelta(days=30), until or now,
                    help_center.normalize_language(lang) if lang else None)
    if period.since >= period.until:
        raise click.UsageError("--since must come before --until")
    with session_factory()() as db:
        report = build_report(db, period, policy_of(help_center), now)
    click.echo(export(report, form), nl=False)


def init_app(app: Flask) -> None:
    app.cli.add_command(report_command)
