"""The support form's steps: describe, see the matching articles, then file a case.

Step 1 ``/support/new`` (describe), step 2 is its answer (the suggestions),
step 3 ``/support/new/case`` (the case form), step 4
``/support/new/confirmation``. What the customer does between steps is the
deflection in progress (:mod:`deflect.deflection`); the files and text they
leave between requests wait in the form's staging folder
(:mod:`deflect.staging`); filing is :func:`deflect.cases.file_case`.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from concurrent.futures import TimeoutError as FutureTimeout

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, TimestampSigner
from werkzeug.exceptions import RequestEntityTooLarge

from deflect import cases, deflection, search, staging, vocabulary
from deflect.case_pages import keep_private
from deflect.errors import render_error
from deflect.forms import CaseForm, DescribeForm
from deflect.helpcenter import current_help_center
from deflect.i18n import current_language
from deflect.limits import limiter
from deflect.links import public_url
from deflect.staging import AttachmentRejected, Staging
from deflect.store import Case, db

log = logging.getLogger(__name__)
bp = Blueprint("support", __name__)
#: The id of the case just filed, for the confirmation page (never its private token: the cookie is readable).
CONFIRMED = "confirmed_case"
SUGGESTIONS = 5


# --- plain functions the views call ---

def find_suggestions(question: str, lang: str) -> list[search.Suggestion]:
    """Return the articles matching ``question``; none (and a warning in the log) if search fails or is slow.

    The search runs beside the request for at most ``SUGGEST_TIMEOUT_S``: a
    customer who wants to file a case never waits on a stuck index.
    """
    app = current_app._get_current_object()

    def run() -> list[search.Suggestion]:
        with app.app_context():
            return list(search.suggest(question, lang, limit=SUGGESTIONS))

    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="suggest")
    try:
        return pool.submit(run).result(timeout=app.config["SUGGEST_TIMEOUT_S"])
    except FutureTimeout:
        log.warning("no suggestions shown (search slower than %ss)", app.config["SUGGEST_TIMEOUT_S"])
    except Exception as exc:  # SearchUnavailable above all: the form must take cases without search
        kind = "search index unavailable" if isinstance(exc, search.SearchUnavailable) else "search failed"
        log.warning("no suggestions shown (%s): %s", kind, exc)
    finally:
        pool.shutdown(wait=False)
    return []


def stage_files(form: CaseForm, kept: Staging) -> list[str]:
    """Forget the staged files the customer unticked, keep the new ones; return the file errors."""
    limits = vocabulary.attachment_limits()
    ticked = set(request.form.getlist("keep"))
    for staged in kept.files():
        if staged.id not in ticked:
            kept.remove(staged.id)
    errors: list[str] = []
    count = len(kept.files())
    for upload in request.files.getlist(form.attachments.name):
        if not upload or not upload.filename:
            continue
        if count >= limits.max_files:
            errors.append(_("%(name)s: at most %(count)d files per case.",
                            name=staging.clean_filename(upload.filename), count=limits.max_files))
            continue
        try:
            kept.add(upload.stream, upload.filename, allowed_types=limits.file_types,
                     max_bytes=limits.max_file_bytes)
            count += 1
        except AttachmentRejected as rejected:
            errors.append(file_error(rejected, limits))
    return errors


def file_error(rejected: AttachmentRejected, limits: vocabulary.AttachmentLimits) -> str:
    if rejected.rule == "type":
        return _("%(name)s: this type of file is not accepted (accepted: %(types)s).",
                 name=rejected.name, types=", ".join(limits.file_types))
    if rejected.rule == "size":
        return _("%(name)s: this file is larger than %(size)d MB.", name=rejected.name, size=limits.max_file_mb)
    return _("%(name)s: this file is empty.", name=rejected.name)


def switched_language(form: DescribeForm) -> bool:
    """Tell whether the customer switched the page's language on a form (nothing they typed is lost).

    On the form pages the header's language choices are buttons of the form
    itself (``switch_lang``): the page comes back in the other language with
    every field kept (and the chosen files staged), not checked yet.
    """
    chosen = current_help_center().normalize_language(request.form.get("switch_lang"))
    if chosen is None:
        return False
    session["lang"] = form.lang.data = chosen
    return True


def looks_like_spam(form: CaseForm) -> bool:
    """A robot, by two signs no person gives: the hidden field filled in, or the form sent too fast.

    No third party is asked (no CAPTCHA): a person never sees the ``website``
    field (hidden from eyes and screen readers) and takes more than
    ``FORM_MIN_SECONDS`` to fill in a case.
    """
    if form.website.data:
        log.warning("case form refused as spam: the hidden field was filled in")
        return True
    try:
        _key, shown_at = TimestampSigner(current_app.secret_key, salt="case-form").unsign(
            form.started.data or "", return_timestamp=True)
    except BadSignature:
        return False  # an old or odd form: the other checks still apply
    if (datetime.now(timezone.utc) - shown_at).total_seconds() < current_app.config["FORM_MIN_SECONDS"]:
        log.warning("case form refused as spam: sent %s after it was shown",
                    datetime.now(timezone.utc) - shown_at)
        return True
    return False


def render_case_form(form: CaseForm, kept: Staging, file_errors: list[str] | None = None, status: int = 200):
    lang = current_language()
    if not form.started.data:
        form.started.data = TimestampSigner(current_app.secret_key, salt="case-form").sign(kept.key).decode()
    return render_template(
        "support/case.html", form=form, submission_key=kept.key, file_errors=file_errors or [],
        staged=kept.files(), limits=vocabulary.attachment_limits(),
        explanations=vocabulary.severity_explanations(lang), hotline=vocabulary.hotline(lang),
        user_agent=request.headers.get("User-Agent", ""),
    ), status


# --- views ---

@bp.before_request
def remember_language():
    """Keep a language the customer chose (``?lang=``, the language switch) for the next pages."""
    if chosen := current_help_center().normalize_language(request.args.get("lang")):
        session["lang"] = chosen


@bp.route("/support/new", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def describe():
    """Step 1 (describe) and, once submitted, step 2 (the matching articles)."""
    form = DescribeForm().setup()
    if request.method == "GET":
        current = deflection.current()
        draft = current.staging.draft() if current else {}
        form.subject.data = form.subject.data or draft.get("subject")
        form.description.data = form.description.data or draft.get("description")
        form.product.data = request.args.get("product") or draft.get("product")
        form.from_article.data = request.args.get("from") or draft.get("from")
        form.lang.data = current_language()
        return render_template("support/describe.html", form=form)
    if switched_language(form):
        return render_template("support/describe.html", form=form)
    if not form.validate():
        return render_template("support/describe.html", form=form), 422
    session["lang"] = form.lang.data
    draft = form.draft()
    shown = find_suggestions(draft["question"], form.lang.data)
    deflection.start(db(), {**draft, "suggestions": [item.as_dict() for item in shown]}, shown)
    return redirect(url_for("support.suggestions"), code=303)


@bp.get("/support/new/suggestions")
def suggestions():
    """Step 2: the articles that matched step 1 (a page of its own: Back and reload never resend)."""
    current = deflection.current()
    if current is None:
        return redirect(url_for("support.describe"))
    shown = [search.Suggestion(**item) for item in current.staging.draft().get("suggestions", [])]
    return render_template("support/suggestions.html", suggestions=shown)


@bp.get("/support/new/open/<int:rank>")
def open_article(rank: int):
    """Note that the customer opened a suggested article, then send them to it."""
    current = deflection.current()
    shown = current.open(rank) if current else None
    if shown is None:
        abort(404)
    return redirect(current_help_center().page_url(shown.id, shown.lang, shown.anchor))


@bp.post("/support/new/solved")
def solved():
    """"This solved my problem": store the deflection and thank the customer."""
    current = deflection.current()
    if current is not None:
        current.end(db(), "deflected")
    return redirect(url_for("support.thanks"))


@bp.get("/support/new/thanks")
def thanks():
    return render_template("support/thanks.html", home=current_help_center().page_url("index", current_language()))


@bp.route("/support/new/case", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def case_form():
    """Step 3: the case form, pre-filled from step 1; a valid POST files the case."""
    form = CaseForm().setup()
    current = deflection.current()
    if request.method == "GET":
        draft = current.staging.draft() if current else {}
        for name in ("subject", "description", "product"):
            getattr(form, name).data = draft.get(name)
        form.lang.data = draft.get("lang") or current_language()
        form.from_article.data = draft.get("from")
        return render_case_form(form, current.staging if current else staging.staging_for(staging.new_submission_key()))
    staging.prune_now_and_then(current_app.config["UPLOAD_DIR"])
    # A missing or tampered key starts a fresh, valid one.
    kept = staging.staging_for(form.submission_key.data) or staging.staging_for(staging.new_submission_key())
    existing = cases.case_by_submission_key(db(), kept.key)
    if existing is not None:
        return confirm(existing)
    file_errors = stage_files(form, kept)
    if switched_language(form):
        return render_case_form(form, kept, file_errors)
    if looks_like_spam(form):
        form.form_errors.append(_("Please take a moment to check your case, then send it again."))
        return render_case_form(form, kept, file_errors, status=422)
    if not form.validate() or file_errors:
        return render_case_form(form, kept, file_errors, status=422)
    session["lang"] = form.lang.data
    try:
        case, _created = cases.file_case(
            db(), kept, form.case_fields(request.headers.get("User-Agent", "")),
            deflection=current)
    except Exception:
        log.exception("could not file a case")
        form.form_errors.append(_("We could not record your case just now. Nothing you typed is lost: "
                                  "please send the form again in a moment."))
        return render_case_form(form, kept, status=503)
    return confirm(case)


def confirm(case):
    deflection.forget()
    session[CONFIRMED] = case.id
    return redirect(url_for("support.confirmation"), code=303)


@bp.get("/support/new/confirmation")
def confirmation():
    """Step 4: the reference, what happens next, the private link."""
    confirmed = session.get(CONFIRMED)
    case = db().get(Case, confirmed) if isinstance(confirmed, int) else None
    if case is None:
        return redirect(url_for("support.describe"))
    return render_template(
        "support/confirmation.html", case=case, hotline=vocabulary.hotline(case.lang),
        private_url=public_url("cases.case_view", token=case.token),
        lifecycle=current_help_center().page_url(vocabulary.CASE_LIFECYCLE_ARTICLE, current_language()))


@bp.after_request
def keep_private_pages_private(response):
    """The case form and its confirmation show a case: same rule as the case pages."""
    if request.endpoint in {"support.confirmation", "support.case_form"}:
        keep_private(response)
    return response


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    limits = vocabulary.attachment_limits()
    return render_error(413, "too_large", _(
        "What you sent is too large. Each file may be up to %(size)d MB, at most %(count)d files; "
        "please go back and choose smaller files.", size=limits.max_file_mb, count=limits.max_files))
