"""What every response carries for safety: the real client behind proxies, security headers, cookies.

* **Proxies**: ``TRUSTED_PROXIES`` is the number of proxy hops in front of the
  service (the load balancer: 1); Werkzeug's ``ProxyFix`` then reads the
  client's address and scheme from that many ``X-Forwarded-*`` entries, so
  rate limits count real customers, not the load balancer. 0 (the default)
  trusts none: a client cannot claim another address.
* **Headers**: a Content-Security-Policy, ``frame-ancestors 'none'``,
  ``X-Content-Type-Options: nosniff`` and a Referrer-Policy on every response,
  HTML or JSON. A small after-request hook rather than Flask-Talisman: the
  service's own pages need a strict policy with no inline script at all,
  while the built help center it serves on a laptop carries two small inline
  scripts of Material's (and our theme's style block) that a strict policy allows by their hashes
  (:func:`inline_hashes`); Talisman would need that same per-response
  logic on top, and its HTTPS redirect belongs to the proxy.
* **Cookies**: HttpOnly and SameSite=Lax always; Secure when the public
  address is https.
"""
from __future__ import annotations

import base64
import hashlib
import re
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>(.*?)</script>", re.S)
INLINE_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)


def origin_of(url: str) -> str | None:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def csp_hash(body: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"


@lru_cache(maxsize=512)
def inline_hashes(path: Path, mtime_ns: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the CSP hashes of a built page's inline scripts and styles (cached per file version)."""
    html = path.read_text(encoding="utf-8", errors="replace")
    return (tuple(csp_hash(body) for body in INLINE_SCRIPT.findall(html)),
            tuple(csp_hash(body) for body in INLINE_STYLE.findall(html)))


def content_security_policy(extra_scripts: tuple[str, ...] = (), extra_styles: tuple[str, ...] = ()) -> str:
    """The policy of a response: our own files only; the help center's host too when it is elsewhere."""
    site = origin_of(current_app.extensions["deflect.help_center"].pages_base)
    own = "'self'" + (f" {site}" if site else "")
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' {' '.join(extra_scripts)}".strip(),
        f"style-src {own} {' '.join(extra_styles)}".strip(),
        f"img-src {own} data:",
        f"font-src {own} data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def add_security_headers(response):
    """The after-request hook (see the module docstring)."""
    scripts: tuple[str, ...] = ()
    styles: tuple[str, ...] = ()
    served = getattr(response, "deflect_site_file", None)
    if served is not None:
        scripts, styles = inline_hashes(served, served.stat().st_mtime_ns)
    response.headers.setdefault("Content-Security-Policy", content_security_policy(scripts, styles))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    return response


def init_app(app: Flask) -> None:
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops, x_prefix=hops)
    secure = urlsplit(app.config["PUBLIC_URL"]).scheme == "https"
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
                      SESSION_COOKIE_SECURE=app.config.get("SESSION_COOKIE_SECURE") or secure)
    app.after_request(add_security_headers)
