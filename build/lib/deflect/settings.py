"""Settings of the service, declared once as data, that fail loudly.

``create_app`` reads them in this order: the defaults below, then the
environment (``DEFLECT_<NAME>``), then the test dictionary. Nothing else in
deflect reads ``os.environ``. A ``DEFLECT_*`` variable that names no setting
(a typo such as ``DEFLECT_DATABSE_URL``) or a value of the wrong type
(``DEFLECT_SERVE_SITE=flase``) stops the start with a message naming the
variable, as Datasette's settings do: a typo must not fall back to a default
silently.
"""
from __future__ import annotations

import difflib
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

PREFIX = "DEFLECT_"


class SettingError(ValueError):
    """A ``DEFLECT_*`` variable is unknown or its value has the wrong type."""


def to_bool(raw: str) -> bool:
    """Read a yes/no setting.

    >>> to_bool("Yes"), to_bool("0")
    (True, False)
    """
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false (also 1/0, yes/no, on/off)")


def to_float(raw: str) -> float:
    return float(raw.strip())


def to_int(raw: str) -> int:
    return int(raw.strip())


def to_text(raw: str) -> str:
    return raw


def to_choice(raw: str, choices: tuple[str, ...]) -> str:
    value = raw.strip().lower()
    if value not in choices:
        raise ValueError(f"expected one of {', '.join(choices)}")
    return value


@dataclass(frozen=True)
class Setting:
    """One setting: its default, what it is, and how its environment value is read."""

    default: Any
    help: str
    convert: Callable[[str], Any] = to_text
    #: Who reads it: the service (``create_app``), or another reader that only needs it declared.
    reader: str = "service"

    def read(self, name: str, raw: str) -> Any:
        """Return the typed value of ``DEFLECT_<name>``, or raise :class:`SettingError` naming it."""
        try:
            return self.convert(raw)
        except ValueError as exc:
            raise SettingError(f"{PREFIX}{name}={raw!r}: {exc}") from None


#: Paths may use ``{PROJECT_DIR}`` and ``{VAR_DIR}``.
SETTINGS: dict[str, Setting] = {
    "PROJECT_DIR": Setting(".", "folder holding mkdocs.yml and docs/ (default: the working directory)"),
    "MKDOCS_YML": Setting("{PROJECT_DIR}/mkdocs.yml", "the help center's configuration: languages, vendor facts"),
    "VAR_DIR": Setting("{PROJECT_DIR}/var", "where the service keeps its state on a laptop"),
    "SITE_DIR": Setting("", "the built help center served at / (default: mkdocs.yml's site_dir)"),
    "INDEX_DIR": Setting("{VAR_DIR}/index", "root of the search index generations ('current' is served)"),
    "UPLOAD_DIR": Setting("{VAR_DIR}/uploads", "attachments, outside any served folder"),
    "DATABASE_URL": Setting("sqlite:///{VAR_DIR}/deflect.sqlite3", "SQLAlchemy URL of the case store"),
    "SECRET_KEY": Setting("", "signs sessions and CSRF tokens (default: a random key kept in VAR_DIR)"),
    "RATELIMIT_ENABLED": Setting(True, "rate limits on (off only for load drills)", to_bool),
    "RATELIMIT_STORAGE_URI": Setting("memory://", "Flask-Limiter storage; redis://127.0.0.1:6379 in production"),
    "SERVE_SITE": Setting(True, "serve the built help center at / (off when a static host serves it)", to_bool),
    "SUGGEST_TIMEOUT_S": Setting(2.0, "how long the form waits for suggestions before going on without them",
                                 to_float),
    "FORM_MIN_SECONDS": Setting(3.0, "a case form sent sooner than this after it was shown is taken for a robot's",
                                to_float),
    "PUBLIC_URL": Setting("http://127.0.0.1:8000", "the service's public address: every link that leaves it "
                          "(e-mails, the private link shown on confirmation) starts with it"),
    "TRUSTED_PROXIES": Setting(0, "proxy hops in front of the service whose X-Forwarded-* headers are trusted "
                               "(1 behind one load balancer)", to_int),
    "SMTP_HOST": Setting("", "the mail server; empty: e-mails are written to the log (a laptop)"),
    "SMTP_PORT": Setting(587, "the mail server's port", to_int),
    "SMTP_TLS": Setting("starttls", "none, starttls or ssl", lambda raw: to_choice(raw, ("none", "starttls", "ssl"))),
    "SMTP_TIMEOUT_S": Setting(10.0, "how long to wait for the mail server", to_float),
    "SMTP_USER": Setting("", "the mail server's user name, if it asks for one"),
    "SMTP_PASSWORD": Setting("", "the mail server's password"),
    "MAIL_FROM": Setting("", "sender of the service's e-mails (default: the vendor's team and e-mail in mkdocs.yml); "
                         "customers' replies go to its address with +<case token> added"),
    "ONCALL_EMAIL": Setting("", "who is alerted at once when a critical case is filed (empty: nobody)"),
    "MAIL_MAX_BYTES": Setting(30 * 1024 * 1024, "the largest e-mail deflect mail-in accepts", to_int),
    "SITE_URL": Setting(None, "the help center's public address (mkdocs.yml's site_url)", reader="mkdocs.yml"),
    "SERVICE_URL": Setting(None, "where the form service answers, for a site on a static host",
                           reader="mkdocs.yml"),
    "TEST_POSTGRES_URL": Setting(None, "the PostgreSQL server of the store tests", reader="tests"),
}


def defaults() -> dict[str, Any]:
    """Return the default value of every setting the service reads."""
    return {name: setting.default for name, setting in SETTINGS.items() if setting.reader == "service"}


def from_environment(environ: Mapping[str, str]) -> dict[str, Any]:
    """Return the settings given as ``DEFLECT_<NAME>`` variables, typed; raise on a typo or a bad value.

    >>> from_environment({"DEFLECT_SERVE_SITE": "off", "HOME": "/root"})
    {'SERVE_SITE': False}
    >>> from_environment({"DEFLECT_DATABSE_URL": "sqlite://"})
    Traceback (most recent call last):
    ...
    deflect.settings.SettingError: DEFLECT_DATABSE_URL is not a setting of deflect (did you mean DEFLECT_DATABASE_URL?)
    """
    found: dict[str, Any] = {}
    for variable, raw in sorted(environ.items()):
        if not variable.startswith(PREFIX):
            continue
        name = variable[len(PREFIX):]
        setting = SETTINGS.get(name)
        if setting is None:
            close = difflib.get_close_matches(name, SETTINGS, n=1)
            hint = f" (did you mean {PREFIX}{close[0]}?)" if close else ""
            raise SettingError(f"{variable} is not a setting of deflect{hint}")
        if setting.reader == "service":
            found[name] = setting.read(name, raw)
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


def configure(config: dict[str, Any], environ: Mapping[str, str], test_config: Mapping[str, Any] | None) -> None:
    """Fill ``config``: defaults, then the environment, then ``test_config``; paths made absolute."""
    config.update(defaults())
    config.update(from_environment(environ))
    if test_config:
        config.update(test_config)
    resolve(config)
    Path(config["VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = persistent_secret_key(Path(config["VAR_DIR"]))
