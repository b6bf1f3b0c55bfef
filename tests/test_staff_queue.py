"""The queue on SQLite and PostgreSQL: most urgent first, time left, overdue, filters, search, views, taking."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from deflect import lifecycle
from deflect.lifecycle import Actor
from deflect.staff.queue import QueueFilter, load_queue
from deflect.store import Case, Staff, session_factory
from tests.staff_fixtures import add_member, app, file, load, post, sign_in  # noqa: F401

PARIS = timezone(timedelta(hours=1))
#: Wednesday 2026-11-18, 11:00 in Paris: working time.
NOW = datetime(2026, 11, 18, 11, 0, tzinfo=PARIS)
LANGUAGES, PRODUCTS = ("en", "de", "fr", "it", "es"), ("Lumera Reports", "Lumera Data Hub")


@pytest.fixture
def store(app_on_each_store):
    with session_factory(app_on_each_store)() as db:
        yield db


def member(db, name="Alex Agent", role="agent") -> Staff:
    found = Staff(email=f"{name.split()[0].lower()}@lumera.example", name=name, role=role, language="en")
    db.add(found)
    db.commit()
    return found


def references(page) -> list[str]:
    return [row.case.reference for row in page.rows]


def test_most_urgent_first_with_time_left_and_overdue_marked(app_on_each_store, store):
    app = app_on_each_store
    general = file(app, NOW - timedelta(hours=1), severity="general")
    late = file(app, NOW - timedelta(days=3), severity="moderate")  # 4 business hours passed long ago
    fresh = file(app, NOW - timedelta(minutes=30), severity="moderate")
    waiting = file(app, NOW - timedelta(hours=2), severity="critical")
    lifecycle.act(store, waiting.id, "request_information", Actor.staff(member(store)), body="Logs ?",
                  now=NOW - timedelta(hours=1))
    critical = file(app, NOW - timedelta(minutes=5), severity="critical")  # filed last, on top at once
    closed = file(app, NOW - timedelta(days=1), severity="critical")
    lifecycle.act(store, closed.id, "close", Actor.customer("camille@example.com"), now=NOW - timedelta(hours=20))
    page = load_queue(store, QueueFilter(), 0, NOW)
    assert references(page) == [critical.reference, waiting.reference, late.reference, fresh.reference,
                                general.reference]
    rows = {row.case.reference: row for row in page.rows}
    assert rows[critical.reference].time_left == timedelta(minutes=55) and not rows[critical.reference].overdue
    assert rows[late.reference].overdue and rows[late.reference].time_left < timedelta(0)
    assert rows[waiting.reference].time_left is None  # the clock stands still while the customer answers
    assert page.total == 5 and page.counts == {"all": 5, "mine": 0, "unassigned": 5, "escalations": 0}


def test_filters_and_views(app_on_each_store, store):
    app = app_on_each_store
    alex, maria = member(store), member(store, "Maria Manager", "manager")
    mine = file(app, NOW, severity="critical", lang="de", product="Lumera Data Hub")
    lifecycle.act(store, mine.id, "assign", Actor.staff(alex), data={"assignee_id": alex.id}, now=NOW)
    theirs = file(app, NOW, severity="general", lang="fr")
    lifecycle.act(store, theirs.id, "assign", Actor.staff(maria), data={"assignee_id": maria.id}, now=NOW)
    escalated = file(app, NOW, severity="moderate", lang="es")
    lifecycle.act(store, escalated.id, "request_escalation", Actor.customer("camille@example.com"),
                  body="Impact: 40 users", now=NOW)
    solved = file(app, NOW, severity="moderate")
    lifecycle.act(store, solved.id, "propose_solution", Actor.staff(alex), body="Voici", now=NOW)

    def found(me=alex.id, **args):
        chosen = QueueFilter.from_args(args, languages=LANGUAGES, products=PRODUCTS)
        return set(references(load_queue(store, chosen, me, NOW)))

    assert found() == {mine.reference, theirs.reference, escalated.reference}
    assert found(view="mine") == {mine.reference}
    assert found(view="unassigned") == {escalated.reference}
    assert found(view="escalations") == found(escalated="1") == {escalated.reference}
    assert found(status="solved") == {solved.reference}
    assert len(found(status="any")) == 4
    assert found(severity="critical") == {mine.reference}
    assert found(language="fr") == {theirs.reference}
    assert found(product="Lumera Data Hub") == {mine.reference}
    assert found(assignee=str(maria.id)) == {theirs.reference}
    assert found(severity="bogus", language="xx", page="-1", status="DROP TABLE") == found()  # bad values dropped
    counts = load_queue(store, QueueFilter(), alex.id, NOW).counts
    assert counts == {"all": 3, "mine": 1, "unassigned": 1, "escalations": 1}
    row = load_queue(store, QueueFilter(view="escalations"), alex.id, NOW).rows[0]
    assert row.review_due == NOW + timedelta(hours=4)  # support/escalation: 4 business hours


@pytest.mark.parametrize("text, expected", [
    ("{reference}", {"first"}), ("  {lower_reference} ", {"first"}), ("camille@", {"first"}),
    ("OWNER@corp.example", {"second"}), ("acme", {"first"}), ("Globex Corp", {"second"}),
    ("rapport publie", {"first"}), ("PUBLIE rapport", {"first"}), ("Export", {"second"}),
    ("100%", set()), ("_", set()), ("nothing like this", set()),
])
def test_search_by_reference_email_company_or_subject_words(app_on_each_store, store, text, expected):
    app = app_on_each_store
    first = file(app, NOW)
    second = file(app, NOW, email="jo@globex.example", company="Globex Corp", owner_email="owner@corp.example",
                  subject="Export Excel vide")
    names = {first.reference: "first", second.reference: "second"}
    text = text.format(reference=first.reference, lower_reference=first.reference.lower())
    chosen = QueueFilter.from_args({"q": text}, languages=LANGUAGES, products=PRODUCTS)
    assert {names[r] for r in references(load_queue(store, chosen, 0, NOW))} == expected


def test_the_queue_page_paginates_and_keeps_filters(app, client):
    add_member(app)
    for number in range(53):
        file(app, NOW - timedelta(minutes=number), severity="general", subject=f"Question {number}")
    sign_in(client)
    first = client.get("/staff/?severity=general")
    assert first.text.count('class="deflect-queue__row') == 50 and "Cases: 53" in first.text
    assert 'href="/staff/?severity=general&amp;page=2"' in first.text
    second = client.get("/staff/?severity=general&page=2")
    assert second.text.count('class="deflect-queue__row') == 3
    assert client.get("/staff/?page=999").text.count('class="deflect-queue__row') == 3  # the last page


def test_the_queue_page_shows_time_left_overdue_and_the_escalations_to_managers(app, client):
    add_member(app)
    add_member(app, email="maria@lumera.example", name="Maria Manager", role="manager")
    now = datetime.now(timezone.utc)
    file(app, now - timedelta(days=8), severity="moderate", subject="Very late")
    escalated = file(app, now, severity="critical", subject="Escalated one")
    with app.app_context(), session_factory(app)() as db:
        lifecycle.act(db, escalated.id, "request_escalation", Actor.customer("camille@example.com"), body="40 users")
    sign_in(client)
    page = client.get("/staff/").text
    assert "deflect-queue__row--overdue" in page and "overdue by" in page and "left" in page
    assert page.index("Escalated one") < page.index("Very late")  # critical first
    assert "Escalation requested" in page and "review due" in page
    assert "escalations-waiting" not in page  # the banner is for managers
    manager = app.test_client()
    sign_in(manager, "maria@lumera.example")
    assert "Escalation requests waiting for a manager’s review: 1" in manager.get("/staff/").text


def test_take_assign_and_hand_over(app, client):
    alex = add_member(app)
    maria = add_member(app, email="maria@lumera.example", name="Maria Manager", role="manager")
    case = file(app)
    sign_in(client)
    taken = post(client, f"/staff/cases/{case.id}/take", {"version": case.version})
    assert taken.status_code == 303 and load(app, Case, case.id).assignee_id == alex
    assert case.reference in client.get("/staff/?view=mine").text
    current = load(app, Case, case.id)
    handed = post(client, f"/staff/cases/{case.id}/assign", {"version": current.version, "assignee": str(maria),
                                                             "body": "Maria knows this customer."})
    assert handed.status_code == 303
    after = load(app, Case, case.id)
    assert after.assignee_id == maria
    page = client.get(f"/staff/cases/{case.id}").text
    assert "Maria knows this customer." in page and "deflect-event--internal" in page
    # A second "take" sent from an old page of the queue: the case changed meanwhile.
    stale = post(client, f"/staff/cases/{case.id}/take", {"version": case.version})
    assert stale.status_code == 409 and "This case changed while you were writing" in stale.text
    assert load(app, Case, case.id).assignee_id == maria
    forged = post(client, f"/staff/cases/{case.id}/assign", {"version": after.version, "assignee": "99999"})
    assert forged.status_code == 422 and "Please choose a member of the team." in forged.text
