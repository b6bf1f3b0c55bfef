"""Shared fixtures: the built site and index (once per session), the app on a
temporary store, a live server on a free port, and a real Chromium."""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
import threading
import uuid
from pathlib import Path

import pytest
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from deflect import create_app
from deflect.cli import build_site

PROJECT_DIR = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The help center built once with ``mkdocs build --strict``."""
    site = tmp_path_factory.mktemp("site") / "site"
    build_site(PROJECT_DIR / "mkdocs.yml", site)
    return site


@pytest.fixture(scope="session")
def built_index(tmp_path_factory, built_site) -> Path:
    """The search index built once from docs/, as ``deflect index`` builds it."""
    from deflect.search import rebuild_index

    var = tmp_path_factory.mktemp("index-var")
    app = create_app(_test_config(var, built_site, var / "index"))
    with app.app_context():
        rebuild_index(app, echo=lambda *args, **kwargs: None)
    return var / "index"


def _test_config(var: Path, site: Path, index: Path) -> dict:
    return {
        "TESTING": True,
        "PROJECT_DIR": str(PROJECT_DIR),
        "VAR_DIR": str(var),
        "SITE_DIR": str(site),
        "INDEX_DIR": str(index),
        "UPLOAD_DIR": str(var / "uploads"),
        "DATABASE_URL": f"sqlite:///{var / 'deflect.sqlite3'}",
        "SECRET_KEY": "test-secret",
        "RATELIMIT_ENABLED": False,
        "FORM_MIN_SECONDS": 0,  # tests fill forms faster than people; test_support checks the rule itself
    }


@pytest.fixture(scope="session")
def store_template(tmp_path_factory, built_site, built_index) -> Path:
    """A SQLite store migrated once (Alembic); each test gets a copy (real migrations: test_store.py)."""
    from deflect.store import engine, upgrade_database

    var = tmp_path_factory.mktemp("store-template")
    app = create_app(_test_config(var, built_site, built_index))
    upgrade_database(app)
    engine(app).dispose()
    return var / "deflect.sqlite3"


@pytest.fixture
def app_config(tmp_path, built_site, built_index, store_template) -> dict:
    """Settings of a test app: a private store (a copy of the migrated one) and uploads, the shared site and index."""
    shutil.copyfile(store_template, tmp_path / "deflect.sqlite3")
    return _test_config(tmp_path, built_site, built_index)


@pytest.fixture
def app(app_config):
    yield create_app(app_config)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class QuietRequestHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class LiveServer:
    """A real HTTP server running the app in a thread, on a free port of 127.0.0.1.

    It is the standard library's WSGI server, not Werkzeug's development
    server: when a browser drops a connection (it does, navigating away while
    assets load), Werkzeug's server can skip closing the response and leave a
    file open, which ``filterwarnings = error`` turns into a random failure.
    """

    def __init__(self, app):
        self.app = app
        self.server = make_server(
            "127.0.0.1", 0, app, server_class=ThreadingWSGIServer, handler_class=QuietRequestHandler
        )
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(timeout=5)
        self.server.server_close()


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        app.config["PUBLIC_URL"] = server.url  # links that leave the service point at this server
        yield server


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install -y chromium; .ci/run does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_url() -> str:
    return os.environ.get("DEFLECT_TEST_POSTGRES_URL", DEFAULT_POSTGRES)


@contextmanager
def postgres_schema():
    """A fresh schema on the test PostgreSQL server, dropped after; skips the test when no server answers."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import OperationalError

    base = postgres_url()
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        admin.dispose()
        pytest.skip(f"no PostgreSQL server reachable at {base} ({exc.orig.__class__.__name__})")
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    """A database URL on an empty store: a SQLite file, or a fresh PostgreSQL schema (real migrations)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store' / 'deflect.sqlite3'}"
        return
    with postgres_schema() as url:
        yield url


@pytest.fixture(scope="session")
def postgres_store(store_template) -> str:
    """A PostgreSQL schema migrated once for the run (Alembic); tests empty it (see ``app_on_each_store``)."""
    from deflect.store import engine, upgrade_database

    with postgres_schema() as url:
        app = create_app({**_test_config(store_template.parent, Path("."), Path(".")), "DATABASE_URL": url})
        upgrade_database(app)
        engine(app).dispose()
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def each_store_app(request, app_config):
    """The app on SQLite (a fresh copy) and on PostgreSQL (the run's schema, emptied), outside any app context.

    For tests that send requests: a request inside an app context the test
    pushed would share it, and with it ``g`` (the store's handle, the
    signed-in member) with every other request of the test.
    """
    from sqlalchemy import text

    from deflect.store import Base, engine

    config = dict(app_config)
    if request.param == "postgresql":
        config["DATABASE_URL"] = request.getfixturevalue("postgres_store")
    app = create_app(config)
    if request.param == "postgresql":
        tables = ", ".join(f'"{table.name}"' for table in Base.metadata.sorted_tables)
        with engine(app).begin() as connection:
            connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield app
    engine(app).dispose()


@pytest.fixture
def app_on_each_store(each_store_app):
    """The app on SQLite and on PostgreSQL (:func:`each_store_app`), in an app context."""
    with each_store_app.app_context():
        yield each_store_app

from tests.smtp_server import smtp_server  # noqa: F401
