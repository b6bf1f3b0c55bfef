"""Turn a customer's sentence into ranked, confident article suggestions.

The customer's text never reaches Whoosh's query parser: it is cut into
words (:func:`deflect.search.analysis.words`), so ``title:``, ``*``, quotes
and ``AND NOT`` are only words. Each word (:class:`QuestionWord`) gets
alternatives (:class:`Alternative`), each with a weight (its share of an
exact word's score) and a credit (its share of an exact word's coverage):

* its stemmed and folded forms (:func:`~deflect.search.analysis.forms`);
* when the articles do not use it: the articles' words of its lemma
  (``pongo`` → ``poner``, :data:`INFLECTED_WEIGHT`); else, when everyday
  language does not know it either, its typo corrections and compound parts,
  and the longer words it begins (:data:`CORRECTED_WEIGHT`; see
  :class:`deflect.search.lexicon.Lexicon`);
* when the articles use it: up to three words of its family that Snowball
  stems apart (``satisfait`` → ``satisfaction``, :data:`RELATED_WEIGHT`);
* the article words the synonyms file gives for it or for a phrase it is
  part of (``screen sharing`` → ``remote session``, :data:`SYNONYM_WEIGHT`).

A word's terms score over the fields they appear in (the topic: title,
description, keywords and heading, weighs :data:`FIELD_BOOSTS` 3.5 times the
body), scaled by the square root of the word's informativeness (everyday
words weigh less); a section scores the sum (BM25F, :mod:`.scorer`). An
article is as good as its best section and ranks by score × coverage^0.5.

Confidence rule (silence when unsure, :meth:`ArticleMatch.confident`),
measured on the dev questions and our own tuning questions in every
language, checked on held-out ones (bench/README.md):

* the question speaks the help center's language: :meth:`Question.scope`
  ≥ :data:`MIN_SCOPE` (0.6);
* a matched word is in the article's topic (title, keywords, headings) or
  its learned words, unless the article holds nearly all of the question
  (coverage ≥ :data:`MIN_BODY_COVERAGE`, 0.9: a symptom the article gives as
  an example in its text, "a scheduled e-mail is late");
* circumstance words (when, where, how it came out: "yesterday", "Saturday",
  "address", :data:`~deflect.search.analysis.CIRCUMSTANCE_WORDS`) rank
  articles but count for none of these: not for the scope, not as the matched
  topic word, not in the coverage; product names (the mobile app, dashboards,
  :data:`~deflect.search.analysis.PRODUCT_WORDS`) count for the scope, but
  neither as the matched topic word nor in the coverage;
* coverage (the informativeness-weighted share of the question's words it
  matches, alternatives counting their credit) ≥ :data:`MIN_COVERAGE` (0.5)
  with a score per informative word ≥ :data:`MIN_WORD_SCORE` (1), or
  coverage ≥ :data:`MIN_STRONG_COVERAGE` (0.2) with a score per word ≥
  :data:`MIN_STRONG_WORD_SCORE` (3);
* after the first, an article must rank at least :data:`MIN_RELATIVE_SCORE`
  of the first.

With the article model (:meth:`.subject.SubjectModel.articles`: a classifier
trained on customers' questions, ``vocabulary/questions.yml``), the rule
still decides whether to answer; the order is then the blend of
:func:`blend`: each article's score over the best one's plus
:data:`EXAMPLES_WEIGHT` times the model's probability, over the articles
that answer and those the model finds :data:`EXAMPLES_ALONE` likely, down to
:data:`MIN_RELATIVE_BLEND` of the first. The words say which articles speak
of the question; the questions customers asked say which one answered it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from whoosh import scoring
from whoosh.query import Term

from deflect.search.analysis import (WORD, forms, informativeness, is_circumstance, is_elsewhere, is_organisation,
                                     is_ours, is_product, words, zipf)
from deflect.search.articles import snippet
from deflect.search.index import TEXT_FIELDS, field_name
from deflect.search.lexicon import Lexicon
from deflect.search.scorer import FlatScorer
from deflect.search.subject import SubjectModel
from deflect.search.synonyms import Rule, expand

#: Field kind → weight of a match in it.
FIELD_BOOSTS = {"topic": 3.5, "body": 1.0, "learned": 1.0}
#: Weight and coverage credit of a word found by typo, compound or prefix correction.
CORRECTED_WEIGHT = 0.6
CORRECTED_CREDIT = 0.5
#: Weight and credit of a relative of a known word (``resolution`` → ``resolved``).
RELATED_WEIGHT = 0.3
RELATED_CREDIT = 0.5
#: Weight and credit of a term found through the synonyms file (vocabulary/synonyms.yml).
SYNONYM_WEIGHT = 0.5
SYNONYM_CREDIT = 0.75
#: Weight and credit of an article word of the lemma an unknown word is a form of (``pongo`` → ``poner``).
INFLECTED_WEIGHT = 0.8
INFLECTED_CREDIT = 0.9
MIN_SCOPE = 0.6
#: A question the subjects model (:mod:`.subject`) finds this likely about something else is not the
#: help center's; nor is one that does not name the vendor's product or support and that it finds
#: :data:`OTHER_NOT_OURS` likely, or :data:`OTHER_WITH_UNKNOWN` likely with a word the help center
#: does not know (measured leaving each readable set out: bench/README.md, "Set T"; OTHER_ALONE 0.85 since
#: "Silence: other organisations' names").
OTHER_ALONE = 0.85
OTHER_NOT_OURS = 0.7
OTHER_WITH_UNKNOWN = 0.6
#: A question that names another organisation and, of ours, only support's words ("Telekom Hotline
#: erreicht man nie") is another subject's from this probability; "does your support cover Zoom?"
#: (0.02) stays ours.
ORGANISATION_OTHER = 0.3
#: Everyday words this common (Zipf) that the help center does not know speak of something else.
FOREIGN_ZIPF = (2.5, 5.5)
#: A rarer word it does not know (a name, a term of another trade, an error code, a typo it cannot
#: correct) may be either, so it counts half ("gastroenteritis", "Lufthansa", "precompilato").
RARE_WEIGHT = 0.5
MIN_COVERAGE = 0.5
#: An article that holds this share of the question in its text needs no matched word in its topic.
MIN_BODY_COVERAGE = 0.9
MIN_WORD_SCORE = 1.0
MIN_STRONG_COVERAGE = 0.2
MIN_STRONG_WORD_SCORE = 3.0
MIN_RELATIVE_SCORE = 0.35
#: With the article model (:meth:`.subject.SubjectModel.articles`, learned from vocabulary/questions.yml),
#: an article ranks by its score over the best one's plus this times its probability; an article the
#: confidence rule did not choose is added from this probability; and an article is shown from this
#: share of the best one's blended score (measured leaving each readable set out: bench/README.md, "Which article").
EXAMPLES_WEIGHT = 3.0
EXAMPLES_ALONE = 0.2
MIN_RELATIVE_BLEND = 0.2
#: At most this many content words of a question are searched (a long description is cut).
MAX_WORDS = 32
MAX_QUERY_CHARS = 2000
SECTIONS_SCANNED = 20
#: How much a word's informativeness weighs on its score (0: not at all, 1: in proportion).
INFORMATIVE_SCORING = 0.5
#: Articles rank by score × coverage ** COORDINATION (0: by score alone).
COORDINATION = 0.5
COMMON_TERM_DOCS = 300


@dataclass(frozen=True)
class Alternative:
    """A way an article may match one question word: every one of ``words`` (each a set of forms)."""

    words: tuple[frozenset[str], ...]
    weight: float  # share of an exact word's score
    credit: float  # share of an exact word's coverage
    guess: bool = False  # a typo correction, compound part or longer word: the articles may not mean it


@dataclass
class QuestionWord:
    """One content word of the question and the alternatives that stand for it, per written language."""

    word: str
    weight: float = 1.0  # its informativeness: how much the question's coverage depends on it
    zipf: float = 0.0  # how common it is in everyday language
    circumstance: bool = False  # it says when or where, not what (analysis.CIRCUMSTANCE_WORDS)
    product: bool = False  # it names the product, not the support topic (analysis.PRODUCT_WORDS)
    elsewhere: bool = False  # it names another place or organisation (analysis.ELSEWHERE_WORDS)
    ours: bool = False  # it names the vendor's product or support (analysis.is_ours)
    organisation: bool = False  # it names another organisation (analysis.is_organisation)
    alternatives: dict[str, list[Alternative]] = field(default_factory=dict)
    _forms: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    def add(self, written: str, alternative: Alternative) -> None:
        self.alternatives.setdefault(written, []).append(alternative)
        self._forms.pop(written, None)

    def credit_in(self, written: str, topic: frozenset[str], present: frozenset[str]) -> tuple[float, bool]:
        """Return this word's best credit in a section (0 if unmatched) and whether it is in the topic.

        ``present``: the forms of the section's whole text (topic and body).
        """
        if self.forms(written).isdisjoint(present):  # the usual case: nothing of this word here
            return 0.0, False
        best, in_topic = 0.0, False
        for alternative in self.alternatives[written]:
            parts = alternative.words
            if len(parts) == 1:  # most alternatives are one word: no generator to run
                if not parts[0].isdisjoint(topic):
                    in_topic = True
                elif parts[0].isdisjoint(present):
                    continue
            elif all(not forms_.isdisjoint(topic) for forms_ in parts):
                in_topic = True
            elif any(forms_.isdisjoint(present) for forms_ in parts):
                continue
            if alternative.credit > best:
                best = alternative.credit
        return best, in_topic

    @property
    def guessed(self) -> bool:
        """Tell whether the help center knows this word only by guessing (a correction or a longer word)."""
        return bool(self.alternatives) and all(
            alternative.guess for alternatives in self.alternatives.values() for alternative in alternatives)

    def forms(self, written: str) -> frozenset[str]:
        """Return every form this word may match in text written in ``written``."""
        found = self._forms.get(written)
        if found is None:
            found = self._forms[written] = frozenset().union(
                *(f for a in self.alternatives.get(written, ()) for f in a.words))
        return found


@dataclass
class Question:
    """The customer's content words, each with its alternatives: what the ranking and its rule read."""

    words: list[QuestionWord]
    other: float = 0.0  # how likely it is about another subject (:meth:`.subject.SubjectModel.other`)

    def __len__(self) -> int:
        return len(self.words)

    def __getitem__(self, number: int) -> QuestionWord:
        return self.words[number]

    def __iter__(self):
        return iter(self.words)

    @property
    def weight(self) -> float:
        """Return the sum of the words' informativeness."""
        return sum(entry.weight for entry in self.words)

    def scope(self) -> float:
        """Return the share of the question that speaks the help center's language.

        A word the help center knows (as written, corrected, inflected or
        through the synonyms file) speaks it; an everyday word it does not
        know (Zipf between :data:`FOREIGN_ZIPF` bounds: "farmacia",
        "Bundesliga", "recette") speaks of something else; a rarer one (a
        name, another trade's term, a typo it cannot correct) may be either and
        counts :data:`RARE_WEIGHT`; commoner ones (fillers) say nothing, nor do
        the vendor's product names, circumstance words, or an everyday word the
        help center knows only as the beginning of a longer one ("postale" →
        "posta"). Each counts its informativeness.

        A word naming another place, organisation or vendor's product
        ("hotel", "Vermieter", "Windows": :data:`~deflect.search.analysis.ELSEWHERE_WORDS`)
        is what the question is about, however many support words it shares
        ("the hotel sent me a satisfaction survey"): the scope is 0, unless the
        question also names the vendor's product or its support ("we are a bank
        and our dashboards are down", "is Microsoft Office included in
        support": :func:`~deflect.search.analysis.is_ours`), where it is one
        more word the help center does not know. Another organisation's name
        (:mod:`~deflect.search.organisations`) next to support's words alone
        ("Telekom Hotline", "servizio clienti INPS") is their support: the
        question is another subject's from :data:`ORGANISATION_OTHER` (a
        question naming the product is ours, "does your support cover Zoom?"
        too, the model finding it ours).

        A question the subjects model finds about something else is not the
        help center's either: scope 0 (:func:`another_subject`).
        """
        ours = any(entry.ours for entry in self.words)
        if not ours and any(entry.elsewhere for entry in self.words):
            return 0.0
        share = self._known_share()
        if ours and self.other >= ORGANISATION_OTHER and any(entry.organisation for entry in self.words) \
                and not any(entry.ours and entry.product for entry in self.words):
            return 0.0  # "Telekom Hotline erreicht man nie": their hotline, not ours
        return 0.0 if another_subject(self.other, share, ours) else share

    def _known_share(self) -> float:
        """Return the informativeness-weighted share of the words the help center knows (:meth:`scope`)."""
        known = foreign = 0.0
        low, high = FOREIGN_ZIPF
        for entry in self.words:
            if entry.circumstance or entry.organisation or (entry.guessed and entry.zipf):
                continue  # an organisation's name: its question is ours only when it names ours (scope())
            if entry.alternatives and not entry.elsewhere:
                known += entry.weight
            elif low <= entry.zipf <= high:
                foreign += entry.weight
            elif entry.zipf < low and not entry.product:
                foreign += RARE_WEIGHT * entry.weight
        return known / (known + foreign) if known + foreign else 0.0


def another_subject(other: float, share: float, ours: bool, alone: float | None = None,
                    not_ours: float | None = None, with_unknown: float | None = None) -> bool:
    """Tell whether the subjects model's ``other`` makes a question another subject's.

    It does when the model is sure (≥ :data:`OTHER_ALONE`); or, for a question
    that does not name the vendor's product or support (``ours``: "Windows-Update:
    seitdem startet der Data Hub nicht mehr"), when it is fairly sure (≥
    :data:`OTHER_NOT_OURS`), or less sure (≥ :data:`OTHER_WITH_UNKNOWN`) of a
    question with a word the help center does not know (``share`` < 1: "post
    office opening hours", "changer la couleur des graphiques"). ``alone``,
    ``not_ours`` and ``with_unknown`` replace the thresholds (for measuring them).
    """
    alone = OTHER_ALONE if alone is None else alone
    not_ours = OTHER_NOT_OURS if not_ours is None else not_ours
    with_unknown = OTHER_WITH_UNKNOWN if with_unknown is None else with_unknown
    return other >= alone or (not ours and (other >= not_ours or (other >= with_unknown and share < 1)))


def cut(query: str) -> str:
    """Return the first :data:`MAX_QUERY_CHARS` characters of ``query``, without a word the cut split.

    The stub of a split word ("lo" of "lorem") is no word of the question: it
    would count against the question's scope as a word the help center does not know.
    """
    if len(query) <= MAX_QUERY_CHARS:
        return query
    text = query[:MAX_QUERY_CHARS]
    if query[MAX_QUERY_CHARS].isspace():
        return text
    return text.rpartition(" ")[0] or text


def clean_query(text: str) -> str:
    """Replace control and format characters by spaces (a NUL or an escape is not a word)."""
    return "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)


class LanguageIndex:
    """What one language's questions are answered with: its searcher, lexicon and scorer.

    It remembers the index's answers that every question asks again (a
    section's stored fields; how many sections hold a term, which its scorer
    keeps): the index never changes under it (a new generation gets a new one).
    """

    MAX_SECTIONS = 4096
    MAX_SECTION_FORMS = 1024

    def __init__(self, searcher, lexicon: Lexicon, scorer: FlatScorer | None = None):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.lexicon = lexicon
        self.scorer = scorer or FlatScorer(searcher)
        self._sections: dict[int, dict] = {}
        self._section_forms: dict[tuple[int, str], tuple[frozenset[str], frozenset[str]]] = {}
        self._openings: dict[str, int | None] = {}  # article → its first section

    def frequency(self, name: str, text: str) -> int:
        """Return how many sections hold ``text`` in field ``name`` (0: the term is not indexed)."""
        return self.scorer.frequency(name, text)

    def section(self, docnum: int) -> dict:
        """Return the stored fields of a section."""
        found = self._sections.get(docnum)
        if found is None:
            if len(self._sections) >= self.MAX_SECTIONS:
                self._sections.clear()
            found = self._sections[docnum] = self.searcher.stored_fields(docnum)
        return found

    def opening(self, article: str) -> dict | None:
        """Return the stored fields of the article's first section (None: it is not in this index)."""
        if article not in self._openings:
            sections = list(self.searcher.document_numbers(article=article))  # deleted ones left out
            self._openings[article] = next((docnum for docnum in sections if not self.section(docnum).get("anchor")),
                                           sections[0] if sections else None)
        docnum = self._openings[article]
        return None if docnum is None else self.section(docnum)

    def section_forms(self, docnum: int, written: str) -> tuple[frozenset[str], frozenset[str]]:
        """Return :func:`section_forms` of a section.

        At most :data:`MAX_SECTION_FORMS` are kept: every section of a help
        center of a few hundred articles; a large one's sections rarely come
        back, and their forms (a few KB each) would fill a worker's memory.
        """
        key = (docnum, written)
        found = self._section_forms.get(key)
        if found is None:
            if len(self._section_forms) >= self.MAX_SECTION_FORMS:
                self._section_forms.clear()
            found = self._section_forms[key] = section_forms(self.section(docnum), written)
        return found


def question_words(index: LanguageIndex, query: str, lang: str, default: str,
                   rules: tuple[Rule, ...] = ()) -> Question:
    """Return the question's content words with the alternatives that may match each.

    Articles written in ``lang`` are searched with ``lang``'s analysis, its
    lexicon (inflections, families, corrections) and synonyms; the English
    articles standing in for missing translations with English's analysis only.
    """
    typed = list(dict.fromkeys(words(clean_query(cut(query)), lang)))[:MAX_WORDS]
    found = [QuestionWord(word, informativeness(word, lang), zipf(word, lang), is_circumstance(word, lang),
                          is_product(word, lang), is_elsewhere(word, lang), is_ours(word, lang),
                          is_organisation(word, lang)) for word in typed]
    written_in = [lang] if lang == default else [lang, default]
    for entry in found:
        for written in written_in:
            names = [field_name(kind, lang, written) for kind in TEXT_FIELDS]
            exact = forms(entry.word, written)
            if any(index.frequency(name, form) for name in names for form in exact):
                entry.add(written, Alternative((exact,), 1.0, 1.0))
                if written == lang:  # the word's family: a derivation is a hint, worth less
                    for relative in index.lexicon.relatives(entry.word):
                        if forms(relative, written) - exact:
                            entry.add(written, Alternative((forms(relative, written) - exact,), RELATED_WEIGHT,
                                                           RELATED_CREDIT))
            elif written == lang:  # a customer's inflection or typo is in their language, not in English
                inflected = index.lexicon.inflected(entry.word)
                for word in inflected:
                    entry.add(written, Alternative((forms(word, written),), INFLECTED_WEIGHT, INFLECTED_CREDIT))
                if not inflected:
                    for correction in index.lexicon.corrections(entry.word, everyday=bool(entry.zipf)):
                        entry.add(written, Alternative((forms(correction, written),), CORRECTED_WEIGHT,
                                                       CORRECTED_CREDIT, guess=True))
    for expansion in expand(rules, typed, lang):
        for term in expansion.words:
            alternative = Alternative(tuple(forms(word, lang) for word in term), SYNONYM_WEIGHT, SYNONYM_CREDIT)
            for position in range(*expansion.span):
                found[position].add(lang, alternative)
    return Question(found)


def scoring_terms(index: LanguageIndex, question: Question, lang: str) -> list[Term]:
    """Return the Whoosh terms to score with, each at its best boost over the question's alternatives.

    A term found in more than :data:`COMMON_TERM_DOCS` sections says little
    (its IDF is low) and costs much (Whoosh visits every section holding it):
    it is left out of the scoring but still counts towards coverage. When
    every term is that common, the rarest one is kept.
    """
    boosts: dict[tuple[str, str], float] = {}
    for entry in question:
        informative = entry.weight ** INFORMATIVE_SCORING
        for written, alternatives in entry.alternatives.items():
            for alternative in alternatives:
                for word_forms in alternative.words:
                    for kind in TEXT_FIELDS:
                        name = field_name(kind, lang, written)
                        present = [form for form in word_forms if index.frequency(name, form)]
                        for form in present:
                            # The forms of a word are indexed together: they share its weight.
                            boost = (FIELD_BOOSTS[kind] * alternative.weight * informative
                                     / len(present) / len(alternative.words))
                            boosts[(name, form)] = max(boosts.get((name, form), 0.0), boost)
    terms = [(index.frequency(name, text), Term(name, text, boost=boost))
             for (name, text), boost in boosts.items()]
    kept = [term for frequency, term in terms if frequency <= COMMON_TERM_DOCS]
    if not kept and terms:
        rarest = min(frequency for frequency, _ in terms)
        kept = [term for frequency, term in terms if frequency == rarest]
    return kept


@lru_cache(maxsize=4096)
def text_forms(text: str, lang: str) -> frozenset[str]:
    """Return the forms of every word of ``text`` (a stored section).

    The cache holds every section of a help center of a few hundred
    articles; a large one's sections rarely come back, and their forms
    would fill a worker's memory (a few KB each).
    """
    found: set[str] = set()
    for word in set(WORD.findall(text.lower())):
        found |= forms(word, lang)
    return frozenset(found)


def section_forms(stored: dict, written: str) -> tuple[frozenset[str], frozenset[str]]:
    """Return the forms of a stored section's topic (title, keywords, heading, learned words) and of all its text."""
    topic = text_forms(" ".join([stored["title"], stored["keywords"], stored["heading"]]), written)
    body = text_forms(stored["text"], written)
    if stored.get("learned"):  # customers' own words for what it is about: its topic, scored lower
        topic = topic | text_forms(stored["learned"], stored["lang"])
    return topic, topic | body


@dataclass
class ArticleMatch:
    """What the scanned sections of one article matched: the record the confidence rule reads."""

    article: str
    score: float = 0.0  # its best section's BM25F score, times the article's weight
    best: dict | None = None  # the best section's stored fields
    written: str = ""  # the language that section is written in
    credits: dict[int, float] = field(default_factory=dict)  # question word → best credit over sections
    topic_hit: bool = False  # a matched word is in a title, keywords or heading
    ranking: float = 0.0  # what suggest_in ordered it by: rank_score, or blended with the article model
    _coverage: float | None = field(default=None, repr=False, compare=False)  # worked out once all are added

    def add_section(self, stored: dict, score: float, written: str, question: Question,
                    found: tuple[frozenset[str], frozenset[str]] | None = None) -> None:
        """Count one section: the words it matches and, if it is the best so far, its score.

        ``found``: the section's :func:`section_forms`, when the caller keeps them.
        """
        topic, present = found or section_forms(stored, written)
        self._coverage = None
        for number, entry in enumerate(question):
            if entry.forms(written).isdisjoint(present):  # the usual case: nothing of this word here
                continue
            credit, in_topic = entry.credit_in(written, topic, present)
            if credit:
                self.topic_hit |= in_topic and not (entry.circumstance or entry.product)
                self.credits[number] = max(credit, self.credits.get(number, 0.0))
        if self.best is None or score > self.score:
            self.score, self.best, self.written = score, stored, written

    def coverage(self, question: Question, confidence: bool = False) -> float:
        """Return the share of the question's informative words this article matches (alternatives count less).

        For the confidence rule (``confidence``), what the question is about:
        its circumstance words count as unmatched, its product names not at all.
        Ranking asks for it once per article, so the plain share is kept.
        """
        if not confidence:
            if self._coverage is None:
                matched = sum(question[number].weight * credit for number, credit in self.credits.items())
                self._coverage = matched / question.weight if question.weight else 0.0
            return self._coverage
        matched = sum(question[number].weight * credit for number, credit in self.credits.items()
                      if not (question[number].circumstance or question[number].product))
        total = sum(entry.weight for entry in question if not entry.product)
        return matched / total if total else 0.0

    def rank_score(self, question: Question) -> float:
        """Return what articles are ranked by: score × coverage^:data:`COORDINATION`."""
        return self.score * self.coverage(question) ** COORDINATION

    def per_word(self, question: Question) -> float:
        """Return the article's score divided by the question's informative words."""
        return self.score / question.weight if question.weight else 0.0

    def confident(self, question: Question) -> bool:
        """Tell whether this article answers the question (module docstring)."""
        return question.scope() >= MIN_SCOPE and self.answers(question)

    def answers(self, question: Question) -> bool:
        """Tell whether this article answers a question already known to be in scope (:meth:`confident`).

        :func:`suggest_in` asks the scope once per question, not once per candidate article.
        """
        coverage, per_word = self.coverage(question, confidence=True), self.per_word(question)
        if not self.topic_hit and coverage < MIN_BODY_COVERAGE:
            return False
        return ((coverage >= MIN_COVERAGE and per_word >= MIN_WORD_SCORE)
                or (coverage >= MIN_STRONG_COVERAGE and per_word >= MIN_STRONG_WORD_SCORE))

    def matched_forms(self, question: Question) -> set[str]:
        """Return the forms of the question words this article matched (for its snippet)."""
        return set().union(*(question[number].forms(self.written) for number in self.credits))


def rank(index: LanguageIndex, question: Question, lang: str, default: str) -> list[ArticleMatch]:
    """Return the articles the question matches, best score first, confident or not."""
    terms = scoring_terms(index, question, lang)
    if not terms:
        return []
    # Fields are per served language: no filter; the best sections, one entry per article.
    articles: dict[str, ArticleMatch] = {}
    for score, docnum in index.scorer.top(terms, SECTIONS_SCANNED):
        stored = index.section(docnum)
        written = default if stored["fallback"] else lang
        match = articles.setdefault(stored["article"], ArticleMatch(stored["article"]))
        match.add_section(stored, score * stored.get("weight", 1.0), written, question,
                          index.section_forms(docnum, written))
    # Lucene's old "coordination": an article matching more of the question ranks higher.
    return sorted(articles.values(), key=lambda m: -m.rank_score(question))


def suggest_in(index: LanguageIndex, query: str, lang: str, default: str, limit: int,
               rules: tuple[Rule, ...] = (), subjects: SubjectModel | None = None) -> list[tuple[ArticleMatch, str]]:
    """Return up to ``limit`` confident matches for ``query`` in ``lang``, with their snippets, best first.

    ``subjects``: the generation's models (:mod:`.subject`): the scope rule
    reads how likely the question is another subject's; the article model,
    which articles answered questions like it (:func:`blend`).
    """
    question = question_words(index, query, lang, default, rules)
    likely: dict[str, float] = {}
    if subjects is not None:
        question.other, likely = subjects.read(query, lang)
    if question.scope() < MIN_SCOPE:  # no article can be confident: the ranking would be read for nothing
        return []
    ranked = rank(index, question, lang, default)
    chosen = blend(index, ranked, question, likely, lang, default) if likely else confident(ranked, question)
    return [(match, best_snippet(match.best["text"], match.matched_forms(question), match.written))
            for match in chosen[:limit]]


def confident(ranked: list[ArticleMatch], question: Question) -> list[ArticleMatch]:
    """Return the articles that answer, in their order, down to :data:`MIN_RELATIVE_SCORE` of the first."""
    found: list[ArticleMatch] = []
    for match in ranked:
        if not match.answers(question):  # the scope was asked by the caller
            continue
        match.ranking = match.rank_score(question)
        if found and match.ranking < MIN_RELATIVE_SCORE * found[0].ranking:
            break
        found.append(match)
    return found


def blend(index: LanguageIndex, ranked: list[ArticleMatch], question: Question, likely: dict[str, float],
          lang: str, default: str) -> list[ArticleMatch]:
    """Return the articles ranked by the search and the article model together (none when none answers).

    Whether to answer at all stays the confidence rule's: one article at
    least must answer (:meth:`ArticleMatch.answers`). Then every article that
    answers, and every one the model finds :data:`EXAMPLES_ALONE` likely
    (found by the words or not), ranks by its score over the best one's
    plus :data:`EXAMPLES_WEIGHT` times its probability: the words found say
    which articles speak of the question, the customers' questions which one
    answered such questions.
    """
    pool = {match.article: match for match in ranked if match.answers(question)}
    if not pool:
        return []
    for match in ranked:
        if likely.get(match.article, 0.0) >= EXAMPLES_ALONE:
            pool.setdefault(match.article, match)
    for article, probability in likely.items():
        if probability >= EXAMPLES_ALONE and article not in pool:
            stored = index.opening(article)
            if stored is not None:
                pool[article] = ArticleMatch(article, best=stored, written=default if stored["fallback"] else lang)
    top = max(match.rank_score(question) for match in ranked) or 1.0
    for match in pool.values():
        match.ranking = match.rank_score(question) / top + EXAMPLES_WEIGHT * likely.get(match.article, 0.0)
    order = sorted(pool.values(), key=lambda match: -match.ranking)
    return [match for match in order if match.ranking >= MIN_RELATIVE_BLEND * order[0].ranking]


SENTENCE = re.compile(r"(?<=[.!?:;])\s+")


def best_snippet(text: str, matched_forms: set[str], lang: str) -> str:
    """Return a short snippet of ``text`` starting at the first sentence with a matched word."""
    sentences = SENTENCE.split(text)
    for number, sentence in enumerate(sentences):
        if any(forms(w, lang) & matched_forms for w in words(sentence, lang)):
            return snippet(" ".join(sentences[number:]))
    return snippet(text)


def new_weighting():
    """Return the scoring model: BM25F (Whoosh's default, stated here on purpose).

    The ``learned`` field is in few sections: normalising its length by the
    average over all sections would crush it, so it is not normalised (B=0).
    """
    return scoring.BM25F(B=0.75, K1=1.2, learned_B=0.0)
