"""The help center as declared in mkdocs.yml: languages, vendor facts, vocabularies.

Languages are declared once, in the i18n plugin's list; everything else in
deflect (index, form, CLI) reads them from here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from mkdocs.utils.yaml import get_yaml_loader

#: An article id: the path under ``docs/<lang>/`` without ``.md`` (``support/escalation``).
ARTICLE_ID = re.compile(r"\A[a-z0-9][a-z0-9/_-]{0,199}\Z")


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: one per app
class HelpCenter:
    """What the service needs to know about the built help center."""

    root: Path
    languages: tuple[str, ...]
    default_language: str
    language_names: dict[str, str]
    site_name: dict[str, str]
    site_url: str
    docs_dir: Path
    site_dir: Path
    extra: dict[str, Any] = field(default_factory=dict)
    ui: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Where customers reach the built pages: "" when this service serves them at ``/``,
    #: else ``site_url`` (a static host). Every link to a page or asset goes through it.
    pages_base: str = ""
    #: The ids of the articles in the default language (every language falls back to them).
    articles: frozenset[str] = frozenset()

    @property
    def products(self) -> list[str]:
        return list(self.extra.get("products", []))

    def normalize_language(self, lang: str | None) -> str | None:
        """Return the declared language matching ``lang`` (``fr-CA`` → ``fr``), else None."""
        if not lang:
            return None
        code = lang.strip().lower().replace("_", "-").split("-")[0]
        return code if code in self.languages else None

    def has_article(self, article: str) -> bool:
        """Tell whether ``article`` names an article of this help center.

        >>> HelpCenter(Path("."), ("en",), "en", {}, {}, "/", Path("docs"), Path("site"),
        ...            articles=frozenset({"support/sla"})).has_article("support/../sla")
        False
        """
        return article in self.articles

    def page_path(self, article: str, lang: str, anchor: str = "") -> str:
        """Return the path of an article's page in the built site (``/fr/support/sla/#anchor``).

        >>> HelpCenter(Path("."), ("en", "fr"), "en", {}, {}, "/", Path("docs"), Path("site")).page_path(
        ...     "support/index", "fr", "scope")
        '/fr/support/#scope'
        """
        prefix = "" if lang == self.default_language else f"{lang}/"
        if article == "index":
            path = ""
        elif article.endswith("/index"):
            path = article[: -len("index")]
        else:
            path = f"{article}/"
        return f"/{prefix}{path}" + (f"#{anchor}" if anchor else "")

    def page_url(self, article: str, lang: str, anchor: str = "") -> str:
        """Return where a customer opens an article: the one rule for links to the help center.

        Site-relative when this service serves the site, absolute on the
        site's own host otherwise (``DEFLECT_SERVE_SITE=false``).
        """
        return self.pages_base + self.page_path(article, lang, anchor)

    def asset_url(self, path: str) -> str:
        """Return where a customer loads one of the built site's files (``assets/…``)."""
        return f"{self.pages_base}/{path.lstrip('/')}"


def load_help_center(mkdocs_yml: Path, *, served_here: bool = True) -> HelpCenter:
    """Read mkdocs.yml (with MkDocs' own ``!ENV`` tags) into a :class:`HelpCenter`.

    ``served_here``: this service serves the built site at ``/`` (else it is on ``site_url``).
    """
    mkdocs_yml = Path(mkdocs_yml)
    with mkdocs_yml.open(encoding="utf-8") as stream:
        # MkDocs' own loader (for its !ENV tags) built on the safe loader: no Python objects from YAML,
        # which bandit cannot see through the factory.
        config = yaml.load(stream, Loader=get_yaml_loader(loader=yaml.SafeLoader))  # nosec B506
    i18n = next(
        (p["i18n"] for p in config.get("plugins", []) if isinstance(p, dict) and "i18n" in p),
        None,
    )
    if not i18n or not i18n.get("languages"):
        raise ValueError(f"{mkdocs_yml}: no i18n plugin languages declared")
    root = mkdocs_yml.parent
    docs_dir = root / config.get("docs_dir", "docs")
    extra = dict(config.get("extra") or {})
    languages, names, site_names, ui = [], {}, {}, {}
    default = None
    for entry in i18n["languages"]:
        code = entry["locale"]
        languages.append(code)
        names[code] = entry.get("name", code)
        site_names[code] = entry.get("site_name") or config.get("site_name", "")
        ui[code] = {**extra.get("ui", {}), **(entry.get("extra") or {}).get("ui", {})}
        if entry.get("default"):
            default = code
    return HelpCenter(
        root=root,
        languages=tuple(languages),
        default_language=default or languages[0],
        language_names=names,
        site_name=site_names,
        site_url=config.get("site_url") or "/",
        docs_dir=docs_dir,
        site_dir=root / config.get("site_dir", "site"),
        extra=extra,
        ui=ui,
        pages_base="" if served_here else (config.get("site_url") or "").rstrip("/"),
        articles=frozenset(path.relative_to(docs_dir / (default or languages[0])).with_suffix("").as_posix()
                           for path in (docs_dir / (default or languages[0])).rglob("*.md")),
    )
