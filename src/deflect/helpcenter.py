"""The built help center, served at ``/`` when one process serves everything.

In production the site goes to a static host and ``SERVE_SITE`` is off; on a
laptop (``make serve``) this blueprint serves ``site/`` beside the form.
"""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, redirect, request, send_from_directory
from werkzeug.security import safe_join

from deflect.site import HelpCenter, load_help_center

bp = Blueprint("helpcenter", __name__)


def current_help_center() -> HelpCenter:
    """Return the help center declared by the app's mkdocs.yml."""
    return current_app.extensions["deflect.help_center"]


def site_dir() -> Path:
    return Path(current_app.config["SITE_DIR"])


@bp.get("/", defaults={"path": ""})
@bp.get("/<path:path>")
def page(path: str):
    """Serve a built page or asset; ``/fr/support/sla`` redirects to its folder URL."""
    root = site_dir()
    target = safe_join(str(root), path) if path else str(root)
    if target is None:
        abort(404)
    target_path = Path(target)
    if target_path.is_dir():
        if path and not path.endswith("/"):
            query = f"?{request.query_string.decode()}" if request.query_string else ""
            return redirect(f"/{path}/{query}", code=301)
        path = f"{path}index.html"
        target_path = target_path / "index.html"
    if not target_path.is_file():
        abort(404)
    return send_from_directory(root, path, max_age=0 if path.endswith(".html") else 3600)


def init_app(app: Flask) -> None:
    help_center = load_help_center(Path(app.config["MKDOCS_YML"]), served_here=app.config["SERVE_SITE"])
    app.extensions["deflect.help_center"] = help_center
    if not app.config["SITE_DIR"]:
        app.config["SITE_DIR"] = str(help_center.site_dir)
    if app.config["SERVE_SITE"]:
        app.register_blueprint(bp)
