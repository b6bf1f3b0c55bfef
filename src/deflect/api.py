"""The JSON API: ``GET /api/suggest`` (the form's as-you-type hints use it too).

Inputs are normalised and bounded here: ``q`` is required and at most
:data:`MAX_QUERY_CHARS` long (an empty or blank ``q`` answers no results);
``limit`` is an integer from 1 (default 5, larger values are cut to 20);
``lang`` takes ``fr-CA`` as ``fr``, and a language the help center does not
have (or none) is answered in the default language, which the response's
``lang`` states.
"""
from __future__ import annotations

from flask import Blueprint, Flask, current_app, jsonify, request

from deflect.errors import DeflectError
from deflect.helpcenter import current_help_center
from deflect.limits import limiter
from deflect.search import DEFAULT_LIMIT, MAX_LIMIT, SearchUnavailable, suggest

bp = Blueprint("api", __name__, url_prefix="/api")

MAX_QUERY_CHARS = 10_000
SUGGEST_RATE = "120/minute"


def suggest_arguments(args) -> tuple[str, str, int]:
    """Return the validated ``(q, lang, limit)`` of a suggest request, or raise DeflectError."""
    query = args.get("q")
    if query is None:
        raise DeflectError("Add the question as the q parameter.", code="missing_query")
    if len(query) > MAX_QUERY_CHARS:
        raise DeflectError(f"The question is longer than {MAX_QUERY_CHARS} characters.",
                           status=413, code="query_too_long")
    raw_limit = args.get("limit", str(DEFAULT_LIMIT)).strip()
    digits = raw_limit.lstrip("0")
    if not (raw_limit.isascii() and raw_limit.isdigit()) or not digits:
        raise DeflectError("limit must be a whole number from 1 to 20.", code="bad_limit")
    limit = MAX_LIMIT if len(digits) > 3 else min(int(digits), MAX_LIMIT)
    help_center = current_help_center()
    lang = help_center.normalize_language(args.get("lang")) or help_center.default_language
    return query, lang, limit


@bp.get("/suggest")
@limiter.limit(SUGGEST_RATE)
def suggest_view():
    """Suggest the articles that answer the question ``q`` in ``lang``."""
    query, lang, limit = suggest_arguments(request.args)
    try:
        results = [suggestion.as_dict() for suggestion in suggest(query, lang, limit)]
    except SearchUnavailable as exc:
        current_app.logger.warning("suggest unavailable: %s", exc)
        raise DeflectError("Suggestions are unavailable right now; please try again later.",
                           status=503, code="search_unavailable") from exc
    return jsonify({"query": query, "lang": lang, "results": results})


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
