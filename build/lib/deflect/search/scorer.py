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

    def __init__(self, searcher):
        self.searcher = searcher
        self.reader = searcher.reader()
        self.count = self.reader.doc_count_all()
        self._lengths: dict[tuple[int, str], array] = {}
        self._postings: dict[tuple[int, str, str], list[tuple]] = {}

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

    def _field_lengths(self, number: int, segment, fieldname: str) -> array:
        key = (number, fieldname)
        lengths = self._lengths.get(key)
        if lengths is None:
            # The per-document reader's length column: one byte per section, as doc_field_length reads it.
            column = segment._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            lengths = array("B", column) if column is not None else array("B", bytes(segment.doc_count_all()))
            self._lengths[key] = lengths
        return lengths

    def scores(self, terms: list[Term]) -> dict[int, float]:
        """Return section number → BM25F score of the sections holding at least one term."""
        scores: dict[int, float] = {}
        get = scores.get
        count = self.count or 1
        leaves = list(self.reader.leaf_readers())
        for term in terms:
            fieldname, text, boost = term.fieldname, term.text, term.boost
            frequency = self.reader.doc_frequency(fieldname, text)
            if not frequency:
                continue
            idf = log(count / (frequency + 1)) + 1
            average = (self.reader.field_length(fieldname) / count) or 1
            b = UNNORMALISED.get(fieldname, B)
            # bm25 = idf·tf·(K1+1) / (tf + K1·(1 − b + b·fl/avg)); constants folded out of the loop
            top = boost * idf * (K1 + 1)
            base, slope = K1 * (1 - b), K1 * b / average
            for number, (segment, offset) in enumerate(leaves):
                blocks = self._blocks(number, segment, fieldname, text)
                if not blocks:
                    continue
                lengths = self._field_lengths(number, segment, fieldname)
                deleted = segment.has_deletions()
                for ids, weights in blocks:
                    for docnum, tf in zip(ids, weights):
                        if deleted and segment.is_deleted(docnum):
                            continue
                        key = docnum + offset
                        scores[key] = get(key, 0.0) + top * tf / (tf + base + slope * byte_to_length(lengths[docnum]))
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
