"""The API's own description: OpenAPI 3.1 at ``/api/openapi.json``.

Declared here, beside nothing else, as data; Schemathesis checks it against
the real responses in ``make test`` (tests/test_openapi.py), so the
description cannot drift from what the service answers.
"""
from __future__ import annotations

from flask import current_app, jsonify

from deflect.search import DEFAULT_LIMIT, MAX_LIMIT, MAX_QUERY_CHARS

ERROR = {
    "type": "object", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {"type": "object", "required": ["code", "message"], "additionalProperties": False,
                             "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}},
}
SUGGESTION = {
    "type": "object", "required": ["id", "title", "url", "lang", "snippet", "score", "fallback"],
    "properties": {
        "id": {"type": "string", "description": "the article id, the same in every language"},
        "title": {"type": "string"}, "url": {"type": "string", "description": "where the section answering is"},
        "lang": {"type": "string"}, "snippet": {"type": "string"}, "score": {"type": "number"},
        "fallback": {"type": "boolean", "description": "the English article stands in for a missing translation"},
        "section": {"type": "string"},
    },
}


def error_response(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR}}}


def specification(languages: list[str], articles: list[str]) -> dict:
    """The OpenAPI 3.1 document of ``/api/*``."""
    return {
        "openapi": "3.1.0",
        "info": {"title": "deflect API", "version": "1",
                 "description": "The deflection search and the help center's article feedback."},
        "paths": {
            "/api/suggest": {"get": {
                "summary": "The articles that answer a customer's question, best first (maybe none).",
                "parameters": [
                    {"name": "q", "in": "query", "required": True,
                     "schema": {"type": "string", "maxLength": MAX_QUERY_CHARS}},
                    {"name": "lang", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": languages}},
                    {"name": "limit", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
                ],
                "responses": {
                    "200": {"description": "Suggestions", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["query", "lang", "results"],
                        "properties": {"query": {"type": "string"}, "lang": {"type": "string", "enum": languages},
                                       "results": {"type": "array", "maxItems": MAX_LIMIT, "items": SUGGESTION}},
                    }}}},
                    "400": error_response("A missing question, an unknown language, a limit outside 1-20"),
                    "413": error_response("A question longer than the limit"),
                    "429": error_response("Too many requests"),
                    "503": error_response("The search index is unavailable"),
                },
            }},
            "/api/feedback": {"post": {
                "summary": "\"Was this article helpful?\"",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["article", "lang", "helpful"],
                    "properties": {"article": {"type": "string", "enum": articles}, "lang": {"type": "string", "enum": languages},
                                   "helpful": {"type": "boolean"}, "reason": {"type": "string", "maxLength": 1000}},
                }}}},
                "responses": {
                    "201": {"description": "Stored", "content": {"application/json": {"schema": {
                        "type": "object", "required": ["ok"], "properties": {"ok": {"const": True}}}}}},
                    "400": error_response("Not an answer (unknown article, language, bad field)"),
                    "429": error_response("Too many answers"),
                },
            }},
        },
    }


def openapi_view():
    """``GET /api/openapi.json``."""
    help_center = current_app.extensions["deflect.help_center"]
    return jsonify(specification(list(help_center.languages), sorted(help_center.articles)))
