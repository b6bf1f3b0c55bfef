"""The customer's case page and "My cases" over HTTP: every action, its refusals, idempotency, the sign-in link.

Browser walks of the same pages are in test_case_page_browser.py.
"""
from __future__ import annotations

import io
import re
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from deflect import case_actions, lifecycle
from deflect.lifecycle import Actor
from deflect.staging import new_submission_key
from deflect.store import Case, CaseEvent, CustomerSignIn, OutgoingMail, session_factory
from tests import test_lifecycle
from tests.test_lifecycle import staff

#: Every script the tests type: right-to-left, emoji, a combining accent, markup that must stay text.
MIXED = "שלום, مرحبا 👋🏽 e\u0301 <script>alert(1)</script> <b>bold</b>\n\tsecond line"


@pytest.fixture
def store(app):
    """The store, outside any app context: each request of the test client gets its own, as in production."""
    with session_factory(app)() as db:
        db.info["app"] = app
        yield db


def file(db, **fields) -> Case:
    with db.info["app"].app_context():
        return test_lifecycle.file(db, **fields)


def act(db, case, action, actor, **kwargs):
    with db.info["app"].app_context():
        return lifecycle.act(db, case.id, action, actor, **kwargs)


def page_of(client, case, **args):
    response = client.get(f"/cases/{case.token}", query_string=args)
    assert response.status_code == 200, response.text
    return response.text


def form_fields(html: str, name: str) -> dict[str, str]:
    """The hidden fields of one action form of the page (CSRF token, request key, language)."""
    csrf = re.search(rf'name="{name}-csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    key = re.search(rf'name="{name}-key" type="hidden" value="([^"]+)"', html).group(1)
    lang = re.search(rf'action="[^"]+/{name}".*?name="lang" value="(\w+)"', html, re.S).group(1)
    return {f"{name}-csrf_token": csrf, f"{name}-key": key, "lang": lang}


def post(client, case, name, html=None, **fields):
    """Send one action form of the case page as the browser would (the form's hidden fields, then ``fields``)."""
    html = html or page_of(client, case)
    data = {**form_fields(html, name), **{f"{name}-{k}" if not k.startswith(("keep", "lang")) else k: v
                                          for k, v in fields.items()}}
    return client.post(f"/cases/{case.token}/{name}", data=data, content_type="multipart/form-data")


def events(db, case) -> list[CaseEvent]:
    db.expire_all()
    return list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)))


def fresh(db, case) -> Case:
    db.expire_all()
    return db.get(Case, case.id)


def agent_does(db, case, action, body, **kwargs):
    return act(db, case, action, Actor.staff(staff_member(db)), body=body, **kwargs)


def staff_member(db):
    from deflect.store import Staff

    return db.scalar(select(Staff).limit(1)) or staff(db)


# --- the page ---

def test_the_page_speaks_the_case_language_and_the_switch_keeps_the_page(client, store):
    case = file(store, lang="de")
    html = client.get(f"/cases/{case.token}", headers={"Accept-Language": "fr"}).text
    assert '<html lang="de">' in html and "Neu" in html
    switched = page_of(client, case, lang="it")
    assert '<html lang="it">' in switched and 'name="lang" value="it"' in switched
    assert f'href="/cases/{case.token}?lang=es"' in switched


def test_status_who_waits_and_the_next_due_time_come_from_the_clock(client, store):
    case = file(store, lang="en")
    html = page_of(client, case)
    assert 'id="case-status">New<' in html
    assert "Initial response due by" in html and case.due_at.strftime("%Y-%m-%dT%H:%M") in html
    agent_does(store, case, "request_information", "Which report?")
    html = page_of(client, case)
    assert "Pending customer" in html and "We are waiting for your answer since" in html
    assert 'id="send-nudge"' not in html  # the case waits for the customer: no Nudge


def test_internal_notes_never_reach_the_page_and_html_stays_text(client, store):
    case = file(store, lang="en", description="See <img src=x onerror=alert(1)> here")
    agent_does(store, case, "note", "INTERNAL: customer is difficult")
    agent_does(store, case, "reply", "Try <a href='http://evil.example'>this</a>")
    html = page_of(client, case)
    assert "INTERNAL" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert "Try &lt;a href=&#39;http://evil.example&#39;&gt;this&lt;/a&gt;" in html


def test_a_guessed_token_is_a_translated_404(client):
    response = client.get("/cases/" + "A" * 43, headers={"Accept-Language": "de"})
    assert response.status_code == 404
    assert '<html lang="de">' in response.text and "Link" in response.text and "This link" not in response.text
    assert client.get("/cases/not-a-token").status_code == 404


# --- actions ---

def test_a_reply_with_a_file_reopens_the_pending_case_and_its_file_downloads_with_the_link_only(app, client, store):
    case = file(store, lang="fr")
    other = file(store, lang="fr")
    agent_does(store, case, "request_information", "Le journal, svp")
    response = post(client, case, "reply", body="Voici le journal",
                    attachments=(io.BytesIO(b"line 1\n"), "server.log"))
    assert response.status_code == 303 and f"/cases/{case.token}#event-" in response.location
    assert fresh(store, case).status == "open"
    reply = events(store, case)[-1]
    assert (reply.type, reply.body, reply.actor) == ("customer_reply", "Voici le journal", case.email)
    [attachment] = reply.attachments
    download = client.get(f"/cases/{case.token}/files/{attachment.id}")
    assert download.data == b"line 1\n"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
    refused = client.get(f"/cases/{other.token}/files/{attachment.id}")  # another case's link
    assert refused.status_code == 404 and "Ce fichier" in refused.text
    html = client.get(response.location).text
    assert "Votre message est ajouté" in html and "server.log" in html


def test_a_reply_with_an_error_keeps_the_text_and_the_files_after_the_redirect(client, store):
    case = file(store, lang="en")
    html = page_of(client, case)
    response = post(client, case, "reply", html, body="",
                    attachments=(io.BytesIO(b"shot"), "screen.png"))
    assert response.status_code == 303 and "draft=" in response.location
    again = client.get(response.location).text
    assert "Please write your message." in again and "screen.png" in again and 'name="keep"' in again
    assert len(events(store, case)) == 1
    key = form_fields(again, "reply")["reply-key"]
    assert key == form_fields(html, "reply")["reply-key"]  # the same form, its files still staged
    kept = re.search(r'name="keep" value="([^"]+)"', again).group(1)
    done = post(client, case, "reply", again, body="Now with words", keep=kept)
    assert done.status_code == 303
    [attachment] = events(store, case)[-1].attachments
    assert attachment.original_name == "screen.png"


def test_a_long_reply_with_emoji_and_right_to_left_text_is_kept_exactly(client, store):
    case = file(store, lang="en")
    text = (MIXED + " ") * (10_000 // (len(MIXED) + 1))
    text = text + "x" * (10_000 - len(text))
    assert len(text) == 10_000
    post(client, case, "reply", body=text)
    assert events(store, case)[-1].body == text.strip()
    html = page_of(client, case)
    assert "שלום, مرحبا 👋🏽 e\u0301 &lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    too_long = post(client, case, "reply", body="y" * 10_001)
    assert "under 10000 characters" in client.get(too_long.location).text
    assert len(events(store, case)) == 2


def test_a_form_sent_twice_makes_one_message_and_the_second_is_told(client, store):
    case = file(store, lang="it")
    html = page_of(client, case)
    first = post(client, case, "reply", html, body="Una volta sola")
    second = post(client, case, "reply", html, body="Una volta sola")
    assert first.status_code == second.status_code == 303
    assert [e.type for e in events(store, case)].count("customer_reply") == 1
    told = client.get(second.location).text
    assert "già stato inviato" in told  # translated: it was already sent, nothing more changed


def test_a_racing_double_click_makes_one_event(app_on_each_store):
    app = app_on_each_store
    with session_factory(app)() as db:
        case = test_lifecycle.file(db)
        key = new_submission_key()
    outcomes, start = [], threading.Barrier(2)

    def click():
        with app.test_request_context(), session_factory(app)() as db:
            form = case_actions.ActionForm(meta={"csrf": False}, formdata=None, data={"key": key})
            start.wait()
            try:
                case_actions.act_on(db, db.get(Case, case.id), "nudge", form, Actor.customer(case.email))
                outcomes.append("done")
            except case_actions.AlreadyDone:
                outcomes.append("already")

    threads = [threading.Thread(target=click) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["already", "done"]
    with session_factory(app)() as db:
        assert db.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.type == "nudge")) == 1


def test_nudge_waits_for_two_working_days_then_once_per_day(client, store):
    now = datetime.now(timezone.utc)
    recent = file(store, lang="en", now=now - timedelta(hours=1))
    html = page_of(client, recent)
    assert 'id="send-nudge" disabled' in html and "Available from" in html and "2 working days" in html
    case = file(store, lang="en", now=now - timedelta(days=8))
    response = post(client, case, "nudge")
    assert events(store, case)[-1].type == "nudge"
    html = client.get(response.location).text
    assert "the analyst knows that you are waiting" in html and 'id="send-nudge" disabled' in html


def test_an_escalation_request_carries_the_article_reasons_and_text(client, store):
    case = file(store, lang="es")
    html = page_of(client, case)
    assert "Complexity" in html or "Complejidad" in html
    response = post(client, case, "escalation", html, reasons=["impact", "time_frame"], body="Cierre trimestral")
    event = events(store, case)[-1]
    assert (event.type, event.body, event.data["reasons"]) == ("request_escalation", "Cierre trimestral",
                                                              ["impact", "time_frame"])
    assert fresh(store, case).escalation == "requested"
    after = client.get(response.location).text
    assert 'id="send-escalation"' not in after and 'id="case-escalation"' in after


def test_an_escalation_needs_a_reason_and_a_reply_with_the_words_is_one(client, store):
    case = file(store, lang="en")
    refused = post(client, case, "escalation", reasons=[], body="")
    assert "Please choose at least one reason" in client.get(refused.location).text
    assert fresh(store, case).escalation is None
    post(client, case, "reply", body="escalation request: we are blocked")
    assert [e.type for e in events(store, case)][-2:] == ["customer_reply", "request_escalation"]


def test_reject_needs_a_reason_reopens_to_the_same_agent_then_accept_closes(client, store):
    case = file(store, lang="en")
    agent = staff(store)
    act(store, case, "assign", Actor.staff(agent), data={"assignee_id": agent.id})
    act(store, case, "propose_solution", Actor.staff(agent), body="Clear the cache")
    html = page_of(client, case)
    assert "Accept the solution" in html and "This did not solve it" in html
    empty = post(client, case, "reject", html, body="")
    assert "Please tell us what is still wrong" in client.get(empty.location).text
    post(client, case, "reject", body="Still broken")
    case = fresh(store, case)
    assert case.status == "open" and case.assignee_id == agent.id
    act(store, case, "propose_solution", Actor.staff(agent), body="Restart the service")
    html = page_of(client, case)
    post(client, case, "accept", html)
    assert fresh(store, case).status == "closed"
    replay = post(client, case, "accept", html)  # the same form again: nothing changes
    assert replay.status_code == 303 and fresh(store, case).status == "closed"
    assert [e.type for e in events(store, case)].count("accept_solution") == 1
    closed = client.get(replay.location).text
    assert "already sent" in closed and "read-only" in closed and 'id="reply-form"' not in closed


def test_an_old_page_cannot_act_on_a_changed_case(client, store):
    case = file(store, lang="de")
    html = page_of(client, case)
    post(client, case, "close", html)
    stale = post(client, case, "reply", html, body="Noch eine Frage")  # the reply form of the old page
    told = client.get(stale.location).text
    assert "nicht mehr möglich" in told and "Noch eine Frage" in told  # refused, translated, text kept
    assert [e.type for e in events(store, case)] == ["created", "close"]


def test_the_survey_link_shows_the_score_and_only_a_post_records_it(client, store, app):
    case = file(store, lang="en")
    agent_does(store, case, "propose_solution", "Done")
    html = page_of(client, case, score="6")
    assert re.search(r'name="survey-score" type="radio" value="6" checked|checked[^>]*value="6"', html)
    assert fresh(store, case).survey_score is None  # a prefetching scanner records nothing
    post(client, case, "survey", html, score="6", comment="Quick")
    assert (fresh(store, case).survey_score, fresh(store, case).survey_comment) == (6, "Quick")
    post(client, case, "survey", score="3")
    assert fresh(store, case).survey_score == 3
    bad = post(client, case, "survey", score="9")
    assert "from 1 to 7" in client.get(bad.location).text and fresh(store, case).survey_score == 3
    post(client, case, "accept")
    assert 'id="send-survey"' not in page_of(client, case, score="5")


@pytest.fixture
def customer_client(app_on_each_store, app_config):
    """A browser on the app of each store; each request gets its own app context and store handle, as in production.

    ``app_on_each_store`` keeps an app context open for the whole test, which
    requests of that same app would share: a second app on the same store has
    none open.
    """
    from deflect import create_app
    from deflect.store import engine

    app = create_app({**app_config, "DATABASE_URL": app_on_each_store.config["DATABASE_URL"]})
    with session_factory(app)() as db:
        db.info["app"] = app
        yield app.test_client(), db
    engine(app).dispose()


def test_after_acceptance_the_surveys_link_opens_the_closed_case_for_one_answer(customer_client):
    client, store = customer_client
    case = file(store, lang="en")
    agent_does(store, case, "propose_solution", "Clear the cache")
    post(client, case, "accept")
    store.expire_all()
    [survey] = store.scalars(select(OutgoingMail).where(OutgoingMail.kind == "survey")).all()
    link = re.search(r"https?://\S+(/cases/\S+\?score=6#survey)", survey.text).group(1)
    html = client.get(link).text
    assert fresh(store, case).status == "closed" and fresh(store, case).survey_score is None
    assert re.search(r'name="survey-score" type="radio" value="6" checked|checked[^>]*value="6"', html)
    assert '>Send my answer</button>' in html
    other_tab = page_of(client, case)  # the same page, open twice
    done = post(client, case, "survey", html, score="6", comment="Clear")
    after = client.get(done.location).text
    assert "Thank you for your answer." in after and "You can change it" not in after
    answered = fresh(store, case)
    assert 'id="send-survey"' not in after and (answered.survey_score, answered.survey_comment) == (6, "Clear")
    again = post(client, case, "survey", other_tab, score="2")
    told = client.get(again.location).text
    assert "You have already answered the survey on this case (6)" in told
    assert fresh(store, case).survey_score == 6 and [e.type for e in events(store, case)].count("rate") == 1


def test_a_severity_changed_by_support_shows_on_the_page_with_its_reason(client, store):
    case = file(store, lang="de", severity="moderate")
    agent_does(store, case, "change_severity", "Alle Nutzer sind betroffen.", data={"severity": "critical"})
    html = page_of(client, case)
    assert 'id="case-severity">Kritisches Problem<' in html
    assert "Schweregrad geändert" in html and "Mittelschweres Problem → Kritisches Problem" in html
    assert "Alle Nutzer sind betroffen." in html


def test_a_closed_escalation_shows_its_outcome_on_the_page(client, store):
    case = file(store, lang="en")
    manager = Actor.staff(staff(store, role="manager", name="Maria Manager"))
    act(store, case, "request_escalation", Actor.customer(case.email), body="Quarter close",
        data={"reasons": ["time_frame"]})
    act(store, case, "acknowledge_escalation", manager, body="Escalation manager: Maria Manager")
    act(store, case, "close_escalation", manager, body="The hotfix is installed; the plan is complete.")
    html = page_of(client, case)
    assert 'id="case-escalation">Escalation closed<' in html and "Time frame exceeded" in html
    assert "The hotfix is installed; the plan is complete." in html


# --- the case form's owner ---

def test_the_owner_gets_the_mails_and_a_bad_owner_address_is_refused(app, client):
    from tests.test_support import case_form, post_case

    token, key = case_form(client)
    response = post_case(client, token, key, owner_name="Kim Owner", owner_email="kim@example.com")
    assert response.status_code == 303
    with session_factory(app)() as db:
        case = db.scalar(select(Case))
        assert (case.owner_name, case.owner_email) == ("Kim Owner", "kim@example.com")
        assert {m.recipient for m in db.scalars(select(OutgoingMail))} == {case.email, "kim@example.com"}
    token, key = case_form(client)
    refused = post_case(client, token, key, owner_name="Kim Owner", owner_email="")
    assert refused.status_code == 422 and "owner" in refused.text


# --- My cases ---

def closed_label(client, lang: str) -> str:
    from flask_babel import force_locale

    from deflect.vocabulary import label

    with client.application.test_request_context(), force_locale(lang):
        return label("status", "closed")


def sign_in_link(db) -> str:
    db.expire_all()
    mail = db.scalars(select(OutgoingMail).where(OutgoingMail.kind == "sign_in_link")
                      .order_by(OutgoingMail.id.desc())).first()
    return re.search(r"https?://\S+/my-cases/sign-in/\S+", mail.text).group(0)


def ask_link(client, email, lang="en"):
    html = client.get("/my-cases", query_string={"lang": lang}).text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return client.post("/my-cases", data={"csrf_token": csrf, "email": email, "lang": lang})


def sign_in(client, link, lang=None):
    """Press the button of the sign-in page (the CSRF token is the browser session's, as on any page)."""
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    html = client.get("/my-cases").text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    lang = lang or re.search(r"lang=(\w+)", link).group(1)  # the page's hidden field: the link's language
    return client.post(path.split("?")[0], data={"csrf_token": csrf, "lang": lang})


def test_my_cases_answers_the_same_whether_the_address_is_known(client, store):
    file(store, email="known@example.com")
    known, unknown = ask_link(client, "Known@Example.com"), ask_link(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 303 and known.location == unknown.location
    assert client.get(known.location).text == client.get(unknown.location).text
    store.expire_all()
    assert [m.recipient for m in store.scalars(select(OutgoingMail).where(OutgoingMail.kind == "sign_in_link"))] \
        == ["known@example.com"]
    assert store.scalar(select(CustomerSignIn.token_hash)) not in sign_in_link(store)  # only a hash is kept


def test_the_sign_in_link_works_once_and_lists_contact_and_owner_cases(client, store):
    mine = file(store, email="pat@example.com", subject="Mine")
    owned = file(store, email="boss@example.com", owner_email="PAT@example.com", subject="Owned")
    file(store, email="pat_x@example.com", subject="Not mine")
    act(store, owned, "close", Actor.customer("boss@example.com"))
    ask_link(client, "pat@example.com", lang="fr")
    link = sign_in_link(store)
    assert "lang=fr" in link
    confirm = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert confirm.status_code == 200 and 'id="sign-in"' in confirm.text  # GET uses nothing up
    signed = sign_in(client, link)
    assert signed.status_code == 303
    listing = client.get(signed.location).text
    assert mine.reference in listing and owned.reference in listing and "Not mine" not in listing
    assert listing.index(owned.reference) < listing.index(mine.reference)  # newest first
    assert '<html lang="fr">' in listing and closed_label(client, "fr") in listing
    open_only = client.get("/my-cases", query_string={"show": "open"}).text
    assert mine.reference in open_only and owned.reference not in open_only
    assert owned.reference in client.get("/my-cases?show=closed").text
    with client.session_transaction() as session:
        session.clear()
    again = client.get("/" + link.split("://", 1)[1].split("/", 1)[1], headers={"Accept-Language": "fr"})
    assert again.status_code == 410 and "a expiré ou a déjà été utilisé" in again.text


def test_an_expired_link_is_refused_in_the_visitors_language(client, store):
    file(store, email="pat@example.com")
    ask_link(client, "pat@example.com", lang="de")
    link = sign_in_link(store)
    store.execute(CustomerSignIn.__table__.update().values(
        expires_at=datetime.now(timezone.utc) - timedelta(minutes=1)))
    store.commit()
    refused = sign_in(client, link, lang="de")
    assert refused.status_code == 410 and "abgelaufen" in refused.text
    assert "my-cases" not in (refused.location or "")
    assert client.get("/my-cases").text.count('id="send-sign-in-link"') == 1  # still signed out
    assert sign_in(client, "http://x/my-cases/sign-in/" + "B" * 43, lang="en").status_code == 410  # guessed


def test_asking_for_links_is_rate_limited_per_address(app, client, store):
    app.config["RATELIMIT_ENABLED"] = True
    from deflect.limits import limiter

    limiter.init_app(app)
    file(store, email="pat@example.com")
    answers = [ask_link(client, "pat@example.com").status_code for _ in range(4)]
    assert answers == [303, 303, 303, 429]
    refused = ask_link(client, "pat@example.com", lang="it")
    assert refused.status_code == 429 and "attenda" in refused.text.lower()
