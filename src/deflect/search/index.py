"""Generations of the Whoosh index: build one beside the served one, swap, prune.

Layout under ``INDEX_DIR``::

    gen-20261122T061500-3f2a1c/   generation.json (articles, their fingerprints, how it was built),
                                  synonyms.yml and learned.json (what questions are expanded with and
                                  what it learned), and per language (en/, fr/ …) a Whoosh index and
                                  its lexicon.json
    current -> gen-20261122T061500-3f2a1c   (relative symlink, replaced atomically)

A generation is never modified after it is swapped in: rebuilding an index in
place while readers search it raises FileNotFoundError in those readers. A
reader opens the generation ``current`` names and keeps it; when ``current``
changes, the next search opens the new one. Old generations are pruned
once they are no longer the newest few, which leaves searches already
running on them time to finish (POSIX keeps open files readable anyway).
A new generation is either built in full (in shards, over processes) or,
when few articles changed, made of the previous one's files, hard-linked,
with those articles indexed again (:func:`update_generation`).
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
import os
import queue
import re
import shutil
import time
import uuid
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from whoosh import index as whoosh_index
from whoosh.analysis import IDTokenizer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.formats import Existence, Frequency
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC
from whoosh.system import pack_uint
from whoosh.util.numeric import byte_to_length
from whoosh.writing import SegmentWriter

from deflect.search.analysis import FormsAnalyzer, analyzer_for, distinct_words
from deflect.content import article_id
from deflect.search.articles import Article, ArticleReader, article_paths, markdown_settings
from deflect.search import evidence as evidence_module
from deflect.search.lexicon import FILE as LEXICON_FILE, Lexicon
from deflect.search import subject
from deflect.search.questions import QUESTIONS_FILE
from deflect.search.synonyms import SYNONYMS_FILE

CURRENT = "current"
PREFIX = "gen-"
MANIFEST = "generation.json"
#: The generation's copy of the authors' synonyms file, applied to the questions it answers.
SYNONYMS = "synonyms.yml"
#: Generations kept besides the current one, for readers still searching them.
KEEP_OLD = 2
#: Kinds of text fields: ``topic`` (title, description, keywords, heading), ``body``, and the
#: words ``learned`` from customers' questions (:mod:`deflect.search.evidence`, served language only).
TEXT_FIELDS = ("topic", "body", "learned")


def field_name(kind: str, served: str, written: str) -> str:
    """Return the field, in ``served``'s index, of text written in ``written``.

    ``body`` holds text written in the index's own language; ``body_en`` the
    English text that stands in for a missing translation, analysed as English.
    """
    return kind if served == written else f"{kind}_{written}"


def build_schema(lang: str, default: str) -> Schema:
    """Return the schema of one language's index: stored display fields, text and vocabulary."""
    fields = {
        "key": ID(stored=True, unique=True),
        "article": ID(stored=True),
        "lang": ID(stored=True),
        "fallback": STORED(),
        "anchor": STORED(),
        "title": STORED(),
        "heading": STORED(),
        "text": STORED(),
        "weight": STORED(),
        "keywords": STORED(),
    }
    for written in dict.fromkeys([lang, default]):
        for kind in TEXT_FIELDS:
            if kind == "learned" and written != lang:  # customers write in the served language
                continue
            fields[field_name(kind, lang, written)] = TEXT(analyzer=analyzer_for(written), phrase=False,
                                                           stored=kind == "learned")
    return Schema(**fields)


def article_weight(article_id: str) -> float:
    """Return how much an article's matches count: landing pages only point to the answers."""
    return 0.6 if article_id == "index" or article_id.endswith("/index") else 1.0


#: A web address's scheme: "https" is not a word customers mean (``https://support…`` in a text).
URL_SCHEME = re.compile(r"\bhttps?://")


def section_documents(article: Article, lang: str, fallback: bool, learned: str = "") -> Iterable[dict]:
    """Yield one Whoosh document per section of ``article``, served in ``lang``.

    ``learned``: the words customers used for it (:mod:`deflect.search.evidence`), on its first section.
    """
    src = article.lang  # the language the text is written in
    keywords = " ".join([article.description, *article.keywords])
    for section in article.sections:
        heading = section.heading if section.anchor else ""
        text = URL_SCHEME.sub("", section.text)
        document = {
            "key": f"{lang}:{article.id}#{section.anchor}",
            "article": article.id,
            "lang": lang,
            "fallback": fallback,
            "anchor": section.anchor,
            "title": article.title,
            "heading": section.heading,
            "text": section.text,
            "weight": article_weight(article.id),
            "keywords": keywords,
            field_name("topic", lang, src): " ".join([article.title, keywords, heading]),
            field_name("body", lang, src): text,
        }
        if learned and not section.anchor:
            document[field_name("learned", lang, lang)] = learned
        yield document


#: Bump when the index's layout or analysis changes: an incremental build then starts afresh.
INDEX_FORMAT = 4
#: A large help center is indexed in shards of about this many articles (several per process).
SHARD_ARTICLES = 2500
#: When more than this many article versions changed, or this share of them, a full build (in
#: parallel) is about as fast as an incremental one (one process, one article after the other).
MAX_INCREMENTAL_ARTICLES = 500
MAX_INCREMENTAL_SHARE = 0.1
SHARDS = ".shards"


@dataclass(frozen=True)
class Served:
    """One article a language serves: its source file, the language it is written in, its fingerprint."""

    id: str
    path: str
    root: str  # docs/<written>/
    written: str
    fallback: bool
    fingerprint: str  # changes when its source or what it learned changes


def list_articles(docs_dir: Path, lang: str) -> dict[str, tuple[str, str]]:
    """Return article id → (source file, a fingerprint of its version: size and modification time).

    A stat per file, not a read: a large help center's index learns in a
    fraction of a second which few articles an author changed.
    """
    root = str(Path(docs_dir) / lang)
    found: dict[str, tuple[Path, str]] = {}
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        relative = os.path.relpath(folder, root)
        for name in sorted(files):
            if name.endswith(".md"):
                path = os.path.join(folder, name)
                status = os.stat(path)
                identifier = name[:-3] if relative == "." else f"{relative}/{name[:-3]}".replace(os.sep, "/")
                found[identifier] = (path, f"{status.st_size}:{status.st_mtime_ns}")
    return found


def served_in(help_center, lang: str, learned: dict[str, str],
              listings: dict[str, dict[str, tuple[str, str]]] | None = None) -> list[Served]:
    """Return the articles ``lang`` serves: its own, then the English ones standing in for the missing."""
    docs_dir = Path(help_center.docs_dir)
    default = help_center.default_language
    listings = listings if listings is not None else {}
    for code in {lang, default}:
        if code not in listings:
            listings[code] = list_articles(docs_dir, code)

    roots = {code: str(docs_dir / code) for code in (lang, default)}

    def served(identifier: str, written: str, fallback: bool) -> Served:
        path, version = listings[written][identifier]
        extra = learned.get(identifier, "")
        fingerprint = version + (":" + hashlib.sha256(extra.encode("utf-8")).hexdigest() if extra else "")
        return Served(identifier, path, roots[written], written, fallback, fingerprint)

    own = [served(identifier, lang, False) for identifier in listings[lang]]
    missing = [] if lang == default else [
        served(identifier, default, True) for identifier in listings[default] if identifier not in listings[lang]]
    return own + missing


def served_articles(help_center, listings: dict | None = None) -> dict[str, set[str]]:
    """Return, per language, the ids of the articles it serves (its own and the English stand-ins)."""
    listings = listings if listings is not None else {}
    for lang in help_center.languages:
        if lang not in listings:
            listings[lang] = list_articles(Path(help_center.docs_dir), lang)
    default = set(listings[help_center.default_language])
    return {lang: set(listings[lang]) | default for lang in help_center.languages}


def article_words(document: dict, lang: str) -> list[str]:
    """Return the content words a section adds to its language's lexicon (each once, in order of use)."""
    return distinct_words(" ".join([document.get("topic", ""), document.get("body", "")]), lang)


def write_articles(writer, reader: ArticleReader, articles: Iterable[Served], lang: str,
                   learned: dict[str, str], vocabulary: list) -> None:
    """Add the sections of ``articles`` to ``writer``; collect the own-language sections' words."""
    for served in articles:
        article = reader.read(Path(served.path), Path(served.root), served.written)
        for document in section_documents(article, lang, fallback=served.fallback,
                                          learned=learned.get(served.id, "")):
            writer.add_document(**document)
            if not served.fallback:
                vocabulary.append(article_words(document, lang))


def build_shard(folder: Path, help_center, settings: tuple[list, dict], lang: str,
                articles: list[Served], learned: dict[str, str]) -> dict:
    """Write one shard of a language's index into ``folder``; return its own-language words, counted."""
    started = time.monotonic()
    folder.mkdir(parents=True)
    ix = whoosh_index.create_in(str(folder), build_schema(lang, help_center.default_language))
    writer = fast_writer(ix, limitmb=256, compound=False)  # one file per part: mapped when read (storage.py)
    vocabulary: list = []
    write_articles(writer, ArticleReader(settings, help_center.extra), articles, lang, learned, vocabulary)
    writer.commit()
    ix.close()
    frequencies, written = Lexicon.count(vocabulary)
    return {"lang": lang, "folder": str(folder), "articles": len(articles), "frequencies": frequencies,
            "written": written, "seconds": round(time.monotonic() - started, 1)}


class _DecodedLengths:
    """A segment's field lengths for Whoosh's ``add_postings``, each field's column decoded once.

    Whoosh asks the per-document reader for the length of every posting
    (``doc_field_length``: a column lookup and a decoding each), a tenth of
    a large build; the same numbers from a list cost an index.
    """

    #: Whoosh's one-byte length → the length it stands for (0: none, as Whoosh answers it).
    DECODED = [byte_to_length(n) if n else None for n in range(256)]

    def __init__(self, reader):
        self.reader = reader
        self.fields: dict[str, list | None] = {}

    def doc_field_length(self, docnum: int, fieldname: str, default=0):
        lengths = self.fields.get(fieldname, False)
        if lengths is False:
            column = self.reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            lengths = self.fields[fieldname] = (None if column is None
                                                else [self.DECODED[n] for n in array("B", column)])
        return default if lengths is None else lengths[docnum]


def _counted(field) -> bool:
    """Tell whether ``field``'s postings are counts of :class:`FormsAnalyzer` tokens (our text fields)."""
    return (type(field.format) is Frequency and field.format.field_boost == 1.0
            and isinstance(field.analyzer, FormsAnalyzer))


def _whole(field) -> bool:
    """Tell whether ``field`` indexes its whole value as one term (Whoosh's ``ID``: the key, article, language)."""
    return type(field.analyzer) is IDTokenizer and type(field.format) is Existence


class FastSegmentWriter(SegmentWriter):
    """Whoosh's segment writer, faster at adding sections and at its commit; the same files, byte for byte.

    * :meth:`add_document` counts a text field's forms with
      :meth:`FormsAnalyzer.frequencies` instead of making a token per form
      (adding sections was a third of a large build; 1,000 articles'
      sections: 1.1 → 0.66 s of CPU), and takes an ``ID`` field's value
      as its term without Whoosh's tokenizer;
    * the commit reads field lengths through :class:`_DecodedLengths` and
      sorts the postings by :func:`_posting_order`.

    A subclass, not a method bound on the instance: that would make a
    reference cycle keeping each shard's posting pool (up to ``limitmb``)
    alive until the garbage collector runs.
    """

    def add_document(self, **fields):
        # SegmentWriter.add_document of whoosh-reloaded 2.7.5, with the text fields' postings counted
        # by FormsAnalyzer.frequencies: Whoosh's Frequency format makes the same (term, frequency,
        # weight = frequency × boosts, packed frequency) for each distinct term. Boosts, custom stored
        # values, term vectors and spelling fields (none in our schema) go Whoosh's own way.
        schema = self.schema
        if any(name.startswith("_") or name not in schema or schema[name].vector
               or schema[name].separate_spelling() for name in fields):
            return super().add_document(**fields)
        self._check_state()
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        add_post = self.pool.add
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in sorted(fields):
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    if isinstance(value, str) and _counted(field):
                        items = ((form.encode("utf-8"), n, float(n), pack_uint(n))
                                 for form, n in field.analyzer.frequencies(value).items())
                    elif isinstance(value, str) and _whole(field):  # Existence of the whole value, as Whoosh's ID
                        items = [(value.encode("utf-8"), 1, field.format.field_boost, b"")]
                    else:
                        items = field.index(value)
                    scorable = field.scorable
                    for tbytes, freq, weight, vbytes in items:
                        if scorable:
                            length += freq
                        add_post((fieldname, tbytes, docnum, weight, vbytes))
                perdocwriter.add_field(fieldname, field, value if field.stored else None, length)
                if field.column_type:
                    perdocwriter.add_column_value(fieldname, field.column_type, field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self):
        # SegmentWriter._flush_segment of whoosh-reloaded 2.7.5, the lengths wrapped, the postings sorted
        # by _posting_order when the pool kept them all in memory (Whoosh sorts the tuples themselves).
        self.perdocwriter.close()
        reader = self.per_document_reader() if self.codec.length_stats else None
        postings = sorted(self.pool.current, key=_posting_order) if not self.pool.runs else self.pool.iter_postings()
        self.fieldwriter.add_postings(self.schema, _DecodedLengths(reader) if reader else None, postings)
        self.fieldwriter.close()
        if reader:
            reader.close()


def _posting_order(posting: tuple) -> bytes:
    """Return where a posting (field, term, section, weight, value) goes in the segment: by field, then term.

    The field's name and the term as one string of bytes (UTF-8 keeps the
    order of characters; a field's name holds no NUL), compared in C, where
    Whoosh compared tuples: the sort of a shard's 380,000 postings took
    0.6 s, now 0.3. The sort is stable and a writer adds a term's postings
    section after section, so each term's postings stay in section order,
    as in Whoosh's sort of the whole tuples.
    """
    return posting[0].encode("utf-8") + b"\0" + posting[1]


def fast_writer(ix, **options) -> FastSegmentWriter:
    """Return a writer of ``ix`` as ``ix.writer(**options)`` would, with the faster commit."""
    return FastSegmentWriter(ix, **options)


def _build_shard_job(job) -> dict:
    return build_shard(*job)


def assemble(folder: Path, shards: list[Path]) -> None:
    """Make one index in ``folder`` of the shards' segments (moved, not merged: search reads them all)."""
    folder.mkdir(parents=True, exist_ok=True)
    storage = FileStorage(str(folder))
    segments, schema = [], None
    for shard in shards:
        shard_storage = FileStorage(str(shard))
        toc = TOC.read(shard_storage, whoosh_index._DEF_INDEX_NAME)
        schema = toc.schema
        for segment in toc.segments:
            for name in segment.list_files(shard_storage):
                os.replace(shard / name, folder / name)
            segments.append(segment)
    TOC(schema, segments, 1).write(storage, whoosh_index._DEF_INDEX_NAME)


def _lexicon_job(job) -> str:
    lang, shards, folder = job
    frequencies: Counter = Counter()
    written: dict[str, str] = {}
    for shard in shards:
        frequencies.update(shard["frequencies"])
        for key, word in shard["written"].items():
            written.setdefault(key, word)
    Lexicon.from_counts(lang, frequencies, written).save(Path(folder))
    return lang


def compatibility(help_center, settings: tuple[list, dict]) -> str:
    """Return what an incremental build must share with the previous one (else it starts afresh)."""
    state = [INDEX_FORMAT, list(help_center.languages), help_center.default_language,
             repr(settings), json.dumps(help_center.extra, sort_keys=True, default=str)]
    return hashlib.sha256(json.dumps(state).encode("utf-8")).hexdigest()


def build_generation(index_dir: Path, help_center, mkdocs_yml: Path,
                     echo: Callable[..., None], procs: int | None = None,
                     evidence: Iterable[evidence_module.Evidence] = (), full: bool = False) -> Path:
    """Write a complete new generation under ``index_dir`` and return its path (not yet current).

    One Whoosh index per language (``<generation>/<lang>/``). When the
    current generation was built the same way (:func:`compatibility`) and
    ``full`` is false, only the articles whose source or learned words
    changed are indexed again, into a copy of it (:func:`update_generation`).
    Otherwise every article is, in shards of :data:`SHARD_ARTICLES` spread
    over ``procs`` processes (default: one per CPU for a large help center).
    ``evidence`` (:mod:`deflect.search.evidence`) teaches articles their customers' words.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    settings = markdown_settings(mkdocs_yml)
    listings: dict = {}  # language → its article files, listed once
    learned = evidence_module.learn(evidence, served_articles(help_center, listings))
    served = {lang: served_in(help_center, lang, evidence_module.for_language(learned, lang), listings)
              for lang in help_center.languages}
    key = compatibility(help_center, settings)
    previous = current_generation(index_dir)
    generation = index_dir / f"{PREFIX}{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"
    generation.mkdir()
    synonyms = Path(help_center.root) / SYNONYMS_FILE
    training = None
    try:
        # The subjects model trains in a child process while the articles are indexed.
        training = subject.start(Path(help_center.root) / subject.SUBJECTS_FILE, previous, help_center.languages,
                                 synonyms, evidence_module.examples(learned),
                                 Path(help_center.root) / QUESTIONS_FILE)
        manifest = _read_manifest(previous) if previous and not full else None
        incremental = manifest and manifest.get("compatibility") == key and _few_changed(manifest, served)
        if incremental:
            changed = update_generation(generation, previous, manifest, help_center, settings, served, learned, echo)
            how = f"incremental: {changed} article version(s) indexed again"
        else:
            _full_build(generation, help_center, settings, served, learned, echo, procs)
            how = "full"
        evidence_module.save(learned, generation)
        if synonyms.is_file():
            shutil.copyfile(synonyms, generation / SYNONYMS)
        subject.finish(training, generation)
        manifest = {
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build": how,
            "compatibility": key,
            "languages": list(help_center.languages),
            "articles": {lang: sum(not a.fallback for a in served[lang]) for lang in help_center.languages},
            "fallbacks": sum(a.fallback for lang in help_center.languages for a in served[lang]),
            "fingerprints": {lang: {a.id: a.fingerprint for a in served[lang]} for lang in help_center.languages},
            "seconds": round(time.monotonic() - started, 2),
        }
        (generation / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    except BaseException:
        if training is not None:
            training.cancel()
        shutil.rmtree(generation, ignore_errors=True)
        raise
    return generation


def _few_changed(manifest: dict, served: dict[str, list[Served]]) -> bool:
    """Tell whether few enough article versions were added, changed or removed for an incremental build."""
    before = manifest.get("fingerprints", {})
    now = {(lang, a.id): a.fingerprint for lang, articles in served.items() for a in articles}
    then = {(lang, identifier): f for lang, prints in before.items() for identifier, f in prints.items()}
    changed = sum(then.get(key) != fingerprint for key, fingerprint in now.items()) + len(then.keys() - now.keys())
    return changed <= max(MAX_INCREMENTAL_ARTICLES, MAX_INCREMENTAL_SHARE * len(now))


def _read_manifest(generation: Path) -> dict | None:
    try:
        return json.loads((generation / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _full_build(generation: Path, help_center, settings, served: dict[str, list[Served]], learned,
                echo: Callable[..., None], procs: int | None) -> None:
    count = sum(len(articles) for articles in served.values())
    if procs is None:
        procs = (os.cpu_count() or 1) if count > 500 else 1
    jobs = []
    for lang, articles in served.items():
        shards = max(1, round(len(articles) / SHARD_ARTICLES)) if procs > 1 else 1
        for number in range(shards):
            jobs.append((generation / SHARDS / f"{lang}-{number}", help_center, settings, lang,
                         articles[number::shards], evidence_module.for_language(learned, lang)))
    jobs.sort(key=lambda job: -len(job[4]))  # the largest first: no process idles at the end
    echo(f"  {count} article versions in {len(served)} languages: {len(jobs)} shard(s), {procs} process(es) …")
    done: dict[str, list] = {lang: [] for lang in served}
    if procs > 1:
        import multiprocessing

        # A language's lexicon is made as soon as its last shard is written, before the next shards:
        # made after all of them, the five lexicons took two rounds at the end, one with a core idle.
        finished: queue.SimpleQueue = queue.SimpleQueue()
        waiting = list(jobs)
        left = Counter(job[3] for job in jobs)
        running = shards_written = 0
        with multiprocessing.get_context("fork").Pool(procs) as pool:
            def start(function, argument) -> None:
                nonlocal running
                pool.apply_async(function, (argument,), callback=finished.put, error_callback=finished.put)
                running += 1

            while waiting and running < procs:
                start(_build_shard_job, waiting.pop(0))
            while running:
                result = finished.get()
                running -= 1
                if isinstance(result, BaseException):
                    raise result
                if isinstance(result, dict):  # a shard
                    lang, shards_written = result["lang"], shards_written + 1
                    done[lang].append(result)
                    echo(f"  {lang}: {result['articles']} articles in {result['seconds']} s "
                         f"({shards_written}/{len(jobs)} shards)")
                    left[lang] -= 1
                    if not left[lang]:
                        assemble(generation / lang, [Path(shard["folder"]) for shard in done[lang]])
                        start(_lexicon_job, (lang, done[lang], str(generation / lang)))
                else:
                    echo(f"  {result}: lexicon written")
                while waiting and running < procs:
                    start(_build_shard_job, waiting.pop(0))
    else:
        for job in jobs:
            done[job[3]].append(build_shard(*job))
        for lang, shards in done.items():
            assemble(generation / lang, [Path(shard["folder"]) for shard in shards])
            _lexicon_job((lang, shards, str(generation / lang)))
    shutil.rmtree(generation / SHARDS, ignore_errors=True)


def update_generation(generation: Path, previous: Path, manifest: dict, help_center, settings,
                      served: dict[str, list[Served]], learned, echo: Callable[..., None]) -> int:
    """Make ``generation`` a copy of ``previous`` with the changed articles indexed again; return how many.

    The copy is of hard links (Whoosh never rewrites a segment file; a
    commit adds new files and a new table of contents), so it costs no
    disk and little time; each changed article's sections are deleted and
    added again in a new small segment, and its language's lexicon learns
    the new words (their inflections wait for the next full build).
    """
    changed_total = 0
    reader = ArticleReader(settings, help_center.extra)
    for lang, articles in served.items():
        before = manifest.get("fingerprints", {}).get(lang, {})
        now = {article.id: article for article in articles}
        changed = [a for a in articles if before.get(a.id) != a.fingerprint]
        removed = [identifier for identifier in before if identifier not in now]
        folder = generation / lang
        folder.mkdir()
        for path in (previous / lang).iterdir():
            if path.name != "MAIN_WRITELOCK":
                os.link(path, folder / path.name)
        if not changed and not removed:
            continue
        changed_total += len(changed) + len(removed)
        lexicon = Lexicon.load(folder)
        ix = whoosh_index.open_dir(str(folder))
        with ix.searcher() as searcher:
            old_words = [article_words(_topic_and_body(fields, lang), lang)
                         for identifier in [*(a.id for a in changed), *removed]
                         for fields in searcher.documents(article=identifier) if not fields["fallback"]]
        writer = fast_writer(ix, limitmb=64, compound=False)
        for identifier in [*(a.id for a in changed), *removed]:
            writer.delete_by_term("article", identifier)
        new_words: list = []
        write_articles(writer, reader, changed, lang, evidence_module.for_language(learned, lang), new_words)
        writer.commit(mergetype=merge_small)  # a small new segment; the small ones are joined
        ix.close()
        (folder / LEXICON_FILE).unlink()  # a hard link: write a new file, do not change the old one
        lexicon.update(removed=old_words, added=new_words)
        lexicon.save(folder)
        echo(f"  {lang}: {len(changed)} changed, {len(removed)} removed")
    return changed_total


#: Segments of fewer sections than this (incremental updates) are merged into one at the next update.
SMALL_SEGMENT = 2000


def merge_small(writer, segments):
    """Whoosh merge policy: merge the segments of fewer than :data:`SMALL_SEGMENT` sections, keep the shards."""
    from whoosh.reading import SegmentReader

    small = [segment for segment in segments if segment.doc_count_all() < SMALL_SEGMENT]
    if len(small) < 2:
        return list(segments)
    for segment in small:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in small]


def _topic_and_body(fields: dict, lang: str) -> dict:
    """Return the analysed text of a stored section, as :func:`section_documents` indexed it."""
    heading = fields["heading"] if fields["anchor"] else ""
    return {"topic": " ".join([fields["title"], fields["keywords"], heading]),
            "body": URL_SCHEME.sub("", fields["text"])}


def swap_in(index_dir: Path, generation: Path) -> None:
    """Point ``current`` at ``generation`` atomically (a new symlink renamed over the old)."""
    temporary = index_dir / f".{CURRENT}-{uuid.uuid4().hex[:8]}"
    os.symlink(generation.name, temporary)
    os.replace(temporary, index_dir / CURRENT)


def prune(index_dir: Path, keep_old: int = KEEP_OLD) -> list[Path]:
    """Delete generations older than the current one and the ``keep_old`` before it."""
    current = current_generation(index_dir)
    generations = sorted((p for p in index_dir.glob(f"{PREFIX}*") if p.is_dir()),
                         key=lambda p: p.stat().st_mtime, reverse=True)
    others = [p for p in generations if current is None or p.resolve() != current.resolve()]
    removed = others[keep_old:]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def current_generation(index_dir: Path) -> Path | None:
    """Return the generation ``current`` points to, or None when there is none."""
    try:
        target = os.readlink(index_dir / CURRENT)
    except OSError:
        return None
    return index_dir / target
