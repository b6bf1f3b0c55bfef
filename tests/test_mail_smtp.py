"""Composing mails and sending them to a real SMTP server (aiosmtpd, see tests/smtp_server.py)."""
from __future__ import annotations

import logging
import socket
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
from aiosmtpd.smtp import AuthResult

from deflect.mail.outbound import (
    DeliveryFailed, LogTransport, SmtpTransport, compose, transport_from_settings,
)
from tests.smtp_server import SmtpTestServer, free_port

SENDER = "Lumera Technical Support <support@lumera.example>"
REPLY_TO = "support+8jpa3txzxntl6v64xkq5bij7@lumera.example"
SUBJECT = "[CS-7K3Q9X] Réponse à votre demande – Größe ✓"
TEXT = "Bonjour Marie,\n\nvotre demande est enregistrée : https://support.lumera.example/cases/abc\n"
HTML = '<p>Bonjour Marie,</p><p>votre demande est <a href="https://support.lumera.example/cases/abc">enregistrée</a>.</p>'


def a_mail(**changes):
    arguments = dict(sender=SENDER, to="Marie Dubois <marie.dubois@example.fr>", subject=SUBJECT,
                     text=TEXT, html=HTML, reply_to=REPLY_TO)
    return compose(**{**arguments, **changes})


def local_transport(server: SmtpTestServer, **changes) -> SmtpTransport:
    return SmtpTransport(**{"host": server.host, "port": server.port, "tls": "none", "timeout": 5, **changes})


# --- compose ---

def test_compose_gives_both_parts_in_utf8_and_the_headers():
    message = a_mail(headers={"In-Reply-To": "<outbox-41@lumera.example>",
                              "References": "<outbox-40@lumera.example> <outbox-41@lumera.example>"})
    assert message["From"] == SENDER
    assert message["To"] == "Marie Dubois <marie.dubois@example.fr>"
    assert message["Reply-To"] == REPLY_TO
    assert message["Subject"] == SUBJECT
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["In-Reply-To"] == "<outbox-41@lumera.example>"
    assert message["References"] == "<outbox-40@lumera.example> <outbox-41@lumera.example>"
    assert message["Message-ID"].endswith("@lumera.example>")
    assert abs(parsedate_to_datetime(message["Date"]) - datetime.now(timezone.utc)) < timedelta(minutes=1)
    assert message.get_content_type() == "multipart/alternative"
    plain, html = message.iter_parts()
    assert (plain.get_content_type(), plain.get_content_charset(), plain.get_content()) == ("text/plain", "utf-8", TEXT)
    assert (html.get_content_type(), html.get_content_charset(), html.get_content().strip()) == ("text/html", "utf-8", HTML)
    assert message.as_bytes().isascii()  # encoded for any server: no SMTPUTF8 needed


def test_compose_lets_the_outbox_keep_its_message_id_and_takes_several_recipients():
    message = a_mail(to=["anna@example.com", "Jürgen Müller <j.mueller@example.de>"],
                     headers={"Message-ID": "<outbox-41.cs-7k3q9x@lumera.example>"})
    assert message.get_all("Message-ID") == ["<outbox-41.cs-7k3q9x@lumera.example>"]
    assert [a.addr_spec for a in message["To"].addresses] == ["anna@example.com", "j.mueller@example.de"]


@pytest.mark.parametrize("changes, error", [
    (dict(sender="Lumera Technical Support"), "compose: sender"),
    (dict(sender="a@lumera.example, b@lumera.example"), "compose: sender must be one e-mail address"),
    (dict(to="marie.dubois"), "compose: to"),
    (dict(to=["anna@example.com", "nobody"]), "compose: to"),
    (dict(reply_to="support+token"), "compose: reply_to"),
    (dict(headers={"Content-Type": "text/plain"}), "compose: header 'Content-Type' is set by the message's structure"),
    (dict(headers={"X-Case": "CS-7K3Q9X\r\nBcc: someone@example.com"}), "linefeed or carriage return"),
    (dict(subject="Hello\nBcc: someone@example.com"), "linefeed or carriage return"),
])
def test_compose_refuses_bad_input(changes, error):
    with pytest.raises(ValueError, match=error):
        a_mail(**changes)


# --- SMTP ---

def test_a_mail_arrives_with_its_headers_and_both_parts(smtp_server):
    message = a_mail()
    refused = local_transport(smtp_server).send(message)
    assert refused == {}
    [received] = smtp_server.received
    assert received.envelope_from == "support@lumera.example"
    assert received.envelope_to == ("marie.dubois@example.fr",)
    got = received.message
    assert got["Subject"] == SUBJECT
    assert got["Reply-To"] == REPLY_TO
    assert got["Message-ID"] == message["Message-ID"]
    assert got["Auto-Submitted"] == "auto-generated"
    assert got.get_body(preferencelist=("plain",)).get_content() == TEXT
    assert got.get_body(preferencelist=("html",)).get_content().strip() == HTML


def test_the_envelope_can_differ_from_the_headers(smtp_server):
    local_transport(smtp_server).send(a_mail(), envelope_from="bounces@lumera.example",
                                      recipients=["oncall@lumera.example"])
    [received] = smtp_server.received
    assert (received.envelope_from, received.envelope_to) == ("bounces@lumera.example", ("oncall@lumera.example",))


def test_server_down_is_temporary_then_up_delivers(smtp_server):
    transport = local_transport(smtp_server)
    smtp_server.stop()
    with pytest.raises(DeliveryFailed) as caught:
        transport.send(a_mail())
    assert caught.value.temporary is True
    assert f"SMTP 127.0.0.1:{smtp_server.port}: cannot connect" in str(caught.value)
    smtp_server.start()
    transport.send(a_mail())
    assert len(smtp_server.received) == 1


@pytest.mark.parametrize("where, reply, temporary, code", [
    ("rcpt", "550 5.1.1 <marie.dubois@example.fr>: Recipient address rejected: User unknown", False, 550),
    ("rcpt", "450 4.2.0 <marie.dubois@example.fr>: Recipient address rejected: Greylisted", True, 450),
    ("data", "554 5.7.1 Message rejected as spam", False, 554),
    ("data", "451 4.3.0 Temporary local problem", True, 451),
])
def test_refusals_are_permanent_or_temporary_by_their_code(smtp_server, where, reply, temporary, code):
    if where == "rcpt":
        smtp_server.refuse["marie.dubois@example.fr"] = reply
    else:
        smtp_server.data_reply = reply
    with pytest.raises(DeliveryFailed) as caught:
        local_transport(smtp_server).send(a_mail())
    assert (caught.value.temporary, caught.value.smtp_code) == (temporary, code)
    assert reply.split(" ", 2)[2][:20] in str(caught.value)
    assert smtp_server.received == []


def test_a_partial_refusal_delivers_to_the_others_and_says_who_was_refused(smtp_server, caplog):
    smtp_server.refuse["gone@example.fr"] = "550 5.1.1 User unknown"
    with caplog.at_level(logging.WARNING, logger="deflect.mail"):
        refused = local_transport(smtp_server).send(a_mail(to=["marie.dubois@example.fr", "gone@example.fr"]))
    assert list(refused) == ["gone@example.fr"] and refused["gone@example.fr"][0] == 550
    assert smtp_server.received[0].envelope_to == ("marie.dubois@example.fr",)
    assert "refused gone@example.fr (550)" in caplog.text


def test_starttls_on_a_server_without_it_names_the_setting(smtp_server):
    with pytest.raises(DeliveryFailed, match="DEFLECT_SMTP_TLS") as caught:
        local_transport(smtp_server, tls="starttls").send(a_mail())
    assert caught.value.temporary is True


def test_ssl_on_a_plain_server_is_temporary(smtp_server):
    with pytest.raises(DeliveryFailed) as caught:
        local_transport(smtp_server, tls="ssl").send(a_mail())
    assert caught.value.temporary is True


def test_a_silent_server_times_out_as_temporary():
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the connection, never says hello
        transport = SmtpTransport("127.0.0.1", silent.getsockname()[1], "none", timeout=0.5)
        with pytest.raises(DeliveryFailed) as caught:
            transport.send(a_mail())
    assert caught.value.temporary is True


def test_login_and_a_refused_login():
    def authenticator(server, session, envelope, mechanism, auth_data):
        # handled=False: aiosmtpd answers 535 itself (True would leave the client waiting).
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"deflect", b"s3cret"), handled=False)

    server = SmtpTestServer(authenticator=authenticator)
    server.start()
    try:
        local_transport(server, user="deflect", password="s3cret").send(a_mail())
        assert len(server.received) == 1
        with pytest.raises(DeliveryFailed, match="DEFLECT_SMTP_PASSWORD") as caught:
            local_transport(server, user="deflect", password="wrong").send(a_mail())
        # Our setting to fix, not the mail's fault: the outbox keeps it.
        assert (caught.value.temporary, caught.value.smtp_code) == (True, 535)
    finally:
        server.stop()


def test_the_password_stays_out_of_reprs():
    transport = SmtpTransport("smtp.example.com", 587, "starttls", "deflect", "s3cret")
    assert "s3cret" not in repr(transport)


@pytest.mark.parametrize("arguments, error", [
    (dict(host=""), "host is empty"),
    (dict(host="smtp.example.com", tls="tls"), "tls must be one of none, starttls, ssl"),
    (dict(host="smtp.example.com", port=70000), "port must be 0-65535"),
    (dict(host="smtp.example.com", user="deflect"), "give both user and password"),
    (dict(host="smtp.example.com", timeout=0), "timeout must be positive"),
])
def test_smtp_transport_refuses_bad_settings(arguments, error):
    with pytest.raises(ValueError, match=error):
        SmtpTransport(**arguments)


# --- the laptop default and the settings ---

def test_log_transport_writes_the_mail_to_the_log(caplog):
    with caplog.at_level(logging.INFO, logger="deflect.mail"):
        assert LogTransport().send(a_mail()) == {}
    [record] = caplog.records
    assert record.name == "deflect.mail"
    logged = record.getMessage()
    assert "to Marie Dubois <marie.dubois@example.fr>" in logged
    assert f"Reply-To: {REPLY_TO}" in logged
    assert "Auto-Submitted: auto-generated" in logged
    assert "https://support.lumera.example/cases/abc" in logged  # the text part, links included
    assert "<p>" not in logged


@pytest.mark.parametrize("config", [{}, {"SMTP_HOST": ""}, {"SMTP_HOST": "  ", "SMTP_PORT": "25"}])
def test_no_host_means_the_log(config):
    assert transport_from_settings(config) == LogTransport()


@pytest.mark.parametrize("config, expected", [
    ({"SMTP_HOST": "smtp.example.com"}, SmtpTransport("smtp.example.com", 0, "starttls")),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "", "SMTP_TLS": "SSL"}, SmtpTransport("smtp.example.com", 0, "ssl")),
    ({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": 2525, "SMTP_TLS": "none", "SMTP_TIMEOUT_S": "2.5"},
     SmtpTransport("127.0.0.1", 2525, "none", timeout=2.5)),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "587", "SMTP_USER": "deflect", "SMTP_PASSWORD": "s3cret"},
     SmtpTransport("smtp.example.com", 587, "starttls", "deflect", "s3cret")),
])
def test_transport_from_settings(config, expected):
    assert transport_from_settings(config) == expected


@pytest.mark.parametrize("config, error", [
    ({"SMTP_HOST": "smtp.example.com", "SMTP_TLS": "yes"}, "DEFLECT_SMTP_TLS: expected one of none, starttls, ssl"),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_PORT": "smtp"}, "DEFLECT_SMTP_PORT: expected a number"),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_PORT": 70000}, "DEFLECT_SMTP_PORT: expected a port number"),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_PORT": True}, "DEFLECT_SMTP_PORT: expected a number"),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_USER": "deflect"}, "DEFLECT_SMTP_USER and DEFLECT_SMTP_PASSWORD"),
    ({"SMTP_HOST": "smtp.example.com", "SMTP_TIMEOUT_S": "-1"}, "DEFLECT_SMTP_TIMEOUT_S"),
])
def test_bad_settings_name_their_variable(config, error):
    with pytest.raises(ValueError, match=error):
        transport_from_settings(config)


def test_the_fixture_settings_reach_the_fixture(smtp_server):
    transport_from_settings(smtp_server.settings).send(a_mail())
    assert len(smtp_server.received) == 1


def test_free_ports_are_free():
    port = free_port()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))
