"""E-mail through the service: the outbox delivered over real SMTP (down, then up; two workers),
and real customer replies fed to ``deflect mail-in``, on SQLite and PostgreSQL."""
from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from deflect import lifecycle
from deflect.lifecycle import Actor
from deflect.mail.inbox import receive
from deflect.mail.outbox import deliver_due
from deflect.store import Attachment, Case, CaseEvent, OutgoingMail, session_factory
from tests.test_lifecycle import MONDAY, file, staff

MAIL = Path(__file__).with_name("mail")
#: The reply token the .eml fixtures are addressed to (support+<token>@lumera.example).
FIXTURE_TOKEN = "8jpa3txzxntl6v64xkq5bij7"


@pytest.fixture
def store(app_on_each_store):
    with session_factory(app_on_each_store)() as db:
        yield db


@pytest.fixture
def smtp_app(app_on_each_store, smtp_server):
    app_on_each_store.config.update(smtp_server.settings, PUBLIC_URL="https://support.lumera.example")
    return app_on_each_store


def outbox(db) -> list[OutgoingMail]:
    db.expire_all()
    return list(db.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


# --- out ---

def test_the_acknowledgement_arrives_in_french_with_both_parts_and_its_links(smtp_app, store, smtp_server):
    case = file(store, now=MONDAY)
    assert deliver_due(smtp_app, now=MONDAY).sent == 1
    [received] = smtp_server.received
    message = received.message
    assert received.envelope_to == ("camille@example.com",)
    assert message["Subject"] == f"[{case.reference}] Nous avons bien reçu votre cas : Publication impossible"
    assert message["Reply-To"] == f"support+{case.reply_token}@lumera.example"
    assert message["In-Reply-To"] == f"<case-{case.reference}@lumera.example>"
    assert message["Auto-Submitted"] == "auto-generated"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    link = f"https://support.lumera.example/cases/{case.token}"
    assert link in text and f'href="{link}"' in html
    assert "Bonjour Camille Martin" in text and '<html lang="fr">' in html
    assert outbox(store)[0].sent_at is not None


def test_the_closed_escalation_arrives_in_the_case_language_with_its_outcome_and_link(smtp_app, store, smtp_server):
    case = file(store, now=MONDAY, lang="it", subject="Report non pubblicato")
    manager = Actor.staff(staff(store, role="manager", name="Maria Rossi"))
    lifecycle.act(store, case.id, "request_escalation", Actor.customer(case.email), body="Chiusura trimestrale",
                  now=MONDAY)
    lifecycle.act(store, case.id, "acknowledge_escalation", manager, body="Responsabile: Maria Rossi", now=MONDAY)
    lifecycle.act(store, case.id, "close_escalation", manager, body="La correzione è installata.", now=MONDAY)
    deliver_due(smtp_app, now=MONDAY)
    [closed] = [r.message for r in smtp_server.received if "escalation" in r.message["Subject"]
                and "chiusa" in r.message["Subject"]]
    assert closed["Subject"] == f"[{case.reference}] L'escalation del Suo caso è chiusa: Report non pubblicato"
    assert closed["Reply-To"] == f"support+{case.reply_token}@lumera.example"
    text = closed.get_body(("plain",)).get_content()
    html = closed.get_body(("html",)).get_content()
    link = f"https://support.lumera.example/cases/{case.token}"
    assert f"ha chiuso l'escalation del Suo caso {case.reference}:" in text and "La correzione è installata." in text
    assert link in text and f'href="{link}"' in html and '<html lang="it">' in html


def test_nothing_is_lost_when_the_mail_server_is_down_then_up(smtp_app, store, smtp_server):
    file(store, now=MONDAY)
    smtp_server.stop()
    first = deliver_due(smtp_app, now=MONDAY)
    assert (first.sent, first.retried) == (0, 1)
    [waiting] = outbox(store)
    assert waiting.attempts == 1 and waiting.sent_at is None and waiting.last_error
    assert waiting.next_attempt_at == MONDAY + timedelta(minutes=1)
    smtp_server.start()
    assert deliver_due(smtp_app, now=MONDAY + timedelta(seconds=30)).sent == 0  # not due yet
    assert deliver_due(smtp_app, now=MONDAY + timedelta(minutes=1)).sent == 1
    assert len(smtp_server.received) == 1 and outbox(store)[0].attempts == 2


def test_a_refused_recipient_is_given_up_not_retried(smtp_app, store, smtp_server):
    file(store, now=MONDAY)
    smtp_server.refuse["camille@example.com"] = "550 5.1.1 No such user"
    done = deliver_due(smtp_app, now=MONDAY)
    assert (done.sent, done.failed) == (0, 1)
    assert outbox(store)[0].failed_at is not None
    assert deliver_due(smtp_app, now=MONDAY + timedelta(days=1)).failed == 0


def test_two_workers_never_send_one_message_twice(smtp_app, store, smtp_server):
    for _ in range(12):
        file(store, now=MONDAY)
    results = []

    def work():
        with smtp_app.app_context():
            results.append(deliver_due(smtp_app, now=MONDAY))

    workers = [threading.Thread(target=work) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert sum(result.sent for result in results) == 12
    ids = [received.message["Message-ID"] for received in smtp_server.received]
    assert len(ids) == 12 == len(set(ids))


def test_without_a_mail_server_mails_go_to_the_log(app_on_each_store, store, caplog):
    file(store, now=MONDAY)
    with caplog.at_level("INFO", logger="deflect.mail"):
        assert deliver_due(app_on_each_store, now=MONDAY).sent == 1
    assert "camille@example.com" in caplog.text


def test_the_worker_command_delivers_once(smtp_app, store, smtp_server):
    file(store)
    result = smtp_app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0 and "sent 1" in result.output
    assert len(smtp_server.received) == 1


# --- in ---

def raw(name: str) -> bytes:
    return (MAIL / name).read_bytes()


@pytest.fixture
def waiting_case(store):
    """A case whose analyst asked a question; its e-mails carry the fixtures' reply token."""
    case = file(store, now=MONDAY)
    case.reply_token = FIXTURE_TOKEN
    store.commit()
    lifecycle.act(store, case.id, "request_information", Actor.staff(staff(store)), body="Pouvez-vous préciser ?",
                  now=MONDAY)
    return case


def last_event(db, case) -> CaseEvent:
    db.expire_all()
    return db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())).first()


@pytest.mark.parametrize("name, words", [
    ("plain-reply-quoted.eml", "Nobody in the finance team can publish."),
    ("html-only.eml", None),
    ("german-iso-8859-1.eml", None),
    ("french-windows-1252.eml", None),
    ("token-in-subject.eml", None),
    ("wrong-charset.eml", None),
])
def test_a_customers_reply_is_added_to_the_case_and_reopens_it(app_on_each_store, store, waiting_case, name, words):
    received = receive(app_on_each_store, raw(name))
    assert (received.outcome, received.reference) == ("added", waiting_case.reference)
    event = last_event(store, waiting_case)
    assert event.type == "customer_reply" and event.actor_kind == "customer" and event.data["via"] == "email"
    assert event.body and "wrote:" not in event.body and "a écrit" not in event.body and "schrieb" not in event.body
    if words:
        assert words in event.body
    assert store.get(Case, waiting_case.id).status == "open"


def test_attachments_of_a_reply_are_kept_with_it(app_on_each_store, store, waiting_case):
    received = receive(app_on_each_store, raw("multipart-attachments.eml"))
    assert received.outcome == "added"
    event = last_event(store, waiting_case)
    files = list(store.scalars(select(Attachment).where(Attachment.event_id == event.id)))
    assert sorted(f.original_name.rsplit(".", 1)[1] for f in files) == ["log", "png"]
    for stored in files:
        path = Path(app_on_each_store.config["UPLOAD_DIR"]) / "files" / stored.stored_name
        assert path.stat().st_size == stored.size


@pytest.mark.parametrize("name, code", [("out-of-office.eml", "auto_reply"), ("bounce.eml", "bounce")])
def test_robots_never_change_a_case(app_on_each_store, store, waiting_case, name, code):
    before = last_event(store, waiting_case).id
    assert receive(app_on_each_store, raw(name)).code == code
    assert last_event(store, waiting_case).id == before


def test_an_unknown_token_and_a_closed_case_are_refused(app_on_each_store, store, waiting_case):
    forged = raw("plain-reply-quoted.eml").replace(FIXTURE_TOKEN.encode(), b"zzzzzzzzzzzzzzzzzzzzzzzz")
    assert receive(app_on_each_store, forged).code == "unknown_token"
    lifecycle.act(store, waiting_case.id, "close", Actor.customer("camille@example.com"))
    assert receive(app_on_each_store, raw("plain-reply-quoted.eml")).code == "closed"
    assert last_event(store, waiting_case).type == "close"


def test_an_oversized_message_is_refused(app_on_each_store, store, waiting_case):
    app_on_each_store.config["MAIL_MAX_BYTES"] = 1000
    assert receive(app_on_each_store, raw("multipart-attachments.eml")).code == "too_large"


def test_escalation_request_in_an_email_requests_an_escalation(app_on_each_store, store, waiting_case):
    asking = raw("plain-reply-quoted.eml").replace(b"Best regards,", b"Escalation Request: month-end close.\n\nBest regards,")
    receive(app_on_each_store, asking)
    assert last_event(store, waiting_case).type == "request_escalation"
    assert store.get(Case, waiting_case.id).escalation == "requested"


def test_the_mail_in_command_reads_standard_input(app_on_each_store, store, waiting_case):
    result = app_on_each_store.test_cli_runner().invoke(args=["mail-in"], input=raw("plain-reply-quoted.eml"))
    assert result.exit_code == 0 and f"added: ok ({waiting_case.reference})" in result.output
    result = app_on_each_store.test_cli_runner().invoke(args=["mail-in"], input=raw("out-of-office.eml"))
    assert result.exit_code == 0 and "refused: auto_reply" in result.output
