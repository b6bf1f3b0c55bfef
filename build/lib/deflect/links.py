"""Links that leave the service (e-mails, the private link on confirmation).

They start with the configured ``PUBLIC_URL``, never with the request's Host
header: a forged ``Host: evil.example`` must not put its own address in a
customer's e-mail.
"""
from __future__ import annotations

from flask import current_app


def public_url(endpoint: str, **values) -> str:
    """Return the public address of a view of the service (works without a request, e.g. in the sweep)."""
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    path = adapter.build(endpoint, values, force_external=False)
    return current_app.config["PUBLIC_URL"].rstrip("/") + path
