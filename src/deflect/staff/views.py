"""The staff workspace's pages, under ``/staff/``: sign-in, the queue, a case, saved replies, reports, the team.

Every page but the sign-in page and an invitation's link needs a signed-in
staff member (:func:`signed_in_staff_only` runs before each view of the
blueprint, so a new page is closed until proven otherwise); the team, the
reports and the saved replies' editing are for managers. Pages speak the
member's language; what goes to a customer is written in the case's language
by the lifecycle's e-mails.
"""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from functools import wraps
from urllib.parse import urlsplit

from flask import (Blueprint, abort, current_app, flash, g, redirect, render_template, request, send_file, url_for)
from babel import Locale, UnknownLocaleError, dates
from flask_babel import get_locale, gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from deflect import cases, reports, vocabulary
from deflect.case_pages import keep_private
from deflect.conversation import escalation_review_due
from deflect.errors import DeflectError
from deflect.helpcenter import current_help_center
from deflect.lifecycle import Actor, CaseChanged, LifecycleError, allowed_actions, policy
from deflect.limits import limiter
from deflect.links import public_url
from deflect.mail import outbox
from deflect.staff import auth, casework, forms
from deflect.staff import reports as report_page
from deflect.staff.queue import QueueFilter, load_queue
from deflect.store import Attachment, AuditEntry, Case, SavedReply, Staff, db

log = logging.getLogger(__name__)
bp = Blueprint("staff", __name__, url_prefix="/staff")
#: The only pages open without a session: signing in, and an invitation's own link (itself a secret).
PUBLIC = frozenset({"staff.login", "staff.welcome"})
#: The forms of a case page: the URL's last part → (form, lifecycle action; the composer's comes from its button).
CASE_FORMS: dict[str, tuple[type[forms.CaseActionForm], str | None]] = {
    "message": (forms.ComposerForm, None),
    "severity": (forms.SeverityForm, "change_severity"),
    "assign": (forms.AssignForm, "assign"),
    "take": (forms.CaseActionForm, "take"),
    "escalate": (forms.EscalateForm, "escalate"),
    "acknowledge": (forms.AcknowledgeForm, "acknowledge_escalation"),
    "close-escalation": (forms.CloseEscalationForm, "close_escalation"),
}
DONE = {
    "reply": _l("Your reply was sent to the customer."),
    "note": _l("Internal note added."),
    "request_information": _l("Your question was sent: the case waits for the customer, its clock paused."),
    "propose_solution": _l("Solution proposed: the customer is asked to accept it."),
    "reopen": _l("The case is open again."),
    "assign": _l("Assignment saved."),
    "change_severity": _l("Severity changed."),
    "escalate": _l("Escalation requested: the managers are told."),
    "acknowledge_escalation": _l("Escalation acknowledged: the customer is told."),
    "close_escalation": _l("Escalation closed: the customer is told."),
}


def me() -> Staff:
    return current_user.member


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


@bp.before_request
def signed_in_staff_only():
    """Let only a signed-in, active staff member whose session has not expired past; speak their language."""
    if request.endpoint in PUBLIC:
        return None
    if not current_user.is_authenticated:
        return auth.login_manager.unauthorized()
    if auth.session_expired():
        auth.end_session()
        flash(_("Your session has expired. Please sign in again."), "error")
        return auth.login_manager.unauthorized()
    g.page_language = me().language
    return None


bp.after_request(keep_private)


@bp.context_processor
def workspace_context():
    """What every workspace page shows: the member, the workspace's home, times and labels in their language.

    ``label`` is :func:`deflect.vocabulary.label`, remembered for the page: a
    queue shows the same few labels fifty times.
    """
    known: dict[tuple, str] = {}

    def remembered_label(group: str, key: str, lang: str | None = None) -> str:
        if (group, key, lang) not in known:
            known[group, key, lang] = vocabulary.label(group, key, lang)
        return known[group, key, lang]

    return {"me": me() if current_user.is_authenticated else None, "language_names": None,
            "site_home": url_for("staff.queue"), "time_left": time_left, "when": when, "label": remembered_label,
            "language_name": language_name,
            "is_manager": current_user.is_authenticated and current_user.is_manager}


def manager_only(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_manager:
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def time_left(delta) -> str:
    """"3 hours left" or "overdue by 20 minutes", in the page's language."""
    locale = get_locale()
    if delta.total_seconds() < 0:
        return _("overdue by %(time)s", time=dates.format_timedelta(-delta, threshold=1, locale=locale))
    return _("%(time)s left", time=dates.format_timedelta(delta, threshold=1, locale=locale))


def language_name(code: str) -> str:
    """The name of a language in the page's language ("Französisch" on a German page).

    >>> from babel import Locale
    >>> Locale.parse("fr").get_display_name(Locale.parse("de"))
    'Französisch'
    """
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code


def when(moment: datetime | None) -> str:
    """A moment in UTC, written the page language's short way."""
    if not moment:
        return ""
    return dates.format_datetime(moment, "short", tzinfo=timezone.utc, locale=get_locale()) + " UTC"


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a page of the workspace, never another site."""
    parts = urlsplit(target or "")
    if parts.scheme or parts.netloc or not parts.path.startswith("/staff/") or "\\" in target:
        return url_for("staff.queue")
    return target


# --- signing in and out ---

@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(auth.LOGIN_LIMIT_PER_IP, methods=["POST"])
@limiter.limit(auth.LOGIN_LIMIT_PER_ACCOUNT, methods=["POST"], key_func=auth.login_account_key,
               deduct_when=lambda response: response.status_code != 302)
def login():
    """Sign in with an e-mail address and a password."""
    form = forms.LoginForm()
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(url_for("staff.queue"))
        form.next.data = request.args.get("next", "")
        return render_template("staff/login.html", form=form)
    if not form.validate():
        return render_template("staff/login.html", form=form), 422
    member = auth.authenticate(db(), form.email.data, form.password.data)
    if member is None:
        known = auth.member_by_email(db(), form.email.data)
        auth.audit(db(), "sign_in_refused", member=known, actor=auth.normalize_email(form.email.data))
        db().commit()
        form.form_errors.append(_("This e-mail address and password do not match an active account."))
        return render_template("staff/login.html", form=form), 401
    auth.start_session(member)
    auth.audit(db(), "sign_in", member=member)
    db().commit()
    return redirect(safe_next(form.next.data))


@bp.errorhandler(429)
def too_many_attempts(_error):
    form = forms.LoginForm()
    form.form_errors.append(_("Too many sign-in attempts. Please wait a few minutes, then try again."))
    return render_template("staff/login.html", form=form), 429


@bp.post("/logout")
def logout():
    auth.audit(db(), "sign_out", member=me())
    db().commit()
    auth.end_session()
    flash(_("You are signed out."), "success")
    return redirect(url_for("staff.login"))


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def welcome(token: str):
    """An invitation's link: the new member (or one who asked for a new password) chooses a password."""
    member = auth.member_of_invitation(db(), token)
    if member is None:
        flash(_("This link is no longer valid. Please ask a manager for a new one."), "error")
        return redirect(url_for("staff.login"))
    g.page_language = member.language
    form = forms.NewPasswordForm()
    if not form.validate_on_submit():
        return render_template("staff/welcome.html", form=form, member=member,
                               min_password=auth.MIN_PASSWORD), 422 if form.errors else 200
    auth.set_password(member, form.password.data)
    auth.audit(db(), "password_chosen", member=member)
    db().commit()
    flash(_("Your password is saved. Please sign in."), "success")
    return redirect(url_for("staff.login"))


# --- the queue ---

@bp.get("/")
def queue():
    """Open work, most urgent first, with the filters and search the agent chose."""
    center = current_help_center()
    chosen = QueueFilter.from_args(request.args, languages=center.languages, products=center.products)
    page = load_queue(db(), chosen, me().id, now_utc())
    return render_template("staff/queue.html", page=page, chosen=chosen, team=casework.team(db()),
                           products=vocabulary.products(), languages=center.language_names)


# --- a case ---

def case_or_404(case_id: int) -> Case:
    found = db().get(Case, case_id)
    if found is None:
        abort(404)
    return found


def render_case(case: Case, *, posted: forms.CaseActionForm | None = None, kind: str | None = None,
                problem: str | None = None, status: int = 200, seen_now: bool = False):
    """The case page; after a refused change, with the agent's form as they sent it and why.

    ``seen_now``: the agent now sees the case as it is (it changed under their
    form), so the form they send again applies to this version.
    """
    members = casework.team(db())
    built = {name: form_class(formdata=None) for name, (form_class, _action) in CASE_FORMS.items()}
    built["assign"].setup(members)
    built["assign"].assignee.data = str(case.assignee_id or "")
    built["severity"].severity.data = case.severity
    if (inserted := request.args.get("insert")) and current_help_center().has_article(inserted):
        match = next((m for m in casework.matching_articles(case) if m.article == inserted), None)
        url = match.url if match else casework.absolute(current_help_center().page_url(inserted, case.lang))
        title = match.title if match else casework.article_title(inserted, case.lang)
        built["message"].body.data, built["message"].article.data = f"{title}: {url}", inserted
    if (saved := request.args.get("saved", "")).isdigit() and (reply := db().get(SavedReply, int(saved))):
        built["message"].body.data = reply.body
    for form in built.values():
        form.version.data = case.version
    if posted is not None and kind is not None:
        if isinstance(posted, forms.AssignForm):
            posted.setup(members)
        if seen_now:
            posted.version.raw_data, posted.version.data = [], case.version
        built[kind] = posted
    allowed = allowed_actions(case, Actor.staff(me()))
    return render_template(
        "staff/case.html", case=case, forms=built, problem=problem, allowed=allowed,
        composer_actions=[action for action in forms.COMPOSER_ACTIONS if allowed.get(action)],
        members_by_id={member.id: member for member in db().scalars(select(Staff))}, history=casework.history(case),
        tried=casework.tried_first(db(), case), articles=casework.matching_articles(case),
        saved_replies=casework.saved_replies(db(), case.lang), products=dict(vocabulary.products()),
        draftable=case.status in casework.DRAFTABLE,
        languages=current_help_center().language_names, now=now_utc(),
        review_due=escalation_review_due(case)), status


@bp.get("/cases/<int:case_id>")
def case_view(case_id: int):
    """Everything about a case, what the customer tried first, the matching articles, and the actions."""
    return render_case(case_or_404(case_id))


@bp.post("/cases/<int:case_id>/<kind>")
def case_action(case_id: int, kind: str):
    """Change a case through the lifecycle; a refusal shows the page again with what the agent typed."""
    if kind not in CASE_FORMS:
        abort(404)
    case = case_or_404(case_id)
    form_class, action = CASE_FORMS[kind]
    form = form_class()
    if isinstance(form, forms.AssignForm):
        form.setup(casework.team(db()))
    if not form.validate():
        if form.version.errors:  # not a form of ours: nothing tells which version of the case it saw
            return render_case(case, posted=form, kind=kind, status=400, problem=_(
                "This form has expired or was sent from another page. Please send it again."))
        return render_case(case, posted=form, kind=kind, status=422)
    if isinstance(form, forms.SeverityForm) and form.severity.data == case.severity:
        form.severity.errors.append(_("This is already the case's severity."))
        return render_case(case, posted=form, kind=kind, status=422)
    try:
        event = casework.perform(db(), case, action, me(), form)
    except CaseChanged as changed:
        db().rollback()
        return render_case(db().get(Case, case_id), posted=form, kind=kind, problem=changed.message, status=409,
                           seen_now=True)
    except LifecycleError as refused:
        db().rollback()
        return render_case(db().get(Case, case_id), posted=form, kind=kind, problem=refused.message,
                           status=refused.status, seen_now=True)
    log.info("staff %s (%s) did %s on case %s", me().id, me().email, event.type, case.reference)
    flash(str(DONE.get(event.type, _("Done."))), "success")
    return redirect(url_for("staff.case_view", case_id=case_id), code=303)


@bp.get("/cases/<int:case_id>/files/<int:attachment_id>")
def attachment(case_id: int, attachment_id: int):
    """A case's file, always downloaded (never shown inline, whatever it claims to be)."""
    item = db().get(Attachment, attachment_id)
    if item is None or item.case_id != case_id:
        abort(404)
    path = cases.attachment_path(current_app.config["UPLOAD_DIR"], item.stored_name)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype="application/octet-stream", as_attachment=True,
                         download_name=item.original_name, max_age=0, conditional=False)
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def drafted_case(case_id: int) -> tuple[Case, casework.ArticleDraft]:
    """A solved or closed case and its article draft (409 for a case whose solution is not known yet)."""
    case = case_or_404(case_id)
    if case.status not in casework.DRAFTABLE:
        raise DeflectError(_("Only a solved or closed case can be drafted as an article."), status=409,
                           code="not_solved")
    return case, casework.article_draft(case)


@bp.get("/cases/<int:case_id>/draft")
def article_draft(case_id: int):
    """"Draft an article from this case": the Markdown for review and where it goes; logged, as it copies case text."""
    case, draft = drafted_case(case_id)
    auth.audit(db(), "article_drafted", member=me(), target=case.reference, detail={"path": draft.path})
    db().commit()
    return render_template("staff/draft.html", case=case, draft=draft)


@bp.get("/cases/<int:case_id>/draft.md")
def article_draft_download(case_id: int):
    """The draft as a Markdown file named for its place under ``docs/<lang>/``; logged."""
    case, draft = drafted_case(case_id)
    auth.audit(db(), "article_draft_downloaded", member=me(), target=case.reference, detail={"path": draft.path})
    db().commit()
    response = current_app.response_class(draft.markdown, mimetype="text/markdown")
    response.headers["Content-Disposition"] = f'attachment; filename="{draft.file_name}"'
    return response


# --- saved replies ---

@bp.get("/replies")
def replies():
    """The saved replies of every language (managers edit them; agents insert them into a reply)."""
    return render_template("staff/replies.html", replies=casework.saved_replies(db()),
                           languages=current_help_center().language_names)


@bp.route("/replies/new", methods=["GET", "POST"], defaults={"reply_id": None})
@bp.route("/replies/<int:reply_id>", methods=["GET", "POST"])
@manager_only
def edit_reply(reply_id: int | None):
    reply = db().get(SavedReply, reply_id) if reply_id is not None else SavedReply()
    if reply is None:
        abort(404)
    form = forms.SavedReplyForm(obj=reply if reply_id else None).setup()
    if request.method == "GET" and reply_id is None:
        form.lang.data = me().language
    if not form.validate_on_submit():
        return render_template("staff/reply.html", form=form, reply=reply), 422 if form.errors else 200
    form.populate_obj(reply)
    reply.updated_at, reply.updated_by_id = now_utc(), me().id
    if reply_id is None:
        reply.created_at = reply.updated_at
        db().add(reply)
    db().flush()
    auth.audit(db(), "saved_reply_saved" if reply_id else "saved_reply_added", member=me(),
               target=f"saved reply {reply.id}", detail={"lang": reply.lang, "title": reply.title})
    db().commit()
    flash(_("Saved reply saved."), "success")
    return redirect(url_for("staff.replies"), code=303)


@bp.post("/replies/<int:reply_id>/delete")
@manager_only
def delete_reply(reply_id: int):
    reply = db().get(SavedReply, reply_id)
    if reply is None:
        abort(404)
    auth.audit(db(), "saved_reply_deleted", member=me(), target=f"saved reply {reply.id}",
               detail={"lang": reply.lang, "title": reply.title, "body": reply.body})
    db().delete(reply)
    db().commit()
    flash(_("Saved reply deleted."), "success")
    return redirect(url_for("staff.replies"), code=303)


# --- the team (managers) ---

def render_team(invite: forms.InviteForm | None = None, status: int = 200):
    members = list(db().scalars(select(Staff).order_by(Staff.active.desc(), Staff.name, Staff.id)))
    return render_template("staff/team.html", members=members, invite=invite or forms.InviteForm(formdata=None).setup(),
                           roles=forms.ROLE_LABELS,
                           languages=current_help_center().language_names), status


@bp.get("/team")
@manager_only
def team():
    return render_team()


def send_link(member: Staff, kind: str) -> None:
    """Queue the invitation e-mail (a link to choose a password), and log who sent it."""
    link = public_url("staff.welcome", token=auth.invitation_token(member))
    outbox.queue_staff_invitation(member, link, me().name, valid_days=auth.INVITATION_DAYS, now=now_utc())
    auth.audit(db(), kind, member=me(), target=member.email)


@bp.post("/team/invite")
@manager_only
def invite():
    """Invite a new member: an account without a password, and an e-mail with a link to choose one."""
    form = forms.InviteForm().setup()
    if form.validate() and auth.member_by_email(db(), form.email.data) is not None:
        form.email.errors.append(_("A member of the team already has this address."))
    if form.errors:
        return render_team(form, 422)
    member = Staff(email=auth.normalize_email(form.email.data), name=form.name.data, role=form.role.data,
                   language=form.language.data, active=True, password_hash=None, created_at=now_utc())
    db().add(member)
    db().flush()
    send_link(member, "invite")
    db().commit()
    flash(_("Invitation sent to %(email)s.", email=member.email), "success")
    return redirect(url_for("staff.team"), code=303)


def member_or_404(member_id: int) -> Staff:
    member = db().get(Staff, member_id)
    if member is None:
        abort(404)
    return member


@bp.post("/team/<int:member_id>/<change>")
@manager_only
def change_member(member_id: int, change: str):
    """Disable or enable an account, change its role, or send a new link to choose a password."""
    member = member_or_404(member_id)
    if change not in ("disable", "enable", "role", "link"):
        abort(404)
    form = forms.RoleForm().setup()
    if change == "role" and not form.validate():
        abort(400)
    if member.id == me().id and change in ("disable", "role"):
        flash(_("You cannot disable yourself or change your own role."), "error")
        return redirect(url_for("staff.team"), code=303)
    if change == "link":
        send_link(member, "password_link")
        flash(_("A link to choose a password was sent to %(email)s.", email=member.email), "success")
    else:
        before = {"active": member.active, "role": member.role}
        if change == "role":
            member.role = form.role.data
        else:
            member.active = change == "enable"
        auth.audit(db(), f"member_{change}d" if change != "role" else "member_role_changed", member=me(),
                   target=member.email, detail={"before": before, "role": member.role, "active": member.active})
        flash(_("%(name)s: saved.", name=member.name), "success")
    db().commit()
    return redirect(url_for("staff.team"), code=303)


@bp.get("/team/log")
@manager_only
def audit_log():
    """The last staff actions outside cases' histories (sign-ins, invitations, saved replies …)."""
    entries = db().scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(200))
    return render_template("staff/log.html", entries=list(entries))


# --- reports (managers) ---

def asked_report() -> tuple[report_page.FilterForm, dict[str, list[str]], reports.Report | None]:
    """The filter the manager sent, its problems in their words, and the report (None while there are problems)."""
    today = now_utc().date()
    asked = report_page.read_filter(request.args, languages=current_help_center().languages, today=today)
    problems = {name: [report_page.problem_text(code, today) for code in codes]
                for name, codes in asked.problems.items()}
    report = reports.build_report(db(), asked.chosen.period, policy(), now_utc()) if asked.chosen else None
    return asked, problems, report


@bp.get("/reports")
@manager_only
def report():
    """Every figure of ``deflect report`` for the period and language asked: charts, and tables of the same figures."""
    asked, problems, figures = asked_report()
    charts = report_page.charts(figures) if figures is not None else None
    return render_template("staff/reports.html", asked=asked, problems=problems, report=figures, charts=charts,
                           stages=report_page.STAGES, languages=current_help_center().language_names,
                           article_title=casework.article_title, page_url=current_help_center().page_url,
                           number=report_page.number, percent=report_page.percent,
                           week_of=report_page.week_of), 200 if figures else 400


@bp.get("/reports.csv", defaults={"form": "csv"})
@bp.get("/reports.json", defaults={"form": "json"})
@manager_only
def report_download(form: str):
    """The page's figures as ``deflect report`` writes them: CSV for spreadsheets, JSON for scripts."""
    asked, problems, figures = asked_report()
    if figures is None:
        raise DeflectError(" ".join(text for texts in problems.values() for text in texts), code="bad_filter")
    mimetype = "text/csv" if form == "csv" else "application/json"
    response = current_app.response_class(reports.export(figures, form), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{asked.chosen.file_name(form)}"'
    return response


# --- the member's own settings ---

@bp.route("/profile", methods=["GET", "POST"])
def profile():
    """The member's name and workspace language, and their password."""
    form = forms.ProfileForm(obj=me()).setup()
    password = forms.ChangePasswordForm(formdata=None)
    if form.validate_on_submit():
        before = {"name": me().name, "language": me().language}
        form.populate_obj(me())
        auth.audit(db(), "profile_changed", member=me(), detail={"before": before})
        db().commit()
        flash(_("Saved."), "success")
        return redirect(url_for("staff.profile"), code=303)
    return render_template("staff/profile.html", form=form, password=password), 422 if form.errors else 200


@bp.post("/profile/password")
def change_password():
    form = forms.ProfileForm(obj=me(), formdata=None).setup()
    password = forms.ChangePasswordForm()
    if password.validate() and auth.authenticate(db(), me().email, password.current.data) is None:
        password.current.errors.append(_("This is not your current password."))
    if password.errors:
        return render_template("staff/profile.html", form=form, password=password), 422
    auth.set_password(me(), password.password.data)
    auth.audit(db(), "password_changed", member=me())
    db().commit()
    auth.start_session(me())  # the new password ended every session, this one included: start a new one
    db().commit()
    flash(_("Your password is changed. Your other sessions are signed out."), "success")
    return redirect(url_for("staff.profile"), code=303)
