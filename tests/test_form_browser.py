"""The support form in a real Chromium, on the real search index: deflection, case, as-you-type."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from deflect.store import Case, Deflection, session_factory

pytestmark = pytest.mark.browser


def stored_deflections(app) -> list[Deflection]:
    with session_factory(app)() as db:
        deflections = db.scalars(select(Deflection)).all()
        for deflection in deflections:
            deflection.suggestions  # load while the store is open
        return deflections


def test_french_customer_is_deflected_by_an_article(app, live_server, page):
    page.goto(f"{live_server.url}/support/new?lang=fr&from=support/contact")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.fill("#subject", "Comment escalader un cas")
    page.fill("#description", "Mon cas n'avance pas, comment escalader un cas auprès du support ?")
    page.select_option("#product", "Lumera Reports")
    page.click("#continue")
    page.wait_for_selector("text=Articles qui pourraient vous répondre")
    first = page.locator("a.deflect-suggestion").first
    title = first.inner_text()
    with page.expect_popup() as popup_info:
        first.click()
    article = popup_info.value
    article.wait_for_load_state()
    assert re.search(r"/fr/support/[\w-]+/", article.url), article.url
    assert article.locator("h1").first.inner_text().replace("¶", "").strip() == title.strip()
    article.close()
    page.click("#solved")
    page.wait_for_selector("text=Ravis de vous avoir aidé")

    [deflection] = stored_deflections(app)
    assert (deflection.outcome, deflection.lang, deflection.from_article, deflection.product) == (
        "deflected", "fr", "support/contact", "Lumera Reports")
    assert "escalader" in deflection.query
    assert deflection.suggestions[0].rank == 1 and deflection.suggestions[0].opened
    assert not any(s.opened for s in deflection.suggestions[1:])
    with session_factory(app)() as db:
        assert db.scalar(select(Case)) is None


def test_german_customer_records_a_case_with_an_attachment(app, live_server, page, tmp_path):
    trace = tmp_path / "trace.log"
    trace.write_bytes(b"2026-11-20 09:14:02 ERROR publish failed: report 4411\n")
    page.goto(f"{live_server.url}/support/new?lang=de&from=support/sla")
    page.fill("#subject", "Erste Antwort bei kritischem Fall")
    page.fill("#description", "Wie lange dauert die erste Antwort bei einem kritischen Fall? Niemand kann sich anmelden.")
    page.select_option("#product", "Lumera Admin Console")
    page.click("#continue")
    page.click("#still-need-help")
    assert page.input_value("#subject") == "Erste Antwort bei kritischem Fall"
    assert page.locator("html").get_attribute("lang") == "de"

    page.fill("#contact_name", "Jonas Weber")
    page.fill("#email", "jonas.weber@example")  # wrong on purpose: the form must keep everything
    page.fill("#company", "Beispiel GmbH")
    page.check("input[name=request_type][value=incident]")
    assert page.locator("#hotline").is_hidden()
    page.check("input[name=severity][value=critical]")
    assert page.locator("#hotline").is_visible() and "+49 30 3080 4100" in page.inner_text("#hotline")
    page.fill("#actual", "Anmeldung schlägt mit Fehler 500 fehl; erwartet: Anmeldung klappt.")
    page.set_input_files("#attachments", str(trace))
    page.check("#include_technical")
    assert "userAgent" in page.inner_text("#technical-preview")
    page.click("#send-case")

    page.wait_for_selector("#email-error")
    assert "E-Mail-Adresse" in page.inner_text("#email-error")
    assert page.input_value("#contact_name") == "Jonas Weber"
    assert "trace.log" in page.inner_text("#kept-files")
    assert page.locator("#hotline").is_visible()
    page.fill("#email", "jonas.weber@example.com")
    page.check("#include_technical")
    page.click("#send-case")

    page.wait_for_selector("#case-reference")
    reference = page.inner_text("#case-reference")
    assert re.fullmatch(r"CS-[0-9A-HJKMNP-TV-Z]{6}", reference)
    assert "/de/support/case-lifecycle/" in page.get_attribute("#lifecycle-link", "href")
    page.click("#private-link")
    page.wait_for_selector("#case-attachments")
    assert reference in page.inner_text("h1") and "trace.log" in page.inner_text("#case-attachments")

    with session_factory(app)() as db:
        [case] = db.scalars(select(Case)).all()
        assert (case.reference, case.lang, case.severity, case.email) == (
            reference, "de", "critical", "jonas.weber@example.com")
        assert "userAgent" in case.technical_details
        [attachment] = case.attachments
        assert attachment.original_name == "trace.log"
        assert attachment.sha256 == hashlib.sha256(trace.read_bytes()).hexdigest()
        assert [event.type for event in case.events] == ["created"]
        deflection = case.deflection
        assert (deflection.outcome, deflection.from_article) == ("case", "support/sla")
        assert [s.rank for s in deflection.suggestions] == list(range(1, len(deflection.suggestions) + 1))
    assert [s.outcome for s in stored_deflections(app)] == ["case"]


def test_suggestions_appear_as_the_customer_types(live_server, page):
    calls = []
    page.on("request", lambda request: calls.append(request.url) if "/api/suggest" in request.url else None)
    page.goto(f"{live_server.url}/support/new?lang=en")
    assert page.locator("#live-suggestions").is_hidden()
    page.locator("#subject").press_sequentially("escalation request", delay=15)
    link = page.locator("#live-suggestions a.deflect-live-link").first
    link.wait_for()
    assert "/support/escalation/" in link.get_attribute("href")
    assert 1 <= len(calls) <= 3, calls  # debounced, not one call per key
    assert "lang=en" in calls[-1]
