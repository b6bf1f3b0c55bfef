"""Draft an article from a solved case: front matter, the question and the solution, no personal data."""
from __future__ import annotations

import pytest

from deflect import lifecycle
from deflect.content import split_front_matter
from deflect.drafts import draft_article, suggested_path
from deflect.lifecycle import Actor
from deflect.store import Case, session_factory
from tests.test_lifecycle import file, staff

HEADINGS = {"question": "La question", "solution": "La solution"}


@pytest.fixture
def solved(app_on_each_store):
    with session_factory(app_on_each_store)() as db:
        case = file(db, subject="Export Excel en échec chez Acme",
                    description="Bonjour, je suis Camille Martin (camille@example.com, +33 6 12 34 56 78). "
                                "L'export Excel échoue depuis 10.0.0.12 ; voir CS-7K3Q9X.",
                    owner_name="Paul Durand", owner_email="paul@example.com")
        agent = Actor.staff(staff(db))
        lifecycle.act(db, case.id, "propose_solution", agent,
                      body="Camille, videz le cache puis relancez l'export (voir https://x.example/t/abc).")
        db.refresh(case)
        yield db, db.get(Case, case.id)


def test_the_draft_has_front_matter_sections_and_no_personal_data(solved):
    db, case = solved
    draft = draft_article(case, HEADINGS)
    meta, body = split_front_matter(draft)
    assert meta["title"] == "Export Excel en échec chez [company]" and meta["tags"] == ["Lumera Reports"]
    assert body.lstrip().startswith("# Export Excel en échec chez [company]\n")
    assert "## La question" in body and "## La solution" in body and "videz le cache" in body
    for private in ("Camille", "Martin", "camille@example.com", "+33 6 12 34 56 78", "10.0.0.12", "CS-7K3Q9X",
                    "Acme", "https://x.example"):
        assert private not in draft, private
    assert suggested_path(case) == "docs/fr/support/export-excel-en-echec-chez-company.md"


def test_a_company_named_without_its_legal_form_and_a_bare_mailbox_name_are_removed(app_on_each_store):
    """Customers write "Nordlicht" for "Nordlicht GmbH" and sign with their address's name part."""
    with session_factory(app_on_each_store)() as db:
        case = file(db, company="Nordlicht GmbH", email="k.weber@nordlicht.example", lang="de",
                    description="Bei Nordlicht lädt der Bericht nicht. Gruß, k.weber")
        lifecycle.act(db, case.id, "propose_solution", Actor.staff(staff(db)), body="Cache leeren, dann neu laden.")
        db.refresh(case)
        draft = draft_article(db.get(Case, case.id), HEADINGS)
    assert "Nordlicht" not in draft and "k.weber" not in draft
    assert "Bei [company] lädt der Bericht nicht" in draft
