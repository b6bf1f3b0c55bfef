"""deflect: a multilingual help center and the support form that stands behind it.

:func:`create_app` is the table of contents of the service: every setting,
extension, blueprint and command is set up there, in this order.
"""
from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, jsonify

from deflect import settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the service: defaults, then ``DEFLECT_*`` environment, then ``test_config``.

    Raises :class:`deflect.settings.SettingError` for an unknown ``DEFLECT_*``
    variable or a value of the wrong type.
    """
    from deflect import (api, case_pages, check, cli, errors, feedback, forms, helpcenter, i18n, learning, limits,
                         my_cases, reports, search, security, staff, staging, store, support, sweep, vocabulary)
    from deflect.mail import inbox, outbox

    app = Flask(__name__)
    settings.configure(app.config, os.environ, test_config)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    # The help center (mkdocs.yml, read once): languages, vendor facts, the look every page shares.
    help_center = helpcenter.init_app(app)
    # A request may carry every attachment at its largest, plus room for the text fields.
    limits_of_files = vocabulary.attachment_limits(help_center)
    app.config["MAX_CONTENT_LENGTH"] = app.config.get("MAX_CONTENT_LENGTH") or (
        limits_of_files.max_files * limits_of_files.max_file_bytes + 2 * 1024 * 1024)
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # a long case written slowly must still send

    # Extensions: proxies, headers and cookies; one error path, the form's words, CSRF, rate limits,
    # the case store, the search index.
    security.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    forms.csrf.init_app(app)
    limits.init_app(app)
    store.init_app(app)
    search.init_app(app)
    learning.init_app(app)                     # index builds learn from answered questions; deflect learned
    staging.init_app(app)
    outbox.init_app(app)                       # deflect worker: delivers the e-mail outbox
    sweep.init_app(app)                        # deflect sweep: the lifecycle's timed rules
    inbox.init_app(app)                        # deflect mail-in: a customer's e-mailed reply
    reports.init_app(app)                      # deflect report: what the help center fails to answer
    staff.init_app(app)                        # staff sign-in sessions (Flask-Login); deflect staff add|list|…
    check.init_app(app)                        # deflect check: the authors' checks of docs/

    # Blueprints, one per noun.
    app.register_blueprint(api.bp)             # /api/suggest
    app.register_blueprint(feedback.bp)        # /api/feedback (JSON from the help center's pages, any host)
    forms.csrf.exempt(feedback.bp)
    app.register_blueprint(support.bp)         # /support/new…: describe, suggestions, case form, confirmation
    app.register_blueprint(case_pages.bp)      # /cases/<token>: the customer's private case pages
    app.register_blueprint(my_cases.bp)        # /my-cases: a customer's cases, after an e-mailed sign-in link
    app.register_blueprint(staff.bp)           # /staff/: the agents' workspace (queue, cases, replies, team)
    if app.config["SERVE_SITE"]:
        app.register_blueprint(helpcenter.bp)  # / : the built help center, when one process serves all

    @app.get("/healthz")
    def healthz():
        """Answer 200 when the service can answer, and say how its rate-limit counters are kept.

        Any origin may ask: the help center's pages, wherever they are hosted,
        show their feedback control only when this answers. Redis being down
        does not stop the service (each process then counts alone), so it is
        reported as ``degraded``, still 200.
        """
        counters = limits.storage_state()
        response = jsonify({"status": "degraded" if counters == "unreachable" else "ok", "rate_limits": counters})
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    cli.init_app(app)  # deflect build, serve (the modules above add their own commands)
    return app
