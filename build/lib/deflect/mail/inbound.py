"""Reading one customer e-mail, as ``deflect mail-in`` receives it from the MTA.

Customers answer the service's e-mails with their mail program. The service
sends each case's mails with ``Reply-To: <local>+<reply token>@<domain>`` and
may repeat the token in the subject as ``[#<reply token>]``; this module turns
the raw message into an :class:`InboundMessage` (who wrote, which case, the new
text only, the files) or refuses it with :class:`MailRejected` and a stable
code. It decides nothing about the case: whether the token names a case, and
whether that case takes replies, is the lifecycle's question.

Everything a mail program may send is expected here: any charset (a wrong
declared one included), quoted-printable and base64, HTML-only messages,
quoted history in the five support languages, auto-replies and bounces. No
input makes it crash: what cannot be read is a ``MailRejected("not_an_email")``.

>>> raw = (b"From: Anna Rossi <anna@example.it>\\r\\n"
...        b"To: support+k3q9x7mp2w8r4t6y1u5zab@lumera.example\\r\\n"
...        b"Subject: Re: [CS-7K3Q9X] Report non pubblicato\\r\\n"
...        b"\\r\\n"
...        b"Ecco il log.\\r\\n\\r\\n"
...        b"Il giorno lun 2 mar 2026 alle ore 10:00 Lumera <support@lumera.example> ha scritto:\\r\\n"
...        b"> Potete inviarci il log?\\r\\n")
>>> message = parse_message(raw, max_bytes=1_000_000)
>>> message.reply_token, message.reference, message.text
('k3q9x7mp2w8r4t6y1u5zab', 'CS-7K3Q9X', 'Ecco il log.')
"""
from __future__ import annotations

import codecs
import email
import email.utils
import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage, Message
from html.parser import HTMLParser
from typing import NamedTuple

from deflect.cases import CROCKFORD
from deflect.staging import CONTENT_TYPES, clean_filename

#: The reasons a message is refused, each with what it means. Stable: logs and counters use them.
REJECTIONS = {
    "too_large": "the message is larger than the service accepts",
    "not_an_email": "the input is not a readable e-mail message",
    "no_sender": "the message has no usable From address",
    "bounce": "a delivery status notification (bounce), not a customer's reply",
    "auto_reply": "an automatic reply (out of office, autoresponder, list or bulk mail)",
    "no_token": "no reply token in the recipient addresses or the subject",
    "empty": "the message has neither new text nor an attachment",
}
#: A reply token, as the service writes it in Reply-To (``support+TOKEN@…``) or the subject (``[#TOKEN]``).
TOKEN = re.compile(r"\A[a-z0-9]{20,40}\Z", re.IGNORECASE)
SUBJECT_TOKEN = re.compile(r"\[#([a-z0-9]{20,40})\]", re.IGNORECASE)
SUBJECT_REFERENCE = re.compile(rf"(?<![0-9A-Z])CS-([{CROCKFORD}]{{6}})(?![0-9A-Z])", re.IGNORECASE)
#: Where the MTA or the customer's program puts our address; the first two are the real envelope recipient.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "To", "Cc")


class MailRejected(Exception):
    """A message that must not reach a case; ``code`` is one of :data:`REJECTIONS`."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Attachment(NamedTuple):
    """A file the customer attached; a tuple ``(filename, content_type, content)``."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class InboundMessage:
    """A customer's reply, ready for the lifecycle's "customer reply" action."""

    sender: str                 #: the From address (``anna@example.it``)
    sender_name: str            #: its display name, "" when none
    reply_token: str            #: lower case; names the case, once the lifecycle has checked it
    reference: str | None       #: ``CS-XXXXXX`` from the subject: informative only, never trusted
    subject: str
    text: str                   #: the new part only: quoted history and signature trimmed
    attachments: tuple[Attachment, ...]
    message_id: str | None
    charset_fallback_used: bool  #: some text was not in its declared charset and was guessed


def parse_message(raw: bytes, *, max_bytes: int, reply_address: str | None = None) -> InboundMessage:
    """Return the customer's reply in ``raw`` (one RFC 822 message), or raise :class:`MailRejected`.

    ``reply_address``, when given (``support@lumera.example``), is the only
    address whose ``+token`` subaddress counts; otherwise any ``local+TOKEN@domain``
    recipient does. Checks run cheapest first, and the size before any parsing.
    """
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raise TypeError(f"parse_message needs the message as bytes, got {type(raw).__name__}")
    if max_bytes <= 0:
        raise ValueError(f"max_bytes must be positive, got {max_bytes}")
    if len(raw) > max_bytes:
        raise MailRejected("too_large", f"{len(raw)} bytes, more than the {max_bytes} accepted")
    try:
        return _parse(bytes(raw), reply_address)
    except MailRejected:
        raise
    except Exception as error:  # noqa: BLE001 - any input must end in a reason, never a crash
        raise MailRejected("not_an_email", f"unreadable message ({type(error).__name__})") from error


def _parse(raw: bytes, reply_address: str | None) -> InboundMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    if not raw.strip() or not message.keys():
        raise MailRejected("not_an_email", "no header found")
    headers = _Headers(message)

    sender_header = headers.get("From")
    addresses = getattr(sender_header, "addresses", ()) if sender_header is not None else ()
    sender = next((a for a in addresses if a.username and a.domain), None)
    if sender is None:
        raise MailRejected("no_sender", f"From: {str(sender_header or '')[:200]!r}")
    subject = _display_text(str(headers.get("Subject") or ""))

    _reject_automatic(message, headers, sender.username, subject)

    token = _reply_token(headers, subject, reply_address)
    if token is None:
        raise MailRejected("no_token", "no local+TOKEN@domain recipient and no [#TOKEN] in the subject")

    body = message.get_body(preferencelist=("plain", "html"))
    text, body_fallback = ("", False) if body is None else _decode_text(body)
    if body is not None and body.get_content_type() == "text/html":
        text = html_to_text(text)
    text = trim_reply(text)
    attachments = tuple(_attachments(message, body))
    if not text and not attachments:
        raise MailRejected("empty", "no new text and no attachment")

    reference = SUBJECT_REFERENCE.search(subject)
    message_id = str(headers.get("Message-ID") or "").strip() or None
    local, _, domain = sender.addr_spec.rpartition("@")
    return InboundMessage(
        sender=f"{local}@{domain.lower()}",
        sender_name=_display_text(sender.display_name or ""),
        reply_token=token.lower(),
        reference=f"CS-{reference[1].upper()}" if reference else None,
        subject=subject,
        text=text,
        attachments=attachments,
        message_id=message_id,
        charset_fallback_used=body_fallback or headers.fallback_used,
    )


class _Headers:
    """Header lookup that also reads raw 8-bit headers (UTF-8, else Windows-1252) instead of mangling them.

    RFC 2047 says non-ASCII headers must be encoded words, but some programs
    send raw 8-bit bytes; the stdlib then yields surrogates or U+FFFD.
    """

    def __init__(self, message: Message):
        self.message = message
        self.fallback_used = False

    def get_all(self, name: str) -> list:
        # raw_items() is the only view of a header before the policy decodes it (documented for generators).
        raws = [value for key, value in self.message.raw_items() if key.lower() == name.lower()]
        if not any(_has_surrogates(value) for value in raws):
            return list(self.message.get_all(name) or [])
        return [policy.default.header_factory(name, self._redecoded(value)) for value in raws]

    def get(self, name: str):
        found = self.get_all(name)
        return found[0] if found else None

    def _redecoded(self, value: str) -> str:
        if not _has_surrogates(value):
            return value
        data = value.encode("ascii", "surrogateescape")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            self.fallback_used = True
            return data.decode("cp1252", errors="replace")


def _display_text(value: str) -> str:
    """Return a header's text on one line; C1 controls read as Windows-1252, as browsers do.

    A program that labels Windows-1252 text ISO-8859-1 (``=?iso-8859-1?Q?=96?=``)
    yields U+0080-U+009F controls where it meant an en dash or a euro sign.

    >>> _display_text("Datenaktualisierung \\x96 gel\\xf6st?\\n  ")
    'Datenaktualisierung – gelöst?'
    """
    if re.search("[\x80-\x9f]", value):
        try:
            value = value.encode("latin-1").decode("cp1252")
        except (UnicodeEncodeError, UnicodeDecodeError):
            value = re.sub("[\x80-\x9f]", "", value)
    return " ".join(value.split())


def _has_surrogates(value: object) -> bool:
    return isinstance(value, str) and any("\udc80" <= ch <= "\udcff" for ch in value)


# --- automatic messages ---

_AUTO_PRECEDENCE = {"bulk", "junk", "auto_reply", "list"}
_BOUNCE_SENDERS = {"mailer-daemon", "postmaster"}
_REPLY_PREFIX = r"(?:(?:re|aw|antw|wg|fw|fwd|tr|rif|r|res|rv)\s*:\s*)*"
#: Out-of-office subjects in the five languages: strong phrases anywhere at the start, single
#: words only with a colon (an Italian "Assente il pulsante" is a customer, "Assente: …" is not).
_OUT_OF_OFFICE = re.compile(
    rf"\A{_REPLY_PREFIX}(?:"
    r"(?:out of (?:the )?office|automatic reply|auto[- ]?reply|auto[- ]?response|autoresponder"
    r"|abwesenheitsnotiz|automatische antwort|abwesenheitsmeldung"
    r"|r[ée]ponse automatique|absence du bureau|message d'absence"
    r"|risposta automatica|fuori sede|fuori ufficio"
    r"|respuesta autom[áa]tica|fuera de la oficina)\b"
    r"|(?:abwesend|absent|absente|assente|ausente|vacation|urlaub|cong[ée]s?|ferie|vacaciones)\s*:)",
    re.IGNORECASE,
)


def _reject_automatic(message: EmailMessage, headers: _Headers, sender_local: str, subject: str) -> None:
    """Raise for a bounce or an auto-reply (RFC 3834 headers, the usual vendor ones, their subjects)."""
    if message.get_content_type() == "multipart/report":
        raise MailRejected("bounce", f"a {message.get_content_type()} message "
                                     f"({message.get_param('report-type') or 'no report-type'})")
    if sender_local.lower() in _BOUNCE_SENDERS:
        raise MailRejected("bounce", f"sent by {sender_local}")
    auto_submitted = str(headers.get("Auto-Submitted") or "").split(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        raise MailRejected("auto_reply", f"Auto-Submitted: {auto_submitted}")
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder"):
        if headers.get(name) is not None:
            raise MailRejected("auto_reply", f"{name} header")
    precedence = str(headers.get("Precedence") or "").strip().lower()
    if precedence in _AUTO_PRECEDENCE:
        raise MailRejected("auto_reply", f"Precedence: {precedence}")
    if _OUT_OF_OFFICE.match(subject):
        raise MailRejected("auto_reply", f"out-of-office subject {subject[:100]!r}")
    return_path = headers.get("Return-Path")
    if return_path is not None and str(return_path).strip() in {"", "<>"}:
        raise MailRejected("bounce", "empty return path (Return-Path: <>)")


# --- the token ---

def _reply_token(headers: _Headers, subject: str, reply_address: str | None) -> str | None:
    """Return the token of the first ``local+TOKEN@domain`` recipient, else of ``[#TOKEN]`` in the subject."""
    expected = None
    if reply_address:
        local, _, domain = reply_address.strip().lower().rpartition("@")
        expected = (local.split("+", 1)[0], domain)
    for name in RECIPIENT_HEADERS:
        values = [str(value) for value in headers.get_all(name)]
        for _, address in email.utils.getaddresses(values):
            local, at, domain = address.strip().rpartition("@")
            base, plus, tag = local.partition("+")
            if not (at and plus and TOKEN.match(tag)):
                continue
            if expected is None or (base.lower(), domain.lower()) == expected:
                return tag
    found = SUBJECT_TOKEN.search(subject)
    return found[1] if found else None


# --- text ---

def _decode_text(part: EmailMessage) -> tuple[str, bool]:
    """Return a text part as str, and whether its declared charset had to be second-guessed.

    ISO-8859-1 and US-ASCII are read as Windows-1252, as browsers do
    (WHATWG Encoding Standard): mail programs label cp1252 text (€, curly
    quotes) that way. Any other failure tries UTF-8, then Windows-1252,
    then Latin-1, which reads every byte.
    """
    payload = part.get_payload(decode=True) or b""
    declared = part.get_content_charset() or "us-ascii"
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        codec = None
    if codec in {"iso8859-1", "ascii"}:
        for candidate in ("ascii", "cp1252") if codec == "ascii" else ("cp1252", "iso8859-1"):
            try:
                return payload.decode(candidate), False
            except UnicodeDecodeError:
                pass
        if codec == "iso8859-1":
            return payload.decode("iso8859-1"), False
    elif codec is not None:
        try:
            return payload.decode(codec), False
        except UnicodeDecodeError:
            pass
    for candidate in ("utf-8", "cp1252"):
        try:
            return payload.decode(candidate), True
        except UnicodeDecodeError:
            pass
    return payload.decode("iso8859-1"), True


_ATTRIBUTION_VERB = r"(?:wrote|schrieb\b[^\n]{0,200}|a\s+[ée]crit|ha\s+scritto|escribi[óo])\s*:\s*\Z"
#: "On … wrote:", "Am … schrieb …:", "Le … a écrit :", "Il … ha scritto:", "El … escribió:".
_ATTRIBUTION_LED = re.compile(rf"\A\s*(?:on|am|le|il|el)\s[^\n]{{1,300}}?\s{_ATTRIBUTION_VERB}", re.IGNORECASE)
#: "Anna Rossi <anna@example.it> wrote:" and the like, on one line.
_ATTRIBUTION_ANY = re.compile(rf"\A\s*[^\n]{{1,300}}?\s{_ATTRIBUTION_VERB}", re.IGNORECASE)
_ORIGINAL_MESSAGE = re.compile(
    r"\A\s*-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|messaggio originale"
    r"|mensaje original)\s*-{2,}\s*\Z",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"\A\s*\*?(?:from|von|de|da)\s*:\*?\s*\S", re.IGNORECASE)
_HEADER_SENT = re.compile(
    r"\A\s*\*?(?:sent|date|gesendet|datum|envoy[ée]|inviato|data|enviado|fecha)\s*:", re.IGNORECASE)
_UNDERSCORES = re.compile(r"\A\s*_{20,}\s*\Z")
#: The line a phone or webmail adds under the text, in the five languages.
_SENT_FROM = re.compile(
    r"\A\s*(?:sent from my\b|sent from (?:outlook|mail|yahoo)|sent with\b|get outlook for\b"
    r"|von meinem\b.{1,30}\bgesendet|gesendet von meinem\b|gesendet von (?:outlook|mail)\b|gesendet mit\b"
    r"|outlook für\b.{1,20}\bherunterladen"
    r"|envoy[ée] (?:de|depuis) mon\b|envoy[ée] (?:de|depuis) (?:outlook|mail)\b|t[ée]l[ée]charger outlook pour\b"
    r"|obtenir outlook pour\b"
    r"|inviato da(?:l mio)?\s+\S+\s*\Z|inviato da (?:outlook|mail)\b|scarica outlook per\b"
    r"|enviado desde mi\b|enviado desde (?:outlook|correo)\b|obtener outlook para\b|descargar outlook para\b)",
    re.IGNORECASE,
)


def trim_reply(text: str) -> str:
    """Return the new part of a reply: quoted history, ``>`` lines and signature removed.

    History starts at the first attribution line ("On … wrote:" and its
    German, French, Italian and Spanish forms, even when the mail program
    wrapped it over two or three lines), an Outlook "-----Original
    Message-----" separator or "From:/Sent:" block (translated too). Answers
    written between quoted lines below an attribution are kept. The signature
    starts at a ``-- `` line or at "Sent from my iPhone" and its translations.
    A sign-off such as "Best regards, Anna" stays: it is the customer's text.

    Written here rather than taken from a library: mail-parser-reply 1.36
    (the one maintained library with these languages) drops lines starting
    with "- " (reproduction steps) and everything after a line starting with
    "Thanks," as a signature, and misses Gmail's Spanish "El … escribió:";
    email-reply-parser knows English only; talon has not been released since
    2017.

    >>> trim_reply("Danke, geht wieder!\\n\\nAm 02.03.2026 um 10:00 schrieb Lumera Support <s@lumera.example>:\\n> Bitte...")
    'Danke, geht wieder!'
    >>> trim_reply("Steps:\\n- open the report\\n- publish\\n\\n-- \\nAnna Rossi, Example SpA")
    'Steps:\\n- open the report\\n- publish'
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = _cut_history(lines)
    lines = [line for line in lines if not line.lstrip().startswith(">")]
    for index, line in enumerate(lines):
        if line.rstrip() == "--" or (len(line) <= 80 and _SENT_FROM.match(line)):
            lines = lines[:index]
            break
    kept = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", kept).strip("\n")


def _cut_history(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if line.lstrip().startswith(">") or not line.strip():
            continue
        span = _attribution_span(lines, index)
        if span:
            tail = lines[index + span:]
            return lines[:index] + (_interleaved_answers(tail) or [])
        if _ORIGINAL_MESSAGE.match(line) or _outlook_header_block(lines, index):
            start = index
            previous = next((i for i in range(index - 1, -1, -1) if lines[i].strip()), None)
            if previous is not None and _UNDERSCORES.match(lines[previous]):
                start = previous
            return lines[:start]
        if _UNDERSCORES.match(line) and _outlook_header_block(lines, _next_non_blank(lines, index + 1)):
            return lines[:index]
    return lines


def _attribution_span(lines: list[str], index: int) -> int:
    """Return how many lines (1-3) the attribution starting at ``index`` takes, 0 if none starts there."""
    first = lines[index]
    if _ATTRIBUTION_ANY.match(first):  # a date or an address tells it from a sentence ending in "wrote:"
        return 1 if re.search(r"[\d@]", first) else 0
    if not re.match(r"\A\s*(?:on|am|le|il|el)\s", first, re.IGNORECASE):
        return 0
    for span in (2, 3):
        part = lines[index:index + span]
        if len(part) < span or any(not line.strip() or line.lstrip().startswith(">") for line in part):
            return 0
        joined = " ".join(line.strip() for line in part)
        if _ATTRIBUTION_LED.match(joined) and re.search(r"[\d@]", joined):
            return span
    return 0


def _interleaved_answers(tail: list[str]) -> list[str] | None:
    """Return the customer's lines written between quoted ones, or None for a plain top-posted reply."""
    quoted = [line.lstrip().startswith(">") for line in tail]
    own = [i for i, line in enumerate(tail) if line.strip() and not quoted[i]]
    if own and any(quoted[i] for i in range(own[0] + 1, len(tail))):
        return [line for i, line in enumerate(tail) if not quoted[i]]
    return None


def _outlook_header_block(lines: list[str], index: int | None) -> bool:
    if index is None or index >= len(lines) or not _HEADER_FROM.match(lines[index]):
        return False
    return any(_HEADER_SENT.match(line) for line in lines[index + 1:index + 5])


def _next_non_blank(lines: list[str], start: int) -> int | None:
    return next((i for i in range(start, len(lines)) if lines[i].strip()), None)


# --- HTML ---

_SKIPPED = {"script", "style", "head", "title", "template", "noscript"}
_BLOCKS = {"p", "div", "ul", "ol", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
           "hr", "section", "article", "header", "footer", "dl", "dt", "dd", "address", "center", "form",
           "fieldset", "figure", "figcaption", "main", "nav", "aside", "li"}


class _HtmlText(HTMLParser):
    """Collect the readable text of an HTML mail: one line per block, ``>`` per blockquote level."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[tuple[int, str]] = []
        self.words: list[str] = []
        self.skipping = 0
        self.depth = 0
        self.pre = 0
        self.lists: list[int | None] = []  # one entry per open list: the next number, None for bullets
        self.link: str | None = None
        self.link_text: list[str] = []

    def break_line(self, blank: bool = False) -> None:
        line = "".join(self.words)
        line = line.rstrip() if self.pre else line.strip(" ")
        self.words = []
        if line or blank:
            self.lines.append((self.depth, line))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
            return
        if tag == "body":
            self.skipping = 0  # a <head> left open must not hide the whole mail
        if tag == "br":
            self.break_line(blank=not "".join(self.words).strip())
        elif tag in _BLOCKS:
            self.break_line()
        if tag == "blockquote":
            self.depth += 1
        elif tag == "pre":
            self.pre += 1
        elif tag in {"ul", "ol"}:
            self.lists.append(1 if tag == "ol" else None)
        elif tag == "li":
            number = self.lists[-1] if self.lists else None
            if self.lists and number is not None:
                self.lists[-1] = number + 1
            self.words.append(f"{number}. " if number is not None else "- ")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            self.link = href if href.startswith(("http://", "https://")) else None
            self.link_text = []
        elif tag in {"td", "th"} and self.words:
            self.words.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
            return
        if tag == "a" and self.link:
            if self.link.rstrip("/") != "".join(self.link_text).strip().rstrip("/"):
                self.words.append(f" ({self.link})")
            self.link = None
        if tag in _BLOCKS:
            self.break_line()
        if tag == "blockquote":
            self.depth = max(0, self.depth - 1)
        elif tag == "pre":
            self.pre = max(0, self.pre - 1)
        elif tag in {"ul", "ol"} and self.lists:
            self.lists.pop()
        elif tag == "p":
            self.lines.append((self.depth, ""))

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self.words.append(first)
            for line in rest:
                self.break_line(blank=True)
                self.words.append(line)
        else:
            text = re.sub(r"\s+", " ", data)
            if not self.words or self.words[-1].endswith(" "):
                text = text.lstrip(" ")
            self.words.append(text)
        if self.link is not None:
            self.link_text.append(data)

    def text(self) -> str:
        self.break_line()
        rendered = [("> " * depth + line).rstrip() if depth else line for depth, line in self.lines]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(rendered)).strip("\n")


def html_to_text(html: str) -> str:
    """Return the readable text of an HTML mail body: line breaks kept, no markup, no scripts or styles.

    >>> html_to_text("<p>Bonjour,</p><p>le rapport<br>ne part pas.<script>x()</script></p>"
    ...              "<blockquote>Ancien message</blockquote>")
    'Bonjour,\\n\\nle rapport\\nne part pas.\\n\\n> Ancien message'
    """
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    return parser.text()


# --- attachments ---

_EXTENSION_OF = {content_type: f".{ext}" for ext, content_type in reversed(CONTENT_TYPES.items())}


def _attachments(message: EmailMessage, body: EmailMessage | None) -> list[Attachment]:
    """Return the files of a message: named parts and parts marked as attachments.

    Skipped: the body and its text/HTML twin, and inline parts without a
    file name (the pictures an HTML mail shows, a signature's logo).
    A forwarded message (message/rfc822) comes as one ``.eml`` file.
    """
    found: list[Attachment] = []

    def visit(part: EmailMessage) -> None:
        if part is body:
            return
        content_type = part.get_content_type()
        filename = part.get_filename()
        if content_type == "message/rfc822":
            inner = part.get_payload(0)
            try:
                content = inner.as_bytes()
            except Exception:  # noqa: BLE001 - a broken forwarded mail is still the customer's file
                content = inner.as_string().encode("utf-8", "replace")
            found.append(Attachment(clean_filename(filename or "message.eml"), content_type, content))
            return
        if part.is_multipart():
            for sub in part.iter_parts():
                visit(sub)
            return
        if not filename and part.get_content_disposition() != "attachment":
            return
        name = clean_filename(filename) if filename else \
            f"attachment-{len(found) + 1}{_EXTENSION_OF.get(content_type, '.bin')}"
        found.append(Attachment(name, content_type, part.get_payload(decode=True) or b""))

    visit(message)
    return found
