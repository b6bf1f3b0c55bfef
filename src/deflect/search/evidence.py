"""Learn from the service's records: customers' own words become evidence for the article that helped.

The evidence is an iterable of ``(lang, article_id, question)``: questions
whose deflection ended with "this solved it" on an article, and (later)
questions agents answered with an article. :func:`learn` turns it into a few
words per article and language, which the next index build adds to the
article's first section in a field of its own (``learned``), weighing less
than the article's text (:data:`deflect.search.engine.FIELD_BOOSTS`).

Bounded, so that no customer changes what another sees:

* nothing changes until the index is rebuilt (``deflect index``);
* a word counts for an article only once at least :data:`MIN_QUESTIONS`
  different questions used it, each question counting once;
* an article learns at most :data:`MAX_WORDS` words, and a word counts at
  most :data:`MAX_REPEAT` times however often it was asked;
* only articles that exist, in a language of the help center, learn.

Each generation keeps what it learned in ``learned.json``; authors review it
with :func:`report` (and fix an article's own words when a pattern shows).

>>> learned = learn([("en", "support/escalation", "talk to someone senior"),
...                  ("en", "support/escalation", "I want someone senior now"),
...                  ("en", "support/escalation", "pizza")], {"en": {"support/escalation"}})
>>> learned[("en", "support/escalation")]
(('senior', 2), ('someone', 2))
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Mapping

from deflect.search.analysis import words

#: One record: the question's language, the article that answered it, the question.
Evidence = tuple[str, str, str]
FILE = "learned.json"
MIN_QUESTIONS = 2
MAX_WORDS = 30
MAX_REPEAT = 3
#: Only the beginning of a long question is read (the subject and the first sentences).
MAX_QUESTION_CHARS = 500

Learned = dict[tuple[str, str], tuple[tuple[str, int], ...]]


def learn(evidence: Iterable[Evidence], articles: Mapping[str, set[str]]) -> Learned:
    """Return ``(lang, article) → ((word, questions), …)``, the words most questions shared, commonest first.

    ``articles`` maps each language to the article ids it serves (its own
    and the English ones standing in); evidence for anything else is ignored.
    """
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    seen: set[tuple[str, str, str]] = set()
    for lang, article, question in evidence:
        if article not in articles.get(lang, ()) or not isinstance(question, str):
            continue
        text = " ".join(question[:MAX_QUESTION_CHARS].split()).lower()
        if (lang, article, text) in seen:  # the same question twice is one question
            continue
        seen.add((lang, article, text))
        counts[(lang, article)].update(set(words(text, lang)))
    learned: Learned = {}
    for key, counter in counts.items():
        kept = [(word, n) for word, n in counter.items() if n >= MIN_QUESTIONS]
        kept.sort(key=lambda item: (-item[1], item[0]))
        if kept:
            learned[key] = tuple(kept[:MAX_WORDS])
    return learned


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


def report(folder: Path) -> list[str]:
    """Return one line per article and language: the words a generation learned from customers.

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = save({("fr", "support/escalation"): (("responsable", 4),)}, folder)
    >>> report(folder)
    ['fr support/escalation: responsable (4)']
    """
    path = Path(folder) / FILE
    if not path.is_file():
        return []
    rows = json.loads(path.read_text(encoding="utf-8"))
    return [f"{row['lang']} {row['article']}: " + ", ".join(f"{w} ({n})" for w, n in row["words"].items())
            for row in rows]
