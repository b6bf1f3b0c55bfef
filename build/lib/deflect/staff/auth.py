"""Who may enter the staff workspace: passwords, sign-in sessions, invitations, the audit log.

* **Passwords** are hashed with argon2id (argon2-cffi, its default parameters);
  a hash made with weaker parameters is redone at the next sign-in.
* **Sign-in** (Flask-Login) gives the same answer, after the same work, for an
  unknown address, a wrong password, a disabled account and an invitation not
  yet accepted. It is throttled per IP address and per account
  (:data:`LOGIN_LIMIT_PER_IP`, :data:`LOGIN_LIMIT_PER_ACCOUNT`, Flask-Limiter:
  Redis in production, so replicas share the counts).
* **Sessions** live in the signed session cookie, bound to the browser
  (``session_protection = "strong"``), and end after ``STAFF_SESSION_IDLE_MINUTES``
  without a request or ``STAFF_SESSION_HOURS`` after sign-in. The session
  names the account with a fingerprint of its password hash: a new password
  ends every other session at once, and a disabled account is signed out at
  its next request.
* **Invitations** are signed links (``itsdangerous``) that expire after
  :data:`INVITATION_DAYS` and work once: they carry the same fingerprint,
  which choosing a password changes.
* **Every staff action** is logged with its author: what is done to a case is
  an event of its history (``CaseEvent.staff_id``); everything else is an
  :class:`~deflect.store.AuditEntry` (:func:`audit`).
"""
from __future__ import annotations

import hashlib
import logging
import time
from datetime import datetime, timezone
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app, has_request_context, jsonify, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, UserMixin, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from deflect.store import AuditEntry, Staff, db

log = logging.getLogger(__name__)

ROLES = ("agent", "manager")
MIN_PASSWORD = 12
MAX_PASSWORD = 1024
#: How long an invitation (or a new-password link) stays valid.
INVITATION_DAYS = 3
#: Sign-in attempts: every POST counts per IP; failed ones count per account.
LOGIN_LIMIT_PER_IP = "20 per 10 minutes"
LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
SESSION_DEFAULTS = {"STAFF_SESSION_IDLE_MINUTES": 120, "STAFF_SESSION_HOURS": 12}

login_manager = LoginManager()
login_manager.session_protection = "strong"
_DEFAULT_HASHER = PasswordHasher()


class SignedIn(UserMixin):
    """The signed-in staff member, as Flask-Login's ``current_user`` (``.member`` is the store's row)."""

    def __init__(self, member: Staff):
        self.member = member

    def get_id(self) -> str:
        return f"{self.member.id}:{fingerprint(self.member)}"

    @property
    def is_active(self) -> bool:
        return bool(self.member.active)

    @property
    def is_manager(self) -> bool:
        return self.member.role == "manager"


def fingerprint(member: Staff) -> str:
    """A short digest of the member's password hash: it changes whenever the password does."""
    return hashlib.sha256((member.password_hash or "-").encode()).hexdigest()[:16]


@login_manager.user_loader
def load_signed_in(user_id: str) -> SignedIn | None:
    """Return the staff member a session names, if the account is active and its password unchanged."""
    number, _, mark = (user_id or "").partition(":")
    if not number.isdigit():
        return None
    member = db().get(Staff, int(number))
    if member is None or not member.active or not member.password_hash or mark != fingerprint(member):
        return None
    return SignedIn(member)


@login_manager.unauthorized_handler
def sign_in_first():
    """Send a person to the sign-in page (back to the page they asked for after it); 401 for scripts."""
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"error": {"code": "unauthorized", "message": "Sign in first."}}), 401
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("staff.login", next=target))


# --- passwords ---

def password_hasher() -> PasswordHasher:
    """The app's hasher: argon2id with argon2-cffi's defaults (tests may give a cheaper one)."""
    return current_app.config.get("STAFF_PASSWORD_HASHER") or _DEFAULT_HASHER


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def password_problem(password: str) -> str | None:
    """Return why a new password is refused, or None.

    >>> password_problem("short"), password_problem("correct horse battery")
    ('too_short', None)
    """
    if len(password) < MIN_PASSWORD:
        return "too_short"
    if len(password) > MAX_PASSWORD:
        return "too_long"
    return None


PASSWORD_MESSAGES = {
    "too_short": _l("Please choose a password of at least %(count)d characters.", count=MIN_PASSWORD),
    "too_long": _l("Please keep this under %(count)d characters.", count=MAX_PASSWORD),
}


def normalize_email(email: str) -> str:
    """Staff addresses are kept and compared in lower case.

    >>> normalize_email("  Alex@Lumera.Example ")
    'alex@lumera.example'
    """
    return (email or "").strip().lower()[:254]


def member_by_email(session: Session, email: str) -> Staff | None:
    return session.scalar(select(Staff).where(func.lower(Staff.email) == normalize_email(email)))


def authenticate(session: Session, email: str, password: str) -> Staff | None:
    """Return the active member whose address and password these are, or None.

    Every refusal costs one argon2 verification, so timing does not tell an
    unknown address from a wrong password.
    """
    hasher = password_hasher()
    member = member_by_email(session, email)
    stored = member.password_hash if member is not None and member.active and member.password_hash else None
    try:
        hasher.verify(stored or _dummy_hash(hasher), password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return None
    if stored is None:
        return None
    if hasher.check_needs_rehash(stored):
        member.password_hash = hasher.hash(password)
    return member


def _dummy_hash(hasher: PasswordHasher) -> str:
    cached = current_app.extensions.setdefault("deflect.staff.dummy_hash", {})
    key = (hasher.time_cost, hasher.memory_cost, hasher.parallelism)
    if key not in cached:
        cached[key] = hasher.hash("no account has this password")
    return cached[key]


def set_password(member: Staff, password: str) -> None:
    """Give ``member`` a new password (ending their other sessions: see :func:`fingerprint`)."""
    member.password_hash = hash_password(password)


# --- sessions ---

def start_session(member: Staff) -> None:
    """Sign ``member`` in: a fresh session (no fixation), its start and last request noted."""
    session.clear()
    login_user(SignedIn(member))
    now = int(time.time())
    session["staff_since"] = session["staff_seen"] = now
    member.last_signed_in_at = datetime.now(timezone.utc)


def end_session() -> None:
    logout_user()
    for key in ("staff_since", "staff_seen"):
        session.pop(key, None)


def session_expired(now: float | None = None) -> bool:
    """Tell whether the signed-in session has gone idle or lasted too long (and note this request)."""
    now = now if now is not None else time.time()
    config = current_app.config
    since, seen = session.get("staff_since"), session.get("staff_seen")
    if not isinstance(since, int) or not isinstance(seen, int):
        return True
    if now - seen > config["STAFF_SESSION_IDLE_MINUTES"] * 60 or now - since > config["STAFF_SESSION_HOURS"] * 3600:
        return True
    if now - seen >= 30:  # keep the cookie quiet between close requests
        session["staff_seen"] = int(now)
    return False


def login_account_key() -> str:
    """The per-account throttle's key: the address being tried, normalised."""
    return "staff-login:" + normalize_email(request.form.get("email", ""))


# --- invitations ---

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="deflect.staff.invitation")


def invitation_token(member: Staff) -> str:
    """A link token that lets ``member`` choose a password, once, within :data:`INVITATION_DAYS`."""
    return _serializer().dumps({"id": member.id, "fp": fingerprint(member)})


def member_of_invitation(session: Session, token: str) -> Staff | None:
    """Return the active member an invitation token names, if it is genuine, unexpired and unused."""
    try:
        claims = _serializer().loads(token or "", max_age=INVITATION_DAYS * 86400)
    except BadSignature:
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("id"), int):
        return None
    member = session.get(Staff, claims["id"])
    if member is None or not member.active or claims.get("fp") != fingerprint(member):
        return None
    return member


# --- the audit log ---

def client_ip() -> str | None:
    return (request.remote_addr or None) if has_request_context() else None


def audit(session: Session, action: str, *, member: Staff | None = None, actor: str | None = None,
          target: str | None = None, detail: dict[str, Any] | None = None) -> AuditEntry:
    """Add one line to the audit log (the caller commits): who did ``action``, to what, from where."""
    entry = AuditEntry(at=datetime.now(timezone.utc), staff_id=member.id if member else None,
                       actor=(actor or (member.email if member else "unknown"))[:320], action=action,
                       target=target[:320] if target else None, ip=client_ip(), detail=detail or {})
    session.add(entry)
    log.info("staff audit: %s by %s%s", action, entry.actor, f" on {target}" if target else "")
    return entry


def init_app(app: Flask) -> None:
    for name, value in SESSION_DEFAULTS.items():
        app.config.setdefault(name, value)
    login_manager.init_app(app)
