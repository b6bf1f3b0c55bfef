"""deflect: a multilingual help center and the support form that stands behind it."""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from flask import Flask, jsonify

from deflect import settings


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the service: defaults, then ``DEFLECT_*`` environment, then ``test_config``."""
    app = Flask(__name__)
    app.config.from_mapping(settings.defaults())
    app.config.update(settings.from_environment(os.environ))
    if test_config:
        app.config.update(test_config)
    settings.resolve(app.config)
    Path(app.config["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = settings.persistent_secret_key(Path(app.config["VAR_DIR"]))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from deflect import api, check, cli, errors, helpcenter, limits, search, store, support

    errors.init_app(app)
    limits.init_app(app)
    store.init_app(app)
    search.init_app(app)
    api.init_app(app)
    support.init_app(app)
    cli.init_app(app)
    check.init_app(app)

    @app.get("/healthz")
    def healthz():
        """Answer 200 when the service can answer.

        Any origin may ask: the help center's pages, wherever they are hosted,
        show their feedback control only when this answers.
        """
        response = jsonify({"status": "ok"})
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    # Last: the help center's catch-all route must not shadow the service's own.
    helpcenter.init_app(app)
    return app
