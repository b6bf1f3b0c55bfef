"""The lifecycle on SQLite and PostgreSQL: every action in every state, the clock, the mails, races."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
import pytest
from flask import current_app
from sqlalchemy import func, select

from deflect import cases, lifecycle
from deflect.lifecycle import (CLOSED, NEW, OPEN, PENDING, SOLVED, TRANSITIONS, Actor, CaseChanged,
                               IllegalTransition, LifecycleError, NotAllowed)
from deflect.staging import Staging, new_submission_key
from deflect.store import Case, CaseEvent, OutgoingMail, Staff, session_factory
from deflect.vocabulary import label

PARIS = timezone(timedelta(hours=1))
#: Monday 2026-11-16, 10:00 in Paris: a working morning.
MONDAY = datetime(2026, 11, 16, 10, 0, tzinfo=PARIS)
FIELDS = {
    "lang": "fr", "contact_name": "Camille Martin", "email": "camille@example.com", "phone": None,
    "company": "Acme", "product": "Lumera Reports", "request_type": "incident", "severity": "moderate",
    "subject": "Publication impossible", "description": "Le rapport mensuel ne se publie plus.",
    "intent": None, "steps": None, "actual": "Erreur 500", "supporting_info": None, "technical_details": None,
}


@pytest.fixture
def store(app_on_each_store):
    with session_factory(app_on_each_store)() as db:
        yield db


def file(db, now=MONDAY, **fields) -> Case:
    kept = Staging(current_app.config["UPLOAD_DIR"], new_submission_key())
    case, _ = cases.file_case(db, kept, {**FIELDS, **fields}, deflection=None, now=now)
    return case


def staff(db, role="agent", name="Alex Agent", email=None) -> Staff:
    member = Staff(email=email or f"{name.split()[0].lower()}@lumera.example", name=name, role=role,
                   language="en", active=True)
    db.add(member)
    db.commit()
    return member


def mails(db, kind=None) -> list[OutgoingMail]:
    query = select(OutgoingMail).order_by(OutgoingMail.id)
    if kind:
        query = query.where(OutgoingMail.kind == kind)
    return list(db.scalars(query))


def events(db, case) -> list[str]:
    return list(db.scalars(select(CaseEvent.type).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))


# --- filing ---

def test_filing_queues_the_acknowledgement_in_the_case_language_with_its_link(store):
    case = file(store)
    [ack] = mails(store, "acknowledgement")
    assert ack.recipient == "camille@example.com" and ack.lang == "fr"
    assert ack.subject.startswith(f"[{case.reference}] ") and "Publication impossible" in ack.subject
    assert ack.subject == f"[{case.reference}] Nous avons bien reçu votre cas : Publication impossible"
    assert ack.text.startswith("Bonjour Camille Martin,") and '<html lang="fr">' in ack.html
    assert f"/cases/{case.token}" in ack.text and f"/cases/{case.token}" in ack.html
    assert ack.headers["Reply-To"] == f"support+{case.reply_token}@lumera.example"
    assert case.due_at == datetime(2026, 11, 16, 13, 0, tzinfo=timezone.utc)  # 4 business hours, in UTC


def test_a_critical_case_alerts_on_call_at_once(app_on_each_store, store):
    app_on_each_store.config["ONCALL_EMAIL"] = "oncall@lumera.example"
    case = file(store, severity="critical")
    [alert] = mails(store, "oncall_alert")
    assert alert.recipient == "oncall@lumera.example" and case.reference in alert.subject
    assert case.due_at == MONDAY.astimezone(timezone.utc) + timedelta(hours=1)  # 24/7 clock


def test_no_on_call_alert_without_an_address_or_for_other_severities(store):
    file(store, severity="critical")
    file(store, severity="moderate")
    assert mails(store, "oncall_alert") == []


# --- every action in every state ---

ACTORS = {"customer": Actor.customer("camille@example.com"), "agent": None, "manager": None,
          "system": Actor.system()}


def actor_for(db, who) -> Actor:
    if who in ("agent", "manager"):
        return Actor.staff(staff(db, role=who, name=f"{who.title()} Person"))
    return ACTORS[who]


def prepare(db, case, state, transition, now):
    """Put the case in ``state`` and satisfy the action's guard (a test shortcut, not a lifecycle path)."""
    case.status = state
    case.created_at = now - timedelta(days=10)
    if transition.guard == "escalation_requested":
        case.escalation = "requested"
    if transition.guard == "escalation_acknowledged":
        case.escalation = "acknowledged"
    if state == PENDING:
        case.pending_since = now - timedelta(days=1)
    if state == SOLVED or (state == CLOSED and transition.action == "rate"):
        case.solved_at = now - timedelta(hours=1)  # a closed case takes the survey only if it was solved
    db.commit()


def arguments(transition) -> dict:
    data = {}
    if transition.action == "rate":
        data = {"score": 6, "comment": "Rapide"}
    elif transition.action == "change_severity":
        data = {"severity": "critical"}
    return {"body": "Un message." if transition.needs_body else None, "data": data}


@pytest.mark.parametrize("state", [NEW, OPEN, PENDING, SOLVED, CLOSED])
@pytest.mark.parametrize("transition", TRANSITIONS, ids=lambda t: t.action)
def test_every_action_in_every_state(store, transition, state):
    now = datetime.now(timezone.utc)
    case = file(store, now=now - timedelta(days=10))
    prepare(store, case, state, transition, now)
    actor = actor_for(store, transition.who)
    before_events, before_version = events(store, case), case.version
    if state in transition.states:
        event = lifecycle.act(store, case.id, transition.action, actor, now=now, **arguments(transition))
        store.refresh(case)
        assert event.type == transition.action and events(store, case) == before_events + [transition.action]
        assert case.status == transition.to.get(state, state)
        assert event.from_status == state and event.to_status == (case.status if case.status != state else None)
        assert event.public == transition.public and case.version > before_version
        for kind in transition.mails:
            assert mails(store, kind), kind
    else:
        with pytest.raises(IllegalTransition) as refused:
            lifecycle.act(store, case.id, transition.action, actor, now=now, **arguments(transition))
        assert refused.value.status == 409 and (refused.value.action, refused.value.state) == (transition.action, state)
        assert str(label("status", state)) in refused.value.message  # the message names the state, in words
        store.expire_all()
        assert events(store, case) == before_events and store.get(Case, case.id).version == before_version


@pytest.mark.parametrize("transition", [t for t in TRANSITIONS if t.who != "customer"], ids=lambda t: t.action)
def test_a_customer_may_take_only_the_customers_actions(store, transition):
    case = file(store)
    with pytest.raises(NotAllowed) as refused:
        lifecycle.act(store, case.id, transition.action, Actor.customer("camille@example.com"), body="x")
    assert refused.value.status == 403


def test_only_a_manager_acknowledges_an_escalation(store):
    case = file(store)
    lifecycle.act(store, case.id, "request_escalation", ACTORS["customer"], body="Impact: 200 users")
    with pytest.raises(NotAllowed):
        lifecycle.act(store, case.id, "acknowledge_escalation", Actor.staff(staff(store)), body="ok")
    manager = Actor.staff(staff(store, role="manager", name="Maria Manager"))
    lifecycle.act(store, case.id, "acknowledge_escalation", manager,
                  body="Escalation manager: Maria Manager; technical lead: Tom Lead")
    store.refresh(case)
    assert case.escalation == "acknowledged"
    [ack] = mails(store, "escalation_acknowledged")
    assert "Tom Lead" in ack.text
    with pytest.raises(IllegalTransition, match="already under way"):
        lifecycle.act(store, case.id, "request_escalation", ACTORS["customer"], body="again")


def test_an_empty_message_is_refused(store):
    case = file(store)
    with pytest.raises(LifecycleError) as refused:
        lifecycle.act(store, case.id, "customer_reply", ACTORS["customer"], body="   ")
    assert refused.value.code == "empty_message"


def test_a_score_outside_the_scale_is_refused(store):
    case = file(store)
    agent = Actor.staff(staff(store))
    lifecycle.act(store, case.id, "propose_solution", agent, body="Voici la solution")
    for score in (0, 8, "5", None):
        with pytest.raises(LifecycleError) as refused:
            lifecycle.act(store, case.id, "rate", ACTORS["customer"], data={"score": score})
        assert refused.value.code == "bad_score"


# --- the survey (support/satisfaction) ---

def solved(db, case) -> Actor:
    agent = Actor.staff(staff(db))
    lifecycle.act(db, case.id, "propose_solution", agent, body="Videz le cache.")
    return agent


def test_accepting_before_the_survey_queues_it_and_the_closed_case_takes_one_answer(store):
    case = file(store)
    solved(store, case)
    accepted = lifecycle.act(store, case.id, "accept_solution", ACTORS["customer"])
    store.refresh(case)
    assert case.status == CLOSED and case.survey_sent_at == accepted.at and accepted.data["survey_sent"]
    assert [mail.kind for mail in mails(store)][-2:] == ["closed", "survey"]
    [survey] = mails(store, "survey")
    assert survey.lang == "fr" and survey.recipient == "camille@example.com"
    assert f"/cases/{case.token}?score=7#survey" in survey.text
    # The question, the scale and the button in the words of the case page and support/satisfaction.
    assert survey.subject == f"[{case.reference}] {label('survey', 'question', 'fr')}"
    assert label("survey", "question", "fr") in survey.text and "« Envoyer ma réponse »" in survey.text
    assert "de 1 (très difficile) à 7 (très facile)" in survey.text
    assert lifecycle.allowed_actions(case, ACTORS["customer"])["rate"]
    lifecycle.act(store, case.id, "rate", ACTORS["customer"], data={"score": 5, "comment": "Bien"})
    store.refresh(case)
    assert (case.status, case.survey_score, case.survey_comment) == (CLOSED, 5, "Bien")
    assert not lifecycle.allowed_actions(case, ACTORS["customer"])["rate"]
    with pytest.raises(IllegalTransition) as refused:
        lifecycle.act(store, case.id, "rate", ACTORS["customer"], data={"score": 2})
    assert (refused.value.status, refused.value.code) == (409, "survey_answered")
    assert "already answered" in refused.value.message and "(5)" in refused.value.message
    store.refresh(case)
    assert case.survey_score == 5 and events(store, case).count("rate") == 1


def test_a_survey_sent_by_the_sweep_is_not_sent_again_when_the_solution_is_accepted(store):
    case = file(store)
    solved(store, case)
    lifecycle.act(store, case.id, "send_survey", Actor.system())
    accepted = lifecycle.act(store, case.id, "accept_solution", ACTORS["customer"])
    assert len(mails(store, "survey")) == 1 and "survey_sent" not in accepted.data


def test_the_answer_changes_while_solved_and_not_after_closure(store):
    case = file(store)
    solved(store, case)
    lifecycle.act(store, case.id, "rate", ACTORS["customer"], data={"score": 3})
    lifecycle.act(store, case.id, "rate", ACTORS["customer"], data={"score": 6})
    lifecycle.act(store, case.id, "accept_solution", ACTORS["customer"])
    store.refresh(case)
    assert case.survey_score == 6 and mails(store, "survey") == []  # answered already: no survey e-mail
    with pytest.raises(IllegalTransition, match="already answered"):
        lifecycle.act(store, case.id, "rate", ACTORS["customer"], data={"score": 7})


def test_a_case_closed_without_a_solution_has_no_survey(store):
    case = file(store)
    lifecycle.act(store, case.id, "close", ACTORS["customer"])
    store.refresh(case)
    assert mails(store, "survey") == [] and not lifecycle.allowed_actions(case, ACTORS["customer"])["rate"]
    with pytest.raises(IllegalTransition, match="closed without a solution"):
        lifecycle.act(store, case.id, "rate", ACTORS["customer"], data={"score": 4})


# --- escalations (support/escalation) ---

def test_closing_an_escalation_tells_the_customer_and_the_owner_in_the_case_language(store):
    case = file(store, owner_name="Léa Dubois", owner_email="lea@example.com")
    manager = Actor.staff(staff(store, role="manager", name="Maria Manager"))
    lifecycle.act(store, case.id, "request_escalation", ACTORS["customer"], body="Clôture trimestrielle",
                  data={"reasons": ["impact"]})
    lifecycle.act(store, case.id, "acknowledge_escalation", manager, body="Responsable : Maria Manager")
    closing = lifecycle.act(store, case.id, "close_escalation", manager,
                            body="Le correctif est livré et le plan d'action est terminé.")
    store.refresh(case)
    assert case.escalation == "closed" and closing.public
    closed = mails(store, "escalation_closed")
    assert sorted(mail.recipient for mail in closed) == ["camille@example.com", "lea@example.com"]
    for mail in closed:
        assert mail.lang == "fr"
        assert mail.subject == f"[{case.reference}] L'escalade de votre cas est terminée : Publication impossible"
        assert f"a mis fin à l'escalade de votre cas {case.reference}" in mail.text
        assert "Le correctif est livré et le plan d'action est terminé." in mail.text
        assert "plan d&#39;action est terminé." in mail.html
        assert f"/cases/{case.token}" in mail.text and f"/cases/{case.token}" in mail.html


# --- the conversation, as the articles tell it ---

def test_a_reply_to_a_solved_case_reopens_it_to_the_same_agent(store):
    case = file(store)
    agent_row = staff(store)
    agent = Actor.staff(agent_row)
    lifecycle.act(store, case.id, "assign", agent, data={"assignee_id": agent_row.id})
    lifecycle.act(store, case.id, "propose_solution", agent, body="Videz le cache.")
    lifecycle.act(store, case.id, "customer_reply", ACTORS["customer"], body="Toujours en erreur.")
    store.refresh(case)
    assert case.status == OPEN and case.assignee_id == agent_row.id and case.solved_at is None
    [notice] = mails(store, "customer_replied")
    assert notice.recipient == agent_row.email and "Toujours en erreur." in notice.text


def test_writing_escalation_request_in_a_reply_requests_an_escalation(store):
    manager = staff(store, role="manager", name="Maria Manager")
    case = file(store)
    written = lifecycle.customer_writes(store, case, ACTORS["customer"],
                                        "Bonjour,\nESCALATION request : 300 utilisateurs bloqués.")
    assert [event.type for event in written] == ["customer_reply", "request_escalation"]
    store.refresh(case)
    assert case.escalation == "requested"
    assert [m.recipient for m in mails(store, "escalation_requested")] == [manager.email]


def test_the_first_support_answer_opens_the_case_and_meets_the_first_response_target(store):
    case = file(store)
    agent = Actor.staff(staff(store))
    answered = MONDAY + timedelta(hours=1)
    lifecycle.act(store, case.id, "reply", agent, body="Nous regardons.", now=answered)
    store.refresh(case)
    assert case.status == OPEN and case.first_response_at == answered
    # Next: an update every 2 business days (moderate), from the last answer.
    assert case.due_at == datetime(2026, 11, 18, 10, 0, tzinfo=timezone.utc)


def test_waiting_for_the_customer_pauses_the_clock(store):
    case = file(store)
    agent = Actor.staff(staff(store))
    lifecycle.act(store, case.id, "request_information", agent, body="Quelle version ?", now=MONDAY)
    store.refresh(case)
    assert case.status == PENDING and case.due_at is None
    back = MONDAY + timedelta(days=1)  # Tuesday 10:00: 9 working hours later
    lifecycle.act(store, case.id, "customer_reply", ACTORS["customer"], body="Version 12.3", now=back)
    store.refresh(case)
    assert case.status == OPEN and case.paused_seconds == 9 * 3600 and case.pending_since is None


def test_nudge_only_after_two_working_days_without_news_and_once_a_day(store):
    case = file(store)  # Monday 10:00
    with pytest.raises(IllegalTransition, match="2026-11-18 09:00"):
        lifecycle.act(store, case.id, "nudge", ACTORS["customer"], now=MONDAY + timedelta(days=1))
    wednesday = MONDAY + timedelta(days=2)
    lifecycle.act(store, case.id, "nudge", ACTORS["customer"], now=wednesday)
    with pytest.raises(IllegalTransition):
        lifecycle.act(store, case.id, "nudge", ACTORS["customer"], now=wednesday + timedelta(hours=23))
    lifecycle.act(store, case.id, "nudge", ACTORS["customer"], now=wednesday + timedelta(hours=24))
    assert events(store, case).count("nudge") == 2


def test_a_stale_version_is_refused_and_changes_nothing(store):
    case = file(store)
    seen = case.version
    lifecycle.act(store, case.id, "customer_reply", ACTORS["customer"], body="Premier message")
    with pytest.raises(CaseChanged) as refused:
        lifecycle.act(store, case.id, "reply", Actor.staff(staff(store)), body="Réponse", expected_version=seen)
    assert refused.value.status == 409 and refused.value.code == "case_changed"
    assert events(store, case) == ["created", "customer_reply"]


def test_allowed_actions_follow_the_state(store):
    case = file(store)
    customer = lifecycle.allowed_actions(case, ACTORS["customer"], now=MONDAY)
    assert customer["customer_reply"] and customer["close"] and customer["request_escalation"]
    assert not customer["accept_solution"] and not customer["nudge"]  # too early to nudge
    assert "reply" not in customer


# --- two actors at once ---

def test_two_actors_at_once_lose_no_event_and_leave_a_possible_state(app_on_each_store):
    factory = session_factory(app_on_each_store)
    with factory() as db:
        case_id = file(db).id
        agent = Actor.staff(staff(db))
    errors, barrier = [], threading.Barrier(4)

    def worker(action, actor, body):
        with app_on_each_store.app_context(), factory() as db:
            barrier.wait()
            for _ in range(5):
                try:
                    lifecycle.act(db, case_id, action, actor, body=body)
                except IllegalTransition:
                    pass  # the other side moved the case where this action no longer applies
                except Exception as exc:  # noqa: BLE001 - any other failure is the test's failure
                    errors.append(exc)

    threads = [threading.Thread(target=worker, args=args) for args in (
        ("customer_reply", ACTORS["customer"], "client"), ("reply", agent, "agent"),
        ("customer_reply", ACTORS["customer"], "client 2"), ("note", agent, "note"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    with factory() as db:
        case = db.get(Case, case_id)
        written = db.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id == case_id))
        assert written == 1 + 20  # created + every message of every actor
        assert case.status in (NEW, OPEN) and case.version == 1 + 20 + 1
