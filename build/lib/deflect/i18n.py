"""The form's own words through Flask-Babel, in the help center's languages.

The locale is, in order: the language a page fixes for itself (``g.page_language``:
the staff workspace speaks the signed-in agent's language), the language prefix
of a help-center address (``/fr/…``), an explicit ``lang`` (query or form), the
one kept in the session, the best ``Accept-Language`` match, the default language.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, g, request, session
from flask_babel import Babel, format_decimal, get_locale, gettext
from werkzeug.exceptions import HTTPException

from deflect.helpcenter import current_help_center
from deflect.vocabulary import label

babel = Babel()


def explicit_language() -> str | None:
    """Return the declared language the request names with ``lang``, if any."""
    if not request:
        return None
    try:  # a language switched on a form page first, then the form's or the address's ``lang``
        named = request.values.get("switch_lang") or request.values.get("lang")
    except HTTPException:  # a body too large to read (413): the query string still counts
        named = request.args.get("lang")
    return current_help_center().normalize_language(named)


def url_language() -> str | None:
    """The language a help-center address names by its prefix (``/fr/support/…`` → ``fr``), if any."""
    first = request.path.strip("/").split("/", 1)[0]
    return first if first in current_help_center().languages else None


def select_locale() -> str:
    center = current_help_center()
    if not request:
        return center.default_language
    return (
        g.get("page_language")
        or url_language()
        or explicit_language()
        or center.normalize_language(session.get("lang"))
        or request.accept_languages.best_match(center.languages)
        or center.default_language
    )


def current_language() -> str:
    """Return the language of this request's pages (the locale :func:`select_locale` chose)."""
    return str(get_locale() or current_help_center().default_language)


def format_file_size(size: int) -> str:
    """Return a file size in the customer's language (``12 bytes``, ``3,4 Ko``).

    Jinja's ``filesizeformat`` speaks English only.
    """
    if size < 1024:
        return gettext("%(num)s bytes", num=format_decimal(size))
    if size < 1024 * 1024:
        return gettext("%(num)s KB", num=format_decimal(round(size / 1024, 1)))
    return gettext("%(num)s MB", num=format_decimal(round(size / (1024 * 1024), 1)))


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).with_name("translations")))
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.filters["filesize"] = format_file_size
    app.jinja_env.globals["label"] = label
