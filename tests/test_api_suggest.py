"""GET /api/suggest: the contract of DESIGN.md, bad input as 4xx JSON, never a 500."""
from __future__ import annotations

import pytest

from deflect import create_app


def test_suggest_answers_the_contract(client):
    response = client.get("/api/suggest?q=how+to+escalate+a+case&lang=en")
    assert response.status_code == 200
    body = response.get_json()
    assert body["query"] == "how to escalate a case" and body["lang"] == "en"
    assert body["results"][0]["id"] == "support/escalation"
    assert set(body["results"][0]) == {"id", "title", "section", "url", "lang", "snippet", "score", "fallback"}
    assert len(body["results"]) <= 5


def test_regional_language_is_its_language(client):
    body = client.get("/api/suggest?q=procédure+d'escalade&lang=fr-CA").get_json()
    assert body["lang"] == "fr"
    assert body["results"][0]["url"].startswith("/fr/support/escalation/")


def test_a_missing_language_is_the_default_and_an_unknown_one_is_refused(client):
    assert client.get("/api/suggest?q=escalation").get_json()["lang"] == "en"
    refused = client.get("/api/suggest?q=escalation&lang=xx")
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "bad_lang"


def test_out_of_scope_question_is_silent(client):
    assert client.get("/api/suggest?q=best+pizza+recipe").get_json()["results"] == []


def test_limit_is_honoured(client):
    many = client.get("/api/suggest?q=case+severity+support+escalation+hotline&limit=20").get_json()["results"]
    assert len(many) > 1
    assert len(client.get("/api/suggest?q=case+severity+support+escalation+hotline&limit=1").get_json()["results"]) == 1


@pytest.mark.parametrize("query", [
    "", "   ", "title:", "*", "\"unbalanced", "escalation AND NOT severity", "x" * 2000,
    "esc\x00al\x07ation", "%ff", "title:escalation OR body:*", "🙂🙂", "<script>alert(1)</script>",
])
def test_any_question_gets_an_answer(client, query):
    response = client.get("/api/suggest", query_string={"q": query, "lang": "de"})
    assert response.status_code == 200
    assert isinstance(response.get_json()["results"], list)


@pytest.mark.parametrize("params, status, code", [
    ({}, 400, "missing_query"),
    ({"q": "x" * 2001}, 413, "query_too_long"),
    ({"q": "escalation", "limit": "abc"}, 400, "bad_limit"),
    ({"q": "escalation", "limit": "0"}, 400, "bad_limit"),
    ({"q": "escalation", "limit": "-3"}, 400, "bad_limit"),
    ({"q": "escalation", "limit": "²"}, 400, "bad_limit"),
    ({"q": "escalation", "limit": "21"}, 400, "bad_limit"),
    ({"q": "escalation", "limit": "500"}, 400, "bad_limit"),
    ({"q": "escalation", "limit": "9" * 5000}, 400, "bad_limit"),
    ({"q": "escalation", "limit": "020"}, 200, None),
    ({"q": "escalation", "lang": "zz"}, 400, "bad_lang"),
])
def test_bad_input_is_a_json_4xx(client, params, status, code):
    response = client.get("/api/suggest", query_string=params)
    assert response.status_code == status
    if code:
        assert response.get_json()["error"]["code"] == code
        assert response.get_json()["error"]["message"]


def test_missing_index_is_a_503(app_config, tmp_path):
    app = create_app({**app_config, "INDEX_DIR": str(tmp_path / "nothing")})
    response = app.test_client().get("/api/suggest?q=escalation")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "search_unavailable"


def test_suggest_is_rate_limited(app_config):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True})
    client = app.test_client()
    statuses = [client.get("/api/suggest?q=").status_code for _ in range(125)]
    assert statuses[0] == 200 and statuses[-1] == 429


@pytest.mark.parametrize("serve_site, base", [(True, ""), (False, "https://help.example.com")])
def test_every_link_to_an_article_points_where_the_site_lives(app_config, monkeypatch, serve_site, base):
    """The suggest API and the form's step 2 link to the same page, in both layouts of the README."""
    monkeypatch.setenv("DEFLECT_SITE_URL", "https://help.example.com/")
    app = create_app({**app_config, "SERVE_SITE": serve_site})
    client = app.test_client()
    result = client.get("/api/suggest?q=procédure+d'escalade&lang=fr").get_json()["results"][0]
    assert result["url"].startswith(f"{base}/fr/support/escalation/")
    assert app.extensions["deflect.help_center"].page_url("support/escalation", "fr", "x") == (
        f"{base}/fr/support/escalation/#x")
