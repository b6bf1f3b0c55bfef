"""Learn from the service's records: customers' own words become evidence for the article that helped.

The evidence is an iterable of :class:`Evidence`: a question, the article
that answered it, in which language, and who asked (its *source*: one
customer, as well as the records tell). :mod:`deflect.learning` reads it from
the store: deflections that ended with "this solved my problem" on an
article, and cases an agent solved with one. :func:`learn` turns it into a
few words per article and language, which the next index build adds to the
article's first section in a field of its own (``learned``), weighing as
much as the article's body text and less than its title
(:data:`deflect.search.engine.FIELD_BOOSTS`).

Bounded, so that no customer changes what another sees:

* nothing changes until the index is rebuilt (``deflect index``);
* a word counts for an article only once at least :data:`MIN_SOURCES`
  different sources used it, each source counting once however often it
  asked (one customer alone teaches nothing);
* an article learns at most :data:`MAX_WORDS` words, a language at most
  :data:`MAX_LANGUAGE_WORDS`, and a word weighs at most :data:`MAX_REPEAT`
  times however many asked;
* only articles that exist, in a language of the help center, learn.

The words also become examples of the help center's subjects for the model
that tells them from other subjects (:func:`examples`).

Each generation keeps what it learned in ``learned.json``; authors review it
with :func:`report` and ``deflect learned`` (and fix an article's own words
when a pattern shows).

>>> learned = learn([Evidence("en", "support/escalation", "talk to someone senior", "a"),
...                  Evidence("en", "support/escalation", "I want someone senior now", "b"),
...                  Evidence("en", "support/escalation", "senior manager please", "b"),
...                  Evidence("en", "support/escalation", "pizza", "c")], {"en": {"support/escalation"}})
>>> learned[("en", "support/escalation")]
(('senior', 2), ('someone', 2))
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Mapping, NamedTuple

from deflect.search.analysis import words


class Evidence(NamedTuple):
    """One question an article answered: its language, the article, the question, and who asked."""

    lang: str
    article: str
    question: str
    source: str  # one customer, as the records tell (a browser's key, an e-mail address): counted once


class EvidenceUnavailable(RuntimeError):
    """The service's records cannot be read now: the index is built without what they teach."""


FILE = "learned.json"
MIN_SOURCES = 2
MAX_WORDS = 30
MAX_LANGUAGE_WORDS = 1000
MAX_REPEAT = 3
#: Only the beginning of a long question is read (the subject and the first sentences).
MAX_QUESTION_CHARS = 500

Learned = dict[tuple[str, str], tuple[tuple[str, int], ...]]


def learn(evidence: Iterable[Evidence], articles: Mapping[str, set[str]]) -> Learned:
    """Return ``(lang, article) → ((word, sources), …)``, the words most sources shared, commonest first.

    ``articles`` maps each language to the article ids it serves (its own
    and the English ones standing in); evidence for anything else is ignored.
    """
    sources: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for lang, article, question, source in evidence:
        if article not in articles.get(lang, ()) or not isinstance(question, str) or not source:
            continue
        text = " ".join(question[:MAX_QUESTION_CHARS].split()).lower()
        for word in set(words(text, lang)):
            sources[(lang, article)][word].add(source)
    learned: Learned = {}
    for key, by_word in sources.items():
        kept = [(word, len(found)) for word, found in by_word.items() if len(found) >= MIN_SOURCES]
        kept.sort(key=lambda item: (-item[1], item[0]))
        if kept:
            learned[key] = tuple(kept[:MAX_WORDS])
    return _within_language_bound(learned)


def examples(learned: Learned) -> list[tuple[str, str, str]]:
    """Return each article's learned words as one (language, article id, text) example of what it answers.

    The subjects model (:mod:`deflect.search.subject`) learns from them that
    what customers asked, and an article answered, is ours: "the viewer window
    stays black" is about a remote session, however much it reads like a
    question about a household window; the article model learns that it is
    that article's. Bounded as the words are: two customers at least, 30 words
    per article.

    >>> examples({("en", "support/remote-assistance"): (("black", 2), ("viewer", 2))})
    [('en', 'support/remote-assistance', 'black viewer')]
    """
    return sorted((lang, article, " ".join(word for word, _ in found)) for (lang, article), found in learned.items())


def _within_language_bound(learned: Learned) -> Learned:
    """Keep at most :data:`MAX_LANGUAGE_WORDS` words per language, those most sources used."""
    per_language: dict[str, list] = defaultdict(list)
    for (lang, article), found in learned.items():
        per_language[lang] += [(-n, article, word) for word, n in found]
    kept = {(lang, article, word) for lang, rows in per_language.items()
            for _, article, word in sorted(rows)[:MAX_LANGUAGE_WORDS]}
    bounded = {key: tuple(item for item in found if (*key, item[0]) in kept) for key, found in learned.items()}
    return {key: found for key, found in bounded.items() if found}


def learned_text(words_counts: Iterable[tuple[str, int]]) -> str:
    """Return the text indexed for an article's learned words (each at most :data:`MAX_REPEAT` times).

    >>> learned_text([("senior", 5), ("someone", 2)])
    'senior senior senior someone someone'
    """
    return " ".join(" ".join([word] * min(n, MAX_REPEAT)) for word, n in words_counts)


def for_language(learned: Learned, lang: str) -> dict[str, str]:
    """Return article → learned text for one language's index."""
    return {article: learned_text(found) for (code, article), found in learned.items() if code == lang}


def save(learned: Learned, folder: Path) -> Path:
    """Write what a generation learned, for review."""
    path = Path(folder) / FILE
    rows = [{"lang": lang, "article": article, "words": dict(found)}
            for (lang, article), found in sorted(learned.items())]
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def load(folder: Path) -> Learned:
    """Return what a generation learned (empty when it learned nothing or predates learning)."""
    path = Path(folder) / FILE
    if not path.is_file():
        return {}
    rows = json.loads(path.read_text(encoding="utf-8"))
    return {(row["lang"], row["article"]): tuple(row["words"].items()) for row in rows}


def report(folder: Path) -> list[str]:
    """Return one line per article and language: the words a generation learned from customers.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = save({("fr", "support/escalation"): (("responsable", 4),)}, folder)
    >>> report(folder)
    ['fr support/escalation: responsable (4)']
    """
    return [f"{lang} {article}: " + ", ".join(f"{w} ({n})" for w, n in found)
            for (lang, article), found in sorted(load(folder).items())]
