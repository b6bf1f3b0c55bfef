"""Turn a customer's sentence into ranked, confident article suggestions.

The customer's text never reaches Whoosh's query parser: it is cut into
words (:func:`deflect.search.analysis.words`), so ``title:``, ``*``, quotes
and ``AND NOT`` are only words. Each word becomes a group of alternatives:

* its stemmed and folded forms (:func:`~deflect.search.analysis.forms`);
* when the language's vocabulary does not know the word: the vocabulary
  words within one edit (two for long words) of it, the parts of a compound
  (``Eskalationsprozess`` → ``eskalation`` + ``prozess``) and the longer
  words it begins (``eskalation`` → ``eskalationsanfrage``), each worth less
  than an exact word. Typos are matched on folded, unstemmed words and only
  then stemmed, like a word the customer typed;
* when the vocabulary knows the word: up to three words of its family that
  Snowball stems apart (``satisfait`` → ``satisfaction``, ``resolution`` →
  ``resolved``; see :func:`_relatives`), searched in the body only and worth
  half a corrected word.

A word scores over the fields it appears in (the topic: title, description,
keywords and heading, weighs 2.5 times the body text; its forms share one weight),
and a section scores the sum over words (Whoosh BM25F). An article is as good as
its best section.

Confidence rule (silence when unsure), measured on the dev queries and on
our own in- and out-of-scope questions in every language
(bench/tuning-queries.yml). *Coverage* is the share of the question's
content words that the article matches (a word found only by correction
counts :data:`CORRECTED_CREDIT`, a known word found only through a relative
in the body :data:`RELATED_CREDIT`); *score per word* is the article's BM25F
score divided by the number of content words. An article is suggested only
when at least one matched word is in its topic (title, keywords, heading), and

* coverage ≥ :data:`MIN_COVERAGE` (0.5) and score per word ≥
  :data:`MIN_WORD_SCORE` (2.5), or
* coverage ≥ :data:`MIN_STRONG_COVERAGE` (⅓) and score per word ≥
  :data:`MIN_STRONG_WORD_SCORE` (6: the matched word is the article's
  subject, in its title or keywords);

after the first, an article must also score at least
:data:`MIN_RELATIVE_SCORE` of the best one. Measured: every in-scope
question's right article scored ≥ 2.8 per word, out-of-scope questions
matched at most a third of their words (typically one generic word such
as "hours" or "results") at ≤ 4 per word.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh import scoring
from whoosh.query import Or, Term

from deflect.search.analysis import WORD, fold, forms, words
from deflect.search.articles import snippet
from deflect.search.index import TEXT_FIELDS, field_name

#: Field kind → weight of a match in it.
FIELD_BOOSTS = {"topic": 2.5, "body": 1.0}
#: Weight of a word found by typo, compound or prefix correction.
CORRECTED_WEIGHT = 0.6
CORRECTED_CREDIT = 0.5
#: Weight (body only) of a relative of a known word (``resolution`` → ``resolved``), and what
#: the known word counts towards coverage in a section that holds only its relatives.
RELATED_WEIGHT = 0.3
RELATED_CREDIT = 0.5
#: Relatives are looked up for known words this long, by a prefix at least this long …
MIN_RELATED_CHARS = 7
MIN_RELATED_STUB = 5
#: … at most this many, at most this many letters longer than the word (an ending, not a compound).
MAX_RELATED = 3
MAX_SUFFIX_CHANGE = 4
MIN_COVERAGE = 0.5
MIN_WORD_SCORE = 2.5
MIN_STRONG_COVERAGE = 0.33
MIN_STRONG_WORD_SCORE = 6.0
MIN_RELATIVE_SCORE = 0.35
#: At most this many content words of a question are searched (a long description is cut).
MAX_WORDS = 32
MAX_QUERY_CHARS = 2000
MAX_CORRECTED_CHARS = 30
MAX_CORRECTIONS = 3
MAX_PREFIX_EXPANSIONS = 4
SECTIONS_SCANNED = 30
COMMON_TERM_DOCS = 300


@dataclass
class WordGroup:
    """One word of the question and the index terms that stand for it."""

    word: str
    credit: float = 1.0
    terms: dict[tuple[str, str], float] = field(default_factory=dict)  # (field, text) → boost
    forms: dict[str, set[str]] = field(default_factory=dict)  # written language → forms
    related: dict[str, set[str]] = field(default_factory=dict)  # written language → relatives' forms


def clean_query(text: str) -> str:
    """Replace control and format characters by spaces (a NUL or an escape is not a word)."""
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)


def _corrections(reader, vocab: str, word: str) -> list[str]:
    """Return words of the ``vocab`` field that the (unknown) ``word`` may stand for, best first."""
    folded = fold(word)
    found: list[str] = []
    if len(folded) > MAX_CORRECTED_CHARS:  # not a word anyone types: a paste, a hash, a test
        return found
    if len(folded) >= 4:
        maxdist = 2 if len(folded) >= 9 else 1
        near = set(reader.terms_within(vocab, folded, maxdist, prefix=1))
        near.discard(folded)
        found += sorted(near, key=lambda w: -reader.doc_frequency(vocab, w))[:MAX_CORRECTIONS]
    if len(folded) >= 8:  # a compound: its longest known head (joined by s/n/e…), and the rest
        for i in range(len(folded) - 3, 3, -1):
            left, right = folded[:i], folded[i:]
            heads = [left] + [left[: -len(j)] for j in ("s", "es", "n", "en", "e") if left.endswith(j)]
            head = next((h for h in heads if len(h) >= 5 and (vocab, h) in reader), None)
            if head:
                found.append(head)
                if (vocab, right) in reader:
                    found.append(right)
                break
    if len(folded) >= 5:  # the longer words it begins, or that begin like it (satisfied → satisfaction)
        stems = [folded] if len(folded) < 7 else [folded, folded[: max(5, len(folded) - 3)]]
        for stub in stems:
            longer = [t.decode("utf-8") if isinstance(t, bytes) else t
                      for t in reader.expand_prefix(vocab, stub)]
            longer.sort(key=lambda w: -reader.doc_frequency(vocab, w))
            found += [w for w in longer[:MAX_PREFIX_EXPANSIONS] if w != folded]
    return list(dict.fromkeys(found))


def _relatives(reader, vocab: str, word: str, exact: frozenset[str], lang: str) -> list[str]:
    """Return vocabulary words of the (known) ``word``'s family, commonest first.

    Snowball does not join derivations (``satisfait`` → ``satisf``,
    ``satisfaction`` → ``satisfact``; ``resolution`` → ``resolut``,
    ``resolved`` → ``resolv``). A relative begins like ``word`` up to two
    letters before the end of its stem and four before the end of the word
    (at least :data:`MIN_RELATED_STUB` letters), then branches off: it has
    another stem, and neither word begins the other (that is an inflection,
    the stemmer's business, or a compound: ``support`` → ``supportfall``).
    """
    folded = fold(word)
    if not MIN_RELATED_CHARS <= len(folded) <= MAX_CORRECTED_CHARS:
        return []
    stem = min(len(form) for form in exact)
    stub = folded[: max(MIN_RELATED_STUB, min(stem - 2, len(folded) - 4))]
    found = [t.decode("utf-8") if isinstance(t, bytes) else t for t in reader.expand_prefix(vocab, stub)]
    found = [w for w in found if not w.startswith(folded) and not folded.startswith(w)
             and len(w) <= len(folded) + MAX_SUFFIX_CHANGE and not forms(w, lang) & exact]
    found.sort(key=lambda w: -reader.doc_frequency(vocab, w))
    return found[:MAX_RELATED]


def add_terms(reader, group: WordGroup, names: dict[str, str], form_set, weight: float, kinds) -> None:
    """Add the indexed ``form_set`` to ``group``'s terms in the fields of ``kinds``, worth ``weight``."""
    for kind in kinds:
        name = names[kind]
        present = [form for form in form_set if (name, form) in reader]
        for form in present:
            # The forms of a word are indexed together: they share its weight.
            boost = FIELD_BOOSTS[kind] * weight / len(present)
            group.terms[(name, form)] = max(group.terms.get((name, form), 0), boost)


def word_groups(reader, query: str, lang: str, default: str) -> list[WordGroup]:
    """Return the question's content words with the terms that may match each.

    Articles written in ``lang`` are searched with ``lang``'s analysis; the
    English articles standing in for missing translations with English's.
    """
    written_in = [lang] if lang == default else [lang, default]
    groups = []
    for word in list(dict.fromkeys(words(clean_query(query[:MAX_QUERY_CHARS]), lang)))[:MAX_WORDS]:
        group = WordGroup(word)
        for written in written_in:
            names = {kind: field_name(kind, lang, written) for kind in TEXT_FIELDS}
            exact = forms(word, written)
            known = any((name, form) in reader for name in names.values() for form in exact)
            if known:
                alternatives = [(exact, 1.0)]
            elif written == lang:  # a customer's typo is in their language, not in English
                vocab = field_name("vocab", lang, written)
                alternatives = [(forms(c, written), CORRECTED_WEIGHT) for c in _corrections(reader, vocab, word)]
                if alternatives:
                    group.credit = CORRECTED_CREDIT
            else:
                alternatives = []
            for form_set, weight in alternatives:
                group.forms.setdefault(written, set()).update(form_set)
                add_terms(reader, group, names, form_set, weight, TEXT_FIELDS)
            if known and written == lang:
                # The word's family, in the body only: a derivation is a hint, not the subject.
                vocab = field_name("vocab", lang, written)
                for relative in _relatives(reader, vocab, word, exact, written):
                    related = forms(relative, written) - exact
                    group.related.setdefault(written, set()).update(related)
                    add_terms(reader, group, names, related, RELATED_WEIGHT, ("body",))
        groups.append(group)  # an unmatched word still counts against coverage
    return groups


def scoring_terms(reader, groups: list[WordGroup]) -> list[Term]:
    """Return the terms to score with: all of them, but the commonest in a large help center.

    A term found in more than :data:`COMMON_TERM_DOCS` sections says little
    (its IDF is low) and costs much (Whoosh visits every section holding it):
    it is left out of the scoring but still counts towards coverage. When
    every term is that common, the rarest one is kept.
    """
    terms = [(reader.doc_frequency(name, text), Term(name, text, boost=boost))
             for group in groups for (name, text), boost in group.terms.items()]
    kept = [term for frequency, term in terms if frequency <= COMMON_TERM_DOCS]
    if not kept and terms:
        rarest = min(frequency for frequency, _ in terms)
        kept = [term for frequency, term in terms if frequency == rarest]
    return kept


@lru_cache(maxsize=65536)
def text_forms(text: str, lang: str) -> frozenset[str]:
    """Return the forms of every word of ``text`` (a stored section, analysed once)."""
    found: set[str] = set()
    for word in set(WORD.findall(text.lower())):
        found |= forms(word, lang)
    return frozenset(found)


@dataclass
class ArticleMatch:
    """What the scanned sections of one article matched: the record the confidence rule reads."""

    article: str
    score: float = 0.0  # its best section's BM25F score, times the article's weight
    best: dict | None = None  # that section's stored fields
    written: str = ""  # the language that section is written in
    credits: dict[int, float] = field(default_factory=dict)  # question word → best credit over sections
    topic_hit: bool = False  # a matched word is in a title, keywords or heading

    def add_section(self, stored: dict, score: float, written: str, groups: list[WordGroup]) -> None:
        """Count one section: the words it matches and, if it is the best so far, its score."""
        topic = text_forms(" ".join([stored["title"], stored["keywords"], stored["heading"]]), written)
        body = text_forms(stored["text"], written)
        for number, group in enumerate(groups):
            group_forms = group.forms.get(written, set())
            if group_forms & topic:
                credit = group.credit
                self.topic_hit = True
            elif group_forms & body:
                credit = group.credit
            elif group.related.get(written, set()) & body:  # only its family, in the body: worth less
                credit = RELATED_CREDIT
            else:
                continue
            self.credits[number] = max(credit, self.credits.get(number, 0.0))
        if self.best is None or score > self.score:
            self.score, self.best, self.written = score, stored, written

    def coverage(self, words: int) -> float:
        """Return the share of the question's ``words`` this article matches (corrections count less)."""
        return sum(self.credits.values()) / words if words else 0.0

    def per_word(self, words: int) -> float:
        """Return the article's score divided by the question's number of content words."""
        return self.score / words if words else 0.0

    def confident(self, words: int) -> bool:
        """Tell whether this article answers a question of ``words`` content words (module docstring)."""
        coverage, per_word = self.coverage(words), self.per_word(words)
        return self.topic_hit and (
            (coverage >= MIN_COVERAGE and per_word >= MIN_WORD_SCORE)
            or (coverage >= MIN_STRONG_COVERAGE and per_word >= MIN_STRONG_WORD_SCORE))

    def matched_forms(self, groups: list[WordGroup]) -> set[str]:
        """Return the forms of the question words this article matched (for its snippet)."""
        return set().union(*(groups[i].forms.get(self.written, set()) | groups[i].related.get(self.written, set())
                             for i in self.credits))


def suggest_in(searcher, query: str, lang: str, default: str, limit: int) -> list[tuple[ArticleMatch, str]]:
    """Return up to ``limit`` confident matches for ``query`` in ``lang``, with their snippets, best first."""
    groups = word_groups(searcher.reader(), query, lang, default)
    subqueries = scoring_terms(searcher.reader(), groups)
    if not subqueries:
        return []
    # Fields are per served language: no filter, and Whoosh may skip hopeless documents.
    hits = searcher.search(Or(subqueries), limit=SECTIONS_SCANNED, optimize=True)
    articles: dict[str, ArticleMatch] = {}
    for hit in hits:
        stored = hit.fields()
        match = articles.setdefault(stored["article"], ArticleMatch(stored["article"]))
        match.add_section(stored, hit.score * stored.get("weight", 1.0),
                          default if stored["fallback"] else lang, groups)
    found: list[tuple[ArticleMatch, str]] = []
    for match in sorted(articles.values(), key=lambda m: -m.score):
        if not match.confident(len(groups)):
            continue
        if found and match.score < MIN_RELATIVE_SCORE * found[0][0].score:
            break
        found.append((match, best_snippet(match.best["text"], match.matched_forms(groups), match.written)))
        if len(found) >= limit:
            break
    return found


SENTENCE = re.compile(r"(?<=[.!?:;])\s+")


def best_snippet(text: str, matched_forms: set[str], lang: str) -> str:
    """Return a short snippet of ``text`` starting at the first sentence with a matched word."""
    sentences = SENTENCE.split(text)
    for number, sentence in enumerate(sentences):
        if any(forms(w, lang) & matched_forms for w in words(sentence, lang)):
            return snippet(" ".join(sentences[number:]))
    return snippet(text)


def new_weighting():
    """Return the scoring model: BM25F (Whoosh's default, stated here on purpose)."""
    return scoring.BM25F(B=0.75, K1=1.2)
