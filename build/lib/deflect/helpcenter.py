"""The help center inside the service: its declaration, its look, and its built pages.

``init_app`` reads mkdocs.yml once per app (:func:`deflect.site.load_help_center`)
and every module asks :func:`current_help_center` for it. The service's pages
share the help center's look through :func:`page_context`. When one process
serves everything (``make serve``), the blueprint :data:`bp` serves the built
``site/`` at ``/``; in production a static host serves it and ``SERVE_SITE``
is off. Werkzeug ranks fixed routes above ``/<path:path>``, so the order in
which blueprints are registered does not matter.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, make_response, redirect, request, send_from_directory
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.security import safe_join

from deflect.site import HelpCenter, load_help_center

bp = Blueprint("helpcenter", __name__)
EXTENSION = "deflect.help_center"


def current_help_center() -> HelpCenter:
    """Return the help center declared by the app's mkdocs.yml."""
    return current_app.extensions[EXTENSION]


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
        return not_found(path)
    response = send_from_directory(root, path, max_age=0 if path.endswith(".html") else 3600)
    if path.endswith(".html"):
        response.deflect_site_file = target_path  # its inline scripts are allowed by hash (deflect.security)
    return response


def not_found(path: str):
    """A missing address: 405 if it answers other methods, else the built 404 page of its language."""
    others = set(current_app.create_url_adapter(request).allowed_methods(f"/{path}")) - {"GET", "HEAD", "OPTIONS"}
    if others:
        raise MethodNotAllowed(valid_methods=sorted(others | {"OPTIONS"}))
    from deflect.errors import wants_json
    from deflect.i18n import url_language

    if wants_json():  # under /api/: the API's JSON error, not a page
        abort(404)
    prefix = url_language()
    page_404 = site_dir() / (prefix or "") / "404.html"
    if prefix == current_help_center().default_language or not page_404.is_file():
        page_404 = site_dir() / "404.html"
    if not page_404.is_file():
        abort(404)
    response = make_response(page_404.read_bytes(), 404, {"Content-Type": "text/html; charset=utf-8"})
    response.deflect_site_file = page_404
    return response


def site_stylesheets() -> list[str]:
    """Return the built site's Material stylesheets (main, then palette), or none if it is not built."""
    root = site_dir() / "assets" / "stylesheets"
    center = current_help_center()
    return [center.asset_url(f"assets/stylesheets/{path.name}")
            for stem in ("main", "palette") for path in sorted(root.glob(f"{stem}.*.min.css"))]


def page_context() -> dict[str, Any]:
    """What every page of the service needs to share the help center's look: styles, name, languages."""
    from deflect.i18n import current_language

    lang = current_language()
    center = current_help_center()
    return {
        "lang": lang,
        "site_name": center.site_name.get(lang, ""),
        "site_home": center.page_url("index", lang),
        "site_styles": site_stylesheets(),
        "language_names": center.language_names,
    }


def init_app(app: Flask) -> HelpCenter:
    """Load the help center once for this app; return it."""
    help_center = load_help_center(Path(app.config["MKDOCS_YML"]), served_here=app.config["SERVE_SITE"])
    app.extensions[EXTENSION] = help_center
    if not app.config["SITE_DIR"]:
        app.config["SITE_DIR"] = str(help_center.site_dir)
    app.context_processor(page_context)
    return help_center
