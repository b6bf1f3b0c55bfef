"""The customer's pages of a filed case, reached by its private link (``/cases/<token>``).

Whoever holds the link sees the case; nobody else can find it: the token is
32 random bytes, and the pages stay out of caches, search engines and the
Referer headers of the sites they link to.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import Blueprint, abort, render_template
from sqlalchemy import or_, select

from deflect import cases, vocabulary
from deflect.forms import LostLinkForm
from deflect.i18n import current_language
from deflect.limits import limiter
from deflect.lifecycle import CLOSED
from deflect.mail import outbox
from deflect.store import Case, db

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


def open_cases_of(email: str) -> list[Case]:
    """The cases not closed yet whose contact or owner is ``email`` (case-insensitive), newest first."""
    address = email.strip().lower()
    return list(db().scalars(
        select(Case).where(or_(Case.email.ilike(address), Case.owner_email.ilike(address)), Case.status != CLOSED)
        .order_by(Case.created_at.desc())))


@bp.route("/cases/lost", methods=["GET", "POST"])
@limiter.limit("5 per hour;20 per day", methods=["POST"])
def lost_link():
    """"I lost my link": the private links of an address's open cases, sent to that address.

    The page answers the same whether or not the address has cases, so it
    tells nobody who is a customer; e-mail goes only to an address with cases.
    """
    form = LostLinkForm()
    if form.validate_on_submit():
        found = open_cases_of(form.email.data)
        if found:
            outbox.queue_lost_links(form.email.data, found, current_language(), datetime.now(timezone.utc))
            db().commit()
        return render_template("cases/lost.html", form=form, sent=True)
    return render_template("cases/lost.html", form=form, sent=False), 422 if form.errors else 200
