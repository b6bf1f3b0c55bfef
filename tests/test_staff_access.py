"""Who may enter the workspace: every staff route closed without a session, sign-in, throttle, sessions, roles,
invitations, the audit log and ``deflect staff``."""
from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from deflect import create_app
from deflect.store import AuditEntry, Case, Staff, session_factory
from tests.staff_fixtures import (PASSWORD, add_member, app, csrf_token, file, load, mails, post,  # noqa: F401
                                  sign_in, staff_config)

OPEN_WITHOUT_SESSION = {"staff.login"}


def staff_urls(app):
    """Every staff route of the URL map, with made-up values for its variables, and its methods."""
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("staff."):
            continue
        values = {name: 1 if isinstance(converter, IntegerConverter) else "x"
                  for name, converter in rule._converters.items()}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, app.url_map.bind("localhost").build(rule.endpoint, values, force_external=False)


def test_every_staff_route_answers_302_or_401_when_signed_out(app, client):
    case = file(app)
    token = csrf_token(client)  # a valid form token: the refusal must come from the missing session, not CSRF
    checked = []
    for rule, method, url in staff_urls(app):
        if rule.endpoint in OPEN_WITHOUT_SESSION:
            continue
        url = url.replace("/cases/1", f"/cases/{case.id}")
        response = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
        assert response.status_code in (302, 401), (method, url, response.status_code)
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/staff/login"), (method, url)
        assert case.subject not in response.text and case.email not in response.text
        checked.append(rule.endpoint)
    assert {"staff.queue", "staff.case_view", "staff.case_action", "staff.attachment", "staff.team",
            "staff.welcome", "staff.edit_reply"} <= set(checked)
    # A script asking for JSON gets a 401, not a page.
    assert client.get("/staff/", headers={"Accept": "application/json"}).status_code == 401


def test_a_customers_private_link_opens_no_staff_page(app, client):
    case = file(app)
    assert client.get(f"/cases/{case.token}").status_code == 200  # the customer's own page, in their session
    for url in (f"/staff/cases/{case.id}", f"/staff/cases/{case.id}?token={case.token}", "/staff/"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")


def test_signing_in_opens_the_workspace_in_the_members_language(app, client):
    add_member(app, language="de")
    response = sign_in(client)
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"
    page = client.get("/staff/?lang=fr", headers={"Accept-Language": "es"})  # the member's language wins
    assert page.status_code == 200 and '<html lang="de">' in page.text
    assert "<h1>Warteschlange</h1>" in page.text and "Nicht zugewiesen" in page.text


@pytest.mark.parametrize("email, password, setup", [
    ("nobody@lumera.example", PASSWORD, None),
    ("alex@lumera.example", "wrong password, long enough", None),
    ("ALEX@lumera.example ", "wrong password, long enough", None),
    ("dora@lumera.example", PASSWORD, "disabled"),
    ("ivy@lumera.example", PASSWORD, "invited"),
])
def test_every_refused_sign_in_gets_the_same_answer(app, client, email, password, setup):
    add_member(app)
    if setup == "disabled":
        add_member(app, email="dora@lumera.example", name="Dora", active=False)
    if setup == "invited":
        add_member(app, email="ivy@lumera.example", name="Ivy", password=None)
    response = sign_in(client, email, password)
    assert response.status_code == 401
    assert "This e-mail address and password do not match an active account." in response.text
    assert email.strip() in response.text  # what they typed is kept (not the password)
    assert password not in response.text
    assert client.get("/staff/").status_code == 302
    with app.app_context(), session_factory(app)() as db:
        [entry] = db.scalars(select(AuditEntry).where(AuditEntry.action == "sign_in_refused")).all()
        assert entry.actor == email.strip().lower() and entry.ip == "127.0.0.1"


def test_the_sign_in_form_validates_its_fields(app, client):
    response = client.post("/staff/login", data={"email": "", "password": "", "csrf_token": csrf_token(client)})
    assert response.status_code == 422
    assert "Please give your e-mail address." in response.text and "Please give your password." in response.text
    response = client.post("/staff/login", data={"email": "a@b.example", "password": "x"})  # no CSRF token
    assert response.status_code == 400


@pytest.mark.parametrize("target, expected", [
    ("/staff/team", "/staff/team"),
    ("/staff/cases/7?insert=support/sla", "/staff/cases/7?insert=support/sla"),
    ("https://evil.example/staff/", "/staff/"),
    ("//evil.example/staff/", "/staff/"),
    ("/\\evil.example", "/staff/"),
    ("/cases/abc", "/staff/"),
])
def test_after_signing_in_only_workspace_pages_are_next(app, client, target, expected):
    add_member(app)
    response = sign_in(client, next=target)
    assert response.status_code == 302 and response.headers["Location"] == expected


def test_a_signed_out_request_comes_back_to_its_page_after_signing_in(app, client):
    add_member(app)
    response = client.get("/staff/?severity=critical")
    assert response.headers["Location"] == "/staff/login?next=/staff/?severity%3Dcritical"
    page = client.get(response.headers["Location"])
    assert 'value="/staff/?severity=critical"' in page.text


@pytest.mark.parametrize("stamp, minutes_ago", [("staff_seen", 121), ("staff_since", 12 * 60 + 1)])
def test_a_session_expires_when_idle_or_too_old(app, client, stamp, minutes_ago):
    add_member(app)
    sign_in(client)
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        session[stamp] = int(time.time()) - minutes_ago * 60
    response = client.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/staff/login")
    assert "Your session has expired" in client.get(response.headers["Location"]).text
    assert client.get("/staff/").status_code == 302  # and it stays signed out


def test_signing_out_ends_the_session(app, client):
    add_member(app)
    sign_in(client)
    assert client.get("/staff/logout").status_code >= 400  # a link or an image cannot sign anyone out
    assert client.get("/staff/").status_code == 200
    response = post(client, "/staff/logout", {})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 302


def test_a_new_password_or_a_disabled_account_ends_its_sessions(app, client, runner):
    add_member(app)
    other = app.test_client()
    sign_in(client)
    sign_in(other)
    result = runner.invoke(args=["staff", "reset-password", "alex@lumera.example"], input="a brand new password\n")
    assert result.exit_code == 0, result.output
    assert client.get("/staff/").status_code == 302
    assert sign_in(client, password="a brand new password").status_code == 302
    assert client.get("/staff/").status_code == 200
    result = runner.invoke(args=["staff", "disable", "alex@lumera.example"])
    assert result.exit_code == 0 and client.get("/staff/").status_code == 302
    assert sign_in(client, password="a brand new password").status_code == 401


def test_an_agent_cannot_reach_the_managers_pages(app, client):
    add_member(app)
    member = add_member(app, email="maria@lumera.example", name="Maria", role="manager")
    sign_in(client)
    for url in ("/staff/team", "/staff/team/log", "/staff/replies/new"):
        assert client.get(url).status_code == 403, url
    assert post(client, "/staff/team/invite", {"email": "new@lumera.example", "name": "New", "role": "manager",
                                                "language": "en"}).status_code == 403
    assert post(client, f"/staff/team/{member}/disable", {}).status_code == 403
    assert load(app, Staff, member).active


def test_a_manager_invites_a_member_who_chooses_a_password_once(app, client):
    add_member(app, email="maria@lumera.example", name="Maria Manager", role="manager")
    sign_in(client, "maria@lumera.example")
    response = post(client, "/staff/team/invite", {"email": "Luca@Lumera.example", "name": "Luca Rossi",
                                                   "role": "agent", "language": "it"}, "/staff/team")
    assert response.status_code == 303
    [invitation] = mails(app, "staff_invitation")
    assert invitation.recipient == "luca@lumera.example" and invitation.lang == "it"
    link = re.search(r"http://\S+/staff/welcome/\S+", invitation.text).group(0)
    path = link.split("8000", 1)[1]
    assert sign_in(app.test_client(), "luca@lumera.example").status_code == 401  # no password yet
    newcomer = app.test_client()
    page = newcomer.get(path)
    assert page.status_code == 200 and '<html lang="it">' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    short = newcomer.post(path, data={"password": "short", "confirm": "short", "csrf_token": token})
    assert short.status_code == 422
    saved = newcomer.post(path, data={"password": "una password lunga", "confirm": "una password lunga",
                                      "csrf_token": token})
    assert saved.status_code == 302
    assert sign_in(newcomer, "luca@lumera.example", "una password lunga").status_code == 302
    again = app.test_client().get(path)  # the link worked once
    assert again.status_code == 302 and again.headers["Location"] == "/staff/login"
    duplicate = post(client, "/staff/team/invite", {"email": "luca@lumera.example", "name": "Luca",
                                                    "role": "agent", "language": "it"}, "/staff/team")
    assert duplicate.status_code == 422 and "already has this address" in duplicate.text
    with app.app_context(), session_factory(app)() as db:
        actions = [(e.action, e.actor, e.target) for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert ("invite", "maria@lumera.example", "luca@lumera.example") in actions
    assert ("password_chosen", "luca@lumera.example", None) in actions
    assert ("sign_in", "luca@lumera.example", None) in actions


def test_a_manager_disables_changes_roles_but_not_their_own(app, client):
    me = add_member(app, email="maria@lumera.example", name="Maria", role="manager")
    agent = add_member(app)
    sign_in(client, "maria@lumera.example")
    assert post(client, f"/staff/team/{agent}/role", {"role": "manager"}, "/staff/team").status_code == 303
    assert load(app, Staff, agent).role == "manager"
    assert post(client, f"/staff/team/{agent}/role", {"role": "boss"}, "/staff/team").status_code == 400
    assert post(client, f"/staff/team/{agent}/disable", {}, "/staff/team").status_code == 303
    assert not load(app, Staff, agent).active
    post(client, f"/staff/team/{me}/disable", {}, "/staff/team")
    assert load(app, Staff, me).active
    assert post(client, "/staff/team/999/disable", {}, "/staff/team").status_code == 404
    log = client.get("/staff/team/log").text
    assert "member_disabled" in log and "member_role_changed" in log


def test_a_member_changes_language_and_password(app, client):
    add_member(app)
    sign_in(client)
    page = "/staff/profile"
    assert post(client, page, {"name": "Alex A.", "language": "es"}, page).status_code == 303
    assert '<html lang="es">' in client.get("/staff/").text
    wrong = post(client, "/staff/profile/password", {"current": "not my password at all", "password": "x" * 14,
                                                     "confirm": "x" * 14}, page)
    assert wrong.status_code == 422
    changed = post(client, "/staff/profile/password", {"current": PASSWORD, "password": "y" * 14,
                                                       "confirm": "y" * 14}, page)
    assert changed.status_code == 303 and client.get("/staff/").status_code == 200  # this session goes on


def test_sign_in_is_throttled_per_account_and_per_ip(app_config):
    app = create_app(staff_config(app_config, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://"))
    add_member(app)
    add_member(app, email="maria@lumera.example", name="Maria")
    client = app.test_client()
    for _attempt in range(5):
        assert sign_in(client, password="wrong password, long enough").status_code == 401
    # The account is locked for a while, even with its right password; another account from here is not.
    locked = sign_in(client)
    assert locked.status_code == 429 and "Too many sign-in attempts" in locked.text
    assert sign_in(app.test_client(), "maria@lumera.example").status_code == 302
    # Every attempt from one address counts: 20 per 10 minutes, whatever the account.
    statuses = [sign_in(app.test_client(), f"n{n}@lumera.example").status_code for n in range(20)]
    assert statuses[:13] == [401] * 13 and statuses[-1] == 429


def test_the_cli_adds_lists_disables_and_resets(app, runner):
    result = runner.invoke(args=["staff", "add", "Maria@Lumera.example", "--name", "Maria Manager", "--role",
                                 "manager", "--language", "fr"], input="the first manager's password\n")
    assert result.exit_code == 0, result.output
    assert "Added manager maria@lumera.example" in result.output and "/staff/login" in result.output
    assert sign_in(app.test_client(), "maria@lumera.example", "the first manager's password").status_code == 302
    listed = runner.invoke(args=["staff", "list"])
    assert "maria@lumera.example\tMaria Manager\tmanager\tfr\tactive" in listed.output
    for args, stdin, message in [
        (["add", "maria@lumera.example", "--name", "Again"], "another long password\n", "exists already"),
        (["add", "x@lumera.example", "--name", "X"], "short\n", "at least 12 characters"),
        (["add", "x@lumera.example", "--name", "X", "--role", "boss"], "", "Invalid value"),
        (["add", "x@lumera.example", "--name", "X", "--language", "nl"], "", "unknown language"),
        (["disable", "nobody@lumera.example"], "", "no staff account"),
    ]:
        result = runner.invoke(args=["staff", *args], input=stdin)
        assert result.exit_code != 0 and message in result.output, (args, result.output)
    assert runner.invoke(args=["staff", "disable", "maria@lumera.example"]).exit_code == 0
    assert "\tdisabled\t" in runner.invoke(args=["staff", "list"]).output
    with app.app_context(), session_factory(app)() as db:
        entries = [(e.action, e.actor) for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert ("member_added", "cli") in entries and ("member_disabled", "cli") in entries


def test_passwords_are_argon2_hashes(app, runner):
    runner.invoke(args=["staff", "add", "a@lumera.example", "--name", "A"], input="a long enough password\n")
    with app.app_context(), session_factory(app)() as db:
        member = db.scalar(select(Staff))
        assert member.password_hash.startswith("$argon2id$") and "a long enough" not in member.password_hash
        assert db.scalar(select(Case)) is None
