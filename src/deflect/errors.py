"""One error path: HTML for people, JSON for ``/api/…``; never a stack trace."""
from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)


class DeflectError(Exception):
    """An error the customer can act on: a status, a stable code, a message."""

    def __init__(self, message: str, *, status: int = 400, code: str = "bad_request"):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def wants_json() -> bool:
    return request.path.startswith("/api/")


def render_error(status: int, code: str, message: str):
    """Return the error response in the shape the requester expects."""
    if wants_json():
        return jsonify({"error": {"code": code, "message": message}}), status
    return render_template("error.html", status=status, code=code, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DeflectError)
    def handle_deflect_error(error: DeflectError):
        return render_error(error.status, error.code, error.message)

    @app.errorhandler(CSRFError)
    def handle_expired_form(_error: CSRFError):
        return render_error(400, "form_expired", _(
            "This form has expired or was sent from another page. "
            "Please go back, reload the page and send it again."))

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        code = (error.name or "error").lower().replace(" ", "_")
        return render_error(error.code or 500, code, error.description or error.name)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500, "internal_error", "Something went wrong on our side. Please try again.")
