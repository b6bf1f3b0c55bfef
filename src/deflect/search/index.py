"""Generations of the Whoosh index: build one beside the served one, swap, prune.

Layout under ``INDEX_DIR``::

    gen-20261122T061500-3f2a1c/   generation.json and one Whoosh index per language (en/, fr/ …)
    current -> gen-20261122T061500-3f2a1c   (relative symlink, replaced atomically)

A generation is never modified after it is swapped in: rebuilding an index in
place while readers search it raises FileNotFoundError in those readers. A
reader opens the generation ``current`` names and keeps it; when ``current``
changes, the next search opens the new one. Old generations are pruned
once they are no longer the newest few, which leaves searches already
running on them time to finish (POSIX keeps open files readable anyway).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Callable, Iterable

from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema

from deflect.search.analysis import analyzer_for, words
from deflect.content import article_id
from deflect.search.articles import Article, ArticleReader, article_paths, markdown_settings
from deflect.search import evidence as evidence_module
from deflect.search.lexicon import Lexicon
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


def build_language(generation: Path, help_center, settings: tuple[list, dict], lang: str,
                   learned: dict[str, str] | None = None) -> dict:
    """Write the index of one language (its articles, English ones for the missing) and describe it.

    ``learned``: article → the words customers used for it in this language.
    """
    learned = learned or {}
    started = time.monotonic()
    reader = ArticleReader(settings, help_center.extra)
    docs_dir = Path(help_center.docs_dir)
    default = help_center.default_language
    own = {}
    for path in article_paths(docs_dir, lang):
        article = reader.read(path, docs_dir / lang, lang)
        own[article.id] = article
    missing = []
    if lang != default:
        root = docs_dir / default
        missing = [p for p in article_paths(docs_dir, default) if article_id(p, root) not in own]
    folder = generation / lang
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema(lang, default))
    writer = ix.writer(limitmb=512)
    vocabulary = []  # the own articles' words, section by section, for the lexicon
    for article in own.values():
        for document in section_documents(article, lang, fallback=False, learned=learned.get(article.id, "")):
            writer.add_document(**document)
            vocabulary.append(words(" ".join([document["topic"], document["body"]]), lang))
    for path in missing:
        article = reader.read(path, docs_dir / default, default)
        for document in section_documents(article, lang, fallback=True, learned=learned.get(article.id, "")):
            writer.add_document(**document)
    writer.commit()
    ix.close()
    Lexicon.build(lang, vocabulary).save(folder)
    return {"lang": lang, "articles": len(own), "fallbacks": len(missing),
            "seconds": round(time.monotonic() - started, 1)}


def _build_language_job(job) -> dict:
    return build_language(*job)


def served_articles(help_center) -> dict[str, set[str]]:
    """Return, per language, the ids of the articles it serves (its own and the English stand-ins)."""
    docs_dir = Path(help_center.docs_dir)
    ids = {lang: {article_id(p, docs_dir / lang) for p in article_paths(docs_dir, lang)}
           for lang in help_center.languages}
    default = ids.get(help_center.default_language, set())
    return {lang: own | default for lang, own in ids.items()}


def build_generation(index_dir: Path, help_center, mkdocs_yml: Path,
                     echo: Callable[..., None], procs: int | None = None,
                     evidence: Iterable[evidence_module.Evidence] = ()) -> Path:
    """Write a complete new generation under ``index_dir`` and return its path (not yet current).

    One Whoosh index per language (``<generation>/<lang>/``), built by
    ``procs`` processes (default: one per CPU for a large help center);
    ``evidence`` (:mod:`deflect.search.evidence`) teaches articles their customers' words.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    generation = index_dir / f"{PREFIX}{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"
    generation.mkdir()
    docs_dir = Path(help_center.docs_dir)
    count = sum(1 for lang in help_center.languages for _ in article_paths(docs_dir, lang))
    if procs is None:
        procs = (os.cpu_count() or 1) if count > 500 else 1
    settings = markdown_settings(mkdocs_yml)
    learned = evidence_module.learn(evidence, served_articles(help_center))
    jobs = [(generation, help_center, settings, lang, evidence_module.for_language(learned, lang))
            for lang in help_center.languages]
    echo(f"  {count} articles in {len(jobs)} languages, {procs} process(es) …")
    try:
        languages = []
        if procs > 1:
            import multiprocessing

            with multiprocessing.get_context("fork").Pool(procs) as pool:
                for done in pool.imap_unordered(_build_language_job, jobs):
                    languages.append(done)
                    echo(f"  {done['lang']}: {done['articles']} articles, {done['fallbacks']} English "
                         f"fallbacks, {done['seconds']} s ({len(languages)}/{len(jobs)} languages)")
        else:
            for job in jobs:
                languages.append(build_language(*job))
        evidence_module.save(learned, generation)
        synonyms = Path(help_center.root) / SYNONYMS_FILE
        if synonyms.is_file():
            shutil.copyfile(synonyms, generation / SYNONYMS)
        by_lang = {done["lang"]: done for done in languages}
        manifest = {
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "languages": list(help_center.languages),
            "articles": {lang: by_lang[lang]["articles"] for lang in help_center.languages},
            "fallbacks": sum(d["fallbacks"] for d in languages),
            "seconds": round(time.monotonic() - started, 2),
        }
        (generation / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    return generation


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
