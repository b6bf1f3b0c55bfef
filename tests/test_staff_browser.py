"""The workspace in a real Chromium: an agent works a case from the queue to its close, with an article;
a manager acknowledges an escalation; the customer's page shows each step."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from deflect import lifecycle
from deflect.lifecycle import Actor
from deflect.store import Case, session_factory
from deflect.vocabulary import label
from tests.staff_fixtures import PASSWORD, add_member, app, file, load, mails  # noqa: F401

pytestmark = pytest.mark.browser
QUESTION = {"subject": "Délai de première réponse",
            "description": "Quel est le délai de première réponse pour un problème modéré ? Et la résolution ?"}


def customer(app, case_id, action, body=None):
    with app.app_context(), session_factory(app)() as db:
        if action == "customer_reply":
            return lifecycle.customer_writes(db, db.get(Case, case_id), Actor.customer("camille@example.com"), body)
        return lifecycle.act(db, case_id, action, Actor.customer("camille@example.com"), body=body)


def sign_in(page, url, email="alex@lumera.example"):
    page.goto(url + "/staff/")
    assert "/staff/login" in page.url
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.deflect-form button[type=submit]")
    page.wait_for_url(url + "/staff/")


def word(app, group, key, lang="en"):
    """A label as a page in ``lang`` shows it (the agent's workspace is in English here)."""
    with app.test_request_context():
        return label(group, key, lang)


def customer_sees(app, customer_page, url, case, status):
    """The customer's private page shows ``status``, in the page's language."""
    customer_page.goto(f"{url}/cases/{case.token}")
    lang = customer_page.get_attribute("html", "lang")
    with app.test_request_context(), force_locale(lang):
        expected = label("status", status)
    assert customer_page.text_content("#case-status").strip() == expected


def test_an_agent_works_a_case_from_the_queue_through_triage_to_its_close(app, live_server, browser):
    add_member(app)
    file(app, severity="general", subject="Question sur les exports")
    file(app, severity="moderate", subject="Graphique mal affiché")
    case = file(app, severity="critical", **QUESTION)  # the newest, and critical: on top at once
    agent = browser.new_context().new_page()
    customer_page = browser.new_context().new_page()
    url = live_server.url
    sign_in(agent, url)
    assert agent.get_attribute("tbody tr:first-child", "data-reference") == case.reference
    agent.click(f"tbody tr:first-child a:has-text('{case.reference}')")
    agent.wait_for_url(f"{url}/staff/cases/{case.id}")
    agent.click("#h-manage ~ form button:has-text('Take')")
    assert agent.text_content("#case-assignee").strip() == "Alex Agent"
    assert "Your question" not in agent.content()

    # Triage with an article: one click puts the section's link into the message.
    agent.click('a.deflect-insert[data-article="support/sla"]')
    typed = agent.input_value("#composer textarea[name=body]")
    assert app.config["PUBLIC_URL"] + "/fr/support/sla/" in typed
    agent.fill("#composer textarea[name=body]", "Bonjour,\nqui est concerné ? Joignez le journal.\n" + typed)
    agent.click("#composer button[value=request_information]")
    assert agent.text_content("#case-status").strip() == word(app, "status", "pending_customer")
    customer_sees(app, customer_page, url, case, "pending_customer")

    customer(app, case.id, "customer_reply", "Tous les utilisateurs. Journal joint.")
    agent.reload()
    assert "Tous les utilisateurs. Journal joint." in agent.text_content("#history")
    agent.click('a.deflect-insert[data-article="support/sla"]')
    agent.click("#composer button[value=propose_solution]")
    assert agent.text_content("#case-status").strip() == word(app, "status", "solved")
    assert load(app, Case, case.id).solved_with_article == "support/sla"
    customer_sees(app, customer_page, url, case, "solved")

    customer(app, case.id, "accept_solution")
    agent.reload()
    assert agent.text_content("#case-status").strip() == word(app, "status", "closed")
    assert agent.locator("#composer button").all_text_contents() == [word(app, "action", "note")]
    customer_sees(app, customer_page, url, case, "closed")
    kinds = [mail.kind for mail in mails(app) if mail.case_id == case.id and mail.recipient == "camille@example.com"]
    # Accepted before the sweep sent the survey: the survey comes with the closure.
    assert kinds == ["acknowledgement", "information_requested", "solution_proposed", "closed", "survey"]
    assert all(mail.lang == "fr" for mail in mails(app) if mail.case_id == case.id and "camille" in mail.recipient)


def test_a_manager_acknowledges_an_escalation_naming_the_two_contacts(app, live_server, browser):
    add_member(app, email="maria@lumera.example", name="Maria Manager", role="manager", language="de")
    case = file(app, severity="moderate", lang="it", subject="Esportazione lenta")
    customer(app, case.id, "customer_reply", "Escalation Request: 40 utenti bloccati, scadenza giovedì.")
    manager = browser.new_context().new_page()
    url = live_server.url
    sign_in(manager, url, "maria@lumera.example")
    assert manager.get_attribute("html", "lang") == "de"  # the manager's language
    manager.click("#escalations-waiting a")
    assert manager.get_attribute("tbody tr:first-child", "data-reference") == case.reference
    manager.click(f"tbody tr:first-child a:has-text('{case.reference}')")
    assert "40 utenti bloccati" in manager.text_content("#history")
    manager.fill("#acknowledge-form input[name=escalation_manager]", "Maria Manager")
    manager.fill("#acknowledge-form input[name=technical_lead]", "Tom Lead")
    manager.click("#acknowledge-form button[type=submit]")
    manager.wait_for_selector(".deflect-flash--success")
    with app.test_request_context(), force_locale("de"):
        acknowledged = label("escalation", "acknowledged")
    assert acknowledged in manager.text_content(".deflect-case-state")
    [mail] = mails(app, "escalation_acknowledged")
    assert mail.lang == "it" and "Responsabile dell'escalation: Maria Manager" in mail.text
    assert "Referente tecnico: Tom Lead" in mail.text
    with app.app_context(), session_factory(app)() as db:
        assert db.scalar(select(Case.escalation).where(Case.id == case.id)) == "acknowledged"
