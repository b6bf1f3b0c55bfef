"""``deflect staff``: the first accounts, from the command line.

``add EMAIL --name NAME --role agent|manager`` creates an account; its
password is asked for twice on a terminal, or read from the first line of
standard input otherwise (``printf '%s\\n' "$PASSWORD" | deflect staff add …``).
``list``, ``disable`` and ``reset-password`` do what they say. Every change is
written to the audit log with ``cli`` as its author.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from deflect.helpcenter import current_help_center
from deflect.staff import auth
from deflect.store import Staff, session_factory

staff_cli = AppGroup("staff", help="Staff accounts of the workspace (/staff/).")


def read_password() -> str:
    """Ask for a new password (twice, hidden) on a terminal; else read the first line of standard input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    problem = auth.password_problem(password)
    if problem:
        raise click.UsageError(str(auth.PASSWORD_MESSAGES[problem]))
    return password


def cli_audit(session, action: str, member: Staff, **detail) -> None:
    auth.audit(session, action, actor="cli", target=member.email, detail=detail)


def existing(session, email: str) -> Staff:
    member = auth.member_by_email(session, email)
    if member is None:
        raise click.UsageError(f"no staff account has the address {auth.normalize_email(email)}")
    return member


@staff_cli.command("add")
@click.argument("email")
@click.option("--name", required=True, help="the name customers and colleagues see")
@click.option("--role", type=click.Choice(auth.ROLES), default="agent", show_default=True)
@click.option("--language", default=None, help="the workspace's language (default: the help center's default)")
def add_command(email: str, name: str, role: str, language: str | None) -> None:
    """Create a staff account (the password is asked for, or read from standard input)."""
    center = current_help_center()
    lang = center.normalize_language(language) if language else center.default_language
    if lang is None:
        raise click.UsageError(f"unknown language {language!r}: choose one of {', '.join(center.languages)}")
    address = auth.normalize_email(email)
    if "@" not in address or len(name.strip()) == 0 or len(name) > 200:
        raise click.UsageError("give an e-mail address and a name (at most 200 characters)")
    with session_factory(current_app)() as session:
        if auth.member_by_email(session, address) is not None:
            raise click.UsageError(f"a staff account with the address {address} exists already")
        password = read_password()
        member = Staff(email=address, name=name.strip(), role=role, language=lang, active=True,
                       password_hash=auth.hash_password(password), created_at=datetime.now(timezone.utc))
        session.add(member)
        session.flush()
        cli_audit(session, "member_added", member, role=role)
        session.commit()
    click.echo(f"Added {role} {address}. Sign in at {current_app.config['PUBLIC_URL'].rstrip('/')}/staff/login")


@staff_cli.command("list")
def list_command() -> None:
    """List the staff accounts."""
    with session_factory(current_app)() as session:
        members = list(session.scalars(select(Staff).order_by(Staff.email)))
    if not members:
        click.echo("No staff account yet: deflect staff add EMAIL --name NAME --role manager")
    for member in members:
        state = "active" if member.active else "disabled"
        if member.active and not member.password_hash:
            state = "invited"
        seen = member.last_signed_in_at.strftime("%Y-%m-%d %H:%M UTC") if member.last_signed_in_at else "never"
        click.echo(f"{member.email}\t{member.name}\t{member.role}\t{member.language}\t{state}\tlast sign-in: {seen}")


def set_active(email: str, active: bool) -> None:
    """Disable or enable an account (a disabled account's sessions end at once: see auth's user loader)."""
    with session_factory(current_app)() as session:
        member = existing(session, email)
        member.active = active
        cli_audit(session, "member_enabled" if active else "member_disabled", member)
        session.commit()
    click.echo(f"{'Enabled' if active else 'Disabled'} {auth.normalize_email(email)}.")


@staff_cli.command("disable")
@click.argument("email")
def disable_command(email: str) -> None:
    """Disable an account: it can no longer sign in, and its sessions end at once."""
    set_active(email, False)


@staff_cli.command("enable")
@click.argument("email")
def enable_command(email: str) -> None:
    """Enable a disabled account again."""
    set_active(email, True)


@staff_cli.command("reset-password")
@click.argument("email")
def reset_password_command(email: str) -> None:
    """Give an account a new password (asked for, or read from standard input); its sessions end."""
    with session_factory(current_app)() as session:
        member = existing(session, email)
        auth.set_password(member, read_password())
        cli_audit(session, "password_reset", member)
        session.commit()
    click.echo(f"New password set for {auth.normalize_email(email)}.")
