"""Helpers of the staff workspace's tests: members, cases, a signed-in client, CSRF tokens.

Passwords are hashed with a cheap argon2 in tests (the app's hasher is a
setting); the real parameters are argon2-cffi's defaults.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import select

from deflect import cases, create_app
from deflect.staff import auth
from deflect.staging import Staging, new_submission_key
from deflect.store import Case, OutgoingMail, Staff, session_factory

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery staple"
CASE = {
    "lang": "fr", "contact_name": "Camille Martin", "email": "camille@example.com", "phone": None,
    "company": "Acme", "product": "Lumera Reports", "request_type": "incident", "severity": "moderate",
    "subject": "Le rapport ne se publie plus", "description": "Quand je publie le rapport mensuel, erreur 500.",
    "intent": None, "steps": None, "actual": "Erreur 500", "supporting_info": None, "technical_details": None,
}
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def staff_config(app_config: dict, **more) -> dict:
    return {**app_config, "STAFF_PASSWORD_HASHER": CHEAP_HASHER, **more}


@pytest.fixture
def app(app_config):
    """The app of the staff tests (overrides conftest's: the cheap password hasher)."""
    return create_app(staff_config(app_config))


def add_member(app: Flask, email: str = "alex@lumera.example", name: str = "Alex Agent", role: str = "agent",
               language: str = "en", password: str | None = PASSWORD, active: bool = True) -> int:
    """Add a staff member straight to the store; return their id."""
    with app.app_context(), session_factory(app)() as db:
        member = Staff(email=email, name=name, role=role, language=language, active=active,
                       password_hash=auth.hash_password(password) if password else None)
        db.add(member)
        db.commit()
        return member.id


def file(app: Flask, now: datetime | None = None, deflection=None, **fields) -> Case:
    """File a case as the form does (the lifecycle starts: acknowledgement, SLA deadline)."""
    with app.app_context(), session_factory(app)() as db:
        kept = Staging(app.config["UPLOAD_DIR"], deflection.key if deflection else new_submission_key())
        case, _ = cases.file_case(db, kept, {**CASE, **fields}, deflection=deflection,
                                  now=now or datetime.now(timezone.utc))
        return case


def csrf_token(client, path: str = "/staff/login") -> str:
    return CSRF.search(client.get(path).text).group(1)


def sign_in(client, email: str = "alex@lumera.example", password: str = PASSWORD, **extra):
    """Sign in through the form; return the response (302 to the queue when it worked)."""
    return client.post("/staff/login", data={"email": email, "password": password,
                                             "csrf_token": csrf_token(client), **extra})


def post(client, path: str, data: dict, page: str | None = None):
    """POST a workspace form with the CSRF token of ``page`` (the queue by default)."""
    return client.post(path, data={"csrf_token": csrf_token(client, page or "/staff/"), **data})


def load(app: Flask, model, ident):
    with app.app_context(), session_factory(app)() as db:
        return db.get(model, ident)


def mails(app: Flask, kind: str | None = None) -> list[OutgoingMail]:
    with app.app_context(), session_factory(app)() as db:
        query = select(OutgoingMail).order_by(OutgoingMail.id)
        if kind:
            query = query.where(OutgoingMail.kind == kind)
        return list(db.scalars(query))
