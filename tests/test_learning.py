"""The search learns from answered questions in the store: several customers teach, one alone does not."""
from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from deflect import create_app, lifecycle
from deflect.learning import AnsweredQuestion, _listed, answered_questions, proposals
from deflect.lifecycle import Actor
from deflect.search import questions, rebuild_index, suggest
from deflect.search.evidence import report
from deflect.store import ArticleFeedback, Deflection, Staff, SuggestionShown, session_factory

from .staff_fixtures import file

#: A question no article answers: the articles never speak of a viewer or its window.
QUESTION = "the viewer window stays black"
ARTICLE = "support/remote-assistance"


@pytest.fixture
def learning_app(app_on_each_store, tmp_path):
    """The app on each store, with its own copy of the built index (a rebuild must not touch the shared one)."""
    index_dir = tmp_path / "index"
    shutil.copytree(app_on_each_store.config["INDEX_DIR"], index_dir, symlinks=True)
    app_on_each_store.config["INDEX_DIR"] = str(index_dir)
    return app_on_each_store


def rebuild(app) -> tuple[Path, list[str]]:
    said: list[str] = []
    generation = rebuild_index(app, echo=lambda text="", **kwargs: said.append(text))
    return generation, said


def ids(query: str, lang: str = "en") -> list[str]:
    return [found.id for found in suggest(query, lang)]


def csrf(browser, path: str = "/support/new") -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', browser.get(path).text).group(1)


def solved_by_an_article(app, browser, subject: str, description: str, vote: bool = False) -> None:
    """Describe a problem on the form, open the first suggestion (maybe vote it helpful), say it solved it.

    In an app context of its own: requests made inside the fixture's would share its ``g`` (and the
    first browser's CSRF token) with every other browser.
    """
    with app.app_context():
        _solved_by_an_article(browser, subject, description, vote)


def _solved_by_an_article(browser, subject: str, description: str, vote: bool) -> None:
    described = browser.post("/support/new", data={"subject": subject, "description": description, "lang": "en",
                                                   "product": "Lumera Reports", "csrf_token": csrf(browser)})
    assert described.status_code == 303
    opened = browser.get("/support/new/open/1")
    assert opened.status_code == 302 and "/support/remote-assistance/" in opened.location
    if vote:
        assert browser.post("/api/feedback", json={"article": ARTICLE, "lang": "en", "helpful": True}).status_code == 201
    assert browser.post("/support/new/solved", data={"csrf_token": csrf(browser)}).status_code == 302


def test_two_customers_teach_an_article_the_question_it_did_not_answer(learning_app):
    assert ids(QUESTION) == []
    solved_by_an_article(learning_app, learning_app.test_client(), "Remote session", "The viewer window stays black.")
    solved_by_an_article(learning_app, learning_app.test_client(), "Remote assistance",
                         "Since this morning the viewer window is black.", vote=True)
    assert ids(QUESTION) == []  # nothing changes before the index is built again

    generation, said = rebuild(learning_app)
    assert "Learning from the service's records: 2 answered question(s)." in said
    assert ids(QUESTION) == [ARTICLE]
    assert ids("la fenêtre du visualiseur reste noire", "fr") == []  # English questions teach English only
    assert report(generation) == [f"en {ARTICLE}: black (2), remote (2), viewer (2), window (2)"]

    shown = learning_app.test_cli_runner().invoke(args=["learned", "--lang", "en"])
    assert shown.exit_code == 0, shown.output
    assert f"en {ARTICLE}  (2 customer(s))" in shown.output
    assert "learned by the current index: black (2), remote (2), viewer (2), window (2)" in shown.output
    assert "(opened): Remote session The viewer window stays black." in shown.output
    assert "(voted helpful): Remote assistance Since this morning the viewer window is black." in shown.output
    as_json = json.loads(learning_app.test_cli_runner().invoke(args=["learned", "--format", "json"]).output)
    assert [(row["lang"], row["article"], row["customers"]) for row in as_json] == [("en", ARTICLE, 2)]


def test_one_customer_alone_teaches_nothing(learning_app):
    browser = learning_app.test_client()  # one browser, however many times it says an article solved it
    for description in ("The viewer window stays black.", "The viewer window is black again.",
                        "Again: black viewer window."):
        solved_by_an_article(learning_app, browser, "Remote session", description, vote=True)
    assert len(answered_questions(learning_app)) == 3

    generation, _ = rebuild(learning_app)
    assert report(generation) == []
    assert ids(QUESTION) == []


def solve(app, case_id: int, article: str | None, agent: Actor) -> None:
    with session_factory(app)() as db:
        lifecycle.act(db, case_id, "propose_solution", agent, body="The answer is in this article.",
                      data={"article": article} if article else {})


def test_cases_solved_with_an_article_teach_it_unless_the_customer_rejected_it(learning_app):
    with session_factory(learning_app)() as db:
        member = Staff(email="alex@lumera.example", name="Alex Agent", role="agent", language="fr")
        db.add(member)
        db.commit()
        agent = Actor.staff(member)
    question = "la fenêtre du visualiseur reste noire"
    assert ids(question, "fr") == []
    solved = [file(learning_app, subject="Visualiseur", description="La fenêtre du visualiseur reste noire.",
                   email=f"client{number}@example.com") for number in (1, 2)]
    rejected = file(learning_app, subject="Écran noir", description="La fenêtre reste noire, toujours noire.",
                    email="client3@example.com")
    for case in [*solved, rejected]:
        solve(learning_app, case.id, ARTICLE, agent)
    with session_factory(learning_app)() as db:
        lifecycle.act(db, solved[1].id, "accept_solution", Actor.customer("client2@example.com"))
        lifecycle.act(db, rejected.id, "reject_solution", Actor.customer("client3@example.com"), body="Toujours noir.")
    again = file(learning_app, subject="Visualiseur noir", description="Fenêtre noire", email="client4@example.com")
    solve(learning_app, again.id, ARTICLE, agent)  # solved with the article, rejected, then solved without it
    with session_factory(learning_app)() as db:
        lifecycle.act(db, again.id, "reject_solution", Actor.customer("client4@example.com"), body="Non.")
    solve(learning_app, again.id, None, agent)

    answered = answered_questions(learning_app)
    assert sorted(item.record for item in answered) == sorted(f"case {case.reference}" for case in solved)
    assert {(item.lang, item.article, item.how) for item in answered} == {("fr", ARTICLE, "solved by an agent")}
    generation, _ = rebuild(learning_app)
    assert report(generation) == [f"fr {ARTICLE}: fenêtre (2), noire (2), reste (2), visualiseur (2)"]
    assert ids(question, "fr") == [ARTICLE]


def deflection(db, number: int, outcome: str, opened: tuple[int, ...], votes: dict[str, bool] = {}) -> None:
    """Store a deflection that showed the escalation and SLA articles, with the votes cast during it."""
    key = f"{number:032x}"
    row = Deflection(query=f"question {number}", lang="en", outcome=outcome, submission_key=key,
                     browser_key=f"{number + 100:032x}", ended_at=datetime.now(timezone.utc))
    row.suggestions = [SuggestionShown(rank=rank, article_id=article, lang="en", score=1.0, opened=rank in opened)
                       for rank, article in enumerate(("support/escalation", "support/sla"), 1)]
    db.add(row)
    db.add_all(ArticleFeedback(article=article, lang="en", helpful=helpful, deflection_key=key)
               for article, helpful in votes.items())


def test_what_a_deflection_says_about_the_article_that_solved_it(learning_app):
    with session_factory(learning_app)() as db:
        deflection(db, 1, "deflected", opened=(1,))                                     # the only one opened
        deflection(db, 2, "deflected", opened=(1, 2))                                   # which one? nothing
        deflection(db, 3, "deflected", opened=(1, 2), votes={"support/sla": True})      # the one voted helpful
        deflection(db, 4, "deflected", opened=(1,), votes={"support/escalation": False})  # voted unhelpful
        deflection(db, 5, "deflected", opened=(), votes={"support/escalation": True})   # voted, not opened
        deflection(db, 6, "case", opened=(1,), votes={"support/escalation": True})      # filed a case anyway
        deflection(db, 7, "abandoned", opened=(1,))
        db.commit()
    found = {(item.record, item.article, item.how) for item in answered_questions(learning_app)}
    with session_factory(learning_app)() as db:
        ids_of = {row.submission_key: row.id for row in db.scalars(select(Deflection))}
    assert found == {(f"deflection {ids_of[f'{1:032x}']}", "support/escalation", "opened"),
                     (f"deflection {ids_of[f'{3:032x}']}", "support/sla", "voted helpful"),
                     (f"deflection {ids_of[f'{5:032x}']}", "support/escalation", "voted helpful")}
    a_year_on = datetime.now(timezone.utc) + timedelta(days=400)
    assert answered_questions(learning_app, now=a_year_on) == []  # a year on, these records teach nothing


def test_an_unreachable_store_leaves_the_index_without_evidence(app_config, tmp_path):
    config = {**app_config, "DATABASE_URL": "postgresql+psycopg://deflect@127.0.0.1:9/nowhere?connect_timeout=2",
              "INDEX_DIR": str(tmp_path / "index")}
    shutil.copytree(app_config["INDEX_DIR"], config["INDEX_DIR"], symlinks=True)
    app = create_app(config)
    generation, said = rebuild(app)
    assert any(line.startswith("Warning: the service's records cannot be read (OperationalError")
               and line.endswith("indexing without what they teach.") for line in said), said
    assert (generation / "generation.json").is_file() and report(generation) == []
    shown = app.test_cli_runner().invoke(args=["learned"])  # the warning on stderr, mixed in by the runner
    assert shown.exit_code == 0 and "cannot be read" in shown.output and "Nothing yet." in shown.output


def test_answered_questions_are_proposed_for_the_questions_file(learning_app):
    """``deflect learned --propose``: the answered questions the questions file does not list, in its shape,
    without what personal data looks like; one the file lists is left out, as is a long case description."""
    solved_by_an_article(learning_app, learning_app.test_client(), "Remote session",
                         "The viewer window stays black, call me on +44 20 7946 0958")
    solved_by_an_article(learning_app, learning_app.test_client(), "Remote session",
                         "The viewer window stays black, call me on +44 20 7946 0958", vote=True)
    solved_by_an_article(learning_app, learning_app.test_client(), "Remote assistance", "x " * 120)
    help_center = learning_app.extensions["deflect.help_center"]
    listed = questions.read_file(Path(help_center.root) / questions.QUESTIONS_FILE)["en"][ARTICLE][0]
    answered = answered_questions(learning_app) + [
        AnsweredQuestion("en", ARTICLE, listed.upper(), "browser:other", "deflection 9", "opened",
                         datetime.now(timezone.utc))]
    found = proposals(answered, _listed(help_center), {"en": {ARTICLE}})
    assert found == {"en": {ARTICLE: [("Remote session The viewer window stays black, call me on [phone]", 2)]}}
    assert proposals(answered, {}, {"en": {"support/sla"}}) == {}  # an article no longer served: nothing

    shown = learning_app.test_cli_runner().invoke(args=["learned", "--propose", "--lang", "en"])
    assert shown.exit_code == 0, shown.output
    proposed = yaml.safe_load(shown.output)
    assert proposed == {"en": {ARTICLE: ["Remote session The viewer window stays black, call me on [phone]"]}}
    assert '  # 2 customers' in shown.output and shown.output.startswith("# Answered questions of the last 365 days")
    nothing = learning_app.test_cli_runner().invoke(args=["learned", "--propose", "--lang", "fr"])
    assert nothing.exit_code == 0 and nothing.output.rstrip().endswith("# Nothing to propose.")
