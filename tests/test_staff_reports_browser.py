"""The managers' reports and an article draft in a real Chromium, checked by axe-core: a manager opens the
reports from the workspace's menu, narrows the period and the language, downloads the CSV; an agent drafts an
article from a solved case and downloads it."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from deflect import lifecycle
from deflect.lifecycle import Actor
from deflect.store import Staff, session_factory
from tests.staff_fixtures import add_member, app, file  # noqa: F401
from tests.test_reports import seed
from tests.test_staff_browser import sign_in

pytestmark = pytest.mark.browser

AXE = Axe()


def no_violations(page) -> None:
    results = AXE.run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_manager_reads_the_reports_changes_the_filters_and_downloads_them(app, live_server, browser):
    with app.app_context(), session_factory(app)() as db:
        seed(db)
    add_member(app, email="maria@lumera.example", name="Maria Manager", role="manager")
    page = browser.new_context(accept_downloads=True).new_page()
    url = live_server.url
    sign_in(page, url, "maria@lumera.example")
    page.click(".deflect-staff-nav a:has-text('Reports')")
    page.wait_for_url(f"{url}/staff/reports")
    no_violations(page)

    page.fill("#report-since", "2026-11-02")
    page.fill("#report-until", "2026-12-01")
    page.click("#report-filter button[type=submit]")
    page.wait_for_url(f"{url}/staff/reports?since=2026-11-02&until=2026-12-01&language=")
    assert page.text_content("#funnel tbody tr:first-child td") == "6"
    assert page.get_attribute("#chart-funnel svg", "role") == "img"
    no_violations(page)

    page.select_option("#report-language", "fr")
    page.click("#report-filter button[type=submit]")
    page.wait_for_url(f"{url}/staff/reports?since=2026-11-02&until=2026-12-01&language=fr")
    assert page.text_content("#funnel tbody tr:first-child td") == "1"
    assert "French" in page.text_content("#report-scope")
    no_violations(page)
    with page.expect_download() as download:
        page.click("#download-csv")
    assert download.value.suggested_filename == "deflect-report-2026-11-02-2026-12-01-fr.csv"
    with open(download.value.path(), encoding="utf-8") as saved:
        assert saved.readline().strip() == "section,lang,key,value"

    page.fill("#report-until", "2026-10-01")  # before the first day: refused, and said next to the field
    page.click("#report-filter button[type=submit]")
    assert page.get_attribute("#report-until", "aria-invalid") == "true"
    assert "The last day must not come before the first day." in page.text_content("#report-problems")
    no_violations(page)


def test_an_agent_drafts_an_article_from_a_solved_case(app, live_server, browser):
    add_member(app)
    case = file(app, lang="it", contact_name="Giulia Bianchi", email="giulia@example.it", phone="+39 02 1234 5678",
                company="Bianchi SpA", subject="Esportazione in Excel interrotta",
                description="Sono Giulia Bianchi (+39 02 1234 5678): l'esportazione in Excel si interrompe.")
    with app.app_context(), session_factory(app)() as db:
        agent = Actor.staff(db.scalar(select(Staff)))
        lifecycle.act(db, case.id, "propose_solution", agent, body="Giulia, divida l'esportazione in due parti.")
    page = browser.new_context(accept_downloads=True).new_page()
    url = live_server.url
    sign_in(page, url)
    page.goto(f"{url}/staff/cases/{case.id}")
    page.click("#draft-article a")
    page.wait_for_url(f"{url}/staff/cases/{case.id}/draft")
    assert page.text_content("#draft-path") == "docs/it/support/esportazione-in-excel-interrotta.md"
    draft = page.text_content("#draft")
    assert "## La domanda" in draft and "## La soluzione" in draft and "divida l'esportazione" in draft
    assert "Giulia" not in draft and "Bianchi" not in draft and "1234 5678" not in draft
    no_violations(page)
    with page.expect_download() as download:
        page.click("#draft-download")
    assert download.value.suggested_filename == "esportazione-in-excel-interrotta.md"
    with open(download.value.path(), encoding="utf-8") as saved:
        assert saved.read() == draft
