"""One error path: HTML for people, JSON for ``/api/…``; never a stack trace.

Every error a person meets is said in their language (the page's locale: the
URL's language prefix first, see :mod:`deflect.i18n`), with the headers its
status needs (``Allow`` on a 405, ``Retry-After`` on a 429). An unexpected
exception is logged with its trace and answered with a plain 500.
"""
from __future__ import annotations

import logging

from flask import Flask, jsonify, make_response, render_template, request
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


def render_error(status: int, code: str, message: str, headers: dict[str, str] | None = None):
    """Return the error response in the shape the requester expects."""
    if wants_json():
        response = jsonify({"error": {"code": code, "message": message}})
    else:
        response = make_response(render_template("error.html", status=status, code=code, message=message))
    response.status_code = status
    response.headers.update(headers or {})
    return response


def message_for(error: HTTPException) -> str:
    """The words of an HTTP error in the page's language (Werkzeug's own are English only)."""
    messages = {
        400: _("The request could not be understood. Please go back and try again."),
        403: _("You may not open this page."),
        404: _("This page does not exist. It may have moved: the help center's search finds what you need."),
        405: _("This address does not answer this kind of request."),
        429: _("Too many requests in a short time. Please wait a minute, then try again."),
    }
    return messages.get(error.code or 500) or error.description or error.name


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
        kept = {name: value for name, value in error.get_headers() if name.lower() != "content-type"}
        return render_error(error.code or 500, code, message_for(error), kept)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500, "internal_error", _("Something went wrong on our side. Please try again."))
