"""Email (`email`) over SMTP with smtplib: STARTTLS, implicit TLS or plain, optional login,
one connection per message, and SMTP reply codes mapped to retry (4xx) or give up (5xx)."""
from __future__ import annotations

import email.utils
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from enum import Enum

from engine.serve.channels.base import Delivery, SendResult
from engine.serve.channels.markdown import one_line
from engine.serve.channels.results import DELIVERED, clip, permanent, retry
from engine.serve.channels.transport import DEFAULT_TIMEOUT_S

LABEL = "email"
ID_LEFT = re.compile(r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+")   # RFC 5322 id-left, as dot-atom text


class Security(Enum):
    """How the connection is protected: STARTTLS upgrade, TLS from the start, or none."""

    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"


DEFAULT_PORTS = {Security.STARTTLS: 587, Security.SSL: 465, Security.NONE: 25}


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """Where and as whom mail is sent. `ca_file`: a CA bundle for a private CA (else the
    system's). The password is never shown."""

    host: str
    port: int
    sender: str                      # the From header, e.g. "Gongdan <gongdan@example.com>"
    security: Security = Security.STARTTLS
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_file: str | None = None
    timeout_s: float = DEFAULT_TIMEOUT_S


def message_id(delivery: Delivery) -> str:
    """The same on every attempt, so a mail client shows a retried message once. Raises
    ValueError for an id that cannot stand left of the `@` (the outbox's ids can)."""
    if not ID_LEFT.fullmatch(delivery.id):
        raise ValueError(f"delivery id {delivery.id!r} cannot make a Message-ID")
    return f"<{delivery.id}@gongdan>"


def build_message(server: SmtpServer, delivery: Delivery, address: str,
                  now_s: float) -> EmailMessage:
    """A plain-text message to `address`, with the file the notification attaches (a
    broadcast's HTML report); raises ValueError for a header it cannot write (a line break
    in an address)."""
    message = EmailMessage()
    message["From"] = server.sender
    message["To"] = address
    message["Subject"] = one_line(delivery.subject)
    message["Message-ID"] = message_id(delivery)
    message["Date"] = email.utils.format_datetime(datetime.fromtimestamp(now_s, UTC))
    message["Auto-Submitted"] = "auto-generated"        # RFC 3834: no vacation replies to us
    # 8-bit bodies need a server that offers 8BITMIME; encoded ones pass any relay unchanged
    encoding = "quoted-printable" if delivery.body.isascii() else "base64"
    message.set_content(delivery.body, cte=encoding)
    attached = delivery.notification.get("attachment")
    if isinstance(attached, dict):
        maintype, _, subtype = str(attached.get("content_type", "text/plain")).partition("/")
        if maintype != "text":
            raise ValueError(f"an attachment of type {maintype}/{subtype}: only text is attached")
        message.add_attachment(str(attached.get("text", "")), subtype=subtype or "plain",
                               filename=str(attached.get("filename", "attachment.txt")), cte="base64")
    return message


def reply_result(code: int, text: bytes | str) -> SendResult:
    """An SMTP reply: 4xx retried, 5xx permanent, anything else (no reply) retried."""
    words = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    error = f"{LABEL}: SMTP {code}: {clip(words)}"
    return permanent(error) if 500 <= code < 600 else retry(error)


class EmailChannel:
    """The `email` channel: one SMTP connection per delivery (as Alertmanager does)."""

    name = "email"
    __slots__ = ("_now", "_server", "_tls")

    def __init__(self, server: SmtpServer, *, now: Callable[[], float] = time.time) -> None:
        self._server = server
        self._now = now
        self._tls = ssl.create_default_context(cafile=server.ca_file)

    @property
    def server(self) -> SmtpServer:
        """The server as configured."""
        return self._server

    def send(self, delivery: Delivery) -> SendResult:
        """Send one message; never raises for a delivery."""
        address = delivery.to.get("address")
        if not isinstance(address, str) or not address:
            return permanent(f"email: person {delivery.to.get('person')!r} has no email address")
        try:
            message = build_message(self._server, delivery, address, self._now())
        except (ValueError, TypeError) as exc:
            return permanent(f"email: cannot write the message: {exc}")
        return self._deliver(message, address)

    def close(self) -> None:
        """Nothing to close: connections last one message."""

    def _deliver(self, message: EmailMessage, address: str) -> SendResult:
        try:
            self._transmit(message, address)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            return reply_result(code, text)
        except smtplib.SMTPResponseException as exc:
            return reply_result(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPNotSupportedError as exc:     # no STARTTLS or AUTH offered
            return permanent(f"{LABEL}: {exc}")
        except ssl.SSLCertVerificationError as exc:      # a private CA wants `ca_file`
            return retry(f"{LABEL}: the server's certificate is not trusted ({exc.verify_message})")
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timed out, TLS
            return retry(f"{LABEL}: {type(exc).__name__}: {clip(str(exc))}")
        return DELIVERED

    def _transmit(self, message: EmailMessage, address: str) -> None:
        smtp = self._connect()
        try:
            if self._server.username is not None:
                smtp.login(self._server.username, self._server.password or "")
            smtp.send_message(message, to_addrs=[address])
        finally:
            _quit(smtp)

    def _connect(self) -> smtplib.SMTP:
        server = self._server
        if server.security is Security.SSL:
            return smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout_s,
                                    context=self._tls)
        smtp = smtplib.SMTP(server.host, server.port, timeout=server.timeout_s)
        if server.security is Security.STARTTLS:
            try:
                smtp.starttls(context=self._tls)
            except BaseException:
                smtp.close()
                raise
        return smtp


def _quit(smtp: smtplib.SMTP) -> None:
    """End the session; once the message is accepted, a failing QUIT must not make the outbox
    send it again."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()
