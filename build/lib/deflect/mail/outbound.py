"""Composing the service's e-mails and handing them to a mail server.

The lifecycle writes each e-mail to an outbox in the same transaction as the
event that caused it; a worker then calls a transport's ``send``. What the
worker must know of a failure is whether trying again later can help, so
every failure is one :class:`DeliveryFailed` with ``temporary`` set:

- temporary: the server cannot be reached, times out, says 4xx, or refuses
  our login or TLS (a setting to fix on our side: keep the mail and retry);
- permanent: the server refused this message or all its recipients with 5xx.

On a laptop no SMTP host is set and :class:`LogTransport` writes each mail to
the ``deflect.mail`` logger instead, so the whole flow runs without a server.

>>> message = compose(sender="Lumera Technical Support <support@lumera.example>",
...                   to="anna.rossi@example.com", subject="[CS-7K3Q9X] Nous avons reçu votre demande",
...                   text="Bonjour,", html="<p>Bonjour,</p>")
>>> message["Auto-Submitted"], message.get_content_type()
('auto-generated', 'multipart/alternative')
>>> message["Subject"]
'[CS-7K3Q9X] Nous avons reçu votre demande'
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Literal, Mapping, Protocol, Sequence

log = logging.getLogger("deflect.mail")

TlsMode = Literal["none", "starttls", "ssl"]
TLS_MODES: tuple[str, ...] = ("none", "starttls", "ssl")
#: The port each TLS mode usually listens on (RFC 5321, RFC 6409, RFC 8314).
DEFAULT_PORTS = {"none": 25, "starttls": 587, "ssl": 465}
DEFAULT_TIMEOUT_S = 10.0
#: Headers that only the MIME structure may set.
STRUCTURAL_HEADERS = frozenset({"content-type", "content-transfer-encoding", "mime-version"})
#: Refused recipients of a delivery that reached some others: address → (SMTP code, server's words).
Refused = dict[str, tuple[int, bytes]]


class DeliveryFailed(Exception):
    """A mail did not reach the server; ``temporary`` says whether trying again later can help."""

    def __init__(self, message: str, *, temporary: bool, smtp_code: int | None = None):
        super().__init__(message)
        self.temporary = temporary
        self.smtp_code = smtp_code


class Transport(Protocol):
    """Something that delivers one composed message."""

    def send(self, message: EmailMessage, *, envelope_from: str | None = None,
             recipients: Sequence[str] | None = None) -> Refused: ...


def compose(*, sender: str, to: str | Sequence[str], subject: str, text: str, html: str,
            reply_to: str | None = None, headers: Mapping[str, str] | None = None) -> EmailMessage:
    """Return a UTF-8 message with a plain-text and an HTML alternative, ready to send.

    It carries ``Date``, a ``Message-ID`` on the sender's domain and
    ``Auto-Submitted: auto-generated`` (RFC 3834: vacation responders must not
    answer it, so an out-of-office never loops back into a case). ``headers``
    adds or replaces headers, e.g. ``In-Reply-To`` and ``References`` to
    thread a case's mails, or a ``Message-ID`` the outbox keeps so that a
    retried delivery is the same message. A header value with a line break
    raises ValueError (no header injection).
    """
    message = EmailMessage(policy=policy.default)
    message["From"] = sender
    domain = _single_address(message, "From", "sender").rpartition("@")[2]
    message["To"] = to if isinstance(to, str) else ", ".join(to)
    _addresses(message, "To", "to")
    if reply_to:
        message["Reply-To"] = reply_to
        _single_address(message, "Reply-To", "reply_to")
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    # Exchange honours this one instead: no out-of-office or auto-reply to our mails.
    message["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    for name, value in (headers or {}).items():
        if name.lower() in STRUCTURAL_HEADERS:
            raise ValueError(f"compose: header {name!r} is set by the message's structure")
        del message[name]
        message[name] = value
    # Quoted-printable: 7-bit safe for any relay (no 8BITMIME needed), still readable in a raw dump.
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message


def _addresses(message: EmailMessage, header: str, argument: str) -> list[str]:
    found = [a.addr_spec for a in message[header].addresses if a.username and a.domain]
    if not found or len(found) != len(message[header].addresses):
        raise ValueError(f"compose: {argument} must be e-mail addresses, got {str(message[header])!r}")
    return found


def _single_address(message: EmailMessage, header: str, argument: str) -> str:
    found = _addresses(message, header, argument)
    if len(found) != 1:
        raise ValueError(f"compose: {argument} must be one e-mail address, got {str(message[header])!r}")
    return found[0]


@dataclass(frozen=True)
class SmtpTransport:
    """Deliver over SMTP, one connection per message (the outbox worker sends a few a minute).

    ``port`` 0 means the usual port of the ``tls`` mode (25, 587, 465).
    """

    host: str
    port: int = 0
    tls: TlsMode = "starttls"
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = DEFAULT_TIMEOUT_S

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("SmtpTransport: host is empty")
        if self.tls not in TLS_MODES:
            raise ValueError(f"SmtpTransport: tls must be one of {', '.join(TLS_MODES)}, got {self.tls!r}")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"SmtpTransport: port must be 0-65535, got {self.port}")
        if bool(self.user) != bool(self.password):
            raise ValueError("SmtpTransport: give both user and password, or neither")
        if self.timeout <= 0:
            raise ValueError(f"SmtpTransport: timeout must be positive, got {self.timeout}")

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port or DEFAULT_PORTS[self.tls]}"

    def send(self, message: EmailMessage, *, envelope_from: str | None = None,
             recipients: Sequence[str] | None = None) -> Refused:
        """Deliver ``message``; return the recipients refused while others were accepted.

        Raise :class:`DeliveryFailed` when nobody got it. Once the server has
        accepted the message, an error while saying goodbye is ignored:
        raising then would make the worker send it twice.
        """
        try:
            client = self._connect()
        except (smtplib.SMTPException, OSError) as error:
            raise self._failure("cannot connect", error) from error
        try:
            self._prepare(client)
            refused = client.send_message(message, from_addr=envelope_from,
                                          to_addrs=list(recipients) if recipients is not None else None)
        except (smtplib.SMTPException, OSError) as error:
            self._close(client)
            raise self._failure("delivery failed", error) from error
        self._close(client)
        if refused:
            log.warning("SMTP %s accepted %s but refused %s", self.address, message["Message-ID"],
                        ", ".join(f"{rcpt} ({code})" for rcpt, (code, _) in refused.items()))
        return refused

    def _connect(self) -> smtplib.SMTP:
        port = self.port or DEFAULT_PORTS[self.tls]
        if self.tls == "ssl":
            return smtplib.SMTP_SSL(self.host, port, timeout=self.timeout, context=ssl.create_default_context())
        return smtplib.SMTP(self.host, port, timeout=self.timeout)

    def _prepare(self, client: smtplib.SMTP) -> None:
        if self.tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        if self.user:
            client.login(self.user, self.password)

    @staticmethod
    def _close(client: smtplib.SMTP) -> None:
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()

    def _failure(self, doing: str, error: Exception) -> DeliveryFailed:
        where = f"SMTP {self.address}: {doing}"
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in error.recipients.values()]
            words = "; ".join(f"{rcpt}: {code} {_text(reply)}" for rcpt, (code, reply) in error.recipients.items())
            temporary = bool(codes) and all(400 <= code < 500 for code in codes)
            return DeliveryFailed(f"{where}: every recipient refused ({words or 'no recipient'})",
                                  temporary=temporary, smtp_code=codes[0] if codes else None)
        if isinstance(error, smtplib.SMTPNotSupportedError):
            return DeliveryFailed(f"{where}: {error} (check DEFLECT_SMTP_TLS and DEFLECT_SMTP_USER)", temporary=True)
        if isinstance(error, smtplib.SMTPAuthenticationError):
            # Our password, not the message: keep the mail until the setting is fixed.
            return DeliveryFailed(f"{where}: login refused, {error.smtp_code} {_text(error.smtp_error)} "
                                  "(check DEFLECT_SMTP_USER and DEFLECT_SMTP_PASSWORD)",
                                  temporary=True, smtp_code=error.smtp_code)
        if isinstance(error, smtplib.SMTPResponseException):
            return DeliveryFailed(f"{where}: {error.smtp_code} {_text(error.smtp_error)}",
                                  temporary=not 500 <= error.smtp_code < 600, smtp_code=error.smtp_code)
        return DeliveryFailed(f"{where}: {type(error).__name__}: {error}", temporary=True)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


@dataclass(frozen=True)
class LogTransport:
    """Write each mail (headers and text part) to the ``deflect.mail`` logger instead of sending it.

    The laptop default when ``DEFLECT_SMTP_HOST`` is empty: a developer sees
    every mail, links included, in the service's log.
    """

    def send(self, message: EmailMessage, *, envelope_from: str | None = None,
             recipients: Sequence[str] | None = None) -> Refused:
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content() if body is not None else ""
        headers = "\n".join(f"{name}: {value}" for name, value in message.items())
        log.info("mail not sent (no SMTP host set): to %s, subject %r\n%s\n\n%s",
                 ", ".join(recipients) if recipients else message["To"], str(message["Subject"] or ""),
                 headers, text.rstrip("\n"))
        return {}


def transport_from_settings(config: Mapping[str, object]) -> SmtpTransport | LogTransport:
    """Return the transport the settings describe: SMTP when ``SMTP_HOST`` is set, else the log.

    Reads ``SMTP_HOST``, ``SMTP_PORT`` (empty or 0: the usual port of the
    TLS mode), ``SMTP_TLS`` (none, starttls, ssl; default starttls),
    ``SMTP_USER``, ``SMTP_PASSWORD`` and ``SMTP_TIMEOUT_S`` (default 10). A
    wrong value raises ValueError naming its ``DEFLECT_`` variable.

    >>> transport_from_settings({"SMTP_HOST": ""})
    LogTransport()
    >>> transport_from_settings({"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "465", "SMTP_TLS": "ssl"})
    SmtpTransport(host='smtp.example.com', port=465, tls='ssl', user='', timeout=10.0)
    """
    host = str(config.get("SMTP_HOST") or "").strip()
    if not host:
        return LogTransport()
    tls = str(config.get("SMTP_TLS") or "starttls").strip().lower()
    if tls not in TLS_MODES:
        raise ValueError(f"DEFLECT_SMTP_TLS: expected one of {', '.join(TLS_MODES)}, got {tls!r}")
    port = _number(config, "SMTP_PORT", int, 0)
    if not 0 <= port <= 65535:
        raise ValueError(f"DEFLECT_SMTP_PORT: expected a port number 1-65535, got {port}")
    timeout = _number(config, "SMTP_TIMEOUT_S", float, DEFAULT_TIMEOUT_S)
    if timeout <= 0:
        raise ValueError(f"DEFLECT_SMTP_TIMEOUT_S: expected a positive number of seconds, got {timeout}")
    user = str(config.get("SMTP_USER") or "")
    password = str(config.get("SMTP_PASSWORD") or "")
    if bool(user) != bool(password):
        raise ValueError("DEFLECT_SMTP_USER and DEFLECT_SMTP_PASSWORD: set both, or neither")
    return SmtpTransport(host=host, port=port, tls=tls, user=user, password=password,  # type: ignore[arg-type]
                         timeout=timeout)


def _number(config: Mapping[str, object], name: str, kind: type, default: float) -> float:
    raw = config.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    try:
        if isinstance(raw, bool):
            raise ValueError
        return kind(raw.strip() if isinstance(raw, str) else raw)
    except (TypeError, ValueError):
        raise ValueError(f"DEFLECT_{name}: expected a number, got {raw!r}") from None
