"""MkDocs hooks (declared in mkdocs.yml): fill every page's placeholders in its language, hand
the templates the labels of the language being built (``label.action.contact_support``), and
give each language its own 404 page.

The i18n plugin builds one language after another into the same site folder;
Material writes its 404 page to ``site/404.html`` on every build, so without
these hooks the last language built (Spanish) answered for all of them.
"""
from __future__ import annotations

import copy
from pathlib import Path

from mkdocs.exceptions import PluginError

from deflect.content import ContentError, fill_placeholders, placeholder_values

#: The default language's 404 page, kept while the other languages build.
_default_not_found: dict[str, str] = {}


def _i18n(config):
    return config.plugins.get("i18n")


def _build_language(config) -> str:
    plugin = _i18n(config)
    return getattr(plugin, "current_language", None) or config.theme["language"]


def _default_language(config) -> str:
    plugin = _i18n(config)
    return getattr(plugin, "default_language", None) or config.theme["language"]


def on_page_markdown(markdown, page, config, files):
    """Fill ``{{ vendor.… }}``, ``{{ policy.… }}`` and ``{{ label.… }}`` in the article's own language.

    ``page.file.locale`` is the language of the file: an English article
    standing in for a missing translation gets English words.
    """
    lang = getattr(page.file, "locale", None) or _build_language(config)
    try:
        return fill_placeholders(markdown, placeholder_values(config.config_file_path, lang))
    except ContentError as exc:
        raise PluginError(f"{page.file.src_uri}: {exc}") from exc


def _labels(config) -> dict:
    return placeholder_values(config.config_file_path, _build_language(config)).get("label", {})


def on_page_context(context, page, config, nav):
    """Give the page's template the labels of the language being built (the page around the article)."""
    context["label"] = _labels(config)
    return context


def on_template_context(context, template_name, config):
    """Give static pages the labels; point the 404 page's language switcher at each language's home.

    Static pages are built before the articles, so without this the switcher
    keeps the links of the last article of the previous language's build.
    """
    context["label"] = _labels(config)
    plugin = _i18n(config)
    if template_name == "404.html" and getattr(plugin, "extra_alternate", None):
        # The plugin sets it as an attribute of the legacy ``extra`` config, and templates read that.
        config.extra["alternate"] = copy.deepcopy(plugin.extra_alternate)
        config.extra.alternate = config.extra["alternate"]
    return context


def on_post_template(output_content, template_name, config):
    """Write each language's 404 page to ``site/<lang>/404.html``; keep the default one at ``site/404.html``."""
    if template_name != "404.html":
        return output_content
    lang, default = _build_language(config), _default_language(config)
    if lang == default:
        _default_not_found[config.config_file_path] = output_content
        return output_content
    target = Path(config.site_dir) / lang / "404.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(output_content, encoding="utf-8")
    return _default_not_found.get(config.config_file_path, output_content)

