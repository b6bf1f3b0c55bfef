"""Deflection search: a language-aware Whoosh index of the help center.

``deflect index`` (and ``deflect build``) reads every article of every
language from ``docs/<lang>/``, splits it into the sections of the built page
and writes a new *generation* of the index under ``INDEX_DIR``, then swaps
the ``current`` symlink to it (:mod:`deflect.search.index`). A running service
notices the new ``current`` on its next search and opens it: no restart, no
failed request.

:func:`suggest` answers the support form, ``/api/suggest`` and the site's
search box: one :class:`Suggestion` per article, complete (its page and
section as :meth:`~deflect.site.HelpCenter.page_url` places them, the
section's heading and a snippet), English articles standing in
(``"fallback": true``) where a language has no translation, and nothing at
all when no article is a confident match (the rule is in
:mod:`deflect.search.engine`).

The rooms: :mod:`.analysis` (words, stems, everyday frequency),
:mod:`.articles` (sections as the built page has them), :mod:`.index`
(generations, full and incremental), :mod:`.lexicon` (a language's words,
inflections, families, typos), :mod:`.synonyms` (the authors' support
vocabulary and its checks), :mod:`.subject` (which questions are ours, learned
from the authors' examples), :mod:`.evidence` (words learned from the
service's records), :mod:`.engine` (the question, the ranking and its rule),
:mod:`.scorer` (BM25F over postings), :mod:`.storage` (shared memory maps)
and :mod:`.site_hooks` (the search box's static indexes).
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from deflect.helpcenter import current_help_center
from deflect.search import analysis, engine
from deflect.search import evidence as evidence_module
from deflect.search.evidence import Evidence, EvidenceUnavailable
from deflect.search.lexicon import Lexicon
from deflect.search.storage import open_index
from deflect.search.index import SYNONYMS, build_generation, current_generation, prune, swap_in
from deflect.search.subject import MODEL as SUBJECTS_MODEL
from deflect.search.subject import SUBJECTS_FILE
from deflect.search.subject import SubjectModel, check_subjects
from deflect.search.synonyms import SynonymError, check_synonyms, load_synonyms

__all__ = ["MAX_LIMIT", "MAX_QUERY_CHARS", "SearchUnavailable", "Suggestion", "check_subjects", "check_synonyms",
           "init_app", "rebuild_index", "suggest"]

DEFAULT_LIMIT = 5
MAX_LIMIT = 20
#: The longest question the API takes; longer text (the form's description) is searched by its beginning.
MAX_QUERY_CHARS = engine.MAX_QUERY_CHARS


@dataclass(frozen=True)
class Suggestion:
    """One suggested article, complete: where it lives, which section answers, and why it was chosen."""

    id: str  # the article id (``support/escalation``)
    title: str  # the article's title
    url: str  # the page, with the section's ``#anchor``, as :meth:`HelpCenter.page_url` places it
    lang: str  # the language asked for (a fallback is served in it, written in English)
    snippet: str  # about 200 characters of plain text from the section
    score: float  # the ranking score (comparable within one answer only)
    fallback: bool  # the English article standing in for a missing translation
    section: str = ""  # the heading of the section that answers ("": the article's beginning)

    def as_dict(self) -> dict:
        """Return the keys of one ``/api/suggest`` result (its fields: no nested values to copy deeply)."""
        return dict(vars(self))


class SearchUnavailable(RuntimeError):
    """The index is missing or cannot be read: suggestions are impossible for now."""


class _OpenGeneration:
    """One generation of the index, open in this process: per language, one searcher and its lexicon.

    A Whoosh searcher reads its files through shared file positions, so
    threads take turns on it (a lock per language); under the GIL they would
    take turns anyway, and one searcher per language keeps a worker's memory
    to one copy of each language's term index and stored fields.
    """

    def __init__(self, generation: Path, languages: tuple[str, ...]):
        self.generation = generation
        try:
            self.synonyms = load_synonyms(generation / SYNONYMS, languages)
        except SynonymError:  # `deflect check` says why; search on without them
            self.synonyms = {}
        self.subjects = SubjectModel.load(generation / SUBJECTS_MODEL)
        self._indexes: dict = {}
        self._searchers: dict = {}
        self._lexicons: dict[str, Lexicon] = {}
        self._locks = {lang: threading.Lock() for lang in languages}
        self._lock = threading.Lock()
        self.retired = False

    def _open(self, lang: str):
        try:
            if lang not in self._indexes:
                self._indexes[lang] = open_index(self.generation / lang)
            return self._indexes[lang].searcher(weighting=engine.new_weighting())
        except Exception as exc:  # a half-deleted or foreign folder: "unavailable"
            raise SearchUnavailable(f"the search index {self.generation.name}/{lang} "
                                    f"cannot be opened: {exc}") from exc

    def lexicon(self, lang: str) -> Lexicon:
        """Return the language's lexicon, read once per process and generation."""
        lexicon = self._lexicons.get(lang)
        if lexicon is None:
            with self._lock:
                if lang not in self._lexicons:
                    try:
                        self._lexicons[lang] = Lexicon.load(self.generation / lang)
                    except (OSError, ValueError) as exc:
                        raise SearchUnavailable(f"the lexicon of {self.generation.name}/{lang} "
                                                f"cannot be read: {exc}") from exc
                lexicon = self._lexicons[lang]
        return lexicon

    @contextmanager
    def language(self, lang: str):
        """Hold the :class:`~deflect.search.engine.LanguageIndex` of ``lang`` in a ``with`` block.

        Threads take turns on it; a late request on a retired generation opens its own.
        """
        lexicon = self.lexicon(lang)
        with self._locks[lang]:
            index = self._searchers.get(lang)
            if index is None:
                searcher = self._open(lang)
                index = engine.LanguageIndex(searcher, lexicon)
                if not self.retired:
                    self._searchers[lang] = index
            try:
                yield index
            finally:
                if self.retired and self._searchers.get(lang) is not index:
                    index.searcher.close()

    def retire(self):
        """Close the searchers, each once no thread holds it."""
        self.retired = True
        for lang, lock in self._locks.items():
            with lock:
                index = self._searchers.pop(lang, None)
                if index is not None:
                    index.searcher.close()


_generations: dict[Path, _OpenGeneration] = {}
_generations_lock = threading.Lock()


def _open_generation(index_dir: Path, languages: tuple[str, ...]) -> _OpenGeneration:
    """Return the process's searchers on the current generation, switching when it changed."""
    generation = current_generation(index_dir)
    if generation is None:
        raise SearchUnavailable(f"no search index in {index_dir.name}/ yet: run `deflect index`")
    with _generations_lock:
        opened = _generations.get(index_dir)
        if opened is not None and opened.generation == generation:
            return opened
        if not (generation / "generation.json").is_file():
            raise SearchUnavailable(f"the search index {generation.name} is incomplete or missing")
        _generations[index_dir] = _OpenGeneration(generation, languages)
        if opened is not None:
            opened.retire()
        return _generations[index_dir]


#: Answers kept per process, by generation, language, question and limit (0: none). The same
#: question comes back often (the form's as-you-type hints, a popular problem); a new generation
#: of the index makes new keys. bench/wrk_suggest.py --cache 0 measures without.
ANSWER_CACHE_SIZE = 2048
_answers: OrderedDict[tuple, list[Suggestion]] = OrderedDict()
_answers_lock = threading.Lock()


def suggest(query: str, lang: str, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
    """Return the articles that answer ``query`` in ``lang``, best first (maybe none).

    ``lang`` is one of the help center's languages and ``1 <= limit <=``
    :data:`MAX_LIMIT`: the caller validated them (the API and the form do, at
    their edge). Only the first :data:`MAX_QUERY_CHARS` characters of
    ``query`` are searched. Raises :class:`SearchUnavailable` when there is
    no usable index.
    """
    help_center = current_help_center()
    if lang not in help_center.languages:
        raise ValueError(f"unknown language {lang!r}: validate it before searching")
    if not query or not query.strip():
        return []
    query = engine.cut(query)
    opened = _open_generation(Path(current_app.config["INDEX_DIR"]), help_center.languages)
    key = (opened.generation, help_center.pages_base, lang, query, limit)
    with _answers_lock:
        if key in _answers:
            _answers.move_to_end(key)
            return list(_answers[key])
    try:
        with opened.language(lang) as index:
            found = engine.suggest_in(index, query, lang, help_center.default_language, limit,
                                      opened.synonyms.get(lang, ()), opened.subjects)
    except (OSError, EOFError) as exc:  # the generation vanished under an old searcher
        raise SearchUnavailable(f"the search index could not be read: {exc}") from exc
    answer = [Suggestion(id=match.article, title=match.best["title"],
                         section=match.best["heading"] if match.best["anchor"] else "",
                         url=help_center.page_url(match.article, lang, match.best["anchor"]),
                         lang=lang, snippet=snippet, score=round(match.ranking, 3),
                         fallback=bool(match.best["fallback"]))
              for match, snippet in found]
    if ANSWER_CACHE_SIZE:
        with _answers_lock:
            _answers[key] = answer
            while len(_answers) > ANSWER_CACHE_SIZE:
                _answers.popitem(last=False)
    return list(answer)


#: Where :func:`rebuild_index` finds the service's records when it is given none: a callable in
#: ``app.extensions`` returning :class:`~deflect.search.evidence.Evidence` records, or raising
#: :class:`~deflect.search.evidence.EvidenceUnavailable` (set by :mod:`deflect.learning`).
EVIDENCE_SOURCE = "deflect.search.evidence"


def rebuild_index(app: Flask, echo: Callable[..., None] = click.echo, procs: int | None = None,
                  evidence: Iterable[Evidence] | None = None, full: bool = False) -> Path:
    """Build a new generation from the help center's docs, swap it in, prune old ones.

    Only the articles that changed since the current generation are indexed
    again, unless ``full`` (or the Markdown settings, vendor facts or index
    format changed). ``evidence``: questions that articles answered
    (:mod:`deflect.search.evidence`); by default what the callable registered
    as ``app.extensions[EVIDENCE_SOURCE]`` returns, if any. When that
    source cannot read the records (the store is down), the index is built
    without them, and ``echo`` says so: the help center's own words must
    not wait for the store.
    """
    help_center = app.extensions["deflect.help_center"]
    index_dir = Path(app.config["INDEX_DIR"])
    if evidence is None:
        source = app.extensions.get(EVIDENCE_SOURCE)
        try:
            evidence = list(source()) if source else []
        except EvidenceUnavailable as exc:
            echo(f"Warning: the service's records cannot be read ({exc}): indexing without what they teach.")
            evidence = []
        else:
            if source:
                echo(f"Learning from the service's records: {len(evidence)} answered question(s).")
    echo(f"Indexing the help center ({', '.join(help_center.languages)}) …")
    generation = build_generation(index_dir, help_center, Path(app.config["MKDOCS_YML"]), echo, procs=procs,
                                  evidence=evidence, full=full)
    swap_in(index_dir, generation)
    prune(index_dir)
    manifest = json.loads((generation / "generation.json").read_text(encoding="utf-8"))
    counts = ", ".join(f"{lang} {n}" for lang, n in manifest["articles"].items())
    learned = evidence_module.load(generation)
    echo(f"Search index {generation.name} is current ({manifest['build']}): articles {counts}; "
         f"{manifest['fallbacks']} English fallbacks; {len(learned)} article version(s) learned customers' "
         f"words; {manifest['seconds']} s.")
    return generation


@click.command("index")
@click.option("--procs", default=None, type=click.IntRange(1, 64),
              help="writer processes (default: one per CPU for a large help center)")
@click.option("--full", is_flag=True, help="index every article again, not only the changed ones")
@with_appcontext
def index_command(procs: int, full: bool) -> None:
    """Build a new generation of the search index and make it current."""
    from deflect.content import ContentError

    try:
        rebuild_index(current_app._get_current_object(), echo=click.echo, procs=procs, full=full)
    except ContentError as exc:
        raise click.UsageError(f"an article cannot be indexed: {exc}") from exc


@click.command("suggest")
@click.argument("text")
@click.option("--lang", default=None, help="language of the question (default: the help center's)")
@click.option("--limit", default=DEFAULT_LIMIT, show_default=True, type=click.IntRange(1, MAX_LIMIT))
@click.option("--json", "as_json", is_flag=True, help="print the API's JSON")
@with_appcontext
def suggest_command(text: str, lang: str | None, limit: int, as_json: bool) -> None:
    """Show the articles that answer TEXT."""
    help_center = current_help_center()
    code = help_center.normalize_language(lang) if lang else help_center.default_language
    if code is None:
        raise click.UsageError(f"unknown language {lang!r}: choose one of {', '.join(help_center.languages)}")
    try:
        results = suggest(text, code, limit)
    except SearchUnavailable as exc:
        raise click.UsageError(str(exc)) from exc
    if as_json:
        click.echo(json.dumps({"query": text, "lang": code, "results": [r.as_dict() for r in results]},
                              ensure_ascii=False, indent=2))
        return
    opened = _open_generation(Path(current_app.config["INDEX_DIR"]), help_center.languages)  # suggest()'s own
    if not results:
        other = opened.subjects.other(engine.cut(text), code)
        click.echo("No confident suggestion.")
        click.echo(f"Another subject, by the examples in {SUBJECTS_FILE}: {other:.2f} (no suggestion from "
                   f"{engine.OTHER_ALONE:.2f}; for a question that does not name the product or support, from "
                   f"{engine.OTHER_NOT_OURS:.2f}, or from {engine.OTHER_WITH_UNKNOWN:.2f} with a word the help "
                   "center does not know).")
        elsewhere = [word for word in analysis.words(engine.cut(text), code) if analysis.is_elsewhere(word, code)]
        if elsewhere:
            click.echo(f"Names another place, organisation or vendor's product: {', '.join(elsewhere)} (no "
                       "suggestion unless the question also names the product or its support; with support's "
                       f"words only and another organisation's name, from {engine.ORGANISATION_OTHER:.2f}).")
    likely = opened.subjects.articles(engine.cut(text), code) if results else {}  # for authors: questions.yml
    for number, result in enumerate(results, 1):
        flag = " (English)" if result.fallback else ""
        where = f"{result.title} › {result.section}" if result.section else result.title
        model = f"; customers' questions {likely[result.id]:.2f}" if result.id in likely else ""
        click.echo(f"{number}. {where}{flag}  [{result.score}{model}]\n   {result.url}\n   {result.snippet}")


def init_app(app: Flask) -> None:
    """Register ``deflect index`` and ``deflect suggest``."""
    app.cli.add_command(index_command)
    app.cli.add_command(suggest_command)
