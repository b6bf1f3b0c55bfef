"""Rate limits (Flask-Limiter): in memory on a laptop, Redis when configured.

Views declare their own limits with ``@limiter.limit(...)``; an exceeded limit
goes through the one error path as a 429 with a clear message.
"""
from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
