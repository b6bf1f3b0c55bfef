"""``POST /api/feedback``: the help center's "Was this article helpful?" answers.

The built site may live on a static host elsewhere, so this endpoint takes
JSON without a CSRF token (it changes nothing but a tally), answers CORS for
the site's origin, and is rate-limited.
"""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, current_app, jsonify, request

from deflect.errors import DeflectError
from deflect.helpcenter import current_help_center
from deflect.limits import limiter
from deflect.store import ArticleFeedback, db

bp = Blueprint("feedback", __name__, url_prefix="/api/feedback")
ARTICLE_ID = re.compile(r"\A[a-z0-9][a-z0-9/_-]{0,199}\Z")
MAX_REASON = 1000


def parse_feedback(payload: Any, languages: tuple[str, ...]) -> dict[str, Any]:
    """Validate and bound one answer; raise :class:`DeflectError` naming the first bad field.

    >>> parse_feedback({"article": "support/sla", "lang": "fr", "helpful": False, "reason": " vague "}, ("en", "fr"))
    {'article': 'support/sla', 'lang': 'fr', 'helpful': False, 'reason': 'vague'}
    """
    if not isinstance(payload, dict):
        raise DeflectError("Send a JSON object.", code="invalid_json")
    article = payload.get("article")
    if not isinstance(article, str) or not ARTICLE_ID.match(article) or ".." in article:
        raise DeflectError("'article' must be an article id such as support/sla.", code="invalid_article")
    lang = payload.get("lang")
    if lang not in languages:
        raise DeflectError(f"'lang' must be one of {', '.join(languages)}.", code="invalid_lang")
    helpful = payload.get("helpful")
    if not isinstance(helpful, bool):
        raise DeflectError("'helpful' must be true or false.", code="invalid_helpful")
    reason = payload.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise DeflectError("'reason' must be text.", code="invalid_reason")
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise DeflectError(f"'reason' must be at most {MAX_REASON} characters.", code="invalid_reason")
    return {"article": article, "lang": lang, "helpful": helpful, "reason": reason or None}


def site_origin() -> str | None:
    """The site's origin when it is served from elsewhere (a static host), else None."""
    if current_app.config["SERVE_SITE"]:
        return None
    parts = urlsplit(current_help_center().site_url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


@bp.after_request
def allow_site_origin(response):
    origin = site_origin()
    if origin and request.headers.get("Origin") == origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Content-Type"
        response.headers["Access-Control-Max-Age"] = "3600"
        response.headers["Vary"] = "Origin"
    return response


@bp.route("", methods=["POST", "OPTIONS"])
@limiter.limit("20 per minute;200 per day", methods=["POST"])
def record():
    """Record one "Was this article helpful?" answer."""
    if request.method == "OPTIONS":
        return "", 204
    payload = request.get_json(silent=True)
    answer = parse_feedback(payload, current_help_center().languages)
    session = db()
    session.add(ArticleFeedback(**answer))
    session.commit()
    return jsonify({"ok": True}), 201


def init_app(app: Flask, csrf) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
