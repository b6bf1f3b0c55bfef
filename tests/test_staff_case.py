"""A case as an agent works it: every field, files, history, what the customer tried first, triage with an
article, the actions through the lifecycle, saved replies, and every bad input."""
from __future__ import annotations

import io
import re

from sqlalchemy import select

from deflect import lifecycle
from deflect.lifecycle import Actor
from deflect.store import ArticleFeedback, Case, CaseEvent, SavedReply, session_factory
from deflect.staging import Staging, new_submission_key
from deflect import cases
from tests.staff_fixtures import add_member, app, file, load, mails, post, sign_in  # noqa: F401
from tests.test_support import DESCRIBE, case_form, csrf, post_case, suggestions  # noqa: F401

MARIA = "maria@lumera.example"


def events(app, case_id) -> list[CaseEvent]:
    with app.app_context(), session_factory(app)() as db:
        return list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def act(client, case_id, kind, **data):
    """Send one of the case page's forms, with the version of the case the page shows."""
    page = client.get(f"/staff/cases/{case_id}").text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    return post(client, f"/staff/cases/{case_id}/{kind}", {"version": version, **data}, f"/staff/cases/{case_id}")


def customer(app, case_id, action, body=None, **data):
    with app.app_context(), session_factory(app)() as db:
        return lifecycle.act(db, case_id, action, Actor.customer("camille@example.com"), body=body, data=data)


def file_with_attachments(app, **fields) -> Case:
    with app.app_context(), session_factory(app)() as db:
        kept = Staging(app.config["UPLOAD_DIR"], new_submission_key())
        kept.add(io.BytesIO(b"<script>alert(1)</script>"), "capture.png", allowed_types=("png",), max_bytes=1000)
        kept.add(io.BytesIO(b"ERROR 500 at publish\n"), "server.log", allowed_types=("log",), max_bytes=1000)
        fields = {**dict(lang="fr", contact_name="Camille Martin", email="camille@example.com",
                         phone="+33 1 23 45 67 89", company="Acme", product="Lumera Reports",
                         request_type="incident", severity="moderate", subject="Le rapport ne se publie plus",
                         description="Quand je publie le rapport mensuel, erreur 500.", intent="Publier le rapport",
                         steps="1. Ouvrir\n2. Publier", actual="Erreur 500", supporting_info="rapport 4411",
                         technical_details={"userAgent": "Firefox/140", "screen": "1920x1080"}), **fields}
        case, _ = cases.file_case(db, kept, fields, deflection=None)
        return case


def test_the_case_page_shows_every_field_the_files_and_the_whole_history(app, client):
    add_member(app)
    case = file_with_attachments(app, owner_name="Dana Boss", owner_email="dana@acme.example")
    sign_in(client)
    assert act(client, case.id, "message", action="note", body="Le client <b>teste</b> encore.").status_code == 303
    page = client.get(f"/staff/cases/{case.id}")
    html = page.text
    for text in ("Camille Martin", "camille@example.com", "+33 1 23 45 67 89", "Acme", "dana@acme.example",
                 "Lumera Reports", "Incident: something does not work", "Moderate issue", "French",
                 "Quand je publie le rapport mensuel, erreur 500.", "Publier le rapport", "1. Ouvrir\n2. Publier",
                 "rapport 4411", "userAgent: Firefox/140", "screen: 1920x1080", "capture.png", "server.log",
                 "Case filed", "Internal note", "internal, never shown to the customer"):
        assert text in html, text
    assert "Le client &lt;b&gt;teste&lt;/b&gt; encore." in html  # text, never markup
    assert page.headers["Cache-Control"] == "private, no-store" and page.headers["X-Robots-Tag"].startswith("noindex")
    # The customer's own page never shows the internal note.
    assert "teste" not in client.get(f"/cases/{case.token}").text


def test_attachments_are_downloaded_never_shown_inline(app, client):
    add_member(app)
    case = file_with_attachments(app)
    other = file_with_attachments(app)
    sign_in(client)
    links = re.findall(r'href="(/staff/cases/\d+/files/\d+)"', client.get(f"/staff/cases/{case.id}").text)
    assert len(links) == 2
    response = client.get(links[0])
    content = response.get_data()
    response.close()
    assert response.status_code == 200 and content == b"<script>alert(1)</script>"
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment;") and "capture.png" in \
        response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in \
        response.headers["Content-Security-Policy"]
    file_id = links[0].rsplit("/", 1)[1]
    assert client.get(f"/staff/cases/{other.id}/files/{file_id}").status_code == 404  # another case's file
    assert client.get(f"/staff/cases/{case.id}/files/99999").status_code == 404


def test_what_the_customer_tried_first(app, client, suggestions):
    add_member(app)
    customer_browser = app.test_client()
    customer_browser.post("/support/new", data={**DESCRIBE, "csrf_token": csrf(customer_browser)})
    assert customer_browser.get("/support/new/open/1").status_code == 302
    vote = {"article": "support/severity", "lang": "fr", "helpful": False, "reason": "Ne parle pas de publication"}
    assert customer_browser.post("/api/feedback", json=vote).status_code == 201
    stranger = app.test_client()  # someone else's vote on the same article is not this customer's
    assert stranger.post("/api/feedback", json={**vote, "reason": "Autre lecteur"}).status_code == 201
    token, key = case_form(customer_browser)
    assert post_case(customer_browser, token, key).status_code == 303
    with app.app_context(), session_factory(app)() as db:
        case = db.scalar(select(Case))
        linked = db.scalars(select(ArticleFeedback.deflection_key).order_by(ArticleFeedback.id)).all()
        assert linked == [case.submission_key, None]
    sign_in(client)
    html = client.get(f"/staff/cases/{case.id}").text
    tried = html.split('id="tried-first"', 1)[1].split("</section>", 1)[0]
    assert "Publication impossible\nLe rapport mensuel ne se publie plus depuis hier." in tried
    assert "support/sla" in tried  # the article they came from
    first, second = tried.split("<li>")[1:3]
    assert "/fr/support/severity/" in first and "opened" in first and "voted unhelpful" in first
    assert "Ne parle pas de publication" in first and "Autre lecteur" not in tried
    assert "/fr/support/sla/" in second and "not opened" in second and "voted" not in second


def test_triage_with_an_article_in_the_case_language_records_the_solution(app, client):
    add_member(app, language="de")
    case = file(app, subject="Délai de première réponse",
                description="Quel est le délai de première réponse pour un problème modéré ? Et la résolution ?")
    sign_in(client)
    html = client.get(f"/staff/cases/{case.id}").text
    assert '<html lang="de">' in html  # the agent's language
    inserted = re.findall(r'data-insert="([^"]+)" data-article="([^"]+)"', html)
    assert inserted, "the deflection search found no article for the case"
    link, article = next((text, found) for text, found in inserted if found == "support/sla")
    assert app.config["PUBLIC_URL"] + "/fr/support/sla/" in link  # absolute, French, to a section
    prefilled = client.get(f"/staff/cases/{case.id}?insert={article}").text  # the same without JavaScript
    assert link.replace("&#39;", "'") in prefilled.replace("&#39;", "'")
    assert f'id="composer-article" name="article" type="hidden" value="{article}"' in prefilled
    body = f"Bonjour,\nla réponse est dans cet article :\n{link}"
    response = act(client, case.id, "message", action="propose_solution", body=body, article=article)
    assert response.status_code == 303
    solved = load(app, Case, case.id)
    assert solved.status == "solved" and solved.solved_with_article == "support/sla"
    [mail] = mails(app, "solution_proposed")
    assert mail.lang == "fr" and app.config["PUBLIC_URL"] + "/fr/support/sla/" in mail.text
    assert events(app, case.id)[-1].data == {"article": "support/sla"}
    # A rejected solution's article did not solve the case; a forged article id is not recorded
    # (the message still goes, a solution without an article).
    customer(app, case.id, "reject_solution", body="Toujours bloqué")
    assert load(app, Case, case.id).solved_with_article is None
    act(client, case.id, "message", action="propose_solution", body="Essayez ceci.", article="../../etc/passwd")
    assert load(app, Case, case.id).solved_with_article is None
    assert events(app, case.id)[-1].data == {}


def test_reply_note_request_information_and_severity_through_the_lifecycle(app, client):
    agent = add_member(app)
    case = file(app)
    sign_in(client)
    assert act(client, case.id, "message", action="reply", body="Nous regardons.").status_code == 303
    after = load(app, Case, case.id)
    assert after.status == "open" and after.first_response_at is not None
    [reply] = mails(app, "agent_reply")
    assert reply.lang == "fr" and "Nous regardons." in reply.text and "Alex Agent" in reply.text
    act(client, case.id, "message", action="request_information", body="Pouvez-vous joindre le journal ?")
    assert load(app, Case, case.id).status == "pending_customer"
    assert "paused: waiting for the customer" in client.get("/staff/").text
    customer(app, case.id, "customer_reply", body="Voici le journal.")
    missing = act(client, case.id, "severity", severity="critical", body="")
    assert missing.status_code == 422 and "Please give the reason for the change." in missing.text
    same = act(client, case.id, "severity", severity="moderate", body="Pareil")
    assert same.status_code == 422 and "already the case&#39;s severity" in same.text
    assert act(client, case.id, "severity", severity="critical", body="Tous les utilisateurs sont bloqués.") \
        .status_code == 303
    changed = load(app, Case, case.id)
    assert changed.severity == "critical"
    last = events(app, case.id)[-1]
    assert (last.type, last.staff_id, last.data, last.public) == ("change_severity", agent,
                                                                  {"severity": "critical", "from": "moderate"}, True)
    assert [e.staff_id for e in events(app, case.id) if e.actor_kind == "staff"] == [agent] * 3


def test_escalation_requested_acknowledged_by_a_manager_and_closed(app, client):
    add_member(app)
    add_member(app, email=MARIA, name="Maria Manager", role="manager")
    case = file(app)
    sign_in(client)
    assert act(client, case.id, "escalate", body="Le client a appelé : 40 utilisateurs bloqués.").status_code == 303
    assert load(app, Case, case.id).escalation == "requested"
    [notice] = mails(app, "escalated_by_staff")
    assert notice.recipient == MARIA and "Alex Agent" in notice.text
    html = client.get(f"/staff/cases/{case.id}").text
    assert "acknowledge-form" not in html and "escalation review due" in html
    refused = act(client, case.id, "acknowledge", escalation_manager="Alex", technical_lead="Tom")
    assert refused.status_code == 403 and load(app, Case, case.id).escalation == "requested"
    manager = app.test_client()
    sign_in(manager, MARIA)
    incomplete = act(manager, case.id, "acknowledge", escalation_manager="Maria Manager", technical_lead="")
    assert incomplete.status_code == 422 and "Please name the technical lead." in incomplete.text
    assert 'value="Maria Manager"' in incomplete.text  # what the manager typed is kept
    done = act(manager, case.id, "acknowledge", escalation_manager="Maria Manager", technical_lead="Tom Lead",
               body="Nous vous appelons à 14 h.")
    assert done.status_code == 303 and load(app, Case, case.id).escalation == "acknowledged"
    [mail] = mails(app, "escalation_acknowledged")
    assert mail.lang == "fr" and "Responsable d'escalade : Maria Manager" in mail.text
    assert "Référent technique : Tom Lead" in mail.text  # the customer's language, not the manager's
    assert "Nous vous appelons à 14 h." in mail.text
    event = events(app, case.id)[-1]
    assert event.data == {"escalation_manager": "Maria Manager", "technical_lead": "Tom Lead"}
    assert act(manager, case.id, "close-escalation", body="Résolu avec le client.").status_code == 303
    assert load(app, Case, case.id).escalation == "closed"


def test_bad_inputs_on_the_composer(app, client):
    add_member(app)
    case = file(app)
    sign_in(client)
    empty = act(client, case.id, "message", action="reply", body="  \n ")
    assert empty.status_code == 422 and "Please write a message." in empty.text
    huge = "é" * 100_000
    too_long = act(client, case.id, "message", action="reply", body=huge)
    assert too_long.status_code == 422 and "Please keep this under 20000 characters." in too_long.text
    assert huge in too_long.text  # nothing the agent typed is lost
    unknown = act(client, case.id, "message", action="accept_solution", body="Accepté")
    assert unknown.status_code == 422 and "Please choose what to do with the message." in unknown.text
    no_version = post(client, f"/staff/cases/{case.id}/message", {"action": "reply", "body": "Sans version"})
    assert no_version.status_code == 400 and "Sans version" in no_version.text
    assert [e.type for e in events(app, case.id)] == ["created"]  # none of these changed the case


def test_a_forged_case_id_or_form_is_a_404(app, client):
    add_member(app)
    case = file(app)
    sign_in(client)
    for url in ("/staff/cases/999999", "/staff/cases/0", f"/staff/cases/{case.id}x", "/staff/cases/-1"):
        assert client.get(url).status_code == 404, url
    assert post(client, "/staff/cases/999999/message", {"version": "1", "action": "reply", "body": "x"}) \
        .status_code == 404
    assert post(client, f"/staff/cases/{case.id}/delete", {"version": "1"}).status_code == 404
    assert [e.type for e in events(app, case.id)] == ["created"]


def test_a_stale_form_says_the_case_changed_and_keeps_the_text(app, client):
    add_member(app)
    add_member(app, email="bea@lumera.example", name="Bea Agent")
    case = file(app)
    sign_in(client)
    page = client.get(f"/staff/cases/{case.id}").text
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    colleague = app.test_client()
    sign_in(colleague, "bea@lumera.example")
    assert act(colleague, case.id, "message", action="reply", body="Réponse de Bea.").status_code == 303
    mine = "Ma réponse, écrite pendant que Bea répondait."
    stale = post(client, f"/staff/cases/{case.id}/message", {"version": version, "action": "reply", "body": mine},
                 f"/staff/cases/{case.id}")
    assert stale.status_code == 409
    assert "This case changed while you were writing. Nothing you wrote is lost" in stale.text
    assert mine in stale.text and "Réponse de Bea." in stale.text  # the text kept, the new reply shown
    assert [e.body for e in events(app, case.id) if e.type == "reply"] == ["Réponse de Bea."]
    fresh = re.search(r'name="version" type="hidden" value="(\d+)"', stale.text).group(1)
    assert fresh != version  # sent again from this page, it goes
    resent = post(client, f"/staff/cases/{case.id}/message", {"version": fresh, "action": "reply", "body": mine},
                  f"/staff/cases/{case.id}")
    assert resent.status_code == 303


def test_an_action_the_state_does_not_allow_is_refused_clearly(app, client):
    add_member(app)
    case = file(app)
    customer(app, case.id, "close")
    sign_in(client)
    html = client.get(f"/staff/cases/{case.id}").text
    assert 'value="reply"' not in html and 'value="note"' in html  # only what the state allows is offered
    refused = act(client, case.id, "message", action="reply", body="Trop tard ?")
    assert refused.status_code == 409 and "is not possible while the case is Closed" in refused.text
    assert "Trop tard ?" in refused.text


def test_saved_replies_per_language_edited_by_managers(app, client):
    add_member(app)
    add_member(app, email=MARIA, name="Maria Manager", role="manager")
    manager = app.test_client()
    sign_in(manager, MARIA)
    created = post(manager, "/staff/replies/new", {"lang": "fr", "title": "Journaux",
                                                   "body": "Pouvez-vous joindre le fichier journal ?"},
                   "/staff/replies/new")
    assert created.status_code == 303
    missing = post(manager, "/staff/replies/new", {"lang": "xx", "title": "", "body": ""}, "/staff/replies/new")
    assert missing.status_code == 422 and "Please give it a title." in missing.text
    with app.app_context(), session_factory(app)() as db:
        saved = db.scalar(select(SavedReply))
    french, german = file(app), file(app, lang="de")
    sign_in(client)
    assert "Journaux" in client.get(f"/staff/cases/{french.id}").text
    assert "Journaux" not in client.get(f"/staff/cases/{german.id}").text
    prefilled = client.get(f"/staff/cases/{french.id}?saved={saved.id}").text
    assert re.search(r"<textarea[^>]*>\s*Pouvez-vous joindre le fichier journal \?</textarea>", prefilled)
    assert client.get(f"/staff/replies/{saved.id}").status_code == 403
    assert post(client, f"/staff/replies/{saved.id}/delete", {}).status_code == 403
    assert "Journaux" in client.get("/staff/replies").text  # agents read them
    edited = post(manager, f"/staff/replies/{saved.id}", {"lang": "fr", "title": "Journaux (serveur)",
                                                         "body": "Merci de joindre server.log."},
                  f"/staff/replies/{saved.id}")
    assert edited.status_code == 303 and load(app, SavedReply, saved.id).title == "Journaux (serveur)"
    assert post(manager, f"/staff/replies/{saved.id}/delete", {}, "/staff/replies").status_code == 303
    assert load(app, SavedReply, saved.id) is None
    log = manager.get("/staff/team/log").text
    assert "saved_reply_added" in log and "saved_reply_saved" in log and "saved_reply_deleted" in log
