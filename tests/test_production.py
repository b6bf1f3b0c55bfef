"""What the production layout needs: limits that hold, real clients behind a proxy, headers,
links that do not trust the Host header, text both stores keep, errors with their headers."""
from __future__ import annotations

import base64
import json
import re
import zlib

import pytest
from sqlalchemy import select

from deflect import create_app
from deflect.store import ArticleFeedback, Case, session_factory
from tests.test_support import CASE, DESCRIBE, case_form, csrf, post_case


def test_the_request_size_limit_holds_without_a_test_override(app_config):
    app = create_app(app_config)
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit == 10 * 20 * 1024 * 1024 + 2 * 1024 * 1024  # every file at its largest, plus the text
    response = app.test_client().post("/support/new/case", data=b"x",
                                      environ_overrides={"CONTENT_LENGTH": str(limit + 1)},
                                      headers={"Accept-Language": "fr", "Content-Type": "multipart/form-data"})
    assert response.status_code == 413 and "trop volumineux" in response.text


def test_behind_one_trusted_proxy_each_customer_has_their_own_limit(app_config):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True, "TRUSTED_PROXIES": 1})
    client = app.test_client()

    def ask(address):
        return client.get("/api/suggest?q=", headers={"X-Forwarded-For": address}).status_code

    assert [ask("203.0.113.7") for _ in range(121)][-1] == 429
    assert ask("198.51.100.23") == 200  # another customer behind the same load balancer


def test_without_trusted_proxies_a_forwarded_address_is_ignored(app_config):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True})
    client = app.test_client()
    statuses = [client.get("/api/suggest?q=", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
                for n in range(121)]
    assert statuses[-1] == 429


@pytest.mark.parametrize("path", ["/support/new", "/api/suggest?q=sla", "/healthz", "/cases/lost", "/fr/"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    response.close()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert response.headers["Referrer-Policy"]


def test_service_pages_have_no_inline_script(client):
    html = client.get("/support/new").text + client.get("/support/new/case").text
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers either


def test_cookies_are_secure_when_the_service_is_public_over_https(app_config):
    app = create_app({**app_config, "PUBLIC_URL": "https://support.lumera.example"})
    client = app.test_client()
    client.get("/support/new?lang=fr")
    cookie = client.get_cookie("session")
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax"


def session_payload(client) -> str:
    value = client.get_cookie("session").value
    compressed = value.startswith(".")
    body = value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode()


def test_links_that_leave_use_the_public_address_not_the_host_header(app):
    client = app.test_client()
    client.environ_base["HTTP_HOST"] = "evil.example"  # every request of this customer names that host
    token, key = case_form(client)
    sent = post_case(client, token, key)
    page = client.get(sent.location).text
    assert "evil.example" not in page and "http://127.0.0.1:8000/cases/" in page
    with session_factory(app)() as db:
        case = db.scalar(select(Case))
    assert case.token not in session_payload(client)  # the readable cookie holds no private token


def test_text_no_store_can_keep_is_cleaned_at_the_edge(app_on_each_store):
    client = app_on_each_store.test_client()
    client.post("/support/new", data={**DESCRIBE, "description": "Le rapport\x00 ne se publie plus.",
                                      "csrf_token": csrf(client)})
    token, key = case_form(client)
    long_email = "c" * 60 + "@" + ".".join(["d" * 60] * 3) + ".example"
    assert len(long_email) > 200
    sent = post_case(client, token, key, subject="Publication\x00 impossible", company="Ac\x00me",
                     email=long_email, include_technical="y", technical="[" * 3000 + "]" * 3000)
    assert sent.status_code == 303
    with session_factory(app_on_each_store)() as db:
        case = db.scalar(select(Case))
        assert (case.subject, case.company, case.email) == ("Publication impossible", "Acme", long_email)
        assert "\x00" not in case.description and case.technical_details.keys() == {"userAgent"}


@pytest.mark.parametrize("payload, status", [
    ('{"article": "index", "lang": "en", "helpful": false, "reason": "nul\\u0000 and \\ud800 lone"}', 201),
    ("[" * 100_000 + "]" * 100_000, 400),
])
def test_feedback_takes_any_text_and_refuses_absurd_nesting(app_on_each_store, payload, status):
    response = app_on_each_store.test_client().post("/api/feedback", data=payload,
                                                    content_type="application/json")
    assert response.status_code == status
    if status == 201:
        with session_factory(app_on_each_store)() as db:
            assert db.scalar(select(ArticleFeedback.reason)) == "nul and  lone"


def test_a_wrong_method_says_which_are_allowed(client):
    response = client.get("/api/feedback")
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    page = client.put("/support/new", headers={"Accept-Language": "de"})
    assert page.status_code == 405 and "GET" in page.headers["Allow"] and '<html lang="de">' in page.text


def test_too_many_requests_is_said_in_the_page_language_with_retry_after(app_config):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True})
    client = app.test_client()
    token = csrf(client, "/cases/lost")
    for _ in range(5):
        client.post("/cases/lost", data={"email": "x@example.com", "csrf_token": token})
    answer = client.post("/cases/lost", data={"email": "x@example.com", "csrf_token": token},
                         headers={"Accept-Language": "fr"})
    assert answer.status_code == 429 and answer.headers["Retry-After"]
    assert '<html lang="fr">' in answer.text and "per 1 hour" not in answer.text


def test_with_redis_down_the_service_answers_and_healthz_says_so(app_config, caplog):
    app = create_app({**app_config, "RATELIMIT_ENABLED": True,
                      "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"})  # nothing listens on port 1
    client = app.test_client()
    assert client.get("/api/suggest?q=sla").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json() == {"status": "degraded", "rate_limits": "unreachable"}


def test_a_missing_page_answers_in_the_language_of_its_address(client):
    for lang in ("de", "fr", "it", "es"):
        response = client.get(f"/{lang}/no-such-page/")
        assert response.status_code == 404
        assert f'lang="{lang}"' in response.text.split(">", 2)[1], lang
    english = client.get("/no-such-page/")
    assert english.status_code == 404 and 'lang="en"' in english.text.split(">", 2)[1]


def test_the_api_describes_itself(client):
    spec = client.get("/api/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1") and {"/api/suggest", "/api/feedback"} <= set(spec["paths"])
    json.dumps(spec)
