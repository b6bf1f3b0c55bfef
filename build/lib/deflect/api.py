"""The JSON API: ``GET /api/suggest`` (the form's as-you-type hints use it too).

Its arguments are validated once, here, into a :class:`SuggestQuery` that
the search trusts: ``q`` is required and at most
:data:`~deflect.search.MAX_QUERY_CHARS` long (a blank ``q`` answers no
results); ``limit`` is a whole number from 1 to 20 (default 5); ``lang`` is
one of the help center's languages (``fr-CA`` counts as ``fr``; default: the
help center's default language). Anything else is a 4xx JSON error.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from flask import Blueprint, current_app, jsonify, request

from deflect.errors import DeflectError
from deflect.helpcenter import current_help_center
from deflect.limits import limiter
from deflect.search import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS, SearchUnavailable, suggest

bp = Blueprint("api", __name__, url_prefix="/api")

SUGGEST_RATE = "120/minute"


@dataclass(frozen=True)
class SuggestQuery:
    """The validated arguments of a suggest request."""

    q: str
    lang: str
    limit: int

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> SuggestQuery:
        """Validate ``q``, ``lang`` and ``limit``, or raise :class:`DeflectError` naming the first bad one."""
        query = args.get("q")
        if query is None:
            raise DeflectError("Add the question as the q parameter.", code="missing_query")
        if len(query) > MAX_QUERY_CHARS:
            raise DeflectError(f"The question is longer than {MAX_QUERY_CHARS} characters.",
                               status=413, code="query_too_long")
        raw_limit = args.get("limit", str(DEFAULT_LIMIT)).strip()
        # Length first: int() of a 5,000-digit string is refused by Python itself.
        if not (raw_limit.isascii() and raw_limit.isdigit() and len(raw_limit) <= 4
                and 1 <= int(raw_limit) <= MAX_LIMIT):
            raise DeflectError(f"limit must be a whole number from 1 to {MAX_LIMIT}.", code="bad_limit")
        help_center = current_help_center()
        raw_lang = args.get("lang")
        lang = help_center.normalize_language(raw_lang) if raw_lang else help_center.default_language
        if lang is None:
            raise DeflectError(f"lang must be one of {', '.join(help_center.languages)}.", code="bad_lang")
        return cls(query, lang, int(raw_limit))


@bp.get("/openapi.json")
def openapi_json():
    """The API's description (OpenAPI 3.1)."""
    from deflect.openapi import openapi_view

    return openapi_view()


@bp.get("/suggest")
@limiter.limit(SUGGEST_RATE)
def suggest_view():
    """Suggest the articles that answer the question ``q`` in ``lang``."""
    asked = SuggestQuery.from_args(request.args)
    try:
        results = suggest(asked.q, asked.lang, asked.limit)
    except SearchUnavailable as exc:
        current_app.logger.warning("suggest unavailable: %s", exc)
        raise DeflectError("Suggestions are unavailable right now; please try again later.",
                           status=503, code="search_unavailable") from exc
    return jsonify({"query": asked.q, "lang": asked.lang, "results": [result.as_dict() for result in results]})
