"""The API as it describes itself: Schemathesis sends generated requests, the answers must match."""
from __future__ import annotations

import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from deflect import create_app
from tests.conftest import _test_config


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory, built_site, built_index, store_template):
    var = tmp_path_factory.mktemp("openapi")
    shutil.copyfile(store_template, var / "deflect.sqlite3")
    app = create_app(_test_config(var, built_site, built_index))
    return schemathesis.openapi.from_wsgi("/api/openapi.json", app)


@pytest.mark.parametrize("path, method", [("/api/suggest", "GET"), ("/api/feedback", "POST")])
def test_every_answer_matches_the_description(api_schema, path, method):
    """No server error and no answer outside the description, on generated requests (valid and not)."""
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        case.call_and_validate()

    check()
