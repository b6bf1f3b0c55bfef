"""The customer's side of a case in a real Chromium, with and without JavaScript, checked by axe-core.

Two walks, each in two languages, one with JavaScript and one without:
the whole life of a case (filed through the form, information requested by
the agent, a reply with a file, a solution rejected then accepted, the
survey answered from the e-mail's link), and the Nudge, the escalation
request and "My cases" signed in with the e-mailed link. The agent's side
goes through :func:`deflect.lifecycle.act`, as the workspace does.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from deflect import cases, lifecycle
from deflect.lifecycle import Actor
from deflect.staging import Staging, new_submission_key
from deflect.store import Case, CaseEvent, OutgoingMail, Staff, session_factory
from deflect.sweep import sweep

pytestmark = pytest.mark.browser

AXE = Axe()
#: What each language's pages must say at each step (the shared labels come from :func:`labels_in`).
WORDS = {
    "fr": {"added": "Votre message est ajouté", "reopened": "Votre cas est rouvert",
           "thanks": "Merci pour votre réponse", "accepted": "la solution est acceptée",
           "nudged": "l'analyste sait que vous attendez", "available": "Disponible à partir du",
           "sent": "nous venons de lui envoyer un lien", "used": "a expiré"},
    "de": {"added": "Ihre Nachricht wurde dem Fall hinzugefügt",
           "reopened": "Ihr Fall ist wieder offen", "thanks": "Vielen Dank für Ihre Antwort",
           "accepted": "Die Lösung ist angenommen", "nudged": "dass Sie auf Neuigkeiten warten",
           "available": "Verfügbar ab",
           "sent": "haben wir ihr soeben einen Anmeldelink gesendet", "used": "abgelaufen"},
}
DESCRIBE = {
    "fr": ("Publication du rapport impossible", "Le rapport mensuel ne se publie plus depuis ce matin, erreur 500."),
    "de": ("Bericht lässt sich nicht veröffentlichen", "Der Monatsbericht lässt sich seit heute früh nicht mehr "
                                                       "veröffentlichen, Fehler 500."),
}


def check_accessibility(page, js: bool) -> None:
    """axe-core finds no violation on the page.

    axe is a script: on a page without JavaScript it cannot run (Playwright's
    evaluate then waits for ever). The walks without JavaScript show the same
    pages from the same templates (only the moments stay in UTC), and each walk
    also runs with JavaScript, where every one of its pages is checked.
    """
    if js:
        results = AXE.run(page)
        assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def browser_for(browser, live_server, app):
    """A new browser context, with or without JavaScript, in Paris time (so local times differ from UTC)."""
    app.config["PUBLIC_URL"] = live_server.url
    contexts = []

    def open_page(js: bool):
        context = browser.new_context(java_script_enabled=js, timezone_id="Europe/Paris")
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


def agent(app, case_id: int, action: str, body: str) -> None:
    """The agent acts, as the workspace does: through the lifecycle."""
    with app.app_context(), session_factory(app)() as db:
        member = db.scalar(select(Staff)) or Staff(email="alex@lumera.example", name="Alex Agent", role="agent",
                                                   language="en", active=True)
        db.add(member)
        db.commit()
        lifecycle.act(db, case_id, action, Actor.staff(member), body=body)


def the_case(app) -> Case:
    with session_factory(app)() as db:
        case = db.scalars(select(Case).order_by(Case.id.desc())).first()
        case.events, case.attachments  # load them while the store is open
        return case


def event_types(app, case_id: int) -> list[str]:
    with session_factory(app)() as db:
        return list(db.scalars(select(CaseEvent.type).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def last_mail(app, kind: str) -> OutgoingMail:
    with session_factory(app)() as db:
        return db.scalars(select(OutgoingMail).where(OutgoingMail.kind == kind).order_by(OutgoingMail.id.desc())).first()


def labels_in(app, lang: str) -> dict[str, str]:
    """The shared labels the pages show, in ``lang`` (statuses and the escalation state)."""
    from flask_babel import force_locale

    from deflect.vocabulary import label

    with app.test_request_context(), force_locale(lang):
        found = {key: label("status", status) for key, status in (
            ("new", "new"), ("pending", "pending_customer"), ("open", "open"), ("solved", "solved"),
            ("closed", "closed"))}
        found["escalated"] = label("escalation", "requested")
        return found


def status_of(page) -> str:
    return page.inner_text("#case-status")


@pytest.mark.parametrize(("lang", "js"), [("fr", True), ("de", False)], ids=["fr-js", "de-nojs"])
def test_a_case_from_filing_to_the_survey(app, live_server, browser_for, tmp_path, lang, js):
    words = {**WORDS[lang], **labels_in(app, lang)}
    page = browser_for(js)
    subject, description = DESCRIBE[lang]
    page.goto(f"{live_server.url}/support/new?lang={lang}")
    page.fill("#subject", subject)
    page.fill("#description", description)
    page.select_option("#product", "Lumera Reports")
    page.click("#continue")
    page.click("#still-need-help")
    page.fill("#contact_name", "Camille Martin")
    page.fill("#email", "camille@example.com")
    page.fill("#company", "Acme")
    page.fill("#owner_name", "Dominique Owner")
    page.fill("#owner_email", "dominique@example.com")
    page.check("input[name=request_type][value=incident]")
    page.check("input[name=severity][value=moderate]")
    page.fill("#actual", "Erreur 500 / Fehler 500")
    check_accessibility(page, js)
    page.click("#send-case")
    page.click("#private-link")

    # Filed: the page speaks the case's language; the clock says who waits for whom.
    assert page.locator("html").get_attribute("lang") == lang
    assert status_of(page) == words["new"] and page.locator("#case-due time").count() == 1
    due, utc_hour = page.locator("#case-due time"), the_case(app).due_at.strftime("%H:%M")
    if js:  # the reader's time (Paris), the UTC text kept as its title
        assert due.get_attribute("title").endswith(f"{utc_hour} UTC") and utc_hour not in due.inner_text()
    else:
        assert due.inner_text().endswith(f"{utc_hour} UTC")
    check_accessibility(page, js)
    case = the_case(app)
    assert case.owner_email == "dominique@example.com"

    # The agent asks for information; the customer answers with a file.
    agent(app, case.id, "request_information", "Pouvez-vous joindre le journal ? / Bitte senden Sie das Protokoll.")
    page.reload()
    assert status_of(page) == words["pending"] and page.locator("#case-waiting").is_visible()
    log = tmp_path / "server.log"
    log.write_bytes(b"2026-11-20 09:14:02 ERROR publish failed\n")
    page.fill("#reply-body", "Voici le journal. שלום 👋")
    page.set_input_files("#reply-attachments", str(log))
    page.click("#send-reply")
    assert words["added"] in page.inner_text("#notice-1")
    assert status_of(page) == words["open"]
    assert "Voici le journal. שלום 👋" in page.inner_text(".deflect-entry--customer >> nth=-1")
    with page.expect_download() as download:
        page.click("a:has-text('server.log')")
    assert download.value.suggested_filename == "server.log"
    with open(download.value.path(), "rb") as downloaded:
        assert downloaded.read() == log.read_bytes()
    page.reload()  # after POST/redirect/GET, a reload sends nothing again
    assert event_types(app, case.id).count("customer_reply") == 1

    # A solution: the customer says it did not solve it, with a reason; the case reopens.
    agent(app, case.id, "propose_solution", "Videz le cache. / Leeren Sie den Cache.")
    page.reload()
    assert status_of(page) == words["solved"]
    check_accessibility(page, js)
    page.click("#reject summary")
    page.click("#send-reject")  # no reason: refused, nothing changes
    assert page.locator("#reject-body-error").is_visible() and status_of(page) == words["solved"]
    page.fill("#reject-body", "Toujours l'erreur 500. / Immer noch Fehler 500.")
    page.click("#send-reject")
    assert words["reopened"] in page.inner_text("#notice-1") and status_of(page) == words["open"]

    # A second solution; the survey arrives by e-mail, one link per score.
    agent(app, case.id, "propose_solution", "Mise à jour 4.2. / Update 4.2.")
    with app.app_context():
        sweep(app)
    survey = last_mail(app, "survey")
    link = re.search(rf"6: ({re.escape(live_server.url)}/cases/\S+)", survey.text).group(1)
    page.goto(link)
    assert page.is_checked("#survey-score-5")  # score 6 pre-selected; nothing recorded yet
    assert the_case(app).survey_score is None
    page.fill("#survey-comment", "Rapide / Schnell 👍")
    check_accessibility(page, js)
    page.click("#send-survey")
    assert words["thanks"] in page.inner_text("#notice-1")
    assert (the_case(app).survey_score, the_case(app).survey_comment) == (6, "Rapide / Schnell 👍")

    page.click("#accept")
    assert words["accepted"] in page.inner_text("#notice-1") and status_of(page) == words["closed"]
    assert page.locator("#reply-form").count() == 0 and page.locator("#case-closed").is_visible()
    check_accessibility(page, js)
    page.go_back()
    page.reload()
    assert event_types(app, case.id).count("accept_solution") == 1


def file_case(app, lang: str, now: datetime) -> Case:
    fields = {"lang": lang, "contact_name": "Jonas Weber", "email": "jonas@example.com", "phone": None,
              "company": "Beispiel GmbH", "owner_name": None, "owner_email": "chef@example.com",
              "product": "Lumera Reports", "request_type": "question", "severity": "general",
              "subject": "Export <b>CSV</b>", "description": "Wie exportiere ich? <script>alert(1)</script>",
              "intent": None, "steps": None, "actual": None, "supporting_info": None, "technical_details": None}
    with app.app_context(), session_factory(app)() as db:
        case, _ = cases.file_case(db, Staging(app.config["UPLOAD_DIR"], new_submission_key()), fields,
                                  deflection=None, now=now)
        return case


@pytest.mark.parametrize(("lang", "js"), [("de", True), ("fr", False)], ids=["de-js", "fr-nojs"])
def test_nudge_escalation_and_my_cases(app, live_server, browser_for, lang, js):
    words = {**WORDS[lang], **labels_in(app, lang)}
    page = browser_for(js)
    case = file_case(app, lang, datetime.now(timezone.utc) - timedelta(days=8))
    page.goto(f"{live_server.url}/cases/{case.token}")
    assert page.inner_text("h1").endswith("Export <b>CSV</b>")  # markup stays text
    assert "<script>alert(1)</script>" in page.inner_text("#event-" + str(case.events[0].id))

    # Nudge: available after 2 working days without news; then explained until tomorrow.
    page.click("#send-nudge")
    assert words["nudged"] in page.inner_text("#notice-1")
    assert page.is_disabled("#send-nudge") and words["available"] in page.inner_text("#nudge-when")
    assert event_types(app, case.id).count("nudge") == 1

    # Escalation request with the article's reasons and free text.
    page.click("#escalation summary")
    page.check("#escalation-reasons-0")
    page.check("#escalation-reasons-2")
    page.fill("#escalation-body", "Clôture trimestrale jeudi / Quartalsabschluss am Donnerstag")
    check_accessibility(page, js)
    page.click("#send-escalation")
    assert page.inner_text("#case-escalation") == words["escalated"]
    assert page.locator("#escalation-due").is_visible() and page.locator("#send-escalation").count() == 0
    check_accessibility(page, js)

    # My cases: the owner asks for a link, signs in with one button, sees the case.
    page.click("#my-cases-link")
    check_accessibility(page, js)
    page.fill("#email", "CHEF@example.com")
    page.click("#send-sign-in-link")
    assert words["sent"] in page.inner_text("#sign-in-sent")
    check_accessibility(page, js)
    link = re.search(r"\S+/my-cases/sign-in/\S+", last_mail(app, "sign_in_link").text).group(0)
    assert f"lang={lang}" in link
    page.goto(link)
    check_accessibility(page, js)
    page.click("#sign-in")
    assert page.locator("html").get_attribute("lang") == lang
    row = page.locator("#my-cases tbody tr")
    assert row.count() == 1 and case.reference in row.inner_text() and words["open"] not in row.inner_text()
    check_accessibility(page, js)
    page.select_option("#show", "closed")
    page.click("#filter")
    assert page.locator("#no-cases").is_visible()
    page.select_option("#show", "all")
    page.click("#filter")
    page.click(f"text={case.reference}")
    assert page.inner_text("#case-status") == words["new"]

    # The link is used up: a second use is refused, clearly and in the customer's language.
    page.goto(link)
    assert words["used"] in page.inner_text("#sign-in-refused")
    check_accessibility(page, js)
