"""The support form through the test client: steps, validation, kept input, idempotency."""
from __future__ import annotations

import gc
import io
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from deflect import search
from deflect.store import Attachment, Case, Deflection, session_factory

SUGGESTIONS = [
    search.Suggestion(id="support/severity", title="Niveaux de gravité", url="/fr/support/severity/#critique",
                      lang="fr", snippet="Un problème critique empêche la tâche principale.", score=7.5,
                      fallback=False),
    search.Suggestion(id="support/sla", title="Délais", url="/fr/support/sla/", lang="fr",
                      snippet="Première réponse sous 1 heure.", score=3.25, fallback=False),
]
DESCRIBE = {"subject": "Publication impossible", "description": "Le rapport mensuel ne se publie plus depuis hier.",
            "product": "Lumera Reports", "lang": "fr", "from": "support/sla"}
CASE = {**DESCRIBE, "contact_name": "Camille Martin", "email": "camille@example.com", "phone": "+33 1 23 45 67 89",
        "company": "Acme", "request_type": "incident", "severity": "moderate",
        "intent": "Publier le rapport mensuel", "steps": "1. Ouvrir le rapport\n2. Publier",
        "actual": "Erreur 500 au lieu de la publication", "supporting_info": "2026-11-20 09:14 CET, rapport 4411"}


@pytest.fixture
def suggestions(monkeypatch):
    """Search answers with two articles (unit tests only; the browser tests use the real index)."""
    monkeypatch.setattr(search, "suggest", lambda query, lang, limit=5: SUGGESTIONS[:limit])


def csrf(client, path="/support/new") -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).text).group(1)


def case_form(client) -> tuple[str, str]:
    html = client.get("/support/new/case").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
    return token, key


def post_case(client, token, key, **fields):
    data = {**CASE, "csrf_token": token, "submission_key": key, **fields}
    data = {name: value for name, value in data.items() if value is not None}
    return client.post("/support/new/case", data=data, content_type="multipart/form-data")


def stored(app, model):
    with session_factory(app)() as db:
        return db.scalar(select(func.count()).select_from(model))


def test_step_one_is_in_the_language_of_the_page_the_customer_came_from(client):
    page = client.get("/support/new?lang=de&from=support/severity")
    assert page.status_code == 200
    assert '<html lang="de">' in page.text and "Support kontaktieren" in page.text
    assert 'value="support/severity"' in page.text
    assert '<option selected value="de">' in page.text


def test_the_language_follows_accept_language_then_the_session(client):
    assert '<html lang="it">' in client.get("/support/new", headers={"Accept-Language": "it-CH,it;q=0.9"}).text
    client.get("/support/new?lang=es")
    client.post("/support/new", data={**DESCRIBE, "lang": "es", "csrf_token": csrf(client)})
    assert '<html lang="es">' in client.get("/support/new/case").text


def test_suggestions_are_shown_and_a_deflection_is_recorded(app, client, suggestions):
    answer = client.post("/support/new", data={**DESCRIBE, "csrf_token": csrf(client)}, follow_redirects=True)
    assert answer.status_code == 200
    assert "Niveaux de gravité" in answer.text and "Un problème critique" in answer.text
    opened = client.get("/support/new/open/1")
    assert opened.status_code == 302 and opened.location == "/fr/support/severity/#critique"
    assert client.get("/support/new/open/9").status_code == 404
    done = client.post("/support/new/solved", data={"csrf_token": csrf(client)})
    assert done.status_code == 302 and "Ravis de vous avoir aid" in client.get(done.location).text
    with session_factory(app)() as db:
        deflection = db.scalar(select(Deflection))
        assert (deflection.outcome, deflection.from_article, deflection.product) == (
            "deflected", "support/sla", "Lumera Reports")
        assert [(s.rank, s.article_id, s.score, s.opened) for s in deflection.suggestions] == [
            (1, "support/severity", 7.5, True), (2, "support/sla", 3.25, False)]
    assert stored(app, Case) == 0


def test_starting_over_records_the_previous_deflection_as_abandoned(app, client, suggestions):
    client.post("/support/new", data={**DESCRIBE, "csrf_token": csrf(client)})
    client.post("/support/new", data={**DESCRIBE, "subject": "Autre chose", "csrf_token": csrf(client)})
    with session_factory(app)() as db:
        assert db.scalars(select(Deflection.outcome)).all() == ["abandoned"]


def test_without_matches_the_customer_is_told_and_goes_on(client, monkeypatch):
    monkeypatch.setattr(search, "suggest", lambda query, lang, limit=5: [])
    answer = client.post("/support/new", data={**DESCRIBE, "csrf_token": csrf(client)}, follow_redirects=True)
    assert "Aucun article ne correspond" in answer.text and "/support/new/case" in answer.text


def test_a_broken_index_still_takes_cases_and_says_why_in_the_log(app, client, monkeypatch, caplog):
    def broken(query, lang, limit=5):
        raise search.SearchUnavailable("no current index generation")

    monkeypatch.setattr(search, "suggest", broken)
    with caplog.at_level(logging.WARNING, logger="deflect.support"):
        answer = client.post("/support/new", data={**DESCRIBE, "csrf_token": csrf(client)}, follow_redirects=True)
    assert answer.status_code == 200 and "Aucun article ne correspond" in answer.text
    assert "search index unavailable" in caplog.text and "no current index generation" in caplog.text
    token, key = case_form(client)
    assert post_case(client, token, key).status_code == 303
    assert stored(app, Case) == 1


def test_a_slow_search_is_not_waited_for(app, client, monkeypatch, caplog):
    import threading

    release = threading.Event()

    def stuck(query, lang, limit=5):
        release.wait(5)
        return SUGGESTIONS

    monkeypatch.setattr(search, "suggest", stuck)
    app.config["SUGGEST_TIMEOUT_S"] = 0.2
    with caplog.at_level(logging.WARNING, logger="deflect.support"):
        answer = client.post("/support/new", data={**DESCRIBE, "csrf_token": csrf(client)}, follow_redirects=True)
    release.set()
    assert "Aucun article ne correspond" in answer.text and "search slower than 0.2s" in caplog.text


def test_the_case_form_is_prefilled_from_step_one(client, suggestions):
    long_description = "Le rapport « Ventes » ne se publie plus. " + "é" * 1900  # too long for a cookie
    client.post("/support/new", data={**DESCRIBE, "description": long_description, "csrf_token": csrf(client)})
    html = client.get("/support/new/case").text
    assert 'value="Publication impossible"' in html and long_description in html
    assert '<option selected value="Lumera Reports">' in html
    assert len(client.get_cookie("session").value) < 2000


def test_a_case_is_recorded_with_its_attachment_and_deflection(app, client, suggestions):
    client.post("/support/new", data={**DESCRIBE, "csrf_token": csrf(client)})
    token, key = case_form(client)
    sent = post_case(client, token, key, include_technical="y", technical='{"userAgent": "UA", "screen": "1x1", "x": 1}',
                     attachments=[(io.BytesIO(b"\x89PNG data"), "capture.png")])
    assert sent.status_code == 303 and sent.location.endswith("/support/new/confirmation")
    page = client.get(sent.location).text
    reference = re.search(r'id="case-reference">(CS-[0-9A-Z]{6})<', page).group(1)
    private = re.search(r'id="private-link">([^<]+)<', page).group(1)
    assert "/fr/support/case-lifecycle/" in page
    with session_factory(app)() as db:
        case = db.scalar(select(Case))
        assert case.reference == reference and private == f"http://127.0.0.1:8000/cases/{case.token}"
        assert case.technical_details == {"userAgent": "UA", "screen": "1x1"}
        assert case.deflection.outcome == "case"
        assert [a.original_name for a in case.attachments] == ["capture.png"]
    view = client.get(private.split("8000", 1)[1])
    assert view.status_code == 200 and reference in view.text and "capture.png" in view.text
    assert view.headers["Referrer-Policy"] == "no-referrer" and "no-store" in view.headers["Cache-Control"]


def test_a_resent_post_records_one_case(app, client):
    token, key = case_form(client)
    first, again = post_case(client, token, key), post_case(client, token, key)
    assert first.status_code == again.status_code == 303
    assert stored(app, Case) == 1


def test_every_post_needs_the_csrf_token(client):
    refused = client.post("/support/new", data={**DESCRIBE, "lang": "it"})
    assert refused.status_code == 400 and "Questo modulo è scaduto" in refused.text
    assert client.post("/support/new/case", data=CASE).status_code == 400
    assert client.post("/support/new/solved").status_code == 400


@pytest.mark.parametrize(("fields", "message"), [
    ({"subject": ""}, "Please give your request a short subject."),
    ({"subject": "x" * 201}, "Please keep this under 200 characters."),
    ({"description": ""}, "Please describe your problem."),
    ({"description": "too short"}, "Please write at least a sentence (10 characters or more)."),
    ({"description": "x" * 10001}, "Please keep this under 10000 characters."),
    ({"contact_name": ""}, "Please tell us your name."),
    ({"email": ""}, "Please give an e-mail address we can reply to."),
    ({"email": "camille.example.com"}, "This does not look like an e-mail address (name@example.com)."),
    ({"email": "camille@example"}, "This does not look like an e-mail address (name@example.com)."),
    ({"phone": "call me maybe"}, "Please use digits, spaces and + ( ) - only (6 to 30)."),
    ({"company": ""}, "Please tell us your company."),
    ({"product": ""}, "Please choose a product or area."),
    ({"product": "Lumera Teleport"}, "Please choose a product or area from the list."),
    ({"request_type": None}, "Please choose the type of request."),
    ({"request_type": "complaint"}, "Please choose the type of request."),
    ({"severity": None}, "Please choose a severity."),
    ({"severity": "blocker"}, "Please choose a severity."),
    ({"actual": ""}, "For an incident, please tell us what happened and what you expected."),
    ({"intent": "x" * 5001}, "Please keep this under 5000 characters."),
    ({"steps": "x" * 5001}, "Please keep this under 5000 characters."),
    ({"supporting_info": "x" * 5001}, "Please keep this under 5000 characters."),
    ({"lang": "xx"}, "Please choose one of the languages offered."),
])
def test_every_case_field_rule_has_a_clear_message(app, client, fields, message):
    token, key = case_form(client)
    answer = post_case(client, token, key, **{"lang": "en", **fields})
    assert answer.status_code == 422
    assert message in answer.text
    assert stored(app, Case) == 0


@pytest.mark.parametrize(("fields", "message"), [
    ({"subject": ""}, "Please give your request a short subject."),
    ({"description": ""}, "Please describe your problem in a few sentences."),
    ({"description": "x" * 2001}, "Please keep this under 2000 characters."),
    ({"product": "nope"}, "Please choose a product or area from the list."),
])
def test_every_step_one_rule_has_a_clear_message(client, fields, message):
    answer = client.post("/support/new", data={**DESCRIBE, "lang": "en", "csrf_token": csrf(client), **fields})
    assert answer.status_code == 422 and message in answer.text


def test_optional_fields_may_stay_empty_for_a_question(app, client):
    token, key = case_form(client)
    answer = post_case(client, token, key, request_type="question", phone="", intent="", steps="", actual="",
                       supporting_info="")
    assert answer.status_code == 303


def test_an_error_keeps_what_was_typed_and_the_files_chosen(app, client):
    token, key = case_form(client)
    answer = post_case(client, token, key, email="not-an-address", lang="en",
                       attachments=[(io.BytesIO(b"first log"), "server.log"), (io.BytesIO(b"ok"), "notes.txt")])
    assert answer.status_code == 422
    html = answer.text
    assert 'id="email-error"' in html and 'value="not-an-address"' in html
    assert "Erreur 500 au lieu de la publication" in html and 'value="Camille Martin"' in html
    assert "server.log" in html and "notes.txt" in html and "no need to choose them again" in html
    kept = re.findall(r'name="keep" value="([^"]+)"', html)
    assert len(kept) == 2
    # The customer fixes the address and removes one file, without choosing the other again.
    fixed = post_case(client, token, key, email="camille@example.com", keep=kept[:1])
    assert fixed.status_code == 303
    with session_factory(app)() as db:
        assert db.scalars(select(Attachment.original_name)).all() == ["server.log"]


# Werkzeug's test client spools a large body to a temporary file it never closes.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize(("upload", "message"), [
    ((b"MZ", "tool.exe"), "tool.exe: this type of file is not accepted"),
    ((b"", "empty.txt"), "empty.txt: this file is empty."),
    ((b"x" * (1024 * 1024 + 1), "big.log"), "big.log: this file is larger than 1 MB."),
])
def test_attachment_rules(app, client, monkeypatch, upload, message):
    support = app.extensions["deflect.help_center"].extra["support"]
    monkeypatch.setitem(support, "max_file_mb", 1)
    token, key = case_form(client)
    answer = post_case(client, token, key, lang="en", attachments=[(io.BytesIO(upload[0]), upload[1])])
    status, text = answer.status_code, answer.text
    del answer
    gc.collect()
    assert status == 422 and message in text
    assert stored(app, Case) == 0


def test_at_most_max_files_are_taken(app, client, monkeypatch):
    monkeypatch.setitem(app.extensions["deflect.help_center"].extra["support"], "max_files", 2)
    token, key = case_form(client)
    files = [(io.BytesIO(b"log"), f"part{n}.log") for n in range(3)]
    answer = post_case(client, token, key, lang="en", attachments=files)
    assert answer.status_code == 422 and "part2.log: at most 2 files per case." in answer.text
    assert len(re.findall(r'name="keep"', answer.text)) == 2


def test_a_request_larger_than_the_limit_gets_a_friendly_413(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    client.get("/support/new?lang=fr")
    token, key = case_form(client)
    answer = post_case(client, token, key, lang="fr", attachments=[(io.BytesIO(b"x" * 5000), "big.log")])
    assert answer.status_code == 413 and "trop volumineux" in answer.text


def test_a_store_failure_keeps_everything_and_says_so(app, client, monkeypatch):
    from deflect import cases

    def fail(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(cases, "file_case", fail)
    token, key = case_form(client)
    answer = post_case(client, token, key, lang="en", attachments=[(io.BytesIO(b"log"), "server.log")])
    assert answer.status_code == 503
    assert "Nothing you typed is lost" in answer.text and "server.log" in answer.text
    assert 'value="Camille Martin"' in answer.text


def test_critical_severity_shows_the_hotline_and_the_guide(client, app, monkeypatch):
    from deflect import vocabulary

    monkeypatch.setattr(vocabulary, "severity_explanations",
                        lambda lang: {"critical": "La tâche principale est impossible."})
    html = client.get("/support/new/case?lang=fr").text
    assert "+33 1 86 95 41 00" in html and "La tâche principale est impossible." in html


@pytest.mark.parametrize("lang", ["en", "de", "fr", "it", "es"])
def test_every_severity_has_its_explanation_from_the_labels(app, lang):
    from deflect import vocabulary
    from deflect.labels import LABELS_FILE, load_labels

    with app.test_request_context("/"):
        explanations = vocabulary.severity_explanations(lang)
        labels = load_labels(app.extensions["deflect.help_center"].root / LABELS_FILE)
    assert explanations == {key: labels.get("severity_line", key, lang) for key in ("general", "moderate", "critical")}


def test_severity_explanations_are_left_out_without_labels(app_config, tmp_path):
    import shutil

    from deflect import create_app, vocabulary

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(Path(app_config["PROJECT_DIR"]) / "mkdocs.yml", project)
    app = create_app({**app_config, "MKDOCS_YML": str(project / "mkdocs.yml")})
    with app.test_request_context("/"):
        assert vocabulary.severity_explanations("fr") == {}



def test_unknown_case_links_are_not_found(client):
    assert client.get("/cases/not-a-token").status_code == 404
    assert client.get("/support/new/confirmation").status_code == 302


def test_the_form_shares_the_help_center_look(client):
    html = client.get("/support/new?lang=fr").text
    assert re.search(r'href="/assets/stylesheets/main\.[0-9a-f]+\.min\.css"', html)
    assert 'class="md-header' in html and "Centre d&#39;aide Lumera" in html
    for code in ("en", "de", "fr", "it", "es"):  # on a form page, buttons of the form that keep what is typed
        assert f'name="switch_lang" value="{code}" formnovalidate lang="{code}"' in html
    assert 'hreflang="de"' in client.get("/cases/lost?lang=fr").text  # elsewhere, plain links
    with client.get(re.search(r'href="(/assets/stylesheets/main[^"]+)"', html).group(1)) as stylesheet:
        assert stylesheet.status_code == 200


def test_the_help_center_keeps_support_index(client):
    with client.get("/support/") as page:
        assert page.status_code == 200 and b"<html" in page.data


def test_switching_the_language_on_the_case_form_keeps_every_field_and_file(app, client):
    token, key = case_form(client)
    switched = post_case(client, token, key, switch_lang="de", subject="Mein Betreff", email="not-checked-yet",
                         attachments=[(io.BytesIO(b"log"), "trace.log")])
    assert switched.status_code == 200 and '<html lang="de">' in switched.text
    assert 'value="Mein Betreff"' in switched.text and 'value="not-checked-yet"' in switched.text
    assert "trace.log" in switched.text and 'role="alert">' not in switched.text.replace(
        'id="attachments-check" role="alert">', "")  # kept, not judged: no error shown
    assert '<option selected value="de">' in switched.text  # and the case will be answered in German
    assert stored(app, Case) == 0


def test_step_two_is_a_page_of_its_own(client, suggestions):
    sent = client.post("/support/new", data={**DESCRIBE, "csrf_token": csrf(client)})
    assert sent.status_code == 303 and sent.location.endswith("/support/new/suggestions")
    again = client.get("/support/new/suggestions")  # a reload asks nothing again
    assert again.status_code == 200 and "Niveaux de gravité" in again.text
    assert client.get("/support/new/open/1").location == "/fr/support/severity/#critique"


def test_a_field_limit_is_said_not_cut(client):
    html = client.get("/support/new/case").text
    assert "maxlength" not in html
    assert re.search(r'data-max-chars="200"[^>]*id="subject"|id="subject"[^>]*data-max-chars="200"', html)


@pytest.mark.parametrize("trap", [{"website": "http://spam.example"}, {"started": "fresh"}])
def test_robots_are_kept_out_without_a_third_party(app, client, trap):
    app.config["FORM_MIN_SECONDS"] = 3
    token, key = case_form(client)
    html = client.get("/support/new/case").text
    started = re.search(r'name="started" type="hidden" value="([^"]*)"', html).group(1)
    fields = {"started": started, **({"website": trap["website"]} if "website" in trap else {})}
    refused = post_case(client, token, key, **fields)  # sent at once after it was shown, or the trap filled
    assert refused.status_code == 422 and "Prenez un instant pour vérifier votre cas" in refused.text
    assert 'value="Camille Martin"' in refused.text and stored(app, Case) == 0
    app.config["FORM_MIN_SECONDS"] = 0
    if "website" not in trap:
        assert post_case(client, token, key, started=started).status_code == 303


def test_the_confirmation_of_a_critical_case_repeats_the_hotline(client):
    token, key = case_form(client)
    sent = post_case(client, token, key, severity="critical")
    page = client.get(sent.location).text
    assert 'id="hotline"' in page and "+33 1 86 95 41 00" in page
