""""Draft an article from this case" in the workspace, on SQLite and PostgreSQL: offered for solved and closed
cases only, written in the case's language, shown and downloaded under its path in docs/, without the customer's
personal data, and logged in the audit log."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from deflect import lifecycle
from deflect.content import split_front_matter
from deflect.lifecycle import Actor
from deflect.store import AuditEntry, Staff, session_factory
from tests.staff_fixtures import CHEAP_HASHER, add_member, file, sign_in

CUSTOMER = {
    "lang": "de", "contact_name": "Jonas Weber", "email": "jonas.weber@example.de", "phone": "+49 30 1234567",
    "company": "Nordlicht GmbH", "subject": "Export nach Excel bricht ab",
    "description": "Hallo, hier Jonas Weber von Nordlicht GmbH (jonas.weber@example.de, Tel. +49 30 1234567). "
                   "Der Export nach Excel bricht bei 10.000 Zeilen ab.",
    "actual": "Die Datei bleibt leer.",
}
SOLUTION = ("Guten Tag Herr Weber, teilen Sie den Export in Blöcke von 5.000 Zeilen auf. Bei Fragen: "
            "jonas.weber@example.de antworten oder +49 30 1234567 anrufen lassen.")
PERSONAL = ("Jonas", "Weber", "jonas.weber@example.de", "+49 30 1234567", "1234567", "Nordlicht GmbH")


@pytest.fixture
def workspace(each_store_app):
    """An agent (whose workspace speaks English) signed in, on each store."""
    app = each_store_app
    app.config["STAFF_PASSWORD_HASHER"] = CHEAP_HASHER
    add_member(app)
    client = app.test_client()
    assert sign_in(client).status_code == 302
    return app, client


def act(app, case_id, action, body=None, customer=False):
    with app.app_context(), session_factory(app)() as db:
        actor = Actor.customer(CUSTOMER["email"]) if customer else Actor.staff(db.scalar(select(Staff)))
        lifecycle.act(db, case_id, action, actor, body=body)


def drafted(html_page: str) -> str:
    shown = re.search(r'<pre class="deflect-draft"[^>]*><code>(.*?)</code></pre>', html_page, re.S)
    return html.unescape(shown.group(1))


def test_a_solved_case_is_drafted_in_its_language_without_personal_data(workspace):
    app, client = workspace
    case = file(app, **CUSTOMER)
    act(app, case.id, "propose_solution", SOLUTION)
    assert 'id="draft-article"' in client.get(f"/staff/cases/{case.id}").text
    page = client.get(f"/staff/cases/{case.id}/draft")
    assert page.status_code == 200 and '<html lang="en">' in page.text  # the agent's workspace …
    path = "docs/de/support/export-nach-excel-bricht-ab.md"
    assert f'<code id="draft-path">{path}</code>' in page.text
    draft = drafted(page.text)
    meta, body = split_front_matter(draft)  # … the draft in the case's language, headings too
    assert meta["title"] == "Export nach Excel bricht ab" and meta["description"]
    assert "## Die Frage" in body and "## Die Lösung" in body
    assert "bricht bei 10.000 Zeilen ab" in body and "Blöcke von 5.000 Zeilen" in body
    download = client.get(f"/staff/cases/{case.id}/draft.md")
    assert download.status_code == 200 and download.mimetype == "text/markdown"
    assert download.headers["Content-Disposition"] == 'attachment; filename="export-nach-excel-bricht-ab.md"'
    assert download.text == draft
    for private in PERSONAL:
        assert private not in draft, private
        assert private not in download.text, private
    assert "[name]" in draft and "[e-mail]" in draft and "[phone]" in draft and "[company]" in draft


def test_a_closed_case_can_be_drafted_an_open_one_cannot(workspace):
    app, client = workspace
    case = file(app, **CUSTOMER)
    assert 'id="draft-article"' not in client.get(f"/staff/cases/{case.id}").text
    for url in (f"/staff/cases/{case.id}/draft", f"/staff/cases/{case.id}/draft.md"):
        refused = client.get(url)
        assert refused.status_code == 409 and "Only a solved or closed case" in refused.text
    act(app, case.id, "propose_solution", SOLUTION)
    act(app, case.id, "accept_solution", customer=True)
    assert client.get(f"/staff/cases/{case.id}/draft.md").status_code == 200
    assert client.get("/staff/cases/999999/draft").status_code == 404


def test_drafting_is_in_the_audit_log(workspace):
    app, client = workspace
    case = file(app, **CUSTOMER)
    act(app, case.id, "propose_solution", SOLUTION)
    client.get(f"/staff/cases/{case.id}/draft")
    client.get(f"/staff/cases/{case.id}/draft.md")
    with app.app_context(), session_factory(app)() as db:
        entries = [(entry.action, entry.actor, entry.target, entry.detail)
                   for entry in db.scalars(select(AuditEntry).where(AuditEntry.action.like("article_%"))
                                           .order_by(AuditEntry.id))]
    detail = {"path": "docs/de/support/export-nach-excel-bricht-ab.md"}
    assert entries == [("article_drafted", "alex@lumera.example", case.reference, detail),
                       ("article_draft_downloaded", "alex@lumera.example", case.reference, detail)]
