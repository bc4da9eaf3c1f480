"""The channels file: service config (not rule config) naming each channel's receiver and the
environment variables holding its secrets, read into channel objects through one registry,
{kind: factory}. docs/serve-channels.md describes the format."""
from __future__ import annotations

import email.utils
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Protocol

from engine.serve.channels.base import Channel, Delivery, SendResult
from engine.serve.channels.dingtalk_group import DingTalkGroupChannel, Robot
from engine.serve.channels.dingtalk_work import (
    DEFAULT_BASE_URL,
    CorpApp,
    DingTalkWorkChannel,
)
from engine.serve.channels.email import (
    DEFAULT_PORTS,
    EmailChannel,
    Security,
    SmtpServer,
)
from engine.serve.channels.file import FileSink
from engine.serve.channels.results import permanent
from engine.serve.channels.section import ChannelConfigError, Section, hint
from engine.serve.channels.transport import DEFAULT_TIMEOUT_S
from engine.serve.channels.webhook import Endpoint, WebhookChannel, secret_bytes
from engine.serve.channels.yaml_file import read_yaml

__all__ = ["FACTORIES", "ChannelConfigError", "Channels", "ClosableChannel", "build_channels",
           "load_channels"]


class ClosableChannel(Channel, Protocol):
    """A channel holding connections the service closes when it stops."""

    def close(self) -> None: ...


Factory = Callable[[Section], ClosableChannel]


@dataclass(frozen=True, slots=True)
class Channels:
    """The configured channels by name; `send` routes a delivery to its channel."""

    by_name: Mapping[str, ClosableChannel] = field(default_factory=dict)

    def send(self, delivery: Delivery) -> SendResult:
        """The delivery sent on its channel; a permanent failure if none is configured."""
        channel = self.by_name.get(delivery.channel)
        if channel is None:
            return permanent(f"{delivery.channel}: no such channel in the channels file")
        return channel.send(delivery)

    def close(self) -> None:
        """Close every channel's connections."""
        for channel in self.by_name.values():
            channel.close()


def load_channels(path: Path | None, env: Mapping[str, str] | None = None) -> Channels:
    """The channels file at `path`, secrets from `env` (the process environment by default).
    Raises ChannelConfigError listing every section that cannot be used. Without a file,
    no channel: every notification then stays `failed` with "channel X not configured",
    visible in the ticket's log and the metrics."""
    if path is None:
        return Channels()
    document = read_yaml(path)
    return build_channels(document, env=os.environ if env is None else env,
                          base_dir=path.parent)


def build_channels(document: object, *, env: Mapping[str, str], base_dir: Path) -> Channels:
    """Channels from a parsed channels file; each section is tried, every failure reported."""
    top = Section.of("", {} if document is None else document, env, base_dir)
    built: dict[str, ClosableChannel] = {}
    problems: list[str] = []
    for kind in top.data:
        try:
            built[kind] = _build(top, kind)
        except ChannelConfigError as exc:
            problems.extend(exc.messages)
    if problems:
        Channels(built).close()
        raise ChannelConfigError(problems)
    return Channels(MappingProxyType(built))


def _build(top: Section, kind: str) -> ClosableChannel:
    factory = FACTORIES.get(kind)
    if factory is None:
        raise ChannelConfigError([f"{kind}: unknown channel ({hint(kind, FACTORIES)})"])
    return factory(top.child(kind))


# --- the factories, one per channel kind ------------------------------------------------------

def dingtalk_group_channel(section: Section) -> ClosableChannel:
    """`dingtalk_group: {<endpoint>: {webhook | webhook_env, secret_env?, timeout?}}`."""
    if not section.data:
        section.fail(None, "expected at least one robot endpoint")
    robots: list[Robot] = []
    problems: list[str] = []
    for name in section.data:
        try:
            robots.append(_robot(name, section.child(name)))
        except ChannelConfigError as exc:
            problems.extend(exc.messages)
    if problems:
        raise ChannelConfigError(problems)
    return DingTalkGroupChannel(robots)


def _robot(name: str, section: Section) -> Robot:
    section.only(("webhook", "webhook_env", "secret_env", "timeout"))
    return Robot(name=name, webhook=section.url_either("webhook", "webhook_env"),
                 secret=section.optional_secret("secret_env"),
                 timeout_s=section.number("timeout", DEFAULT_TIMEOUT_S))


def dingtalk_channel(section: Section) -> ClosableChannel:
    """`dingtalk: {base_url?, app_key_env, app_secret_env, agent_id, timeout?}`."""
    section.only(("base_url", "app_key_env", "app_secret_env", "agent_id", "timeout"))
    app = CorpApp(agent_id=section.integer("agent_id", 1, 2**63 - 1),
                  app_key=section.secret("app_key_env"),
                  app_secret=section.secret("app_secret_env"),
                  base_url=section.url("base_url", DEFAULT_BASE_URL).rstrip("/"),
                  timeout_s=section.number("timeout", DEFAULT_TIMEOUT_S))
    return DingTalkWorkChannel(app)


def email_channel(section: Section) -> ClosableChannel:
    """`email: {host, port?, security?, username_env?, password_env?, from, ca_file?, timeout?}`."""
    section.only(("host", "port", "security", "username_env", "password_env", "from", "ca_file",
                  "timeout"))
    security = Security(section.choice("security", [s.value for s in Security], "starttls"))
    username, password = _login(section, security)
    return EmailChannel(SmtpServer(
        host=section.text("host"), port=section.integer("port", 1, 65535, DEFAULT_PORTS[security]),
        sender=_sender(section), security=security, username=username, password=password,
        ca_file=_ca_file(section), timeout_s=section.number("timeout", DEFAULT_TIMEOUT_S)))


def _login(section: Section, security: Security) -> tuple[str | None, str | None]:
    if ("username_env" in section.data) != ("password_env" in section.data):
        section.fail(None, "username_env and password_env go together")
    if "username_env" in section.data and security is Security.NONE:
        section.fail("security", "none would send the password in clear: use starttls or ssl")
    return section.optional_secret("username_env"), section.optional_secret("password_env")


def _sender(section: Section) -> str:
    sender = section.text("from")
    if "@" not in email.utils.parseaddr(sender)[1]:
        section.fail("from", "expected an address such as 'Gongdan <gongdan@example.com>'")
    return sender


def _ca_file(section: Section) -> str | None:
    if "ca_file" not in section.data:
        return None
    path = section.file_path("ca_file")
    if not path.is_file():
        section.fail("ca_file", f"no file {path}")
    return str(path)


def webhook_channel(section: Section) -> ClosableChannel:
    """`webhook: {url | url_env, secret_env, timeout?}`: the generic signed webhook."""
    return _signed("webhook", section)


def sms_channel(section: Section) -> ClosableChannel:
    """`sms`: a signed webhook to an SMS bridge."""
    return _signed("sms", section)


def phone_channel(section: Section) -> ClosableChannel:
    """`phone`: a signed webhook to a voice-call bridge."""
    return _signed("phone", section)


def _signed(name: str, section: Section) -> ClosableChannel:
    section.only(("url", "url_env", "secret_env", "timeout"))
    url = section.url_either("url", "url_env")
    try:
        secret = secret_bytes(section.secret("secret_env"))
    except ValueError:
        variable = section.env_name("secret_env")
        section.fail("secret_env", f"environment variable {variable} starts with whsec_ "
                     "but no base64 key follows")
    timeout_s = section.number("timeout", DEFAULT_TIMEOUT_S)
    return WebhookChannel(name, Endpoint(url=url, secret=secret, timeout_s=timeout_s))


def file_channel(section: Section) -> ClosableChannel:
    """`file: {path}`: the JSONL sink, relative to the channels file's folder."""
    section.only(("path",))
    path = section.file_path("path")
    if not path.parent.is_dir():
        section.fail("path", f"no folder {path.parent}")
    if path.is_dir():
        section.fail("path", f"{path} is a folder")
    return FileSink(path)


FACTORIES: Mapping[str, Factory] = MappingProxyType({
    "dingtalk": dingtalk_channel,
    "dingtalk_group": dingtalk_group_channel,
    "email": email_channel,
    "sms": sms_channel,
    "phone": phone_channel,
    "webhook": webhook_channel,
    "file": file_channel,
})
