"""Customers' questions and the articles that answer them: what the search learns its ranking from.

Authors keep them in ``vocabulary/questions.yml`` beside ``docs/``, per
language and article id::

    en:
      support/escalation:
        - we need someone with decision power on our case, nothing has moved for days
        - can I talk to your boss
      support/tracking:
        - where can i see all my open requests

A question two articles answer together is listed under both. Word counts
rank "what should I put in a case so you don't come back with questions"
under the life of a case (it says "case" and "questions"); customers who
asked it were answered by the article on raising a case. Each build of the
index trains a classifier on these questions (:mod:`deflect.search.subject`:
the same features and the same child process as the subjects model), and the
search adds its probability to each article's score (:mod:`.engine`). The
questions are also examples of the help center's own subjects for the
subjects model, so ``subjects.yml`` lists only the questions about something
else.

``deflect check`` reports the file's problems (:func:`check_questions`).
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, Iterator, Mapping

from deflect.search.synonyms import open_for_check
from deflect.search.synonyms import read_file as read_vocabulary_file

#: Where the help center keeps it, beside docs/.
QUESTIONS_FILE = Path("vocabulary") / "questions.yml"


class QuestionsError(ValueError):
    """The questions file cannot be read."""


def read_file(path: Path) -> dict:
    """Return the file's mapping of language → {article id: [questions]} (``{}`` when there is none)."""
    return read_vocabulary_file(path, QuestionsError, "its articles' questions")


def same_question(question: str) -> str:
    """Return what two listings of one question have in common: its words, lower-cased, single-spaced.

    >>> same_question("  Where is  my Case") == same_question("where is my case")
    True
    """
    return " ".join(question.lower().split())


def is_question(value: object) -> bool:
    """Tell whether a listed value is a question: a text with a word in it.

    >>> is_question("where is my case"), is_question("  "), is_question(3)
    (True, False, False)
    """
    return isinstance(value, str) and bool(value.strip())


def listed_questions(listing: object, where: str, problems: list[str]) -> Iterator[tuple[int, str]]:
    """Yield the (number, question) of a file's list of questions, and append each problem, named from
    ``where``, to ``problems`` as it is met (not a list, or an entry that is no question), so that a caller's
    own problems of a question come in line order. The questions and subjects files' checks share it."""
    if not isinstance(listing, list):
        problems.append(f"{where}: expected a list of questions")
        return
    for number, question in enumerate(listing, 1):
        if is_question(question):
            yield number, question
        else:
            problems.append(f"{where} {number}: expected a question (text)")


def labelled(data: Mapping, languages: Iterable[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    """Return (language, question, the ids of the articles that answer it) for each well-formed question, once.

    >>> labelled({"en": {"a": ["Q one", "q  ONE", "two"], "b": ["q one"]}, "xx": {"a": ["x"]}}, ["en"])
    [('en', 'Q one', ('a', 'b')), ('en', 'two', ('a',))]
    """
    found: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for lang in languages:
        entry = data.get(lang) if isinstance(data, Mapping) else None
        if not isinstance(entry, Mapping):
            continue
        for article, questions in entry.items():
            if not isinstance(article, str) or not isinstance(questions, list):
                continue
            for question in filter(is_question, questions):
                text, ids = found.setdefault((lang, same_question(question)), (question, []))
                if article not in ids:
                    ids.append(article)
    return [(lang, text, tuple(ids)) for (lang, _), (text, ids) in found.items()]


def check_questions(path: Path, languages: Iterable[str], articles: Mapping[str, Iterable[str]]) -> list[str]:
    """Return the problems of the questions file, one sentence each (none when it is fine or absent).

    ``path`` is the file, or the help center's folder that holds
    ``vocabulary/questions.yml``; ``articles`` maps each language to the ids
    of its articles (a question under an id no article has teaches nothing).

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
    ...     _ = f.write("en:\\n  a: [fine, 3]\\n  gone: [x]\\n  b: x\\nxx: {}\\nfr: [x]\\n")
    >>> check_questions(f.name, ["en", "fr"], {"en": ["a", "b"], "fr": ["a"]})  # doctest: +NORMALIZE_WHITESPACE
    ['questions.yml: xx is not a language of the help center (en, fr)',
     'questions.yml en a 2: expected a question (text)',
     'questions.yml en gone: no article has this id in en',
     'questions.yml en b: expected a list of questions',
     'questions.yml fr: expected article ids, each with a list of questions']
    >>> os.unlink(f.name)
    """
    languages = list(languages)
    name = QUESTIONS_FILE.name
    data, problems = open_for_check(path, QUESTIONS_FILE, read_file, QuestionsError, languages)
    for lang in languages:
        entry = data.get(lang)
        if entry is None:
            continue
        if not isinstance(entry, dict):
            problems.append(f"{name} {lang}: expected article ids, each with a list of questions")
            continue
        known = set(articles.get(lang, ()))
        for article, questions in entry.items():
            if article not in known:
                problems.append(f"{name} {lang} {article}: no article has this id in {lang}")
                continue
            for _ in listed_questions(questions, f"{name} {lang} {article}", problems):
                pass  # only its problems are wanted here
    return problems
