"""The customer's pages of a filed case, reached by its private link (``/cases/<token>``).

Whoever holds the link sees the case; nobody else can find it: the token is
32 random bytes, and the pages stay out of caches, search engines and the
Referer headers of the sites they link to.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from deflect import cases, vocabulary
from deflect.store import db

bp = Blueprint("cases", __name__)


def keep_private(response):
    """Mark a response that shows a case as private: never cached, indexed or sent as a Referer."""
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


bp.after_request(keep_private)


@bp.get("/cases/<token>")
def case_view(token: str):
    """The case as filed, for whoever holds its private link."""
    case = cases.case_by_token(db(), token)
    if case is None:
        abort(404)
    return render_template("cases/case.html", case=case, products=dict(vocabulary.products()),
                           request_types=vocabulary.REQUEST_TYPES, severities=vocabulary.SEVERITIES)
