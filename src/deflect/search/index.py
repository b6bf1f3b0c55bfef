"""Generations of the Whoosh index: build one beside the served one, swap, prune.

Layout under ``INDEX_DIR``::

    gen-20261122T061500-3f2a1c/   a complete Whoosh index and generation.json
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
import shutil
import time
import uuid
from pathlib import Path
from typing import Callable, Iterable

from whoosh import index as whoosh_index
from whoosh.fields import ID, STORED, TEXT, Schema

from deflect.search.analysis import analyzer_for, vocabulary_analyzer
from deflect.search.articles import Article, ArticleReader, article_paths

CURRENT = "current"
PREFIX = "gen-"
MANIFEST = "generation.json"
#: Generations kept besides the current one, for readers still searching them.
KEEP_OLD = 2
#: Kinds of text fields: ``topic`` (title, description, keywords, heading) and ``body``.
TEXT_FIELDS = ("topic", "body")


def field_name(kind: str, served: str, written: str) -> str:
    """Return the field of text ``written`` in one language and served in another.

    ``body_fr`` holds French text served in French; ``body_fr_en`` holds the
    English text that stands in for a missing French article: analysed as
    English, yet only in French searches, so no search needs a language filter.
    """
    return f"{kind}_{written}" if served == written else f"{kind}_{served}_{written}"


def build_schema(languages: Iterable[str], default: str) -> Schema:
    """Return the schema: stored display fields, and per-language text and vocabulary fields."""
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
    languages = list(languages)
    for lang in languages:
        for kind in TEXT_FIELDS:
            fields[field_name(kind, lang, lang)] = TEXT(analyzer=analyzer_for(lang), phrase=False)
            if lang != default:
                fields[field_name(kind, lang, default)] = TEXT(analyzer=analyzer_for(default), phrase=False)
        fields[f"vocab_{lang}"] = TEXT(analyzer=vocabulary_analyzer(lang), phrase=False)
    return Schema(**fields)


def article_weight(article_id: str) -> float:
    """Return how much an article's matches count: landing pages only point to the answers."""
    return 0.6 if article_id == "index" or article_id.endswith("/index") else 1.0


def section_documents(article: Article, lang: str, fallback: bool) -> Iterable[dict]:
    """Yield one Whoosh document per section of ``article``, served in ``lang``."""
    src = article.lang  # the language the text is written in
    keywords = " ".join([article.description, *article.keywords])
    for section in article.sections:
        heading = section.heading if section.anchor else ""
        yield {
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
            field_name("body", lang, src): section.text,
            f"vocab_{src}": " ".join([article.title, keywords, heading, section.text]),
        }


_worker_reader: ArticleReader | None = None


def _start_worker(mkdocs_yml: Path, extra: dict) -> None:
    global _worker_reader
    _worker_reader = ArticleReader(mkdocs_yml, extra)


def _read_in_worker(job: tuple[Path, Path, str]) -> Article:
    return _worker_reader.read(*job)


def read_help_center(help_center, mkdocs_yml: Path, workers: int = 1) -> dict[str, dict[str, Article]]:
    """Return every article of every language: ``{lang: {article_id: Article}}``.

    Rendering Markdown is most of the build's time: a large help center is
    read by ``workers`` processes.
    """
    docs_dir = Path(help_center.docs_dir)
    jobs = [(path, docs_dir / lang, lang) for lang in help_center.languages
            for path in article_paths(docs_dir, lang)]
    if workers > 1 and len(jobs) > 500:
        import multiprocessing

        context = multiprocessing.get_context("fork")
        with context.Pool(workers, _start_worker, (mkdocs_yml, help_center.extra)) as pool:
            read = pool.map(_read_in_worker, jobs, chunksize=100)
    else:
        reader = ArticleReader(mkdocs_yml, help_center.extra)
        read = [reader.read(*job) for job in jobs]
    articles: dict[str, dict[str, Article]] = {lang: {} for lang in help_center.languages}
    for article in read:
        articles[article.lang][article.id] = article
    return articles


def build_generation(index_dir: Path, help_center, mkdocs_yml: Path,
                     echo: Callable[..., None], procs: int = 1) -> Path:
    """Write a complete new generation under ``index_dir`` and return its path (not yet current)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    generation = index_dir / f"{PREFIX}{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}-{uuid.uuid4().hex[:6]}"
    generation.mkdir()
    try:
        echo("Reading the help center …")
        articles = read_help_center(help_center, mkdocs_yml, workers=os.cpu_count() or 1)
        echo(f"  read {sum(map(len, articles.values()))} articles ({time.monotonic() - started:.0f} s)")
        default = help_center.default_language
        plan = []  # (article, served language, fallback)
        for lang in help_center.languages:
            plan += [(a, lang, False) for a in articles[lang].values()]
            if lang != default:
                plan += [(a, lang, True) for i, a in articles[default].items() if i not in articles[lang]]
        ix = whoosh_index.create_in(str(generation), build_schema(help_center.languages, default))
        writer_args = {"limitmb": 256}
        if procs > 1:
            writer_args.update(procs=procs, multisegment=True)
        writer = ix.writer(**writer_args)
        step = max(1, len(plan) // 20)
        for done, (article, lang, fallback) in enumerate(plan, 1):
            for document in section_documents(article, lang, fallback):
                writer.add_document(**document)
            if len(plan) > 200 and done % step == 0:
                echo(f"  indexed {done}/{len(plan)} articles ({time.monotonic() - started:.0f} s)")
        echo("Writing the index …")
        writer.commit()
        ix.close()
        manifest = {
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "languages": list(help_center.languages),
            "articles": {lang: len(articles[lang]) for lang in help_center.languages},
            "fallbacks": sum(1 for _, _, fallback in plan if fallback),
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
