"""One error path: HTML for people, JSON for the API; a crash is logged, never shown."""
from __future__ import annotations

import logging

import pytest
from flask import Blueprint

from deflect import create_app

boom = Blueprint("boom", __name__)


@boom.get("/boom")
@boom.get("/api/boom")
def explode():
    raise RuntimeError("secret detail: password=hunter2 in SELECT * FROM support_case")


@pytest.fixture
def crashing_client(app_config):
    app = create_app({**app_config, "TESTING": False, "PROPAGATE_EXCEPTIONS": False})
    app.register_blueprint(boom)
    return app.test_client()


def test_a_crash_on_a_page_shows_a_friendly_page_and_logs_the_trace(crashing_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = crashing_client.get("/boom", headers={"Accept-Language": "fr"})
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert '<html lang="fr">' in response.text
    assert "hunter2" not in response.text and "Traceback" not in response.text and "SELECT" not in response.text
    assert "unhandled error on GET /boom" in caplog.text and "hunter2" in caplog.text  # the log has it all


def test_a_crash_in_the_api_is_json(crashing_client, caplog):
    with caplog.at_level(logging.ERROR):
        response = crashing_client.get("/api/boom")
    assert response.status_code == 500
    assert response.get_json() == {"error": {"code": "internal_error",
                                             "message": "Something went wrong on our side. Please try again."}}
    assert "hunter2" in caplog.text


def test_an_unknown_api_address_is_json_and_a_page_is_html(client):
    assert client.get("/api/nothing").get_json()["error"]["code"] == "not_found"
    assert client.get("/support/nothing").mimetype == "text/html"
