"""The vocabulary of one language's articles, and what an unknown question word may stand for.

Built with each index generation (``<generation>/<lang>/lexicon.json``) and
loaded once per process, shared by its threads: a question's words are
looked up in memory, not in the index.

* **Words**: every content word of the language's own articles, folded
  (lower case, no accents), with the number of sections holding it.
* **Inflections**: every form that a lemmatizer's dictionary (simplemma)
  knows for a lemma the articles use, mapped to the articles' words of that
  lemma: a customer's ``pongo`` finds the article's ``poner``, ``abgelehnt``
  finds ``ablehnen``, ``cerraron`` finds ``cerrar``.
* **Families**: for each word, up to three words that begin like it and
  branch off, which Snowball stems apart (``satisfait`` → ``satisfaction``,
  ``resolution`` → ``resolved``), and the articles' other words of its lemma.
* **Typos**: a deletion index (every word minus one letter) finds the words
  within one edit of a typo, or two for long words, without scanning.

>>> lexicon = Lexicon.build("en", [["escalation", "escalate", "severity", "satisfaction"], ["escalation"]])
>>> lexicon.frequencies["escalation"], lexicon.corrections("escalaton")
(2, ['escalation', 'escalate'])
"""
from __future__ import annotations

import bisect
import json
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from deflect.search.analysis import fold, forms

FILE = "lexicon.json"
#: Corrections are tried for words this long, two edits from this length on …
MIN_TYPO_CHARS = 4
TWO_EDITS_CHARS = 9
MAX_CORRECTED_CHARS = 30
MAX_CORRECTIONS = 3
MAX_PREFIX_EXPANSIONS = 4
#: Relatives: known words this long, a shared beginning this long, at most this many letters longer.
MIN_RELATED_CHARS = 7
MIN_RELATED_STUB = 5
MAX_RELATED = 3
MAX_SUFFIX_CHANGE = 4
#: At most this many article words stand for one inflected form.
MAX_INFLECTED = 3
#: The first person of a verb (``abro``, ``cierro``, ``carico``) that the lemmatizer's dictionary
#: reads as a noun or does not know, and the infinitives it may be a form of.
FIRST_PERSON = {"es": ("o", ("ar", "er", "ir")), "it": ("o", ("are", "ere", "ire"))}
#: Spanish stems change their vowel where it is stressed: cierro → cerrar, vuelvo → volver.
STRESSED_STEMS = {"es": (("ie", "e"), ("ue", "o"))}


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Return the Damerau–Levenshtein distance of ``a`` and ``b`` (``limit + 1`` once it exceeds ``limit``).

    >>> edit_distance("escalaton", "escalation", 2), edit_distance("form", "from", 1)
    (1, 1)
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


@dataclass
class Lexicon:
    """One language's article words and the tables that map a customer's word onto them."""

    lang: str
    frequencies: dict[str, int]
    inflections: dict[str, list[str]] = field(default_factory=dict)
    families: dict[str, list[str]] = field(default_factory=dict)

    def __post_init__(self):
        self.sorted = sorted(self.frequencies)
        self._deleted: dict[str, list[str]] = {}
        for word in self.sorted:
            if MIN_TYPO_CHARS <= len(word) <= MAX_CORRECTED_CHARS:
                for variant in _deletes(word):
                    self._deleted.setdefault(variant, []).append(word)

    # --- building ---

    @staticmethod
    def count(sections: Iterable[Iterable[str]]) -> tuple[Counter, dict[str, str]]:
        """Return how many sections hold each folded word, and a spelling of each as written."""
        frequencies: Counter[str] = Counter()
        written: dict[str, str] = {}  # folded → a spelling as written (the lemmatizer needs accents)
        folds: dict[str, str] = {}  # each spelling folded once: a help center repeats its words
        for section in sections:
            folded = set()
            for word in section:
                key = folds.get(word)
                if key is None:
                    key = folds[word] = fold(word)
                    written.setdefault(key, word)
                folded.add(key)
            frequencies.update(folded)
        return frequencies, written

    @classmethod
    def build(cls, lang: str, sections: Iterable[Iterable[str]]) -> "Lexicon":
        """Return the lexicon of ``sections``, each given as its lower-cased content words."""
        return cls.from_counts(lang, *cls.count(sections))

    @classmethod
    def from_counts(cls, lang: str, frequencies: Counter, written: dict[str, str]) -> "Lexicon":
        """Return the lexicon of words counted by :meth:`count` (the counts of several shards added up)."""
        lexicon = cls(lang, dict(frequencies))
        inflections, siblings = _remembered_inflections(
            lang, tuple(sorted(written.items())), tuple(sorted(frequencies.items())))
        lexicon.inflections = {form: list(words) for form, words in inflections.items()}
        lexicon.families = lexicon._families(siblings)
        return lexicon

    def update(self, removed: Iterable[Iterable[str]], added: Iterable[Iterable[str]]) -> None:
        """Count sections out and in (an article edited); new words get families and typos, not inflections."""
        gone, _ = self.count(removed)
        new, _ = self.count(added)
        for word, n in gone.items():
            left = self.frequencies.get(word, 0) - n
            if left > 0:
                self.frequencies[word] = left
            else:
                self.frequencies.pop(word, None)
                self.families.pop(word, None)
        fresh = [word for word in new if word not in self.frequencies]
        for word, n in new.items():
            self.frequencies[word] = self.frequencies.get(word, 0) + n
        self.__post_init__()
        for word in fresh:
            self.inflections.pop(word, None)  # now a word of the articles itself
            related = self._prefix_relatives(word)
            if related:
                self.families[word] = related

    def _families(self, siblings: dict[str, list[str]]) -> dict[str, list[str]]:
        families = {}
        for word in self.sorted:
            related = list(dict.fromkeys(siblings.get(word, []) + self._prefix_relatives(word)))[:MAX_RELATED]
            if related:
                families[word] = related
        return families

    def _prefix_relatives(self, word: str) -> list[str]:
        """Return words that begin like ``word`` up to two letters before the end of its stem, then branch off.

        Not an inflection (another stem) and not a compound (neither word
        begins the other: ``support`` → ``supportfall`` is not family).
        """
        if not MIN_RELATED_CHARS <= len(word) <= MAX_CORRECTED_CHARS:
            return []
        exact = forms(word, self.lang)
        stem = min(len(form) for form in exact)
        stub = word[: max(MIN_RELATED_STUB, min(stem - 2, len(word) - 4))]
        found = [w for w in self.starting_with(stub)
                 if not w.startswith(word) and not word.startswith(w)
                 and len(w) <= len(word) + MAX_SUFFIX_CHANGE and not forms(w, self.lang) & exact]
        found.sort(key=lambda w: -self.frequencies[w])
        return found[:MAX_RELATED]

    def save(self, folder: Path) -> Path:
        path = Path(folder) / FILE
        path.write_text(json.dumps({"lang": self.lang, "frequencies": self.frequencies,
                                    "inflections": self.inflections, "families": self.families},
                                   ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
        return path

    @classmethod
    def load(cls, folder: Path) -> "Lexicon":
        data = json.loads((Path(folder) / FILE).read_text(encoding="utf-8"))
        return cls(data["lang"], data["frequencies"], data["inflections"], data["families"])

    # --- looking up ---

    def starting_with(self, stub: str) -> list[str]:
        """Return the words that begin with ``stub``, alphabetically."""
        start = bisect.bisect_left(self.sorted, stub)
        end = bisect.bisect_left(self.sorted, stub + "\uffff")
        return self.sorted[start:end]

    def inflected(self, word: str) -> list[str]:
        """Return the article words of the lemma ``word`` is a form of (``pongo`` → ``poner``).

        >>> Lexicon("es", {"abrir": 2, "cerrar": 1, "caso": 3}).inflected("cierro")
        ['cerrar']
        """
        return self.inflections.get(fold(word)) or self.first_person(word)

    def first_person(self, word: str) -> list[str]:
        """Return the article words of the verb whose first person ``word`` may be (``abro`` → ``abrir``).

        For the forms the dictionary reads as nouns (``cierro``, ``adjunto``,
        ``carico``) or does not know: only the articles' own verbs are tried.
        """
        ending, infinitives = FIRST_PERSON.get(self.lang, ("", ()))
        folded = fold(word)
        if not ending or not folded.endswith(ending) or len(folded) < 4:
            return []
        stem = folded[: -len(ending)]
        stems = [stem]
        for stressed, plain in STRESSED_STEMS.get(self.lang, ()):
            at = stem.rfind(stressed)
            if at > 0:
                stems.append(stem[:at] + plain + stem[at + len(stressed):])
        found: list[str] = []
        for candidate in (stem + infinitive for stem in stems for infinitive in infinitives):
            found += [candidate] if candidate in self.frequencies else self.inflections.get(candidate, [])
        return list(dict.fromkeys(found))[:MAX_INFLECTED]

    def relatives(self, word: str) -> list[str]:
        """Return the words of ``word``'s family (see the module docstring)."""
        return self.families.get(fold(word), [])

    def typos(self, word: str) -> list[str]:
        """Return the words within one edit of ``word`` (two for long words), commonest first."""
        folded = fold(word)
        if not MIN_TYPO_CHARS <= len(folded) <= MAX_CORRECTED_CHARS:
            return []
        limit = 2 if len(folded) >= TWO_EDITS_CHARS else 1
        variants = {folded} | _deletes(folded)
        if limit == 2:
            variants |= {d2 for d1 in _deletes(folded) for d2 in _deletes(d1)}
        candidates = set()
        for variant in variants:
            candidates.update(self._deleted.get(variant, ()))
            if variant in self.frequencies:
                candidates.add(variant)
        near = [w for w in candidates if w != folded and w[0] == folded[0]
                and edit_distance(folded, w, limit) <= limit]
        near.sort(key=lambda w: (-self.frequencies[w], w))
        return near[:MAX_CORRECTIONS]

    def compound_parts(self, word: str) -> list[str]:
        """Return the longest known head of a compound (joined by s, n, e…) and its known rest.

        >>> Lexicon("de", {"eskalation": 3, "prozess": 1}).compound_parts("eskalationsprozess")
        ['eskalation', 'prozess']
        """
        folded = fold(word)
        for i in range(len(folded) - 3, 3, -1):
            left, right = folded[:i], folded[i:]
            heads = [left] + [left[: -len(j)] for j in ("s", "es", "n", "en", "e") if left.endswith(j)]
            head = next((h for h in heads if len(h) >= 5 and h in self.frequencies), None)
            if head:
                return [head] + ([right] if right in self.frequencies else [])
        return []

    def longer(self, word: str) -> list[str]:
        """Return the commonest words that begin with ``word`` or its first letters (``satisfied`` → ``satisfaction``)."""
        folded = fold(word)
        stubs = [folded] if len(folded) < 7 else [folded, folded[: max(5, len(folded) - 3)]]
        found: list[str] = []
        for stub in stubs:
            longer = sorted(self.starting_with(stub), key=lambda w: -self.frequencies[w])
            found += [w for w in longer[:MAX_PREFIX_EXPANSIONS] if w != folded]
        return found

    def corrections(self, word: str, everyday: bool = False) -> list[str]:
        """Return the words an unknown ``word`` may stand for, best first.

        A word of everyday language (``everyday``) is no typo and no
        compound to split; it may still stand for the longer words it begins.
        """
        folded = fold(word)
        if len(folded) > MAX_CORRECTED_CHARS:  # not a word anyone types: a paste, a hash, a test
            return []
        found: list[str] = []
        if not everyday:
            found += self.typos(folded)
            if len(folded) >= 8:
                found += self.compound_parts(folded)
        if len(folded) >= 5:
            found += self.longer(folded)
        return list(dict.fromkeys(found))


@lru_cache(maxsize=8)
def _remembered_inflections(lang: str, written: tuple, frequencies: tuple) -> tuple[dict, dict]:
    """Return :func:`_inflections`, kept for a process that indexes the same articles again (tests, serve)."""
    return _inflections(lang, dict(written), Counter(dict(frequencies)))


def _inflections(lang: str, written: dict[str, str], frequencies: Counter) -> tuple[dict, dict]:
    """Return form → article words of its lemma, and word → the article's other words of its lemma."""
    dictionary = _lemma_dictionary(lang)  # form → lemma, as UTF-8 bytes
    if not dictionary:
        return {}, {}

    def lemma_of(word: str) -> bytes:
        for candidate in (word, word.capitalize()):
            lemma = dictionary.get(candidate.encode())
            if lemma:
                return lemma
        return word.encode()

    by_lemma: dict[bytes, list[str]] = {}
    for key, word in written.items():
        by_lemma.setdefault(lemma_of(word), []).append(key)
    for words in by_lemma.values():
        words.sort(key=lambda w: -frequencies[w])
    inflections: dict[str, list[str]] = {}
    for form, lemma in dictionary.items():
        words = by_lemma.get(lemma)
        if words:
            key = fold(form.decode())
            if key not in frequencies and key not in inflections and key.isalpha():
                inflections[key] = words[:MAX_INFLECTED]
    for lemma, words in by_lemma.items():  # the lemma itself, when the articles use only other forms
        key = fold(lemma.decode())
        if key not in frequencies and key not in inflections and key.isalpha():
            inflections[key] = words[:MAX_INFLECTED]
    siblings = {}
    for words in by_lemma.values():
        if len(words) > 1:
            for word in words:
                siblings[word] = [w for w in words if w != word and not forms(w, lang) & forms(word, lang)]
    return inflections, siblings


@lru_cache(maxsize=1)
def _lemma_dictionary(lang: str) -> dict[bytes, bytes]:
    """Return simplemma's form → lemma dictionary of ``lang`` as bytes ({} if it has none).

    Kept for the next call: the index of one language is built in one process.
    """
    try:
        from simplemma.strategies.dictionaries import dictionary_factory
    except ImportError:  # pragma: no cover - an installation without the lemmatizer
        return {}
    if lang not in dictionary_factory.SUPPORTED_LANGUAGES:
        return {}
    load = getattr(dictionary_factory, "_load_dictionary_from_disk", None)
    if load is not None:  # the raw table: ten times faster than decoding every entry
        return load(lang)
    mapping = dictionary_factory.DefaultDictionaryFactory(cache_max_size=0).get_dictionary(lang)
    return {form.encode(): lemma.encode() for form, lemma in mapping.items()}
