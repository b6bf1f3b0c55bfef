"""MkDocs hooks (declared in mkdocs.yml): one static search index per language for the site's search box.

Material's search box on a page of language ``fr`` asks our worker
(``overrides/assets/javascripts/deflect-search-worker.js``), which answers
from the service's ``/api/suggest`` in ``fr`` when the service answers, and
otherwise from ``search/deflect-fr.json``, written here: the sections of
every page of that language (title, heading, keywords, plain text, address),
as the deflection index splits them, plus the language's stop words and
synonyms (vocabulary/synonyms.yml), so that a static host still searches one
language at a time.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from deflect.search.analysis import stop_words
from deflect.search.articles import split_sections
from deflect.search.synonyms import SYNONYMS_FILE, SynonymError, load_synonyms
from deflect.site import load_help_center

#: Where the indexes go in the built site (``search/deflect-<lang>.json``).
INDEX_PATH = "search/deflect-{lang}.json"
#: A section's text is cut here: enough to rank it and show a snippet.
MAX_TEXT_CHARS = 1200

#: url → the page's sections. mkdocs-static-i18n builds each language in a pass of its own,
#: calling these hooks again: pages accumulate, and each pass writes the languages it has seen.
_pages: dict[str, dict] = {}


def _language(url: str, languages: tuple[str, ...], default: str) -> str:
    first = url.split("/", 1)[0]
    return first if first in languages and first != default else default


@lru_cache(maxsize=4)
def _help_center(config_file: str):
    return load_help_center(Path(config_file))


def article_of(src_uri: str, languages: tuple[str, ...]) -> str:
    """Return the article id of a page's source (``fr/support/sla.md`` → ``support/sla``).

    >>> article_of("fr/support/sla.md", ("en", "fr")), article_of("en/index.md", ("en", "fr"))
    ('support/sla', 'index')
    """
    path = src_uri[:-3] if src_uri.endswith(".md") else src_uri
    first, _, rest = path.partition("/")
    return rest if first in languages and rest else path


def on_page_content(html, page, config, files):
    """Record the sections of a rendered page, with its title and the words its front matter adds."""
    meta = page.meta or {}
    languages = _help_center(config.config_file_path).languages
    keywords = [str(k) for k in (meta.get("keywords") or []) + (meta.get("tags") or [])]
    _pages[page.url] = {
        "title": page.title or "",
        "keywords": " ".join([str(meta.get("description") or ""), *keywords]),
        "sections": [(s.anchor, s.heading, s.text[:MAX_TEXT_CHARS]) for s in split_sections(html)],
        "article": article_of(page.file.src_uri, languages),
    }
    return html


def static_index(lang: str, pages: dict[str, dict], languages: tuple[str, ...], default: str,
                 synonyms: tuple = ()) -> dict:
    """Return the static search index of one language: its pages' sections, stop words and synonyms."""
    docs = []
    for url, page in sorted(pages.items()):
        if _language(url, languages, default) != lang:
            continue
        for anchor, heading, text in page["sections"]:
            docs.append({
                "location": f"{url}#{anchor}" if anchor else url,
                "article": page["article"],
                "title": page["title"],
                "heading": heading if anchor else "",
                "keywords": page["keywords"],
                "text": text,
            })
    return {
        "lang": lang,
        "stop": sorted(stop_words(lang)),
        "synonyms": [[[" ".join(t) for t in rule.left], [" ".join(t) for t in rule.right]] for rule in synonyms],
        "docs": docs,
    }


def on_post_build(config):
    """Write ``search/deflect-<lang>.json`` for every language of the help center."""
    help_center = _help_center(config.config_file_path)
    try:
        synonyms = load_synonyms(help_center.root / SYNONYMS_FILE, help_center.languages)
    except SynonymError:  # `deflect check` reports it; the static search works without
        synonyms = {}
    folder = Path(config.site_dir) / "search"
    folder.mkdir(parents=True, exist_ok=True)
    seen = {_language(url, help_center.languages, help_center.default_language) for url in _pages}
    for lang in help_center.languages:
        if lang not in seen:
            continue
        index = static_index(lang, _pages, help_center.languages, help_center.default_language,
                             synonyms.get(lang, ()))
        path = Path(config.site_dir) / INDEX_PATH.format(lang=lang)
        path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
