"""The ``deflect`` command: build the help center and its index, serve, suggest.

Each resource module adds its own commands to ``app.cli`` in its ``init_app``
(``index`` and ``suggest`` come from :mod:`deflect.search`, ``db`` from
:mod:`deflect.store`); this module adds the commands that tie them together
(``build``, ``serve``) the same way, and ``main`` is the console script.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext


class Moment(click.ParamType):
    """A command-line moment in ISO 8601 (``2026-11-23T09:00:00+01:00``, or a date); no zone means UTC."""

    name = "moment"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO 8601 moment such as 2026-11-23T09:00:00+01:00", param, ctx)
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


MOMENT = Moment()


def _create_app():
    from deflect import create_app
    from deflect.settings import SettingError

    try:
        return create_app()
    except SettingError as exc:
        raise click.UsageError(str(exc)) from None


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def main() -> None:
    """deflect: the help center, its deflection search and the support form."""


def build_site(mkdocs_yml: Path, site_dir: Path) -> None:
    """Run ``mkdocs build --strict`` into a fresh folder, then swap it in place of ``site_dir``.

    Building beside the served folder and renaming keeps a running service
    from ever serving a half-written site.
    """
    site_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-", dir=site_dir.parent))
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean",
               "-f", str(mkdocs_yml), "-d", str(fresh)]
    result = subprocess.run(command, cwd=mkdocs_yml.parent, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        shutil.rmtree(fresh, ignore_errors=True)
        problems = [line for line in result.stderr.splitlines() if not line.startswith("INFO")]
        raise click.ClickException("mkdocs build --strict failed:\n" + "\n".join(problems[-30:]))
    fresh.chmod(0o755)  # mkdtemp makes it private; a web server must read it
    old = None
    if site_dir.exists():
        old = site_dir.with_name(f".{site_dir.name}-old-{os.getpid()}")
        site_dir.rename(old)
    fresh.rename(site_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@click.command("build")
@with_appcontext
def build_command() -> None:
    """Build the help center (strict) and a new generation of the search index."""
    from deflect.search import rebuild_index

    site_dir = Path(current_app.config["SITE_DIR"])
    click.echo(f"Building the help center into {site_dir} …")
    build_site(Path(current_app.config["MKDOCS_YML"]), site_dir)
    click.echo("Help center built.")
    rebuild_index(current_app, echo=click.echo)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn worker processes")
@click.option("--dev", is_flag=True, help="Flask's reloading development server instead of gunicorn (no debugger)")
@with_appcontext
def serve_command(host: str, port: int, workers: int, dev: bool) -> None:
    """Serve the help center, the form and the API on one port."""
    from deflect.store import upgrade_database

    app = current_app._get_current_object()
    upgrade_database(app)
    if not Path(app.config["SITE_DIR"], "index.html").is_file():
        click.echo("The help center is not built yet: run `deflect build` (or `make serve`).", err=True)
    click.echo(f"Serving on http://{host}:{port}/ (help center at /, form at /support/new)")
    if dev:
        # Reloads on change; never the interactive debugger, which runs code sent by any browser.
        app.run(host=host, port=port, use_reloader=True, use_debugger=False)
        return
    run_gunicorn(host, port, workers)


def run_gunicorn(host: str, port: int, workers: int) -> None:
    """Run the app under gunicorn, the production server, in this process."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def load_config(self):
            self.cfg.set("bind", f"{host}:{port}")
            self.cfg.set("workers", workers)
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", "-")
            # As deploy/gunicorn.conf.py: a 2,000-character question exceeds gunicorn's own cap.
            self.cfg.set("limit_request_line", 0)

        def load(self):
            return _create_app()

    Server().run()


def init_app(app: Flask) -> None:
    app.cli.add_command(build_command)
    app.cli.add_command(serve_command)
