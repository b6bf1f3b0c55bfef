"""The staff workspace (``/staff/``): the queue, a case as agents work it, saved replies, reports, the team.

Modules: :mod:`~deflect.staff.auth` (accounts, passwords, sessions, the audit
log), :mod:`~deflect.staff.queue` (open work, most urgent first),
:mod:`~deflect.staff.casework` (what the customer tried first, matching
articles, actions through the lifecycle, a solved case's article draft),
:mod:`~deflect.staff.reports` (the managers' reports page: its filter and
charts), :mod:`~deflect.staff.forms`, :mod:`~deflect.staff.views` (the
blueprint ``bp``) and :mod:`~deflect.staff.cli` (``deflect staff …``).
"""
from __future__ import annotations

from flask import Flask

from deflect.staff import auth
from deflect.staff.cli import staff_cli
from deflect.staff.views import bp

__all__ = ["bp", "init_app"]


def init_app(app: Flask) -> None:
    """Sign-in sessions (Flask-Login) and ``deflect staff``; the blueprint is registered by create_app."""
    auth.init_app(app)
    app.cli.add_command(staff_cli)
