"""The form's own words through Flask-Babel, in the help center's languages.

The locale is, in order: an explicit ``lang`` (query or form), the one kept in
the session, the best ``Accept-Language`` match, the default language.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app, request, session
from flask_babel import Babel

babel = Babel()


def _help_center():
    return current_app.extensions["deflect.help_center"]


def explicit_language() -> str | None:
    """Return the declared language the request names with ``lang``, if any."""
    center = _help_center()
    return center.normalize_language(request.values.get("lang")) if request else None


def select_locale() -> str:
    center = _help_center()
    if not request:
        return center.default_language
    return (
        explicit_language()
        or center.normalize_language(session.get("lang"))
        or request.accept_languages.best_match(center.languages)
        or center.default_language
    )


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).with_name("translations")))
    babel.init_app(app, locale_selector=select_locale)
