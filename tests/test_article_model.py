"""The article model: customers' questions (vocabulary/questions.yml) rank the articles with the search's words."""
from __future__ import annotations

from pathlib import Path

import pytest

from deflect.helpcenter import current_help_center
from deflect.search import _open_generation, engine, suggest
from deflect.search.subject import SubjectModel


def ranked_with(app, query: str, lang: str, model: SubjectModel) -> list[str]:
    """The search's answer with ``model`` in place of the generation's models."""
    with app.app_context():
        help_center = current_help_center()
        opened = _open_generation(Path(app.config["INDEX_DIR"]), help_center.languages)
        with opened.language(lang) as index:
            found = engine.suggest_in(index, query, lang, help_center.default_language, 5,
                                      opened.synonyms.get(lang, ()), model)
    return [match.article for match, _ in found]


# Questions of the readable set J (bench/eval/fresh-j.yml), which the model never learned from: the search's
# words put another article first ("tickets" is also the form's word; "Fall" and "Monatsabschluss" the life
# of a case's), and customers' questions like them were answered by this one.
@pytest.mark.parametrize("lang, query, article", [
    ("en", "see all my open tickets", "support/tracking"),
    ("de", "Wir brauchen jetzt wirklich jemanden mit Entscheidungsbefugnis für unseren Fall, das blockiert den "
           "Monatsabschluss und seit Tagen kommt nix!", "support/escalation"),
    ("fr", "quelles infos mettre dans la demande pour qu'elle soit traitée plus vite", "support/raise-a-case"),
    ("it", "voglio chiudere io la pratica, il problema si è risolto", "support/tracking"),
    ("es", "quién decide la gravedad de mi ticket", "support/severity"),
])
def test_customers_questions_put_the_article_that_answered_them_first(app, lang, query, article):
    with app.app_context():
        found = [result.id for result in suggest(query, lang)]
        opened = _open_generation(Path(app.config["INDEX_DIR"]), current_help_center().languages)
    assert found[0] == article, found
    words_only = ranked_with(app, query, lang, SubjectModel(opened.subjects.bias, opened.subjects.weights))
    assert words_only and words_only[0] != article, words_only  # the words alone ranked another first


def test_the_model_does_not_decide_whether_to_answer(app):
    """Silence stays the confidence rule's: a question no article answers gets nothing, however likely an
    article is to the model (which always gives some article most of its probability)."""
    with app.app_context():
        opened = _open_generation(Path(app.config["INDEX_DIR"]), current_help_center().languages)
        assert suggest("how do I add a trend line to a line chart", "en") == []
        assert max(opened.subjects.articles("how do I add a trend line to a line chart", "en").values()) > 0.2


def test_an_article_the_words_did_not_find_comes_with_its_opening_section(app):
    with app.app_context():
        help_center = current_help_center()
        opened = _open_generation(Path(app.config["INDEX_DIR"]), help_center.languages)
        with opened.language("en") as index:
            question = engine.question_words(index, "what is the hotline number", "en", "en")
            ranked = engine.rank(index, question, "en", "en")
            assert "support/feature-requests" not in [match.article for match in ranked]
            chosen = engine.blend(index, ranked, question, {"support/feature-requests": 0.95}, "en", "en")
            assert index.opening("no/such-article") is None
    first = chosen[0]
    assert first.article == "support/feature-requests" and first.best["anchor"] == ""
    assert first.best["title"] and first.ranking == pytest.approx(engine.EXAMPLES_WEIGHT * 0.95)
    assert [match.ranking for match in chosen] == sorted((match.ranking for match in chosen), reverse=True)
    assert all(match.ranking >= engine.MIN_RELATIVE_BLEND * first.ranking for match in chosen)
