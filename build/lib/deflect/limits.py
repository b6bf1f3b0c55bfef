"""Rate limits (Flask-Limiter): in memory on a laptop, Redis when configured.

Views declare their own limits with ``@limiter.limit(...)``; an exceeded limit
goes through the one error path as a translated 429 with ``Retry-After``.
Counters are kept per client address: behind a load balancer, set
``TRUSTED_PROXIES`` (:mod:`deflect.security`) so that address is the
customer's, not the balancer's. When Redis cannot be reached, each process
counts alone in memory (Flask-Limiter's fallback, with a warning in the log)
rather than failing the request, and ``/healthz`` says so.
"""
from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def storage_state() -> str:
    """``ok``, ``memory`` (one process's counters: a laptop), ``unreachable`` (Redis down, falling back)
    or ``off`` (rate limits disabled)."""
    if not limiter.enabled:
        return "off"
    storage = limiter.storage
    if type(storage).__name__ == "MemoryStorage":
        return "memory"
    try:
        return "ok" if storage.check() else "unreachable"
    except Exception:  # any client error means the same to an operator
        return "unreachable"


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 0.5, "socket_timeout": 0.5})
    limiter.init_app(app)
