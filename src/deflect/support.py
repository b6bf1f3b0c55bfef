"""The support form: describe, see the matching articles, then record a case.

Step 1 ``/support/new`` (describe), step 2 is its answer (the suggestions),
step 3 ``/support/new/case`` (the case form), step 4
``/support/new/confirmation``; the private view of a case is ``/cases/<token>``.
What the customer is doing between steps (the *deflection session*: the
articles shown, their ranks, which were opened) rides in their signed session
cookie, its text waits in the form's staging folder, and it is stored only
when it ends: as a deflection, as part of the case, or as abandoned when they
start over.
"""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from flask import (Blueprint, Flask, abort, current_app, redirect, render_template, request, session,
                   url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge

from deflect import cases, feedback, i18n, search, vocabulary
from deflect.errors import render_error
from deflect.forms import CaseForm, DescribeForm
from deflect.helpcenter import current_help_center
from deflect.limits import limiter
from deflect.store import db

log = logging.getLogger(__name__)
bp = Blueprint("support", __name__)
csrf = CSRFProtect()
DEFLECTION = "deflection"
CONFIRMED = "confirmed_case"
SUGGESTIONS = 5


# --- plain functions the views call ---

def language() -> str:
    return str(get_locale() or current_help_center().default_language)


def languages() -> dict[str, str]:
    return dict(current_help_center().language_names)


def find_suggestions(query: str, lang: str) -> list[dict[str, Any]]:
    """Return the articles matching ``query``; none (and a warning in the log) if search fails or is slow.

    The search runs beside the request for at most ``SUGGEST_TIMEOUT_S``: a
    customer who wants to file a case never waits on a stuck index.
    """
    app = current_app._get_current_object()

    def run() -> list[dict[str, Any]]:
        with app.app_context():
            return [suggestion.as_dict() for suggestion in search.suggest(query, lang, limit=SUGGESTIONS)]

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


def site_page(article: str, lang: str) -> str:
    return current_help_center().page_url(article, lang)


def start_deflection(form: DescribeForm, shown: list[dict[str, Any]]) -> None:
    """Start a deflection session: its text beside the form's files, its small record in the cookie.

    The session it replaces is stored as abandoned (unless it is the same
    request sent again); the text stays out of the cookie so that no
    description is ever too long to keep.
    """
    query = f"{form.subject.data}\n{form.description.data}"
    previous = session.get(DEFLECTION)
    key = cases.new_submission_key()
    if previous:
        if cases.load_draft(case_upload_dir(), previous.get("key")).get("query") == query:
            key = previous["key"]
        else:
            cases.record_deflection(db(), deflection_record(), "abandoned")
            cases.discard_staging(case_upload_dir(), previous.get("key"))
    cases.save_draft(case_upload_dir(), key, {
        "query": query, "subject": form.subject.data, "description": form.description.data,
        "product": form.product.data, "lang": form.lang.data, "from": form.article})
    session[DEFLECTION] = {
        "key": key, "product": form.product.data, "lang": form.lang.data, "from": form.article,
        "started": datetime.now(timezone.utc).isoformat(),
        "shown": [{"rank": rank, "id": item["id"], "lang": item.get("lang", form.lang.data),
                   "score": round(float(item.get("score") or 0.0), 4), "anchor": item["url"].partition("#")[2],
                   "opened": False} for rank, item in enumerate(shown, start=1)],
    }


def current_draft() -> dict[str, Any]:
    """Return the step-1 text of the customer's current deflection session, or ``{}``."""
    record = session.get(DEFLECTION) or {}
    return cases.load_draft(case_upload_dir(), record.get("key")) if record else {}


def deflection_record() -> dict[str, Any] | None:
    """Return the current deflection session as the store takes it (record plus query), or None."""
    record = session.get(DEFLECTION)
    if not record:
        return None
    return {**record, "query": current_draft().get("query", "")}


def case_upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def keep_and_stage_files(form: CaseForm, key: str) -> list[str]:
    """Forget the staged files the customer removed, stage the new ones; return the file errors."""
    limits = vocabulary.attachment_limits()
    keep = set(request.form.getlist("keep"))
    for staged in cases.staged_files(case_upload_dir(), key):
        if staged.id not in keep:
            cases.unstage(case_upload_dir(), key, staged.id)
    errors: list[str] = []
    count = len(cases.staged_files(case_upload_dir(), key))
    for upload in request.files.getlist(form.attachments.name):
        if not upload or not upload.filename:
            continue
        name = cases.clean_filename(upload.filename)
        if count >= limits.max_files:
            errors.append(_("%(name)s: at most %(count)d files per case.", name=name, count=limits.max_files))
            continue
        try:
            cases.stage_upload(case_upload_dir(), key, upload.stream, upload.filename,
                               allowed_types=limits.file_types, max_bytes=limits.max_file_bytes)
            count += 1
        except cases.AttachmentRejected as rejected:
            errors.append(file_error(rejected, limits))
    return errors


def file_error(rejected: cases.AttachmentRejected, limits: vocabulary.AttachmentLimits) -> str:
    if rejected.rule == "type":
        return _("%(name)s: this type of file is not accepted (accepted: %(types)s).",
                 name=rejected.name, types=", ".join(limits.file_types))
    if rejected.rule == "size":
        return _("%(name)s: this file is larger than %(size)d MB.", name=rejected.name, size=limits.max_file_mb)
    return _("%(name)s: this file is empty.", name=rejected.name)


def render_case_form(form: CaseForm, key: str, file_errors: list[str] | None = None, status: int = 200):
    return render_template(
        "support/case.html", form=form, submission_key=key, file_errors=file_errors or [],
        staged=cases.staged_files(case_upload_dir(), key), limits=vocabulary.attachment_limits(),
        explanations=vocabulary.severity_explanations(language()), hotline=vocabulary.hotline(language()),
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
    form = DescribeForm().setup(languages())
    if request.method == "GET":
        draft = current_draft()
        form.subject.data = form.subject.data or draft.get("subject")
        form.description.data = form.description.data or draft.get("description")
        form.product.data = request.args.get("product") or draft.get("product")
        form.from_article.data = request.args.get("from") or draft.get("from")
        form.lang.data = language()
        return render_template("support/describe.html", form=form)
    if not form.validate():
        return render_template("support/describe.html", form=form), 422
    session["lang"] = form.lang.data
    shown = find_suggestions(f"{form.subject.data} {form.description.data}", form.lang.data)
    start_deflection(form, shown)
    return render_template("support/suggestions.html", suggestions=shown)


@bp.get("/support/new/open/<int:rank>")
def open_article(rank: int):
    """Note that the customer opened a suggested article, then send them to it."""
    record = session.get(DEFLECTION) or {}
    for shown in record.get("shown", []):
        if shown["rank"] == rank:
            shown["opened"] = True
            session[DEFLECTION] = record
            return redirect(current_help_center().page_url(shown["id"], shown["lang"], shown.get("anchor", "")))
    abort(404)


@bp.post("/support/new/solved")
def solved():
    """"This solved my problem": store the deflection and thank the customer."""
    record = deflection_record()
    if record:
        cases.record_deflection(db(), record, "deflected")
        session.pop(DEFLECTION, None)
        cases.discard_staging(case_upload_dir(), record.get("key"))
    return redirect(url_for("support.thanks"))


@bp.get("/support/new/thanks")
def thanks():
    return render_template("support/thanks.html", home=site_page("index", language()))


@bp.route("/support/new/case", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def case_form():
    """Step 3: the case form, pre-filled from step 1; a valid POST records the case."""
    form = CaseForm().setup(languages())
    if request.method == "GET":
        draft = current_draft()
        for name in ("subject", "description", "product"):
            getattr(form, name).data = draft.get(name)
        form.lang.data = draft.get("lang") or language()
        form.from_article.data = draft.get("from")
        key = (session.get(DEFLECTION) or {}).get("key")
        return render_case_form(form, key if cases.is_submission_key(key) else cases.new_submission_key())
    key = form.submission_key.data
    if not cases.is_submission_key(key):
        key = cases.new_submission_key()  # a tampered key: start a fresh, valid one
    cases.prune_staging(case_upload_dir())
    existing = cases.case_by_submission_key(db(), key)
    if existing is not None:
        return confirm(existing)
    file_errors = keep_and_stage_files(form, key)
    if not form.validate() or file_errors:
        return render_case_form(form, key, file_errors, status=422)
    session["lang"] = form.lang.data
    try:
        case, _created = cases.record_case(
            db(), case_upload_dir(), form.case_fields(form.lang.data, request.headers.get("User-Agent", "")),
            submission_key=key, deflection=deflection_record(), actor=f"customer:{form.email.data}")
    except Exception:
        log.exception("could not record a case")
        form.form_errors.append(_("We could not record your case just now. Nothing you typed is lost: "
                                  "please send the form again in a moment."))
        return render_case_form(form, key, status=503)
    return confirm(case)


def confirm(case):
    session.pop(DEFLECTION, None)
    session[CONFIRMED] = case.token
    return redirect(url_for("support.confirmation"), code=303)


@bp.get("/support/new/confirmation")
def confirmation():
    """Step 4: the reference, what happens next, the private link."""
    case = cases.case_by_token(db(), session.get(CONFIRMED) or "")
    if case is None:
        return redirect(url_for("support.describe"))
    return render_template(
        "support/confirmation.html", case=case,
        private_url=url_for("support.case_view", token=case.token, _external=True),
        lifecycle=site_page(vocabulary.CASE_LIFECYCLE_ARTICLE, language()))


@bp.get("/cases/<token>")
def case_view(token: str):
    """The case as recorded, for whoever holds its private link."""
    case = cases.case_by_token(db(), token) if len(token) <= 64 else None
    if case is None:
        abort(404)
    return render_template("support/case_view.html", case=case,
                           products=dict(vocabulary.products()), request_types=vocabulary.REQUEST_TYPES,
                           severities=vocabulary.SEVERITIES)


@bp.after_request
def keep_private_pages_private(response):
    """Keep case pages out of caches, search engines and other sites' Referer headers."""
    if request.endpoint in {"support.case_view", "support.confirmation", "support.case_form"}:
        response.headers["Cache-Control"] = "private, no-store"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


@bp.errorhandler(CSRFError)
def expired_form(_error):
    return render_error(400, "form_expired", _(
        "This form has expired or was sent from another page. Please go back, reload the page and send it again."))


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    limits = vocabulary.attachment_limits()
    return render_error(413, "too_large", _(
        "What you sent is too large. Each file may be up to %(size)d MB, at most %(count)d files; "
        "please go back and choose smaller files.", size=limits.max_file_mb, count=limits.max_files))


def init_app(app: Flask) -> None:
    from deflect.site import load_help_center

    limits = vocabulary.attachment_limits(load_help_center(Path(app.config["MKDOCS_YML"])))
    # All files at their largest, plus room for the text fields.
    app.config.setdefault("MAX_CONTENT_LENGTH", limits.max_files * limits.max_file_bytes + 2 * 1024 * 1024)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a long case written slowly must still send
    i18n.init_app(app)
    csrf.init_app(app)
    app.context_processor(page_context)
    app.register_blueprint(bp)
    feedback.init_app(app, csrf)


def page_context() -> dict[str, Any]:
    """What every page needs to share the help center's look: stylesheets, site name, languages."""
    if not request or not hasattr(current_app, "extensions") or "deflect.help_center" not in current_app.extensions:
        return {}
    lang = language()
    center = current_help_center()
    return {
        "lang": lang,
        "site_name": center.site_name.get(lang, ""),
        "site_home": site_page("index", lang),
        "site_styles": site_stylesheets(),
        "language_names": center.language_names,
    }


def site_stylesheets() -> list[str]:
    """Return the built site's Material stylesheets (main, then palette), or none if it is not built."""
    root = Path(current_app.config["SITE_DIR"]) / "assets" / "stylesheets"
    found = []
    for stem in ("main", "palette"):
        found += sorted(current_help_center().asset_url(f"assets/stylesheets/{p.name}")
                        for p in root.glob(f"{stem}.*.min.css"))
    return found
