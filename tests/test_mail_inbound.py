"""Reading customer e-mails: real .eml files in tests/mail/, trimming, and every refusal."""
from __future__ import annotations

import email
import random
from email import policy
from pathlib import Path

import pytest

from deflect.mail.inbound import (
    REJECTIONS, Attachment, InboundMessage, MailRejected, html_to_text, parse_message, trim_reply,
)

MAIL = Path(__file__).parent / "mail"
TOKEN = "8jpa3txzxntl6v64xkq5bij7"
MAX = 10 * 1024 * 1024


def parse(name: str, **kwargs) -> InboundMessage:
    return parse_message((MAIL / name).read_bytes(), max_bytes=MAX, **kwargs)


# --- the fixtures: what a customer's mail program really sends ---

ACCEPTED = {
    "plain-reply-quoted.eml": dict(
        sender="anna.rossi@example.com", sender_name="Anna Rossi", reference="CS-7K3Q9X",
        subject="Re: [CS-7K3Q9X] Report cannot be published",
        message_id="<5b1c6f0e-2d4a-4c1e-9f0e-7a3b2c1d0e9f@example.com>", charset_fallback_used=False,
        text=(
            "Hello,\n\nhere is what I do, every time:\n"
            "- open the \"Monthly sales\" report\n- click Publish\n"
            "- the spinner turns for 30 s, then \"Error 500 – publication failed\"\n\n"
            "It started after Friday’s update. Nobody in the finance team can publish.\n\n"
            "Best regards,\nAnna"
        ),
    ),
    "html-only.eml": dict(
        sender="giulia.conti@example.it", sender_name="Giulia Conti", reference="CS-5Q1W3E",
        subject="R: [CS-5Q1W3E] Aggiornamento dati fermo", charset_fallback_used=False,
        message_id="<AM9PR04MB8120C3B2A1F0E9D8C7B6A5F4E3D2@AM9PR04MB8120.eurprd04.prod.example.net>",
        text=(
            "Buongiorno,\n\n"
            "il refresh dei dati è ancora fermo per tutti gli utenti & nessuno riesce a lavorare. "
            "Ecco cosa abbiamo provato:\n"
            "1. riavviato il connettore\n"
            "2. controllato le credenziali nel pannello (https://hub.example.it/admin)\n"
            "Il problema <persiste> da lunedì.\n\n"
            "Cordiali saluti,\nGiulia Conti"
        ),
    ),
    "multipart-attachments.eml": dict(
        sender="javier.garcia@example.es", sender_name="Javier García", reference="CS-3N7P5R",
        subject="Re: [CS-3N7P5R] La publicación falla", charset_fallback_used=False,
        message_id="<CAF3kq9Zx_7bT2mN4pQ8rS1vW6yU0aE5cG9hJ3kL2nM@mail.example.com>",
        text=(
            "Hola,\n\nadjunto la captura de pantalla y el registro de la publicación fallida.\n"
            "El error aparece a las 9:14 en el servidor de producción.\n\nUn saludo,\nJavier"
        ),
    ),
    "german-iso-8859-1.eml": dict(
        sender="j.mueller@example.de", sender_name="Jürgen Müller", reference="CS-8D4F6G",
        subject="AW: [CS-8D4F6G] Datenaktualisierung gestoppt – gelöst?", charset_fallback_used=False,
        message_id="<000b01dc8a4f$3e2d1c00$ba7b5400$@example.de>",
        text=(
            "Hallo Lumera-Support,\n\ndie Datenaktualisierung läuft seit heute früh wieder. Größere Berichte\n"
            "brauchen aber noch über 5 Minuten. Können Sie das prüfen?\n\n"
            "Mit freundlichen Grüßen\nJürgen Müller"
        ),
    ),
    "french-windows-1252.eml": dict(
        sender="marie.dubois@example.fr", sender_name="Dubois, Marie", reference="CS-6K8M2P",
        subject="RE: [CS-6K8M2P] Export Excel en échec", charset_fallback_used=False,
        message_id="<DB9PR07MB7881F2E3D4C5B6A7@DB9PR07MB7881.eurprd07.prod.example.net>",
        text=(
            "Bonjour,\n\nL’export Excel échoue toujours, mais l’export PDF fonctionne. Le devis de 1 200 € "
            "dépend de ce rapport : merci de traiter la demande rapidement.\n\nMarie Dubois"
        ),
    ),
    "token-in-subject.eml": dict(
        sender="m.bianchi@example.it", sender_name="Marco Bianchi", reference="CS-4M8R2T",
        subject=f"Re: [CS-4M8R2T] [#{TOKEN}] Esportazione dashboard", charset_fallback_used=False,
        message_id="<C1E0B7A2-5F3D-4B8E-9A61-2D7F0E4C3B19@example.it>",
        text="Buongiorno,\nl’esportazione funziona di nuovo, potete chiudere la richiesta.\n\nGrazie!\nMarco",
    ),
    "wrong-charset.eml": dict(
        sender="pedro.ruiz@example.com.es", sender_name="Pedro Ruiz", reference="CS-3N7P5R",
        subject="Re: [CS-3N7P5R] La publicación falla", charset_fallback_used=True,
        message_id="<20260304110001.19f3a@webmail.example.com.es>",
        text="Buenos días,\n\nel informe ya se publica correctamente. Gracias por la ayuda rápida.",
    ),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_a_real_reply_is_read(name):
    message = parse(name)
    expected = ACCEPTED[name]
    for field, value in expected.items():
        assert getattr(message, field) == value, field
    assert message.reply_token == TOKEN


def test_the_fixtures_are_all_tested():
    tested = set(ACCEPTED) | set(REJECTED_FIXTURES)
    assert tested == {path.name for path in MAIL.glob("*.eml")}


def test_attachments_come_with_their_names_types_and_bytes():
    message = parse("multipart-attachments.eml")
    assert [(a.filename, a.content_type) for a in message.attachments] == [
        ("captura publicación.png", "image/png"),  # RFC 2231 UTF-8 file name
        ("publish.log", "text/x-log"),
    ]
    png, log = message.attachments
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n") and len(png.content) == 73
    assert b"HTTP 500 publication failed (job=8812)" in log.content
    assert png == ("captura publicación.png", "image/png", png.content)  # a plain tuple too
    # The inline picture of the HTML part has no file name: it is the mail's decoration.
    assert all(a.content_type != "image/png" or a.filename != "attachment-1.png" for a in message.attachments)


def test_the_html_part_of_a_gmail_reply_reads_like_its_text_part():
    raw = (MAIL / "multipart-attachments.eml").read_bytes()
    html = email.message_from_bytes(raw, policy=policy.default).get_body(preferencelist=("html",)).get_content()
    assert trim_reply(html_to_text(html)) == ACCEPTED["multipart-attachments.eml"]["text"]


def test_an_html_only_mail_keeps_no_markup():
    text = parse("html-only.eml").text
    for leftover in ("<div", "<b>", "&egrave;", "font-family", "tracking", "document.write", "Outlook",
                     "Da:", "Inviato:", "può dirci"):
        assert leftover not in text


def test_the_recipient_token_wins_and_may_be_restricted_to_our_address():
    assert parse("plain-reply-quoted.eml", reply_address="support@lumera.example").reply_token == TOKEN
    with pytest.raises(MailRejected) as caught:
        parse("plain-reply-quoted.eml", reply_address="help@lumera.example")
    assert caught.value.code == "no_token"


REJECTED_FIXTURES = {"out-of-office.eml": "auto_reply", "bounce.eml": "bounce"}


@pytest.mark.parametrize("name, code", sorted(REJECTED_FIXTURES.items()))
def test_automatic_mails_are_refused(name, code):
    with pytest.raises(MailRejected) as caught:
        parse(name)
    assert caught.value.code == code
    assert caught.value.message and code in REJECTIONS


# --- every refusal, on a small message varied one header at a time ---

BASE = (
    "From: Anna Rossi <anna.rossi@example.com>\n"
    f"To: Lumera Technical Support <support+{TOKEN}@lumera.example>\n"
    "Subject: Re: [CS-7K3Q9X] Report cannot be published\n"
    "Message-ID: <1@example.com>\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "\n"
    "It works now, thank you.\n"
)


def variant(replace: dict[str, str] | None = None, add: str = "", body: str | None = None) -> bytes:
    text = BASE
    for old, new in (replace or {}).items():
        assert old in text
        text = text.replace(old, new)
    if add:
        text = add + "\n" + text
    if body is not None:
        text = text.split("\n\n", 1)[0] + "\n\n" + body
    return text.encode("utf-8")


@pytest.mark.parametrize("raw, code", [
    (variant(add="Auto-Submitted: auto-generated"), "auto_reply"),
    (variant(add="Auto-Submitted: auto-replied; owner-email=\"anna@example.com\""), "auto_reply"),
    (variant(add="X-Autoreply: yes"), "auto_reply"),
    (variant(add="X-Autorespond: Anna is away"), "auto_reply"),
    (variant(add="Precedence: bulk"), "auto_reply"),
    (variant(add="Precedence: junk"), "auto_reply"),
    (variant(add="Precedence: list"), "auto_reply"),
    (variant(add="Precedence: auto_reply"), "auto_reply"),
    (variant({"Subject: Re: ": "Subject: Out of Office: Re: "}), "auto_reply"),
    (variant({"Subject: Re: ": "Subject: Automatic reply: "}), "auto_reply"),
    (variant({"Subject: Re: ": "Subject: Abwesenheitsnotiz: AW: "}), "auto_reply"),
    (variant({"Subject: Re: ": "Subject: Automatische Antwort: "}), "auto_reply"),
    (variant({"Subject: Re: ": "Subject: Réponse automatique : "}), "auto_reply"),
    (variant({"Subject: Re: ": "Subject: Absente : "}), "auto_reply"),
    (variant({"Subject: Re: ": "Subject: Risposta automatica: "}), "auto_reply"),
    (variant({"Subject: Re: ": "Subject: Fuori ufficio: "}), "auto_reply"),
    (variant({"Subject: Re: ": "Subject: Respuesta automática: "}), "auto_reply"),
    (variant({"Subject: Re: ": "Subject: Fuera de la oficina - "}), "auto_reply"),
    (variant({"From: Anna Rossi <anna.rossi@example.com>": "From: MAILER-DAEMON@mx.example.com"}), "bounce"),
    (variant({"From: Anna Rossi <anna.rossi@example.com>": "From: postmaster@example.com"}), "bounce"),
    (variant(add="Return-Path: <>"), "bounce"),
    (variant({"Content-Type: text/plain; charset=utf-8":
              'Content-Type: multipart/report; report-type=disposition-notification; boundary="b"'},
             body="--b\nContent-Type: text/plain\n\nRead.\n--b--\n"), "bounce"),
    (variant({f"support+{TOKEN}@": "support@"}), "no_token"),
    (variant({f"support+{TOKEN}@": "support+abc123@"}), "no_token"),         # too short to be a token
    (variant({f"support+{TOKEN}@": f"support+{TOKEN}-x@"}), "no_token"),
    (variant({"From: Anna Rossi <anna.rossi@example.com>\n": ""}), "no_sender"),
    (variant({"From: Anna Rossi <anna.rossi@example.com>": "From: undisclosed-recipients:;"}), "no_sender"),
    (variant(body=""), "empty"),
    (variant(body="\n\n-- \nAnna Rossi\n"), "empty"),
    (variant(body="On Mon, 2 Mar 2026 at 17:12, Lumera <support@lumera.example> wrote:\n> Hello\n"), "empty"),
    (variant(body="Sent from my iPhone\n"), "empty"),
    (b"", "not_an_email"),
    (b"\x00\xff\xfe" * 200, "not_an_email"),
    (bytes(random.Random(8).randrange(256) for _ in range(4000)), "not_an_email"),
    (b"just some words, no header at all", "not_an_email"),
])
def test_refusals_have_a_stable_code(raw, code):
    with pytest.raises(MailRejected) as caught:
        parse_message(raw, max_bytes=MAX)
    assert caught.value.code == code
    assert code in REJECTIONS
    assert str(caught.value).startswith(f"{code}: ")


@pytest.mark.parametrize("raw", [
    variant(add="Auto-Submitted: no"),
    variant(add="Precedence: first-class"),
    variant({"Subject: Re: [CS-7K3Q9X] Report cannot be published": "Subject: Assente il pulsante Pubblica"}),
    variant({"Subject: Re: [CS-7K3Q9X] Report cannot be published": "Subject: Absent values in the export"}),
    variant(add="Return-Path: <anna.rossi@example.com>"),
])
def test_ordinary_replies_are_not_mistaken_for_automatic_ones(raw):
    assert parse_message(raw, max_bytes=MAX).text == "It works now, thank you."


def test_an_oversized_message_is_refused_before_it_is_read():
    raw = variant(body="x" * 5000)
    with pytest.raises(MailRejected) as caught:
        parse_message(raw, max_bytes=1000)
    assert caught.value.code == "too_large"
    assert f"{len(raw)} bytes" in caught.value.message
    assert parse_message(raw, max_bytes=len(raw)).text == "x" * 5000


def test_token_lookup_order_and_case():
    raw = variant({f"support+{TOKEN}@lumera.example": f"SUPPORT+{TOKEN.upper()}@Lumera.Example"},
                  add="Delivered-To: support+aaaaaaaaaaaaaaaaaaaaaaaa@lumera.example")
    assert parse_message(raw, max_bytes=MAX).reply_token == "a" * 24   # the envelope recipient first
    raw = variant({f"support+{TOKEN}@lumera.example": f"SUPPORT+{TOKEN.upper()}@Lumera.Example"})
    assert parse_message(raw, max_bytes=MAX, reply_address="support@lumera.example").reply_token == TOKEN
    raw = variant({f"To: Lumera Technical Support <support+{TOKEN}@lumera.example>":
                   f"To: Bob <bob@example.com>\nCc: support+{TOKEN}@lumera.example"})
    assert parse_message(raw, max_bytes=MAX).reply_token == TOKEN


def test_an_unknown_declared_charset_falls_back():
    raw = variant({"charset=utf-8": "charset=x-klingon"}, body="Grüße\n")
    message = parse_message(raw, max_bytes=MAX)
    assert (message.text, message.charset_fallback_used) == ("Grüße", True)


def test_a_raw_8bit_subject_is_read():
    raw = variant({"Subject: Re: [CS-7K3Q9X] Report cannot be published": "Subject: Re: Grüße"})
    assert parse_message(raw, max_bytes=MAX).subject == "Re: Grüße"
    raw = raw.decode("utf-8").encode("cp1252")
    message = parse_message(raw, max_bytes=MAX)
    assert (message.subject, message.charset_fallback_used) == ("Re: Grüße", True)


def test_a_mail_with_only_an_attachment_is_accepted():
    raw = variant({"Content-Type: text/plain; charset=utf-8":
                   'Content-Type: multipart/mixed; boundary="b"'},
                  body=('--b\nContent-Type: application/pdf\nContent-Disposition: attachment\n'
                        'Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n'))
    message = parse_message(raw, max_bytes=MAX)
    assert message.text == ""
    assert message.attachments == (Attachment("attachment-1.pdf", "application/pdf", b"%PDF-1.4\n"),)


def test_a_forwarded_mail_is_one_eml_attachment():
    raw = variant({"Content-Type: text/plain; charset=utf-8": 'Content-Type: multipart/mixed; boundary="b"'},
                  body=("--b\nContent-Type: text/plain\n\nSee the mail below.\n"
                        "--b\nContent-Type: message/rfc822\n\nFrom: bob@example.com\nSubject: logs\n\nHere.\n--b--\n"))
    message = parse_message(raw, max_bytes=MAX)
    assert message.text == "See the mail below."
    [forwarded] = message.attachments
    assert forwarded.filename == "message.eml" and forwarded.content_type == "message/rfc822"
    assert b"Subject: logs" in forwarded.content


@pytest.mark.parametrize("name", sorted(ACCEPTED) + sorted(REJECTED_FIXTURES))
def test_damaged_mails_never_crash(name):
    """Cut or corrupted anywhere, a message is read or refused with a reason, never an exception."""
    raw = (MAIL / name).read_bytes()
    chance = random.Random(name)
    damaged = [raw[:cut] for cut in range(0, len(raw), max(1, len(raw) // 25))]
    for _ in range(25):
        data = bytearray(raw)
        for _ in range(chance.randrange(1, 40)):
            data[chance.randrange(len(data))] = chance.randrange(256)
        damaged.append(bytes(data))
    for data in damaged:
        try:
            result = parse_message(data, max_bytes=MAX)
        except MailRejected as rejected:
            assert rejected.code in REJECTIONS
        else:
            assert isinstance(result, InboundMessage) and result.reply_token


# --- trimming, language by language ---

@pytest.mark.parametrize("text, expected", [
    # English: Gmail (wrapped over two lines), Apple, Thunderbird, a bare "X wrote:".
    ("Fixed, thanks.\n\nOn Mon, Mar 2, 2026 at 5:12 PM Lumera Technical Support <\n"
     "support+abc@lumera.example> wrote:\n\n> Hello\n", "Fixed, thanks."),
    ("Fixed.\n\nOn 2 Mar 2026, at 17:12, Lumera <support@lumera.example> wrote:\n\n> Hello\n", "Fixed."),
    ("Fixed.\n\nOn 02/03/2026 17:12, Lumera Technical Support wrote:\n> Hello\n", "Fixed."),
    ("Fixed.\n\nLumera Technical Support <support@lumera.example> wrote:\n> Hello\n", "Fixed."),
    # German: Gmail, Thunderbird/Apple, Outlook.
    ("Geht wieder.\n\nAm Mo., 2. März 2026 um 17:12 Uhr schrieb Lumera Technical Support <\n"
     "support@lumera.example>:\n> Hallo\n", "Geht wieder."),
    ("Geht wieder.\n\nAm 02.03.2026 um 17:12 schrieb Lumera Technical Support:\n> Hallo\n", "Geht wieder."),
    ("Geht wieder.\n\n-----Ursprüngliche Nachricht-----\nVon: Lumera\nGesendet: Montag\nAn: Jürgen\n\nHallo\n",
     "Geht wieder."),
    ("Geht wieder.\n\nVon: Lumera <support@lumera.example>\nGesendet: Montag, 2. März 2026 17:12\n"
     "An: Jürgen\nBetreff: Test\n\nHallo\n", "Geht wieder."),
    # French: Gmail (narrow no-break space before the colon), Outlook with its underscores.
    ("Ça marche.\n\nLe lun. 2 mars 2026 à 17:12, Lumera Technical Support <support@lumera.example> a\n"
     "écrit\u202f:\n\n> Bonjour\n", "Ça marche."),
    ("Ça marche.\n\n________________________________\nDe : Lumera <support@lumera.example>\n"
     "Envoyé : lundi 2 mars 2026 17:12\nÀ : Marie\nObjet : test\n\nBonjour\n", "Ça marche."),
    ("Ça marche.\n\n-----Message d'origine-----\nDe : Lumera\nEnvoyé : lundi\n\nBonjour\n", "Ça marche."),
    # Italian: Gmail, Apple, Outlook.
    ("Funziona.\n\nIl giorno lun 2 mar 2026 alle ore 17:12 Lumera <support@lumera.example> ha scritto:\n"
     "> Buongiorno\n", "Funziona."),
    ("Funziona.\n\n> Il giorno 2 mar 2026, alle ore 17:12, Lumera <support@lumera.example> ha scritto:\n"
     "> Buongiorno\n", "Funziona."),
    ("Funziona.\n\nDa: Lumera <support@lumera.example>\nInviato: lunedì 2 marzo 2026 17:12\nA: Marco\n\nCiao\n",
     "Funziona."),
    # Spanish: Gmail, Outlook.
    ("Ya funciona.\n\nEl lun, 2 mar 2026 a las 17:12, Lumera (<support@lumera.example>) escribió:\n> Hola\n",
     "Ya funciona."),
    ("Ya funciona.\n\n-----Mensaje original-----\nDe: Lumera\nEnviado el: lunes\n\nHola\n", "Ya funciona."),
    ("Ya funciona.\n\nDe: Lumera <support@lumera.example>\nEnviado: lunes, 2 de marzo de 2026 17:12\n"
     "Para: Pedro\nAsunto: test\n\nHola\n", "Ya funciona."),
    # Phone and webmail footers, in the five languages.
    ("Done.\n\nSent from my iPhone", "Done."),
    ("Done.\n\nGet Outlook for Android", "Done."),
    ("Erledigt.\n\nVon meinem iPhone gesendet", "Erledigt."),
    ("Erledigt.\nGesendet von Outlook für Android", "Erledigt."),
    ("C'est fait.\n\nEnvoyé de mon iPhone", "C'est fait."),
    ("Fatto.\n\nInviato da iPhone", "Fatto."),
    ("Fatto.\n\nInviato dal mio Galaxy", "Fatto."),
    ("Hecho.\n\nEnviado desde mi iPhone", "Hecho."),
    ("Hecho.\n\nObtener Outlook para iOS", "Hecho."),
    # A "-- " signature; sign-offs and hyphen lists stay.
    ("Thanks, that helped.\nRegards,\nAnna\n-- \nAnna Rossi | Example Ltd\n+44 20 7946 0000",
     "Thanks, that helped.\nRegards,\nAnna"),
    ("Steps:\n- open\n- publish\nThanks,\nAnna", "Steps:\n- open\n- publish\nThanks,\nAnna"),
    # Answers written between the quoted lines are kept.
    ("On Mon, 2 Mar 2026 at 17:12, Lumera <support@lumera.example> wrote:\n> Which version?\n7.2\n\n"
     "> Which browser?\nFirefox 128\n", "7.2\n\nFirefox 128"),
    # Not an attribution: no date, no address.
    ("On Monday the report wrote:\nnothing at all.", "On Monday the report wrote:\nnothing at all."),
    ("  indented code\n\n\n\nafter blank lines   ", "  indented code\n\nafter blank lines"),
])
def test_trim_reply(text, expected):
    assert trim_reply(text) == expected


@pytest.mark.parametrize("html, expected", [
    ("<p>One</p><p>Two</p>", "One\n\nTwo"),
    ("<div>One<br>Two</div><div><br></div><div>Three</div>", "One\nTwo\n\nThree"),
    ("<html><head><title>T</title><style>p {color: red}</style></head><body>Hi<script>alert(1)</script></body>",
     "Hi"),
    ("<head><title>never closed</title><body>Body text", "Body text"),
    ("<ul><li>a</li><li>b</li></ul><ol><li>x</li><li>y</li></ol>", "- a\n- b\n1. x\n2. y"),
    ("Text<blockquote>quoted<blockquote>deeper</blockquote></blockquote>", "Text\n> quoted\n> > deeper"),
    ("<pre>line 1\n    line 2</pre>", "line 1\n    line 2"),
    ("caf&eacute; &amp; &lt;tag&gt; &#8364;&nbsp;5", "café & <tag> €\xa05".replace("\xa0", " ")),
    ('<a href="https://x.example/a">here</a> and <a href="https://x.example/b">https://x.example/b</a>',
     "here (https://x.example/a) and https://x.example/b"),
    ('<a href="javascript:alert(1)">click</a>', "click"),
    ("<table><tr><td>Version</td><td>7.2</td></tr><tr><td>OS</td><td>Windows</td></tr></table>",
     "Version 7.2\nOS Windows"),
    ("  spaced \n\n   out   words ", "spaced out words"),
    ("<p>unclosed <b>bold <i>italic", "unclosed bold italic"),
])
def test_html_to_text(html, expected):
    assert html_to_text(html) == expected
