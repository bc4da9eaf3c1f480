"""Email against a real SMTP server (aiosmtpd) on 127.0.0.1: plain, STARTTLS and implicit TLS
with login, the exact message received, and SMTP replies mapped to retry or give up."""
from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from engine.serve.channels.base import Delivery, SendResult
from engine.serve.channels.email import EmailChannel, Security, SmtpServer

from .tls import Certificates, make_certificates

NOW = 1_700_000_000.0
SENDER = "Gongdan <gongdan@example.com>"
USERNAME, PASSWORD = "gongdan", "s3cret"
SUBJECT = "【P1 紧急】工单 T-1024 响应超时"
BODY = "工单 T-1024 下单失败\n处理人: 孟天佑\nhttps://tickets.example/t/T-1024"


@dataclass
class Received:
    """One message as the server took it."""

    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool


@dataclass
class Mailbox:
    """An aiosmtpd handler: `busy@` recipients get 450, `nobody@` 550, others are taken."""

    received: list[Received] = field(default_factory=list)
    logins: list[tuple[bytes, bytes]] = field(default_factory=list)

    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope,
                          address: str, rcpt_options: list[str]) -> str:
        if address.startswith("busy@"):
            return "450 4.2.1 Mailbox busy, try later"
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        assert server.transport is not None
        tls = server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message,
                                      tls))
        return "250 Message accepted for delivery"

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
                     auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        self.logins.append((auth_data.login, auth_data.password))
        valid = (auth_data.login, auth_data.password) == (USERNAME.encode(), PASSWORD.encode())
        return AuthResult(success=valid, handled=False)     # not handled: the server says 535


def free_port() -> int:
    """A port nothing listens on now (aiosmtpd's Controller cannot take port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@dataclass
class Running:
    mailbox: Mailbox
    port: int


@pytest.fixture
def smtp(request: pytest.FixtureRequest, certificates: Certificates) -> Iterator[Running]:
    """A server of the kind the test is parametrised with: none, starttls or ssl."""
    mailbox, port = Mailbox(), free_port()
    options: dict[str, Any] = {}
    if request.param == "starttls":
        options = {"tls_context": certificates.server_context(), "require_starttls": True,
                   "authenticator": mailbox.authenticate, "auth_require_tls": True}
    elif request.param == "ssl":
        # aiosmtpd sees only STARTTLS as TLS: with implicit TLS it must be told AUTH is safe
        options = {"ssl_context": certificates.server_context(),
                   "authenticator": mailbox.authenticate, "auth_require_tls": False}
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, ready_timeout=5.0, **options)
    controller.start()
    yield Running(mailbox, port)
    controller.stop()


def delivery(**changes: Any) -> Delivery:
    fields: dict[str, Any] = {
        "id": "0b9c6a5e-d-1", "key": "T-1024/response/0/0/email/alice", "ticket": "T-1024",
        "channel": "email", "to": {"person": "alice", "address": "alice@example.com"},
        "subject": SUBJECT, "body": BODY}
    return Delivery(**{**fields, **changes})


def channel(port: int, security: Security, ca_file: Path | None = None, login: bool = True,
            password: str = PASSWORD, timeout_s: float = 5.0) -> EmailChannel:
    server = SmtpServer(host="127.0.0.1", port=port, sender=SENDER, security=security,
                        username=USERNAME if login else None, password=password if login else None,
                        ca_file=str(ca_file) if ca_file else None, timeout_s=timeout_s)
    return EmailChannel(server, now=lambda: NOW)


def headers(message: EmailMessage) -> dict[str, str]:
    return {name: str(value) for name, value in message.items()
            if name not in ("Content-Type", "Content-Transfer-Encoding", "MIME-Version")}


@pytest.mark.parametrize(("smtp", "security", "login", "tls"), [
    pytest.param("none", Security.NONE, False, False, id="plain"),
    pytest.param("starttls", Security.STARTTLS, True, True, id="starttls-login"),
    pytest.param("ssl", Security.SSL, True, True, id="ssl-login"),
], indirect=["smtp"])
def test_the_message_arrives_exactly(smtp: Running, certificates: Certificates,
                                     security: Security, login: bool, tls: bool) -> None:
    mail = channel(smtp.port, security, certificates.ca_file, login=login)
    assert mail.send(delivery()) == SendResult(ok=True)
    [got] = smtp.mailbox.received
    assert (got.mail_from, got.rcpt_tos, got.tls) == ("gongdan@example.com",
                                                      ["alice@example.com"], tls)
    assert headers(got.message) == {
        "From": SENDER, "To": "alice@example.com", "Subject": SUBJECT,
        "Message-ID": "<0b9c6a5e-d-1@gongdan>", "Date": "Tue, 14 Nov 2023 22:13:20 +0000",
        "Auto-Submitted": "auto-generated"}
    assert got.message.get_content_type() == "text/plain"
    assert got.message.get_content() == BODY + "\n"
    assert smtp.mailbox.logins == ([(b"gongdan", b"s3cret")] if login else [])


@pytest.mark.parametrize(("smtp", "changes", "password", "expected"), [
    pytest.param("starttls", {"to": {"person": "bob", "address": "busy@example.com"}}, PASSWORD,
                 SendResult(ok=False, retry=True,
                            error="email: SMTP 450: 4.2.1 Mailbox busy, try later"),
                 id="4xx-retried"),
    pytest.param("starttls", {"to": {"person": "bob", "address": "nobody@example.com"}}, PASSWORD,
                 SendResult(ok=False, retry=False, error="email: SMTP 550: 5.1.1 No such user"),
                 id="5xx-permanent"),
    pytest.param("starttls", {}, "wrong",
                 SendResult(ok=False, retry=False,
                            error="email: SMTP 535: 5.7.8 Authentication credentials invalid"),
                 id="wrong-password-permanent"),
], indirect=["smtp"])
def test_smtp_replies(smtp: Running, certificates: Certificates, changes: dict[str, Any],
                      password: str, expected: SendResult) -> None:
    mail = channel(smtp.port, Security.STARTTLS, certificates.ca_file, password=password)
    assert mail.send(delivery(**changes)) == expected
    assert smtp.mailbox.received == []


@pytest.mark.parametrize("smtp", ["none"], indirect=True)
def test_starttls_to_a_server_without_it_is_permanent(smtp: Running,
                                                      certificates: Certificates) -> None:
    mail = channel(smtp.port, Security.STARTTLS, certificates.ca_file)
    assert mail.send(delivery()) == SendResult(
        ok=False, retry=False, error="email: STARTTLS extension not supported by server.")


@pytest.mark.parametrize("smtp", ["starttls"], indirect=True)
def test_a_certificate_from_an_unknown_ca_is_retried_and_said(smtp: Running) -> None:
    mail = channel(smtp.port, Security.STARTTLS, ca_file=None)
    assert mail.send(delivery()) == SendResult(
        ok=False, retry=True,
        error="email: the server's certificate is not trusted (unable to get local issuer "
              "certificate)")
    assert smtp.mailbox.received == []


def test_a_refused_connection_is_retried() -> None:
    mail = channel(free_port(), Security.NONE, login=False)
    assert mail.send(delivery()) == SendResult(
        ok=False, retry=True, error="email: ConnectionRefusedError: [Errno 111] Connection refused")


def test_a_server_that_never_greets_times_out() -> None:
    with socket.socket() as silent:             # accepts connections, never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        mail = channel(silent.getsockname()[1], Security.NONE, login=False, timeout_s=0.3)
        assert mail.send(delivery()) == SendResult(
            ok=False, retry=True,
            error="email: SMTPServerDisconnected: Connection unexpectedly closed: timed out")


@pytest.mark.parametrize(("to", "error"), [
    pytest.param({"person": "alice", "address": None},
                 "email: person 'alice' has no email address", id="no-address"),
    pytest.param({"person": "alice", "address": "alice@example.com\nBcc: all@example.com"},
                 "email: cannot write the message: Header values may not contain linefeed or "
                 "carriage return characters", id="header-injection"),
])
def test_a_delivery_that_cannot_be_written_is_refused_unsent(to: dict[str, Any],
                                                            error: str) -> None:
    mail = channel(free_port(), Security.NONE, login=False)
    assert mail.send(delivery(to=to)) == SendResult(ok=False, retry=False, error=error)


def test_an_id_that_cannot_make_a_message_id_is_refused_unsent() -> None:
    mail = channel(free_port(), Security.NONE, login=False)
    assert mail.send(delivery(id="d 1@x")) == SendResult(
        ok=False, retry=False,
        error="email: cannot write the message: delivery id 'd 1@x' cannot make a Message-ID")


def test_the_server_shows_no_password() -> None:
    assert repr(SmtpServer("smtp.example.com", 587, SENDER, username="u", password="p")) == (
        "SmtpServer(host='smtp.example.com', port=587, sender='Gongdan <gongdan@example.com>', "
        "security=<Security.STARTTLS: 'starttls'>, username='u', ca_file=None, timeout_s=10.0)")


REPORT_PAGE = "<!doctype html><html><body><h1>Gongdan report</h1><p>工单 3</p></body></html>\n"


@pytest.mark.parametrize("smtp", ["none"], indirect=True)
def test_a_broadcast_arrives_with_its_report_attached(smtp: Running) -> None:
    mail = channel(smtp.port, Security.NONE, login=False)
    attached = {"filename": "report.html", "content_type": "text/html", "text": REPORT_PAGE}
    sent = delivery(ticket="", to={"address": "duty-room@yunji.example"}, subject="Gongdan double11-hourly",
                    body="#### Gongdan double11-hourly · 2026-11-10 21:00 (promotion)\n", notification={"kind": "broadcast", "attachment": attached})
    assert mail.send(sent) == SendResult(ok=True)
    [got] = smtp.mailbox.received
    body, (page,) = got.message.get_body(("plain",)), list(got.message.iter_attachments())
    assert (got.message.get_content_type(), got.rcpt_tos) == ("multipart/mixed", ["duty-room@yunji.example"])
    assert body is not None and body.get_content() == "#### Gongdan double11-hourly · 2026-11-10 21:00 (promotion)\n"
    assert (page.get_filename(), page.get_content_type(), page.get_content()) == (
        "report.html", "text/html", REPORT_PAGE)


def test_an_attachment_that_is_not_text_is_refused_unsent() -> None:
    mail = channel(free_port(), Security.NONE, login=False)
    odd = delivery(notification={"attachment": {"filename": "x.bin", "content_type": "application/octet-stream"}})
    assert mail.send(odd) == SendResult(ok=False, retry=False, error="email: cannot write the message: an "
                                        "attachment of type application/octet-stream: only text is attached")
