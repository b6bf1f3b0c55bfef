""""My cases" (``/my-cases``): every case of an e-mail address, after signing in with a link sent to it.

Customers have no password. They give their address; if it is the contact or
the owner of a case, it receives a sign-in link (one use, valid
:data:`LINK_MINUTES`); the page answers the same either way, so it tells
nobody who is a customer, and asking is rate limited per visitor and per
address. Only the SHA-256 of the link's token is stored. The link opens a
page with one button that signs in: a mail scanner that fetches every link
of a message must not use up the link before its owner clicks it. Signing in
keeps the address in the session cookie for :data:`SIGNED_IN_HOURS`.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from deflect.case_pages import cases_of, keep_private
from deflect.forms import LostLinkForm, strip
from deflect.i18n import current_language
from deflect.limits import limiter
from deflect.lifecycle import CLOSED
from deflect.links import public_url
from deflect.mail import outbox
from deflect.store import CustomerSignIn, db

bp = Blueprint("my_cases", __name__)
bp.after_request(keep_private)

LINK_MINUTES = 30
SIGNED_IN_HOURS = 8
SESSION_KEY = "my_cases"
#: The list's filters: which cases each shows.
SHOWN = ("all", "open", "closed")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def send_sign_in_link(store: Session, email: str, lang: str, now: datetime) -> bool:
    """Queue a sign-in link to ``email`` if it has cases; return whether one was sent (never shown to anyone)."""
    address = email.strip().lower()
    if not cases_of(address):
        return False
    token = secrets.token_urlsafe(32)
    store.add(CustomerSignIn(token_hash=token_hash(token), email=address, lang=lang, created_at=now,
                             expires_at=now + timedelta(minutes=LINK_MINUTES)))
    link = public_url("my_cases.sign_in", token=token, lang=lang)
    outbox.queue_sign_in_link(address, link, lang, LINK_MINUTES, now)
    store.commit()
    return True


def usable_link(store: Session, token: str, now: datetime) -> CustomerSignIn | None:
    """Return the sign-in link of ``token`` if it is unused and not expired."""
    found = store.scalar(select(CustomerSignIn).where(CustomerSignIn.token_hash == token_hash(token or "")))
    if found is None or found.used_at is not None or found.expires_at <= now:
        return None
    return found


def use_link(store: Session, token: str, now: datetime) -> str | None:
    """Use up a sign-in link; return its address, or None if it was used, expired or never existed.

    One conditional UPDATE: two clicks at once sign in once.
    """
    result = store.execute(
        update(CustomerSignIn)
        .where(CustomerSignIn.token_hash == token_hash(token or ""), CustomerSignIn.used_at.is_(None),
               CustomerSignIn.expires_at > now)
        .values(used_at=now))
    store.commit()
    if result.rowcount != 1:
        return None
    return store.scalar(select(CustomerSignIn.email).where(CustomerSignIn.token_hash == token_hash(token)))


def signed_in_email() -> str | None:
    """The address signed in to "My cases" in this browser, while the sign-in lasts."""
    signed = session.get(SESSION_KEY)
    if not isinstance(signed, dict):
        return None
    try:
        until = datetime.fromisoformat(signed["until"])
    except (KeyError, TypeError, ValueError):
        return None
    return signed.get("email") if until > datetime.now(timezone.utc) else None


def address_key() -> str:
    """Rate-limit key of a sign-in request: the address asked for (so one address is not flooded)."""
    return "my-cases:" + (strip(request.form.get("email", "")) or "").lower()[:254]


def too_many(_error):
    from deflect.errors import render_error

    return render_error(429, "too_many_requests", _(
        "You have asked for many sign-in links in a short time. Please wait an hour, then try again."))


bp.register_error_handler(429, too_many)


@bp.route("/my-cases", methods=["GET", "POST"])
@limiter.limit("10 per hour;30 per day", methods=["POST"])
@limiter.limit("3 per hour", methods=["POST"], key_func=address_key)
def index():
    """Signed in: the list of the address's cases. Otherwise: ask for a sign-in link."""
    email = signed_in_email()
    if request.method == "GET" and email:
        shown = request.args.get("show") if request.args.get("show") in SHOWN else "all"
        found = cases_of(email)
        if shown != "all":
            found = [case for case in found if (case.status == CLOSED) == (shown == "closed")]
        return render_template("cases/my_cases.html", email=email, cases=found, shown=shown)
    form = LostLinkForm()
    if form.validate_on_submit():
        send_sign_in_link(db(), form.email.data, current_language(), datetime.now(timezone.utc))
        return redirect(url_for("my_cases.link_sent", lang=current_language()), code=303)
    return render_template("cases/sign_in.html", form=form), 422 if form.errors else 200


@bp.get("/my-cases/sent")
def link_sent():
    """The one answer to every sign-in request, whether or not the address has cases."""
    return render_template("cases/sign_in_sent.html", minutes=LINK_MINUTES)


@bp.route("/my-cases/sign-in/<token>", methods=["GET", "POST"])
def sign_in(token: str):
    """The link of the e-mail: GET shows one button, POST uses the link up and signs in."""
    now = datetime.now(timezone.utc)
    if request.method == "GET":
        if usable_link(db(), token, now) is None:
            return expired()
        return render_template("cases/sign_in_confirm.html", token=token)
    email = use_link(db(), token, now)
    if email is None:
        return expired()
    session[SESSION_KEY] = {"email": email, "until": (now + timedelta(hours=SIGNED_IN_HOURS)).isoformat()}
    return redirect(url_for("my_cases.index", lang=current_language()), code=303)


def expired():
    form = LostLinkForm(formdata=None)
    message = _("This sign-in link has expired or was already used. Ask for a new one below: it arrives in a "
                "few minutes.")
    return render_template("cases/sign_in.html", form=form, refused=message), 410


@bp.post("/my-cases/sign-out")
def sign_out():
    session.pop(SESSION_KEY, None)
    return redirect(url_for("my_cases.index", lang=current_language()), code=303)
