"""POST /api/feedback: the help center's "Was this article helpful?" answers."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from deflect import create_app
from deflect.store import ArticleFeedback, session_factory, upgrade_database


def test_an_answer_is_recorded(app, client):
    answer = client.post("/api/feedback", json={"article": "support/sla", "lang": "fr", "helpful": False,
                                                "reason": "  Il manque les jours fériés.  "})
    assert answer.status_code == 201 and answer.get_json() == {"ok": True}
    with session_factory(app)() as db:
        stored = db.scalar(select(ArticleFeedback))
        assert (stored.article, stored.lang, stored.helpful, stored.reason) == (
            "support/sla", "fr", False, "Il manque les jours fériés.")


def test_no_csrf_token_is_needed(client):
    assert client.post("/api/feedback", json={"article": "index", "lang": "en", "helpful": True}).status_code == 201


@pytest.mark.parametrize(("payload", "code"), [
    (None, "invalid_json"),
    ([], "invalid_json"),
    ({"lang": "en", "helpful": True}, "invalid_article"),
    ({"article": "../secrets", "lang": "en", "helpful": True}, "invalid_article"),
    ({"article": "x" * 201, "lang": "en", "helpful": True}, "invalid_article"),
    ({"article": "support/sla", "lang": "pt", "helpful": True}, "invalid_lang"),
    ({"article": "support/sla", "lang": "en", "helpful": "yes"}, "invalid_helpful"),
    ({"article": "support/sla", "lang": "en", "helpful": True, "reason": 5}, "invalid_reason"),
    ({"article": "support/sla", "lang": "en", "helpful": True, "reason": "x" * 1001}, "invalid_reason"),
])
def test_bad_answers_get_a_clear_400(client, payload, code):
    answer = client.post("/api/feedback", json=payload) if payload is not None else client.post(
        "/api/feedback", data="not json", content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["code"] == code


def test_a_site_on_another_host_may_call_it(app_config, monkeypatch):
    monkeypatch.setenv("DEFLECT_SITE_URL", "https://help.example.com/")
    app = create_app({**app_config, "SERVE_SITE": False})
    upgrade_database(app)
    client = app.test_client()
    origin = {"Origin": "https://help.example.com"}
    preflight = client.options("/api/feedback", headers={**origin, "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://help.example.com"
    answer = client.post("/api/feedback", json={"article": "index", "lang": "en", "helpful": True}, headers=origin)
    assert answer.headers["Access-Control-Allow-Origin"] == "https://help.example.com"
    stranger = client.post("/api/feedback", json={"article": "index", "lang": "en", "helpful": True},
                           headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in stranger.headers


def test_answers_are_rate_limited(app_config):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True})
    upgrade_database(app)
    client = app.test_client()
    codes = [client.post("/api/feedback", json={"article": "index", "lang": "en", "helpful": True}).status_code
             for _ in range(21)]
    assert codes[:20] == [201] * 20 and codes[20] == 429
