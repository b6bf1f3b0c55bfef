"""Support vocabulary: the words customers use for what the articles call otherwise.

Authors keep it in ``vocabulary/synonyms.yml`` beside ``docs/``, one list of
rules per language, in the synonym format of Solr and Elasticsearch::

    en:
      - ticket, request, incident => case         # one way: the left finds the right
      - screen sharing, remote session, teamviewer  # both ways: each finds the others

A term is a word or a short phrase; it matches the question's content words
in order (stop words are skipped, and each word matches its inflections:
``screen share`` matches "screen sharing", not "share my screen").
The question then also searches the rule's other terms, at a lower weight
than its own words (:data:`deflect.search.engine.SYNONYM_WEIGHT`), and an
article that has them counts those question words as matched, for less.
``deflect check`` reports the file's problems (:func:`check_synonyms`).

>>> rules = parse_rules(["ticket, request => case", "remote session, screen sharing"], "en")
>>> [(r.left, r.right) for r in rules]
[((('ticket',), ('request',)), (('case',),)), ((('remote', 'session'), ('screen', 'sharing')), (('remote', 'session'), ('screen', 'sharing')))]
>>> [(t.words, t.span) for t in expand(rules, ["open", "ticket"], "en")]
[((('case',),), (1, 2))]
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable

import yaml

from deflect.content import load_yaml
from deflect.search.analysis import forms, words

#: Where the help center keeps it, beside docs/.
SYNONYMS_FILE = Path("vocabulary") / "synonyms.yml"
ONE_WAY = "=>"
#: A term longer than this many content words is a sentence, not a term.
MAX_TERM_WORDS = 4


class SynonymError(ValueError):
    """A rule of the synonyms file cannot be read."""


Term = tuple[str, ...]  # the content words of a term, lower-cased


@dataclass(frozen=True)
class Rule:
    """One line: question terms on the ``left`` find the article terms on the ``right``."""

    left: tuple[Term, ...]
    right: tuple[Term, ...]


@dataclass(frozen=True)
class Expansion:
    """Terms a question also searches because its words ``span`` (start, end) matched a rule."""

    span: tuple[int, int]
    words: tuple[Term, ...]


def _terms(text: str, lang: str) -> tuple[Term, ...]:
    found = []
    for part in text.split(","):
        term = tuple(words(part, lang))
        if not term:
            raise SynonymError(f"{part.strip()!r} has no word that is searched (only stop words?)")
        if len(term) > MAX_TERM_WORDS:
            raise SynonymError(f"{part.strip()!r} is longer than {MAX_TERM_WORDS} words")
        found.append(term)
    return tuple(dict.fromkeys(found))


def parse_rule(line: str, lang: str) -> Rule:
    """Return the :class:`Rule` of one line (``a, b => c`` or ``a, b, c``)."""
    if not isinstance(line, str) or not line.strip():
        raise SynonymError(f"{line!r} is not a line of terms")
    if line.count(ONE_WAY) > 1:
        raise SynonymError(f"{line!r} has more than one {ONE_WAY}")
    if ONE_WAY in line:
        left, right = (_terms(side, lang) for side in line.split(ONE_WAY))
        return Rule(left, right)
    terms = _terms(line, lang)
    if len(terms) < 2:
        raise SynonymError(f"{line!r} names only one term")
    return Rule(terms, terms)


def parse_rules(lines: Iterable[str], lang: str) -> tuple[Rule, ...]:
    """Return the rules of one language."""
    return tuple(parse_rule(line, lang) for line in lines)


def read_file(path: Path, error: type[ValueError] = SynonymError, entries: str = "a list of lines") -> dict:
    """Return an authors' vocabulary file's mapping of language → its ``entries`` (``{}`` when there is no file).

    Raises ``error`` when the file is no YAML, or no mapping (the subjects file shares this).
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = load_yaml(text) or {}
    except yaml.YAMLError as exc:
        raise error(f"{Path(path).name} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise error(f"{Path(path).name} must map each language to {entries}")
    return data


def read_or_empty(reader: Callable[[Path], dict], path: Path | None) -> dict:
    """Return what ``reader`` reads in ``path``: ``{}`` when there is no file or it cannot be read.

    For those who use a vocabulary file without checking it (``deflect check`` reports what is wrong).
    """
    try:
        return reader(path) if path is not None else {}
    except ValueError:  # SynonymError, SubjectsError, QuestionsError
        return {}


def open_for_check(path: Path, relative: Path, reader: Callable[[Path], dict], error: type[ValueError],
                   languages: list[str]) -> tuple[dict, list[str]]:
    """Read an authors' vocabulary file for its check: its mapping, and the problems any such file can have.

    ``path`` is the file, or the help center's folder that holds it at
    ``relative``. A file that cannot be read gives ``({}, [why])``; a
    language the help center does not have is one problem each.
    """
    path = Path(path) / relative if Path(path).is_dir() else Path(path)
    try:
        data = reader(path)
    except error as exc:
        return {}, [str(exc)]
    return data, [f"{relative.name}: {key} is not a language of the help center ({', '.join(languages)})"
                  for key in data if key not in languages]


def load_synonyms(path: Path, languages: Iterable[str]) -> dict[str, tuple[Rule, ...]]:
    """Return the rules per language, skipping the lines :func:`check_synonyms` reports.

    A missing file has no rules; a file that is not a YAML mapping raises :class:`SynonymError`.
    """
    data = read_file(Path(path))
    rules: dict[str, tuple[Rule, ...]] = {}
    for lang in languages:
        lines = data.get(lang) or []
        parsed = []
        for line in lines if isinstance(lines, list) else []:
            try:
                parsed.append(parse_rule(line, lang))
            except SynonymError:
                continue
        rules[lang] = tuple(dict.fromkeys(parsed))
    return rules


def check_synonyms(path: Path, languages: Iterable[str]) -> list[str]:
    """Return the problems of the synonyms file, one sentence each (none when it is fine or absent).

    ``path`` is the file, or the help center's folder that holds ``vocabulary/synonyms.yml``.

    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
    ...     _ = f.write("en:\\n  - ticket => case\\n  - the, a\\nxx:\\n  - a, b\\n")
    >>> check_synonyms(f.name, ["en", "fr"])  # doctest: +NORMALIZE_WHITESPACE
    ['synonyms.yml: xx is not a language of the help center (en, fr)',
     "synonyms.yml en line 2: 'the' has no word that is searched (only stop words?)"]
    >>> os.unlink(f.name)
    """
    languages = list(languages)
    name = SYNONYMS_FILE.name
    data, problems = open_for_check(path, SYNONYMS_FILE, read_file, SynonymError, languages)
    for lang in languages:
        lines = data.get(lang) or []
        if not isinstance(lines, list):
            problems.append(f"{name} {lang}: expected a list of lines")
            continue
        seen: dict[Rule, int] = {}
        for number, line in enumerate(lines, 1):
            try:
                rule = parse_rule(line, lang)
            except SynonymError as exc:
                problems.append(f"{name} {lang} line {number}: {exc}")
                continue
            if rule in seen:
                problems.append(f"{name} {lang} line {number}: the same rule as line {seen[rule]}")
            seen.setdefault(rule, number)
    return problems


def _matches(term: Term, question: list[frozenset[str]], start: int, lang: str) -> bool:
    if start + len(term) > len(question):
        return False
    return all(forms(word, lang) & question[start + offset] for offset, word in enumerate(term))


@lru_cache(maxsize=64)
def _by_first_word(rules: tuple[Rule, ...], lang: str) -> dict[str, list[tuple[Term, Rule]]]:
    """Return form of a term's first word → the (term, rule) pairs it may start: looked up, not scanned."""
    table: dict[str, list[tuple[Term, Rule]]] = {}
    for rule in rules:
        for term in rule.left:
            for form in forms(term[0], lang):
                table.setdefault(form, []).append((term, rule))
    return table


def expand(rules: tuple[Rule, ...], question_words: list[str], lang: str) -> list[Expansion]:
    """Return what the question's content words also search, by the rules they match.

    A matched term finds the rule's other terms (not itself: the question's
    own words already search it). Overlapping matches all count.
    """
    if not rules:
        return []
    table = _by_first_word(rules, lang)
    question = [forms(word, lang) for word in question_words]
    found: dict[tuple[int, int], dict[Term, None]] = {}
    for start, word_forms in enumerate(question):
        candidates = {id(pair): pair for form in word_forms for pair in table.get(form, ())}
        for term, rule in candidates.values():
            if _matches(term, question, start, lang):
                targets = found.setdefault((start, start + len(term)), {})
                targets.update(dict.fromkeys(t for t in rule.right if t != term))
    return [Expansion(span, tuple(targets)) for span, targets in found.items() if targets]
