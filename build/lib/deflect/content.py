"""Shared reading of the help center's Markdown: placeholders and front matter.

The MkDocs build (through ``mkdocs_hooks.py``) and the search index both read
articles through these functions, so a customer sees the same words on the
page and in a suggestion's snippet.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

#: ``{{ vendor.email }}``: a dotted path into mkdocs.yml's ``extra``.
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][\w]*(?:\.[\w]+)*)\s*\}\}")
FRONT_MATTER = re.compile(r"\A---\s*\n(.*?\n)---\s*\n", re.S)


class ContentError(ValueError):
    """An article cannot be read as written (bad front matter, unknown placeholder)."""


def fill_placeholders(markdown: str, extra: dict[str, Any]) -> str:
    """Replace every ``{{ dotted.name }}`` with its value from ``extra``.

    An unknown name raises, so a typo fails ``mkdocs build --strict`` and the
    index build instead of reaching a customer as literal braces.

    >>> fill_placeholders("Write to {{ vendor.email }}.", {"vendor": {"email": "a@b.example"}})
    'Write to a@b.example.'
    """

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


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """Return an article's YAML front matter (``{}`` if none) and its body."""
    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        # libyaml when present: the same safe loader, fast enough for a large help center.
        # A safe loader (libyaml's when present, else Python's), which bandit cannot see through getattr.
        safe_loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        meta = yaml.load(match.group(1), Loader=safe_loader) or {}  # nosec B506
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
