"""``POST /api/feedback``: the help center's "Was this article helpful?" answers.

The built site may live on a static host elsewhere, so this endpoint takes
JSON without a CSRF token (it changes nothing but a tally), answers CORS for
the site's origin, and is rate-limited. The body is validated once, here,
into an :class:`ArticleVote` the store trusts.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, jsonify, request

from deflect import deflection
from deflect.errors import DeflectError
from deflect.helpcenter import current_help_center
from deflect.limits import limiter
from deflect.site import HelpCenter
from deflect.store import ArticleFeedback, db
from deflect.text import clean_text

bp = Blueprint("feedback", __name__, url_prefix="/api/feedback")
MAX_REASON = 1000


@dataclass(frozen=True)
class ArticleVote:
    """One validated "Was this article helpful?" answer."""

    article: str
    lang: str
    helpful: bool
    reason: str | None

    @classmethod
    def from_json(cls, payload: Any, help_center: HelpCenter) -> ArticleVote:
        """Validate and bound one answer; raise :class:`DeflectError` naming the first bad field."""
        if not isinstance(payload, dict):
            raise DeflectError("Send a JSON object.", code="invalid_json")
        article = payload.get("article")
        if not isinstance(article, str) or not help_center.has_article(article):
            raise DeflectError("'article' must be the id of an article, such as support/sla.",
                               code="invalid_article")
        lang = payload.get("lang")
        if lang not in help_center.languages:
            raise DeflectError(f"'lang' must be one of {', '.join(help_center.languages)}.", code="invalid_lang")
        helpful = payload.get("helpful")
        if not isinstance(helpful, bool):
            raise DeflectError("'helpful' must be true or false.", code="invalid_helpful")
        reason = payload.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise DeflectError("'reason' must be text.", code="invalid_reason")
        reason = clean_text(reason or "").strip()
        if len(reason) > MAX_REASON:
            raise DeflectError(f"'reason' must be at most {MAX_REASON} characters.", code="invalid_reason")
        return cls(article, lang, helpful, reason or None)


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


def deflection_shown(article: str) -> str | None:
    """The key of the customer's deflection in progress, if it showed this article (same-origin votes only).

    The case filed at the end of that deflection carries the key: the staff
    workspace shows the agent which suggested articles the customer found unhelpful.
    """
    current = deflection.current()
    return current.key if current is not None and any(s.id == article for s in current.shown) else None


@bp.route("", methods=["POST", "OPTIONS"])
@limiter.limit("20 per minute;200 per day", methods=["POST"])
def vote():
    """Store one "Was this article helpful?" answer."""
    if request.method == "OPTIONS":
        return "", 204
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # JSON nested deeper than Python parses: not an answer
        payload = None
    answer = ArticleVote.from_json(payload, current_help_center())
    db().add(ArticleFeedback(**asdict(answer), deflection_key=deflection_shown(answer.article)))
    db().commit()
    return jsonify({"ok": True}), 201
