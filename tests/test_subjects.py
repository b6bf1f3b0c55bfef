"""The subjects model: examples of the help center's subjects and of others, learnt at each build."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from deflect.search import check_subjects, engine, questions, subject, suggest
from deflect.search.questions import QUESTIONS_FILE
from deflect.search.subject import MODEL, SUBJECTS_FILE, SubjectModel
from deflect.search.synonyms import SYNONYMS_FILE

PROJECT_DIR = Path(__file__).resolve().parents[1]
LANGUAGES = ["en", "de", "fr", "it", "es"]


def ids(app, query: str, lang: str) -> list[str]:
    with app.app_context():
        return [result.id for result in suggest(query, lang)]


def test_the_authors_files_have_no_problem_and_examples_of_every_article_in_every_language():
    assert check_subjects(PROJECT_DIR, LANGUAGES) == []
    data = subject.read_file(PROJECT_DIR / SUBJECTS_FILE)
    answered = questions.read_file(PROJECT_DIR / QUESTIONS_FILE)
    articles = {path.relative_to(PROJECT_DIR / "docs" / "en").with_suffix("").as_posix()
                for path in (PROJECT_DIR / "docs" / "en").rglob("*.md")}
    assert questions.check_questions(PROJECT_DIR, LANGUAGES, {lang: articles for lang in LANGUAGES}) == []
    for lang in LANGUAGES:
        assert len(data[lang]["other"]) >= 100, lang
        assert set(answered[lang]) == articles, lang
        assert all(len(listed) >= 20 for listed in answered[lang].values()), lang


@pytest.mark.parametrize("text, problem", [
    ("en: [a, b]\n", "subjects.yml en: expected 'ours' and 'other' lists of questions"),
    ("en:\n  ours: a case\n", "subjects.yml en ours: expected a list of questions"),
    ("en:\n  other: ['']\n", "subjects.yml en other 1: expected a question (text)"),
    ("en:\n  ours: [My Case]\n  other: [my  case]\n", "subjects.yml en other 1: 'my  case' is also listed under ours"),
    ("xx:\n  ours: [a]\n", "subjects.yml: xx is not a language of the help center (en, de, fr, it, es)"),
    ("en: [unclosed\n", "subjects.yml is not valid YAML"),
    ("- a\n", "subjects.yml must map each language to its 'ours' and 'other' questions"),
])
def test_check_subjects_names_each_problem(tmp_path, text, problem):
    path = tmp_path / "subjects.yml"
    path.write_text(text, encoding="utf-8")
    problems = check_subjects(path, LANGUAGES)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


def test_a_missing_subjects_file_is_no_problem_and_finds_nothing_another_subjects(tmp_path):
    assert check_subjects(tmp_path, LANGUAGES) == []
    subject.build(tmp_path / "subjects.yml", tmp_path, None, LANGUAGES)
    model = SubjectModel.load(tmp_path / MODEL)
    assert model.weights == {} and model.other("post office opening hours", "en") == 0.0


def test_a_damaged_model_finds_nothing_another_subjects(tmp_path):
    (tmp_path / MODEL).write_text("{not json", encoding="utf-8")
    assert SubjectModel.load(tmp_path / MODEL).other("post office opening hours", "en") == 0.0
    assert SubjectModel.load(tmp_path / "missing.json").other("x", "en") == 0.0


def test_the_synonyms_terms_are_examples_of_ours(tmp_path):
    source, synonyms = tmp_path / "subjects.yml", tmp_path / "synonyms.yml"
    source.write_text("en:\n  ours: [my case is late]\n  other: [the post office is late, the bus is late]\n",
                      encoding="utf-8")
    subject.build(source, tmp_path, None, ["en"])
    without = SubjectModel.load(tmp_path / MODEL).other("someone higher up please", "en")
    synonyms.write_text("en:\n  - someone higher up, manager => escalation\n", encoding="utf-8")
    subject.build(source, tmp_path, None, ["en"], synonyms)
    assert SubjectModel.load(tmp_path / MODEL).other("someone higher up please", "en") < without


def test_the_model_learns_the_examples_and_reaches_words_it_never_saw(tmp_path):
    source = tmp_path / "subjects.yml"
    source.write_text(
        "en:\n"
        "  ours: [my case is not answered, escalate my support case, the reports are down for everyone,\n"
        "         hotline opening hours, severity of an outage, remote session with an engineer]\n"
        "  other: [post office opening hours, pharmacy open on sunday, book a table at the restaurant,\n"
        "          my landlord does not answer, italian course for beginners, spanish lessons in the evening]\n",
        encoding="utf-8")
    subject.build(source, tmp_path, None, ["en"])
    model = SubjectModel.load(tmp_path / MODEL)
    assert model.other("escalate my case", "en") < 0.5 < model.other("restaurant opening hours", "en")
    # letter groups carry it to a word it never saw: "coursework" shares "course"
    assert model.other("french coursework", "en") > model.other("french support case", "en")


def test_an_unchanged_file_keeps_the_previous_generations_model(tmp_path, monkeypatch):
    source = tmp_path / "subjects.yml"
    source.write_text("en:\n  ours: [my case]\n  other: [the post office]\n", encoding="utf-8")
    previous, generation = tmp_path / "previous", tmp_path / "generation"
    previous.mkdir(), generation.mkdir()
    subject.build(source, previous, None, ["en"])

    def no_training(*args):
        raise AssertionError("trained again")

    monkeypatch.setattr(subject, "Training", no_training)
    subject.build(source, generation, previous, ["en"])
    assert (generation / MODEL).read_bytes() == (previous / MODEL).read_bytes()
    # an edited file is learnt again, and so is an edited synonyms file
    synonyms = tmp_path / "synonyms.yml"
    synonyms.write_text("en:\n  - ticket => case\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="trained again"):
        subject.build(source, generation, previous, ["en"], synonyms)
    with pytest.raises(AssertionError, match="trained again"):  # and for other languages
        subject.build(source, generation, previous, ["en", "fr"])
    with pytest.raises(AssertionError, match="trained again"):  # and for words learned from the records
        subject.start(source, previous, ["en"], None, [("en", "support/remote-assistance", "black viewer window")])
    asked = tmp_path / "questions.yml"
    asked.write_text("en:\n  support/contact: [hotline number]\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="trained again"):  # and for the questions file
        subject.start(source, previous, ["en"], None, (), asked)
    source.write_text("en:\n  ours: [my case]\n  other: [the post office, the bank]\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="trained again"):
        subject.build(source, generation, previous, ["en"])


def test_the_index_carries_the_model_of_the_authors_file(app):
    current = Path(app.config["INDEX_DIR"]) / "current"
    model = json.loads((current / MODEL).read_text(encoding="utf-8"))
    assert model["fingerprint"] == subject.fingerprint(PROJECT_DIR / SUBJECTS_FILE, PROJECT_DIR / SYNONYMS_FILE,
                                                      LANGUAGES, (), PROJECT_DIR / QUESTIONS_FILE)
    assert model["weights"] and model["examples"] > 1000
    articles = model["articles"]
    assert "support/escalation" in articles["classes"] and articles["examples"] > 1000
    assert all(len(row) == len(articles["classes"]) for row in articles["weights"].values())


@pytest.mark.parametrize("lang, query, article", [
    # Each of the silent ones was answered before the model, and its subject's word is in no example
    # ("Seitenumbruch", "interligne", "garderie", "tintorería", "perrera"): the model's subjects, not its lines.
    ("en", "what time does the support hotline close on weekdays", "support/contact"),
    ("de", "Seitenumbruch im Bericht einfügen, wie geht das", None),
    ("de", "bis wann ist die Support-Hotline am Samstag erreichbar", "support/contact"),
    ("fr", "comment modifier l'interligne dans mon rapport", None),
    ("fr", "inscription à la garderie, quel délai de réponse", None),
    ("fr", "le tableau de bord ne s'affiche plus pour personne, c'est urgent", "support/severity"),
    ("es", "horario de la tintorería los sábados", None),
    ("es", "la perrera municipal no contesta, a quién escalo la queja", None),
    ("es", "cómo pongo en marcha un escalado de mi caso", "support/escalation"),
])
def test_the_subject_decides_between_questions_that_share_words(app, lang, query, article):
    found = ids(app, query, lang)
    assert (article in found[:3]) if article else found == [], found


def test_the_served_probability_is_the_trained_features(app):
    """``other()`` skips building ``features()``'s dictionary; both must give the same number."""
    import math

    model = SubjectModel.load(Path(app.config["INDEX_DIR"]) / "current" / MODEL)
    for lang, query in [("en", "post office opening hours saturday"), ("de", "Wie eskaliere ich meinen Fall?"),
                        ("fr", "l'hôtel m'a envoyé une enquête"), ("it", "sabato"), ("es", "")]:
        score = model.bias + sum(value * model.weights.get(name, 0.0)
                                 for name, value in subject.features(query, lang).items())
        assert model.other(query, lang) == pytest.approx(1 / (1 + math.exp(-score)), abs=1e-12)


def test_the_served_article_probabilities_are_the_trained_models(tmp_path):
    """``articles()`` reads one flat array of rows; it must give scikit-learn's own probabilities."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    answered = [("en", "hotline number", ("support/contact",)), ("en", "call support by phone", ("support/contact",)),
                ("en", "talk to a manager about my case", ("support/escalation",)),
                ("en", "my case is stuck, someone senior please", ("support/escalation",)),
                ("fr", "numéro de la hotline", ("support/contact",)),
                ("en", "how long until you answer", ("support/sla",)),
                ("en", "response time for an urgent case", ("support/sla", "support/severity")),
                ("en", "what does critical mean", ("support/severity",))]
    model = SubjectModel(articles=subject.train_articles(answered))
    vectorizer = DictVectorizer()
    rows, labels, weights = zip(*[(subject.features(q, lang), article, 1 / len(ids))
                                  for lang, q, ids in answered for article in ids])
    fitted = LogisticRegression(C=subject.ARTICLES_C, tol=1e-3, max_iter=3000).fit(
        vectorizer.fit_transform(rows), labels, sample_weight=weights)
    for lang, query in [("en", "hotline phone number"), ("en", "speak to someone senior"), ("fr", "hotline"),
                        ("de", "Wie lange dauert eine Antwort?"), ("en", "")]:
        expected = dict(zip(fitted.classes_, fitted.predict_proba(vectorizer.transform([subject.features(query, lang)]))[0]))
        found = model.articles(query, lang)
        assert set(found) == set(expected)
        for article, probability in expected.items():
            assert found[article] == pytest.approx(probability, abs=2e-3), (query, article)  # rows kept to 4 places
    assert model.articles("hotline phone number", "en")["support/contact"] > 0.5
    assert SubjectModel().articles("hotline", "en") == {}


def test_the_suggest_command_says_how_likely_another_subject_is(runner):
    silent = runner.invoke(args=["suggest", "horaires de la poste le dimanche", "--lang", "fr"])
    assert silent.exit_code == 0, silent.output
    lines = silent.output.splitlines()
    assert lines[0] == "No confident suggestion."
    said = re.match(r"Another subject, by the examples in vocabulary/subjects.yml: (0\.\d\d) \(no suggestion from ",
                    lines[1])
    assert said and float(said.group(1)) >= engine.OTHER_NOT_OURS, lines[1]
    assert "Names another place" not in silent.output  # "poste" is no organisation's name
    answered = runner.invoke(args=["suggest", "wie eskaliere ich meinen Fall", "--lang", "de"])
    assert "Another subject" not in answered.output and "support/escalation" in answered.output
    named = runner.invoke(args=["suggest", "Telekom Hotline erreicht man nie, wie eskaliere ich eine Beschwerde?",
                                    "--lang", "de"])
    assert "Names another place, organisation or vendor's product: telekom (" in named.output, named.output


@pytest.mark.parametrize(("other", "share", "ours", "silent"), [
    (0.9, 1.0, True, True),      # sure: even a question naming our product
    (0.8, 1.0, True, False),     # fairly sure, but it names our product or support
    (0.75, 1.0, False, True),    # fairly sure, nothing of ours named
    (0.65, 1.0, False, False),   # less sure, and every word is the help center's
    (0.65, 0.8, False, True),    # less sure, with a word the help center does not know
    (0.65, 0.8, True, False),    # ... that names our product or support
    (0.55, 0.0, False, False),   # not sure enough of anything
])
def test_how_sure_the_model_must_be_depends_on_what_the_question_names(other, share, ours, silent):
    assert engine.another_subject(other, share, ours) is silent


def test_only_a_model_with_something_to_learn_trains_in_a_child(tmp_path):
    """A subjects file without "other" questions gives a subjects model that finds nothing another subject's,
    known at once: only the article model forks a child. With nothing to learn at all, none does."""
    source, asked = tmp_path / "subjects.yml", tmp_path / "questions.yml"
    source.write_text("en:\n  other: []\n", encoding="utf-8")
    asked.write_text("en:\n  support/contact: [hotline number]\n  support/escalation: [talk to a manager]\n",
                     encoding="utf-8")
    training = subject.start(source, None, ["en"], None, (), asked)
    assert [name for name, _, _ in training._children] == ["articles"]
    model = json.loads(training.result())
    assert model["weights"] == {} and model["articles"]["classes"] == ["support/contact", "support/escalation"]
    asked.write_text("en:\n  support/contact: [hotline number]\n", encoding="utf-8")
    training = subject.start(source, None, ["en"], None, (), asked)
    assert training._children == [] and json.loads(training.result())["articles"] == {}
