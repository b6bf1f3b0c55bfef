"""BM25F over the index's postings: Whoosh's scores, without Whoosh's matcher tree.

Whoosh answers an ``Or`` of terms by walking a binary tree of matchers, one
posting at a time, at about 0.1 ms per section visited on this machine: most
of a question's time on a large help center. A question's terms are few and
their postings short (the commonest are left out, see
:func:`deflect.search.engine.scoring_terms`), so adding up each term's block
of postings into a score per section is several times faster and gives the
same numbers: Whoosh's BM25F (``idf = log(N / (df + 1)) + 1``, the field
length as Whoosh stores it, one byte per section and field), times the term's
boost.

It reads Whoosh's posting blocks (``whoosh.codec.whoosh3``, pinned at
whoosh-reloaded 2.7.5); :func:`whoosh_top` is the same search done by Whoosh,
for the benchmark's comparison and the tests.
"""
from __future__ import annotations

import heapq
from array import array
from math import log

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.matching.wrappers import WrappingMatcher
from whoosh.query import Or, Term
from whoosh.util.numeric import byte_to_length

K1 = 1.2
B = 0.75
#: Fields whose length is not normalised (few sections have them; see engine.new_weighting).
UNNORMALISED = {"learned": 0.0}


class FlatScorer:
    """Score a bag of boosted terms over one searcher's segments; cache its field lengths."""

    #: Decoded posting blocks kept per searcher (a small help center keeps all of them).
    MAX_POSTINGS = 20_000
    #: Terms whose section counts are kept (a word's forms in each field: every question asks for some).
    MAX_FREQUENCIES = 100_000

    def __init__(self, searcher):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.count = self.reader.doc_count_all()
        self._norms: dict[tuple[int, str], tuple[float, list[float], array]] = {}
        self._postings: dict[tuple[int, str, str], list[tuple]] = {}
        self._frequencies: dict[tuple[str, str], int] = {}

    def _blocks(self, number: int, segment, fieldname: str, text: str) -> list[tuple]:
        """Return a term's posting blocks in one segment as ``(ids, weights)`` pairs, decoded once."""
        key = (number, fieldname, text)
        blocks = self._postings.get(key)
        if blocks is None:
            blocks = []
            if (fieldname, text) in segment:
                postings = segment.postings(fieldname, text)
                while isinstance(postings, WrappingMatcher):  # deletions are skipped by scores()
                    postings = postings.child
                while postings.is_active():
                    postings._read_ids()
                    postings._read_weights()
                    blocks.append((postings._ids, postings._weights))
                    postings._next_block()
            if len(self._postings) >= self.MAX_POSTINGS:
                self._postings.clear()
            self._postings[key] = blocks
        return blocks

    def _norms_of(self, number: int, segment, fieldname: str) -> tuple[float, list[float], array]:
        """Return BM25's length normalisation ``K1·(1 − b) + K1·b·fl/avg`` of a segment's sections.

        As ``(K1·(1 − b), table, lengths)``: each section's length byte
        (Whoosh stores one per section and field) and, per possible byte, its
        ``K1·b·fl/avg``, added up as Whoosh's formula is (the same numbers to
        the last bit). It depends on the field alone, never on the term: worked
        out once per searcher and field, the loop over postings makes no call,
        and a section costs one byte of memory per field, not a float.
        """
        key = (number, fieldname)
        norms = self._norms.get(key)
        if norms is None:
            # The per-document reader's length column: one byte per section, as doc_field_length reads it.
            column = segment._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            lengths = array("B", column) if column is not None else array("B", bytes(segment.doc_count_all()))
            average = (self.reader.field_length(fieldname) / (self.count or 1)) or 1
            b = UNNORMALISED.get(fieldname, B)
            base, slope = K1 * (1 - b), K1 * b / average
            norms = self._norms[key] = (base, [slope * byte_to_length(n) for n in range(256)], lengths)
        return norms

    def frequency(self, fieldname: str, text: str) -> int:
        """Return how many sections hold ``text`` in ``fieldname`` (0: the term, or the field, is not indexed).

        The question's analysis asks it for every form it tries, the scoring again for the terms kept:
        one memo serves both (the index never changes under a scorer).
        """
        key = (fieldname, text)
        found = self._frequencies.get(key)
        if found is None:
            if len(self._frequencies) >= self.MAX_FREQUENCIES:
                self._frequencies.clear()
            found = self._frequencies[key] = self.reader.doc_frequency(fieldname, text) if key in self.reader else 0
        return found

    def scores(self, terms: list[Term]) -> dict[int, float]:
        """Return section number → BM25F score of the sections holding at least one term."""
        scores: dict[int, float] = {}
        get = scores.get
        count = self.count or 1
        leaves = list(self.reader.leaf_readers())
        for term in terms:
            fieldname, text, boost = term.fieldname, term.text, term.boost
            frequency = self.frequency(fieldname, text)
            if not frequency:
                continue
            # bm25 = idf·tf·(K1+1) / (tf + K1·(1 − b + b·fl/avg)); the constants folded out of the loop
            top = boost * (log(count / (frequency + 1)) + 1) * (K1 + 1)
            for number, (segment, offset) in enumerate(leaves):
                blocks = self._blocks(number, segment, fieldname, text)
                if not blocks:
                    continue
                base, table, lengths = self._norms_of(number, segment, fieldname)
                deleted = segment.has_deletions()
                for ids, weights in blocks:
                    for docnum, tf in zip(ids, weights):
                        if deleted and segment.is_deleted(docnum):
                            continue
                        key = docnum + offset
                        scores[key] = get(key, 0.0) + top * tf / (tf + base + table[lengths[docnum]])
        return scores

    def top(self, terms: list[Term], limit: int) -> list[tuple[float, int]]:
        """Return the ``limit`` best ``(score, section number)``, best first (ties: lower number first)."""
        scores = self.scores(terms)
        return [(score, docnum) for docnum, score in
                heapq.nsmallest(limit, scores.items(), key=lambda item: (-item[1], item[0]))]


def whoosh_top(searcher, terms: list[Term], limit: int) -> list[tuple[float, int]]:
    """Return the same as :meth:`FlatScorer.top`, computed by Whoosh's own ``Or`` search."""
    hits = searcher.search(Or(terms), limit=limit, optimize=True)
    return [(hit.score, hit.docnum) for hit in hits]
