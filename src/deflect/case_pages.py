"""The customer's private case page (``/cases/<token>``): follow the case and act on it.

Whoever holds the link sees the case; nobody else can find it: the token is
32 random bytes, and the pages stay out of caches, search engines and the
Referer headers of the sites they link to. The page speaks the case's
language (not the browser's), unless the customer picks another with the
language switch (``?lang=``, which every form of the page carries on).

Every action is a POST that ends in a redirect to the page (POST/redirect/GET:
no "resend the form?" on Back or reload), and each form is taken at most once
(:mod:`deflect.case_actions`). A form with errors is kept as a draft (text and
files) and shown again after the redirect, with its errors.
"""
from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import Any

from flask import (Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for)
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from werkzeug.exceptions import RequestEntityTooLarge

from deflect import case_actions, cases, conversation, staging, vocabulary
from deflect.case_actions import FORMS, AlreadyDone, SurveyForm
from deflect.errors import DeflectError, render_error
from deflect.forms import LostLinkForm
from deflect.i18n import current_language, explicit_language
from deflect.limits import limiter
from deflect.lifecycle import CLOSED, allowed_actions, policy
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
bp.add_app_template_global(conversation.local_time, "local_time")


class CaseNotFound(DeflectError):
    def __init__(self):
        super().__init__(_("This link opens no case. Please check that you copied the whole link from the e-mail, "
                           "or ask for your links again."), status=404, code="case_not_found")


def page_language(case: Case) -> str:
    """The case page's language: the one the language switch chose, else the case's own."""
    return explicit_language() or case.lang


def page_url(case: Case, lang: str, anchor: str | None = None, **args) -> str:
    """The case page's address in ``lang`` (the case's own language needs no ``?lang=``)."""
    return url_for("cases.case_view", token=case.token, lang=None if lang == case.lang else lang, _anchor=anchor,
                   **args)


def for_case(view):
    """Find the case of the link's token, then run ``view(case, lang, …)`` in the page's language.

    A token that opens no case is a translated 404 in the visitor's language;
    a refusal raised by the view is shown in the page's.
    """
    @functools.wraps(view)
    def wrapper(token: str, **kwargs):
        case = cases.case_by_token(db(), token)
        if case is None:
            raise CaseNotFound()
        lang = page_language(case)
        with force_locale(lang):
            try:
                return view(case, lang, **kwargs)
            except DeflectError as refused:
                return render_error(refused.status, refused.code, refused.message)
    return wrapper


def signed_in_email() -> str | None:
    from deflect.my_cases import signed_in_email as signed_in

    return signed_in()


# --- the page ---

def new_forms(case: Case, score: str | None) -> dict[str, Any]:
    """One empty form per action, each with a fresh request key; the survey pre-selects a score."""
    forms = {name: form_class(prefix=name, formdata=None, data={"key": staging.new_submission_key()})
             for name, form_class in FORMS.items()}
    survey: SurveyForm = forms["survey"].setup(policy().survey_scale)
    chosen = score if score in {choice.value for choice in survey.score.choices} else None
    survey.score.data = chosen or (str(case.survey_score) if case.survey_score else None)
    survey.comment.data = case.survey_comment
    return forms


def read_draft(case: Case, key: str | None) -> tuple[str, Any, list, list[str]] | None:
    """Return (form name, form, staged files, file errors) of a draft of this case's page, if ``key`` names one."""
    kept = staging.staging_for(key)
    draft = kept.draft() if kept else {}
    if draft.get("case") != case.id or draft.get("form") not in FORMS:
        return None
    name = draft["form"]
    form = FORMS[name](prefix=name, formdata=None, data={**draft.get("fields", {}), "key": kept.key})
    if isinstance(form, SurveyForm):
        form.setup(policy().survey_scale)
    for field_name, messages in draft.get("errors", {}).items():
        if field_name in form:
            form[field_name].errors = list(messages)
    return name, form, kept.files(), list(draft.get("file_errors", []))


def save_draft(kept: staging.Staging, case: Case, name: str, form, file_errors: list[str] = ()) -> None:
    """Keep what the customer typed (and the errors to show) for the page after the redirect."""
    fields = {field.short_name: field.data for field in form
              if field.short_name not in ("csrf_token", "attachments", "key")}
    kept.save_draft({"case": case.id, "form": name, "fields": fields,
                     "errors": {f.short_name: [str(m) for m in f.errors] for f in form if f.errors},
                     "file_errors": list(file_errors)})


@bp.get("/cases/<token>")
@for_case
def case_view(case: Case, lang: str):
    """The case page: status, who waits for whom, the conversation, and the actions its state allows.

    The survey e-mail links here with ``?score=N#survey``, one link per score.
    Following the link never records anything: a mail scanner that opens
    every link of the message (some do, some even run the page's scripts)
    must not answer the survey seven times. The link opens the page with that
    score already chosen and the optional comment beside it, and the customer
    confirms with one button. Reading never writes: only a POST with the page's
    CSRF token does.
    """
    forms = new_forms(case, request.args.get("score"))
    staged, file_errors, open_form = [], [], None
    draft = read_draft(case, request.args.get("draft"))
    if draft:
        open_form, forms[draft[0]], staged, file_errors = draft
    allowed = allowed_actions(case, case_actions.customer_of(case, signed_in_email()), datetime.now(timezone.utc))
    # A message refused because the case changed meanwhile: its form may be gone, its text stays in sight.
    unsent = (forms[open_form].body.data if open_form and not allowed.get(case_actions.ACTIONS[open_form])
              and "body" in forms[open_form] else None)
    return render_template(
        "cases/case.html", case=case, page_lang=lang, forms=forms, open_form=open_form, staged=staged,
        file_errors=file_errors, allowed=allowed, unsent=unsent,
        entries=conversation.entries(case), outlook=conversation.outlook(case), nudge=conversation.nudge_rule(case),
        escalation_due=conversation.escalation_review_due(case), scale=policy().survey_scale,
        limits=vocabulary.attachment_limits(), products=dict(vocabulary.products()),
        escalation_words=vocabulary.label("keyword", "escalation_request", lang))


#: What the page says once an action is taken (on the case as the action left it).
DONE = {
    "reply": lambda case: _("Your message is added to the case, and the analyst is notified."),
    "nudge": lambda case: _("Done: the analyst knows that you are waiting for news."),
    "escalation": lambda case: _("Your escalation request is sent: a support manager will review it."),
    "accept": lambda case: _("Thank you: the solution is accepted and your case is closed."),
    "reject": lambda case: _("Your case is open again, with the same analyst."),
    "close": lambda case: _("Your case is closed."),
    "survey": lambda case: (_("Thank you for your answer.") if case.status == CLOSED else
                            _("Thank you for your answer. You can change it until the case is closed.")),
}


@bp.post("/cases/<token>/<any(reply, nudge, escalation, accept, reject, close, survey):name>")
@limiter.limit("30 per minute")
@for_case
def case_action(case: Case, lang: str, name: str):
    """Take one action of the page, then go back to the page (with the form kept if it needs fixing)."""
    from deflect.support import stage_files

    form = FORMS[name](prefix=name)
    if isinstance(form, SurveyForm):
        form.setup(policy().survey_scale)
    kept = staging.staging_for(form.key.data)
    if kept is None:
        flash(_("This form is incomplete. Please reload the page and try again."), "error")
        return redirect(page_url(case, lang), code=303)
    if (earlier := case_actions.event_of_request(db(), kept.key)) is not None:
        flash(AlreadyDone().message, "info")
        return redirect(page_url(case, lang, f"event-{earlier.id}"), code=303)
    file_errors = stage_files(form, kept) if name == "reply" else []
    if not form.validate() or file_errors:
        save_draft(kept, case, name, form, file_errors)
        return redirect(page_url(case, lang, name, draft=kept.key), code=303)
    try:
        events = case_actions.act_on(db(), case, name, form, case_actions.customer_of(case, signed_in_email()),
                                     kept)
    except AlreadyDone as done:
        flash(done.message, "info")
        return redirect(page_url(case, lang), code=303)
    except DeflectError as refused:
        flash(refused.message, "error")
        if name in ("reply", "reject", "escalation"):  # nothing typed is lost
            save_draft(kept, case, name, form)
            return redirect(page_url(case, lang, name, draft=kept.key), code=303)
        return redirect(page_url(case, lang), code=303)
    kept.discard()
    flash(DONE[name](case), "success")
    return redirect(page_url(case, lang, f"event-{events[-1].id}"), code=303)


@bp.get("/cases/<token>/files/<int:attachment_id>")
@for_case
def attachment(case: Case, lang: str, attachment_id: int):
    """One file of the case, for the holder of its link only, always as a download (never shown inline)."""
    found = next((item for item in case.attachments if item.id == attachment_id), None)
    path = cases.attachment_path(current_app.config["UPLOAD_DIR"], found.stored_name) if found else None
    if path is None or not path.is_file():
        raise DeflectError(_("This file is not part of this case."), status=404, code="file_not_found")
    response = send_file(path, mimetype="application/octet-stream", as_attachment=True,
                         download_name=found.original_name, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    from deflect.support import too_large as same_as_the_case_form

    return same_as_the_case_form(error)


# --- "I lost my link" ---

def cases_of(email: str, *, include_closed: bool = True) -> list[Case]:
    """The cases whose contact or owner is ``email`` (compared without case), newest first."""
    address = email.strip().lower()
    query = select(Case).where(or_(func.lower(Case.email) == address, func.lower(Case.owner_email) == address))
    if not include_closed:
        query = query.where(Case.status != CLOSED)
    return list(db().scalars(query.order_by(Case.created_at.desc(), Case.id.desc())))


def open_cases_of(email: str) -> list[Case]:
    """The cases not closed yet whose contact or owner is ``email``, newest first."""
    return cases_of(email, include_closed=False)


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
