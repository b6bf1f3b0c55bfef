"""Shared reading of the help center's Markdown: placeholders and front matter.

The MkDocs build (through ``mkdocs_hooks.py``) and the search index both read
articles through these functions, so a customer sees the same words on the
page and in a suggestion's snippet.
"""
from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import yaml

from deflect.labels import LABELS_FILE, LabelsError, load_labels

#: ``{{ vendor.email }}``: a dotted path into mkdocs.yml's ``extra``, or
#: ``{{ label.status.open }}``: a label of vocabulary/labels.yml in the article's language.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][\w]*(?:\.[\w]+)*)\s*\}\}")
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.S)
#: The name of mkdocs.yml beside the labels file, where an article's values are read.
MKDOCS_YML = "mkdocs.yml"


class ContentError(ValueError):
    """An article cannot be read as written (bad front matter, unknown placeholder)."""


def fill_placeholders(markdown: str, extra: dict[str, Any], lang: str | None = None,
                      article: Path | str | None = None) -> str:
    """Replace every ``{{ dotted.name }}`` with its value from ``extra``.

    Given the article's language and its file, the values are those of that
    language, exactly as the built page shows them: :func:`placeholder_values`
    of the help center the article belongs to (the nearest folder above it
    holding ``vocabulary/labels.yml`` and ``mkdocs.yml``), so the site and the
    search index fill ``{{ vendor.team }}`` and ``{{ label.… }}`` alike. An
    English article standing in for a missing translation is read as English.

    An unknown name raises, so a typo fails ``mkdocs build --strict`` and the
    index build instead of reaching a customer as literal braces.

    >>> fill_placeholders("Write to {{ vendor.email }}.", {"vendor": {"email": "a@b.example"}})
    'Write to a@b.example.'
    """
    if lang is not None and article is not None:
        extra = article_values(article, lang, extra)

    def value_of(match: re.Match[str]) -> str:
        value: Any = extra
        for part in match.group(1).split("."):
            if not isinstance(value, dict) or part not in value:
                raise ContentError(f"unknown placeholder {{{{ {match.group(1)} }}}}")
            value = value[part]
        if isinstance(value, (dict, list)):
            raise ContentError(f"placeholder {{{{ {match.group(1)} }}}} is not a single value")
        return str(value)

    return PLACEHOLDER.sub(value_of, markdown)


def article_values(article: Path | str, lang: str, extra: dict[str, Any]) -> dict[str, Any]:
    """Return what the placeholders of ``article`` in ``lang`` are filled with (see :func:`fill_placeholders`).

    Its help center's :func:`placeholder_values`, or ``extra`` for a file
    that belongs to none. A caller filling many articles of one folder
    (an index build) may keep the answer per folder and language.
    """
    project = project_folder(Path(article))
    return placeholder_values(project / MKDOCS_YML, lang) if project is not None else extra


def load_yaml(text: str) -> Any:
    """Return what YAML ``text`` holds, read by a safe loader: libyaml's when present, else Python's.

    libyaml's reads the authors' files about ten times faster (a large help
    center's front matter; the 16,000 questions of the subjects file).
    """
    safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # bandit cannot see through getattr
    return yaml.load(text, Loader=safe_loader)  # nosec B506


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return an article's YAML front matter (``{}`` if none) and its body."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = load_yaml(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ContentError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise ContentError("front matter must be a mapping")
    return meta, text[match.end():]


def article_id(path: Path, lang_root: Path) -> str:
    """Return the article id of ``path`` under ``docs/<lang>/``: its relative path without ``.md``.

    >>> article_id(Path("docs/fr/support/escalation.md"), Path("docs/fr"))
    'support/escalation'
    """
    return path.relative_to(lang_root).with_suffix("").as_posix()


def project_folder(article: Path) -> Path | None:
    """Return the help center an article belongs to: the nearest folder above it with the labels file."""
    for folder in Path(article).resolve().parents:
        if (folder / LABELS_FILE).is_file() and (folder / MKDOCS_YML).is_file():
            return folder
    return None


def placeholder_values(mkdocs_yml: Path | str, lang: str) -> dict[str, Any]:
    """Return what an article in ``lang`` may name: ``extra`` as that language's build sees it, and ``label``.

    :func:`language_extra`, plus ``label``: the labels of
    ``vocabulary/labels.yml`` (beside mkdocs.yml) in ``lang``. Read once per
    change of either file: treat the result as read-only.
    """
    path = Path(mkdocs_yml).resolve()
    labels = path.parent / LABELS_FILE
    stamps = tuple(p.stat().st_mtime_ns if p.is_file() else 0 for p in (path, labels))
    return _placeholder_values(path, lang, stamps)


def language_extra(mkdocs_yml: Path | str, lang: str) -> dict[str, Any]:
    """Return mkdocs.yml's ``extra`` as the build of ``lang`` sees it.

    The i18n plugin updates ``extra`` with the language's own ``extra`` key by
    key (a per-language ``vendor`` replaces the whole ``vendor``); so does this.
    """
    path = Path(mkdocs_yml).resolve()
    return dict(_language_extra(path, lang, path.stat().st_mtime_ns)[0])


@functools.lru_cache(maxsize=64)
def _language_extra(mkdocs_yml: Path, lang: str, stamp: int) -> tuple[dict[str, Any], tuple[str, ...]]:
    from mkdocs.utils.yaml import get_yaml_loader

    with mkdocs_yml.open(encoding="utf-8") as stream:
        # MkDocs' own loader (for its !ENV tags) built on the safe loader: no Python objects from YAML,
        # which bandit cannot see through the factory.
        config = yaml.load(stream, Loader=get_yaml_loader(loader=yaml.SafeLoader)) or {}  # nosec B506
    values = dict(config.get("extra") or {})
    languages: list[str] = []
    for plugin in config.get("plugins") or []:
        if isinstance(plugin, dict) and "i18n" in plugin:
            for entry in (plugin["i18n"] or {}).get("languages") or []:
                languages.append(entry["locale"])
                if entry["locale"] == lang:
                    values.update(entry.get("extra") or {})
    return values, tuple(languages)


@functools.lru_cache(maxsize=64)
def _placeholder_values(mkdocs_yml: Path, lang: str, stamps: tuple[int, int]) -> dict[str, Any]:
    values, languages = _language_extra(mkdocs_yml, lang, stamps[0])
    values = dict(values)
    labels_file = mkdocs_yml.parent / LABELS_FILE
    if labels_file.is_file():
        try:
            values["label"] = load_labels(labels_file, languages or None).for_language(lang)
        except LabelsError as exc:
            raise ContentError(str(exc)) from exc
    return values
