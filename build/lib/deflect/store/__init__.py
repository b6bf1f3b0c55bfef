"""The case store: SQLAlchemy 2 on SQLite by default, PostgreSQL when configured.

``init_app`` gives each app its engine (from ``DATABASE_URL``) and each request
its own SQLAlchemy session, ``db()``, kept on ``g`` and closed on teardown. The schema is Alembic's: run
``upgrade_database(app)`` (``deflect db upgrade``; ``deflect serve`` does it).
"""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app, g
from flask.cli import AppGroup
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from deflect.store.models import (  # noqa: F401  (the store's public names)
    CASE_STATUSES, OUTCOMES, ArticleFeedback, Attachment, AuditEntry, Base, Case, CaseEvent, Deflection, OutgoingMail,
    SavedReply, Staff, SuggestionShown,
)

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
EXTENSION = "deflect.store"


def make_engine(url: str, **options) -> Engine:
    """Create the engine for ``url``; a SQLite file gets its folder and enforced foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def engine(app: Flask | None = None) -> Engine:
    return (app or current_app).extensions[EXTENSION]["engine"]


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    return (app or current_app).extensions[EXTENSION]["sessionmaker"]


def db() -> Session:
    """Return this request's handle on the store (opened on first use, closed on teardown)."""
    if "db" not in g:
        g.db = session_factory()()
    return g.db


def close_db(_exc=None) -> None:
    handle = g.pop("db", None)
    if handle is not None:
        handle.close()


def upgrade_database(app: Flask) -> None:
    """Bring the app's database to the newest schema (Alembic ``upgrade head``)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine(app).begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


db_cli = AppGroup("db", help="The case store's database.")


@db_cli.command("upgrade")
def upgrade_command() -> None:
    """Create or migrate the database to the newest schema."""
    upgrade_database(current_app._get_current_object())
    click.echo(f"Database is up to date ({make_url(current_app.config['DATABASE_URL']).render_as_string()}).")


def init_app(app: Flask) -> None:
    bound = make_engine(app.config["DATABASE_URL"])
    app.extensions[EXTENSION] = {
        "engine": bound,
        "sessionmaker": sessionmaker(bind=bound, expire_on_commit=False),
    }
    app.teardown_appcontext(close_db)
    app.cli.add_command(db_cli)
