"""The authors' report on seeded data with known answers, on SQLite and PostgreSQL."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from deflect import lifecycle
from deflect.lifecycle import Actor
from deflect.reports import Period, as_csv, build_report
from deflect.store import ArticleFeedback, Deflection, SuggestionShown, session_factory
from tests.test_lifecycle import MONDAY, file, staff

UTC = timezone.utc
START = datetime(2026, 11, 2, tzinfo=UTC)


def deflection(db, query, lang, outcome, shown=(), at=MONDAY):
    row = Deflection(query=query, lang=lang, outcome=outcome, created_at=at, ended_at=at)
    row.suggestions = [SuggestionShown(rank=n, article_id=article, lang=lang, score=5.0, opened=opened)
                       for n, (article, opened) in enumerate(shown, 1)]
    db.add(row)
    db.commit()


def seed(db) -> None:
    """Deflections, votes and cases whose figures are known (the tests below say them); needs an app context."""
    deflection(db, "Export to Excel fails", "en", "case")                       # no suggestion, filed
    deflection(db, "export to EXCEL fails!", "en", "abandoned")                 # the same question again
    deflection(db, "Wetter in Hamburg", "de", "abandoned")                      # no suggestion
    deflection(db, "how to escalate", "en", "deflected", [("support/escalation", True)])
    deflection(db, "escalate my ticket", "en", "case", [("support/escalation", True), ("support/sla", False)])
    deflection(db, "niveaux de gravité", "fr", "deflected", [("support/severity", False)],
               at=MONDAY + timedelta(days=7))
    db.add_all([ArticleFeedback(article="support/sla", lang="en", helpful=False, reason="Too vague",
                                created_at=MONDAY),
                ArticleFeedback(article="support/sla", lang="en", helpful=True, created_at=MONDAY)])
    db.commit()
    agent = Actor.staff(staff(db))
    quick = file(db, now=MONDAY)                                                # moderate: 4 business hours
    lifecycle.act(db, quick.id, "reply", agent, body="ok", now=MONDAY + timedelta(hours=1))
    lifecycle.act(db, quick.id, "propose_solution", agent, body="See the article",
                  data={"article": "support/escalation"}, now=MONDAY + timedelta(days=1))
    lifecycle.act(db, quick.id, "rate", Actor.customer("camille@example.com"), data={"score": 6},
                  now=MONDAY + timedelta(days=1, hours=1))
    late = file(db, now=MONDAY, severity="critical")                            # 1 hour, 24/7
    lifecycle.act(db, late.id, "reply", agent, body="sorry", now=MONDAY + timedelta(hours=3))


@pytest.fixture
def seeded(app_on_each_store):
    with session_factory(app_on_each_store)() as db:
        seed(db)
    return app_on_each_store


def test_the_figures_are_the_known_answers(seeded):
    with session_factory(seeded)() as db:
        report = build_report(db, Period(START, START + timedelta(days=30)), lifecycle.policy(),
                              now=MONDAY + timedelta(days=20))
    assert report.funnel == {"asked": 6, "suggested": 3, "opened": 2, "deflected": 2, "filed_anyway": 1,
                             "filed_without_suggestion": 1, "abandoned": 2}
    assert report.funnel_by_lang["fr"]["deflected"] == 1 and report.funnel_by_lang["de"]["asked"] == 1
    assert {"lang": "en", "article": "support/escalation", "suggested": 2, "opened": 2, "deflected": 1,
            "filed_anyway": 1} in report.articles
    assert report.weekly == [{"week": "2026-11-16", "deflected": 1, "filed": 2, "rate": 0.333},
                             {"week": "2026-11-23", "deflected": 1, "filed": 0, "rate": 1.0}]
    assert report.unanswered[0] == {"lang": "en", "question": "Export to Excel fails", "count": 2}
    assert report.filed_anyway == [{"lang": "en", "question": "escalate my ticket", "count": 1}]
    assert report.feedback == [{"lang": "en", "article": "support/sla", "helpful": 1, "not_helpful": 1,
                                "reasons": ["Too vague"]}]
    assert report.solved_with_article == [{"lang": "fr", "article": "support/escalation", "cases": 1}]
    assert report.survey["answers"] == 1 and report.survey["mean"] == 6 and report.survey["scores"]["6"] == 1
    sla = {row["severity"]: row for row in report.sla}
    assert (sla["moderate"]["first_response_met"], sla["moderate"]["resolution_met"]) == (1, 1)
    assert (sla["critical"]["first_response_missed"], sla["critical"]["resolution_missed"]) == (1, 1)


def test_one_language_and_csv(seeded):
    with session_factory(seeded)() as db:
        report = build_report(db, Period(START, START + timedelta(days=30), "fr"), lifecycle.policy())
    assert report.funnel["asked"] == 1 and report.unanswered == []
    text = as_csv(report)
    assert text.splitlines()[0] == "section,lang,key,value" and "funnel,fr,deflected,1" in text


def test_the_report_command(seeded):
    runner = seeded.test_cli_runner()
    result = runner.invoke(args=["report", "--since", "2026-11-01", "--until", "2026-12-01", "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["funnel"]["asked"] == 6
    result = runner.invoke(args=["report", "--since", "2026-11-01", "--lang", "xx"])
    assert result.exit_code == 2 and "unknown language" in result.output
    result = runner.invoke(args=["report", "--since", "2026-12-01", "--until", "2026-11-01"])
    assert result.exit_code == 2
