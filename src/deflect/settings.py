"""Settings of the service, declared once as data.

``create_app`` reads them in this order: the defaults below, then the
environment (``DEFLECT_<NAME>``), then the test dictionary. Nothing else in
deflect reads ``os.environ``.
"""
from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any, Mapping

#: name → (default, what it is). Paths may use ``{PROJECT_DIR}`` and ``{VAR_DIR}``.
SETTINGS: dict[str, tuple[Any, str]] = {
    "PROJECT_DIR": (".", "folder holding mkdocs.yml and docs/ (default: the working directory)"),
    "MKDOCS_YML": ("{PROJECT_DIR}/mkdocs.yml", "the help center's configuration: languages, vendor facts"),
    "VAR_DIR": ("{PROJECT_DIR}/var", "where the service keeps its state on a laptop"),
    "SITE_DIR": ("", "the built help center served at / (default: mkdocs.yml's site_dir)"),
    "INDEX_DIR": ("{VAR_DIR}/index", "root of the search index generations ('current' is served)"),
    "UPLOAD_DIR": ("{VAR_DIR}/uploads", "attachments, outside any served folder"),
    "DATABASE_URL": ("sqlite:///{VAR_DIR}/deflect.sqlite3", "SQLAlchemy URL of the case store"),
    "SECRET_KEY": ("", "signs sessions and CSRF tokens (default: a random key kept in VAR_DIR)"),
    "RATELIMIT_STORAGE_URI": ("memory://", "Flask-Limiter storage; redis://127.0.0.1:6379 in production"),
    "SERVE_SITE": (True, "serve the built help center at / (off when a static host serves it)"),
    "SUGGEST_TIMEOUT_S": (2.0, "how long the form waits for suggestions before going on without them"),
}


def defaults() -> dict[str, Any]:
    """Return the default value of every setting."""
    return {name: value for name, (value, _) in SETTINGS.items()}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Return the settings given as ``DEFLECT_<NAME>`` variables, typed like their defaults."""
    found: dict[str, Any] = {}
    for name, (default, _) in SETTINGS.items():
        raw = environ.get(f"DEFLECT_{name}")
        if raw is None:
            continue
        if isinstance(default, bool):
            found[name] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif isinstance(default, float):
            found[name] = float(raw)
        else:
            found[name] = raw
    return found


def resolve(config: dict[str, Any]) -> None:
    """Expand ``{PROJECT_DIR}``/``{VAR_DIR}`` in path settings and make them absolute."""
    project = Path(config["PROJECT_DIR"]).resolve()
    config["PROJECT_DIR"] = str(project)
    config["VAR_DIR"] = str(Path(config["VAR_DIR"].format(PROJECT_DIR=project)).resolve())
    for name in ("MKDOCS_YML", "INDEX_DIR", "UPLOAD_DIR", "SITE_DIR"):
        if config[name]:
            config[name] = str(Path(config[name].format(PROJECT_DIR=project, VAR_DIR=config["VAR_DIR"])).resolve())
    config["DATABASE_URL"] = config["DATABASE_URL"].format(PROJECT_DIR=project, VAR_DIR=config["VAR_DIR"])


def persistent_secret_key(var_dir: Path) -> str:
    """Return the laptop's secret key, creating it once so restarts keep sessions valid."""
    path = Path(var_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()
