"""The channels file: a full file read into exact channel objects, the registry against the
decision schema, and the exact message of every kind of mistake, naming its key."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from engine.serve.channels.base import Delivery, SendResult
from engine.serve.channels.config import (
    FACTORIES,
    ChannelConfigError,
    Channels,
    load_channels,
)
from engine.serve.channels.dingtalk_group import DingTalkGroupChannel, Robot
from engine.serve.channels.dingtalk_work import CorpApp, DingTalkWorkChannel
from engine.serve.channels.email import EmailChannel, Security, SmtpServer
from engine.serve.channels.file import FileSink
from engine.serve.channels.webhook import Endpoint, WebhookChannel

REPO = Path(__file__).resolve().parents[3]

FULL = """\
dingtalk_group:
  trade-order-robot: {webhook: "https://oapi.dingtalk.com/robot/send?access_token=abc",
                      secret_env: DINGTALK_TRADE_ORDER_SECRET}
  trade-cart-robot: {webhook_env: DINGTALK_TRADE_CART_WEBHOOK, timeout: 3}
dingtalk: {app_key_env: DINGTALK_APP_KEY, app_secret_env: DINGTALK_APP_SECRET, agent_id: 2874001}
email: {host: smtp.example.com, username_env: SMTP_USER, password_env: SMTP_PASSWORD,
        from: "Gongdan <gongdan@example.com>"}
sms: {url: "https://sms-bridge.example/send", secret_env: SMS_WEBHOOK_SECRET}
phone: {url_env: PHONE_WEBHOOK_URL, secret_env: PHONE_WEBHOOK_SECRET, timeout: 20}
webhook: {url: "http://127.0.0.1:9000/hook", secret_env: WEBHOOK_SECRET}
file: {path: notifications.jsonl}
"""
ENV = {"DINGTALK_TRADE_ORDER_SECRET": "SECabc", "DINGTALK_APP_KEY": "key",
       "DINGTALK_TRADE_CART_WEBHOOK": "https://oapi.dingtalk.com/robot/send?access_token=cart",
       "DINGTALK_APP_SECRET": "secret", "SMTP_USER": "gongdan", "SMTP_PASSWORD": "pw",
       "SMS_WEBHOOK_SECRET": "whsec_c2Vu", "PHONE_WEBHOOK_URL": "https://voice.example/call",
       "PHONE_WEBHOOK_SECRET": "plain", "WEBHOOK_SECRET": "hook"}


def load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> Channels:
    path = tmp_path / "channels.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_channels(path, ENV if env is None else env)


def test_a_full_file_gives_each_channel_exactly_as_written(tmp_path: Path) -> None:
    channels = load(tmp_path, FULL)
    by_name = channels.by_name
    assert sorted(by_name) == ["dingtalk", "dingtalk_group", "email", "file", "phone", "sms",
                               "webhook"]
    assert [(name, channel.name) for name, channel in by_name.items()] == [
        (name, name) for name in by_name]
    group, work, mail = by_name["dingtalk_group"], by_name["dingtalk"], by_name["email"]
    assert isinstance(group, DingTalkGroupChannel)
    assert dict(group.robots) == {
        "trade-order-robot": Robot("trade-order-robot",
                                   "https://oapi.dingtalk.com/robot/send?access_token=abc",
                                   "SECabc", 10.0),
        "trade-cart-robot": Robot("trade-cart-robot",
                                  "https://oapi.dingtalk.com/robot/send?access_token=cart",
                                  None, 3.0)}
    assert isinstance(work, DingTalkWorkChannel)
    assert work.app == CorpApp(2874001, "key", "secret", "https://oapi.dingtalk.com", 10.0)
    assert isinstance(mail, EmailChannel)
    assert mail.server == SmtpServer("smtp.example.com", 587, "Gongdan <gongdan@example.com>",
                                     Security.STARTTLS, "gongdan", "pw", None, 10.0)
    endpoints = {name: by_name[name] for name in ("sms", "phone", "webhook")}
    assert {name: c.endpoint for name, c in endpoints.items() if isinstance(c, WebhookChannel)} == {
        "sms": Endpoint("https://sms-bridge.example/send", b"sen", 10.0),
        "phone": Endpoint("https://voice.example/call", b"plain", 20.0),
        "webhook": Endpoint("http://127.0.0.1:9000/hook", b"hook", 10.0)}
    sink = by_name["file"]
    assert isinstance(sink, FileSink) and sink.path == tmp_path / "notifications.jsonl"
    channels.close()


def test_channels_route_a_delivery_by_its_channel(tmp_path: Path) -> None:
    channels = load(tmp_path, "file: {path: out.jsonl}\n")
    item = Delivery("d-1", "k", "T-1", "file", {}, "s", "b")
    assert channels.send(item) == SendResult(ok=True)
    assert channels.send(Delivery("d-2", "k", "T-1", "sms", {"person": "alice"}, "", "b")) == (
        SendResult(ok=False, retry=False, error="sms: no such channel in the channels file"))
    assert json.loads((tmp_path / "out.jsonl").read_text())["id"] == "d-1"


@pytest.mark.parametrize("text", [pytest.param("", id="empty"),
                                  pytest.param("# no channels yet\n", id="only-a-comment")])
def test_a_file_without_channels_gives_none(tmp_path: Path, text: str) -> None:
    assert load(tmp_path, text).by_name == {}


def test_the_registry_has_the_schemas_channels_and_the_two_sinks() -> None:
    schema = json.loads((REPO / "schemas" / "decision.schema.json").read_text())
    assert set(FACTORIES) == set(schema["$defs"]["channel"]["enum"]) | {"webhook", "file"}


GROUP = "dingtalk_group:\n  r: {%s}\n"
EMAIL = "email: {host: smtp.example.com, from: 'Gongdan <gongdan@example.com>', %s}\n"
SMS = "sms: {url: 'https://sms.example/send', secret_env: SMS_WEBHOOK_SECRET, %s}\n"


@pytest.mark.parametrize(("text", "messages"), [
    pytest.param("smss: {}\n", ["smss: unknown channel (did you mean 'sms'?)"], id="misspelt-kind"),
    pytest.param("pager: {}\n",
                 [("pager: unknown channel (known: dingtalk, dingtalk_group, email, file, phone, "
                  "sms, webhook)")], id="unknown-kind"),
    pytest.param(EMAIL.replace("host:", "hots:") % "security: ssl",
                 ["email.hots: unknown key (did you mean 'host'?)"], id="misspelt-key"),
    pytest.param(GROUP % "webhook: 'https://x.example/?access_token=t', secret_env: DINGTALK_X",
                 ["dingtalk_group.r.secret_env: environment variable DINGTALK_X is not set"],
                 id="env-not-set"),
    pytest.param(GROUP % "webhook: 'https://x.example/?t', secret_env: EMPTY",
                 ["dingtalk_group.r.secret_env: environment variable EMPTY is empty"],
                 id="env-empty"),
    pytest.param(GROUP % "webhook: 'https://x.example/', secret_env: 'SECf00d beef'",
                 [("dingtalk_group.r.secret_env: expected the name of an environment variable "
                  "(letters, digits, _)")], id="secret-where-its-name-belongs"),
    pytest.param(GROUP % "webhook: 'oapi.dingtalk.com/robot/send?access_token=t'",
                 ["dingtalk_group.r.webhook: expected an http or https URL with a host"],
                 id="url-without-scheme"),
    pytest.param(GROUP % "webhook: 'ftp://x.example/'",
                 ["dingtalk_group.r.webhook: expected an http or https URL with a host"],
                 id="url-not-http"),
    pytest.param(GROUP % "webhook_env: NOT_A_URL",
                 [("dingtalk_group.r.webhook_env: environment variable NOT_A_URL is not an http(s) "
                  "URL with a host")], id="env-url-not-a-url"),
    pytest.param(GROUP % "webhook: 'https://x.example/', webhook_env: DINGTALK_TRADE_CART_WEBHOOK",
                 ["dingtalk_group.r: give webhook or webhook_env, not both"], id="both-urls"),
    pytest.param(GROUP % "secret_env: DINGTALK_APP_KEY",
                 ["dingtalk_group.r: give webhook or webhook_env, one is required"],
                 id="no-url"),
    pytest.param("dingtalk_group: {}\n", ["dingtalk_group: expected at least one robot endpoint"],
                 id="no-robots"),
    pytest.param("dingtalk_group: [r]\n", ["dingtalk_group: expected a mapping, got a list"],
                 id="robots-as-a-list"),
    pytest.param("dingtalk_group: {r: }\n", ["dingtalk_group.r: expected a mapping, got nothing"],
                 id="robot-without-settings"),
    pytest.param("dingtalk_group: {123: {webhook: 'https://x.example/'}}\n",
                 ["dingtalk_group: keys must be text, got the number 123"], id="numeric-name"),
    pytest.param("email: {from: 'Gongdan <gongdan@example.com>'}\n", ["email.host: required"],
                 id="missing-host"),
    pytest.param(EMAIL % "security: tls",
                 ["email.security: expected one of starttls, ssl, none, got 'tls'"],
                 id="unknown-security"),
    pytest.param(EMAIL % "port: '587'",
                 ["email.port: expected a whole number from 1 to 65535, got text"],
                 id="port-as-text"),
    pytest.param(EMAIL % "port: 70000",
                 ["email.port: expected a whole number from 1 to 65535, got the number 70000"],
                 id="port-too-big"),
    pytest.param(EMAIL % "username_env: SMTP_USER",
                 ["email: username_env and password_env go together"], id="user-without-password"),
    pytest.param(EMAIL % "security: none, username_env: SMTP_USER, password_env: SMTP_PASSWORD",
                 ["email.security: none would send the password in clear: use starttls or ssl"],
                 id="password-in-clear"),
    pytest.param("email: {host: smtp.example.com, from: Gongdan}\n",
                 ["email.from: expected an address such as 'Gongdan <gongdan@example.com>'"],
                 id="from-without-address"),
    pytest.param(EMAIL % "ca_file: ca.pem", ["email.ca_file: no file {dir}/ca.pem"],
                 id="missing-ca-file"),
    pytest.param(SMS % "timeout: 0",
                 ["sms.timeout: expected seconds above 0 and at most 120, got the number 0"],
                 id="zero-timeout"),
    pytest.param(SMS % "timeout: 600",
                 ["sms.timeout: expected seconds above 0 and at most 120, got the number 600"],
                 id="timeout-too-long"),
    pytest.param(SMS % "timeout: yes",
                 ["sms.timeout: expected seconds above 0 and at most 120, got true/false"],
                 id="timeout-boolean"),
    pytest.param("sms: {url: 'https://sms.example/send'}\n", ["sms.secret_env: required"],
                 id="unsigned-sms"),
    pytest.param("phone: {url: 'https://voice.example/call', secret_env: BAD_WHSEC}\n",
                 [("phone.secret_env: environment variable BAD_WHSEC starts with whsec_ but no "
                   "base64 key follows")], id="whsec-not-base64"),
    pytest.param("phone: {url: 'https://voice.example/call', secret_env: EMPTY_WHSEC}\n",
                 [("phone.secret_env: environment variable EMPTY_WHSEC starts with whsec_ but no "
                   "base64 key follows")], id="whsec-empty"),
    pytest.param("dingtalk: {app_key_env: DINGTALK_APP_KEY, app_secret_env: DINGTALK_APP_SECRET, "
                 "agent_id: 0}\n",
                 [("dingtalk.agent_id: expected a whole number from 1 to 9223372036854775807, "
                  "got the number 0")], id="agent-id-zero"),
    pytest.param("dingtalk: {app_key_env: DINGTALK_APP_KEY, agent_id: 1}\n",
                 ["dingtalk.app_secret_env: required"], id="no-app-secret"),
    pytest.param("file: {path: nope/out.jsonl}\n", ["file.path: no folder {dir}/nope"],
                 id="file-in-missing-folder"),
    pytest.param("file: {path: .}\n", ["file.path: {dir} is a folder"], id="file-is-a-folder"),
    pytest.param("- sms\n", ["(top level): expected a mapping, got a list"], id="top-level-list"),
    pytest.param("sms: {url: 'https://sms.example/send'}\nemail: {host: smtp.example.com}\n"
                 "file: {path: out.jsonl}\n",
                 ["sms.secret_env: required", "email.from: required"], id="every-section-reported"),
    pytest.param("dingtalk_group:\n  a: {webhook: 'x'}\n  b: {webhook_env: MISSING}\n",
                 ["dingtalk_group.a.webhook: expected an http or https URL with a host",
                  "dingtalk_group.b.webhook_env: environment variable MISSING is not set"],
                 id="every-robot-reported"),
    pytest.param("sms: {url: 'https://sms.example/send'\n",
                 [("{dir}/channels.yaml:2:1: not valid YAML: expected ',' or '}', but got "
                  "'<stream end>'")], id="yaml-syntax"),
    pytest.param("dingtalk_group:\n  r: {webhook: 'https://a.example/'}\n"
                 "  r: {webhook: 'https://b.example/'}\n",
                 ["{dir}/channels.yaml:3:3: 'r' is written twice"], id="key-written-twice"),
])
def test_mistakes(tmp_path: Path, text: str, messages: list[str]) -> None:
    env = {**ENV, "EMPTY": "", "NOT_A_URL": "s3cr3t-token-not-a-url", "BAD_WHSEC": "whsec_!!",
           "EMPTY_WHSEC": "whsec_"}
    with pytest.raises(ChannelConfigError) as refused:
        load(tmp_path, text, env)
    expected = [message.replace("{dir}", str(tmp_path)) for message in messages]
    assert list(refused.value.messages) == expected
    assert str(refused.value) == "\n".join(expected)


def test_a_missing_file_is_said(tmp_path: Path) -> None:
    with pytest.raises(ChannelConfigError) as refused:
        load_channels(tmp_path / "channels.yaml", {})
    assert refused.value.messages == (
        f"{tmp_path}/channels.yaml: cannot read it (No such file or directory)",)
