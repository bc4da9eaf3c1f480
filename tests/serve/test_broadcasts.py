"""Scheduled broadcasts sent by the service on the replay clock, on both stores: the
promotion's hourly broadcast reaches a loopback DingTalk robot (which checks the signature
as DingTalk does) and a real SMTP server (aiosmtpd) with the HTML report attached, at
exactly its instants, saying exactly what the dry run says of the same events, and once
only across a restart and a replica that computes it again."""
from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

import engine
from engine.report.build import Report, stream_offset
from engine.report.dryrun import snapshot_of
from engine.report.figures import compute
from engine.report.html import render_html
from engine.serve.channels.base import Channel
from engine.serve.channels.dingtalk_group import DingTalkGroupChannel, Robot
from engine.serve.channels.email import EmailChannel, Security, SmtpServer
from engine.serve.outbox import RetryPolicy
from helpers import REPO, reference_engine, run_cli
from serving import Running, Start, evaluate_stream, stream

from .channels.receivers import Receiver, Reply, Request, json_reply
from .channels.test_email import free_port

N = 1065                                   # the Double 11 stream up to 21:40
CLOCK = "2026-11-10T22:00:00+08:00"
TOKEN, SECRET = "goc-token", "SECgoc0123456789"
SENDER = "Gongdan <gongdan@yunji.example>"
TITLE = "Gongdan double11-hourly · 2026-11-10 {hour}:00 (promotion)"


def robot(request: Request) -> Reply:
    """robot/send: a wrong token or signature, or a timestamp an hour off, are refused as
    DingTalk refuses them."""
    query = request.query
    if query.get("access_token") != [TOKEN]:
        return json_reply({"errcode": 300001, "errmsg": "token is not exist"})
    stamp, signature = query["timestamp"][0], query["sign"][0]
    mac = hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, base64.b64encode(mac).decode()) or abs(int(stamp) / 1000 - time.time()) > 3600:
        return json_reply({"errcode": 310000, "errmsg": "sign not match"})
    return json_reply({"errcode": 0, "errmsg": "ok"})


@dataclass
class Inbox:
    """An aiosmtpd handler keeping every message."""

    received: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 Message accepted for delivery"


@dataclass
class Sinks:
    receiver: Receiver
    inbox: Inbox
    port: int

    def channels(self) -> dict[str, Channel]:
        """Fresh channels (a stopped service closes its own)."""
        return {"dingtalk_group": DingTalkGroupChannel([Robot("goc-desk-robot", f"{self.receiver.url}/robot/send?"
                                                              f"access_token={TOKEN}", SECRET)]),
                "email": EmailChannel(SmtpServer("127.0.0.1", self.port, SENDER, Security.NONE))}

    def robot_texts(self) -> list[tuple[str, str]]:
        """(title, text) of each broadcast the robot took, in order."""
        sent = [r.json()["markdown"] for r in self.receiver.requests if r.path == "/robot/send"]
        return [(m["title"], m["text"]) for m in sent if m["title"].startswith("Gongdan double11-hourly")]

    def mails(self) -> list[EmailMessage]:
        return [m for m in self.inbox.received if str(m["Subject"]).startswith("Gongdan double11-hourly")]


@pytest.fixture
def sinks() -> Iterator[Sinks]:
    receiver, inbox, port = Receiver(robot).start(), Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=5.0)
    controller.start()
    yield Sinks(receiver, inbox, port)
    controller.stop()
    receiver.close()


def _wait(what: str, done: Callable[[], bool], bound: float = 60.0) -> None:
    end = time.monotonic() + bound
    while not done():
        assert time.monotonic() < end, what
        time.sleep(0.05)


def _push(s: Running, events: list[dict[str, Any]]) -> None:
    for i in range(0, len(events), 250):
        r = s.post(events[i:i + 250])
        assert [x["status"] for x in r.json()["results"]] == [200] * len(events[i:i + 250])


def _instant(hour: int) -> datetime:
    return datetime.fromisoformat(f"2026-11-10T{hour}:00:00+08:00")


def _said(decisions: list[dict[str, Any]], hour: int) -> tuple[str, str, str]:
    """(title, text, HTML page) of the broadcast at `hour` from `gongdan evaluate`'s decisions."""
    at = _instant(hour)
    (hourly, _) = engine.broadcasts(reference_engine())
    sent = engine.compose_broadcast(hourly, decisions, at, "promotion", (f"the service's store up to {at.isoformat()}",))
    (ding, mail) = sent.messages
    assert (ding.text, ding.title) == (mail.text, mail.title)
    return ding.title, ding.text, sent.attachment


def test_the_hourly_broadcast_arrives_at_its_instants_once(start: Start, sinks: Sinks, tmp_path: Path) -> None:
    events = stream(N)
    decisions = evaluate_stream(tmp_path, events, "--until", CLOCK)
    db = tmp_path / "gongdan.db"
    budgets = RetryPolicy(budgets={"dingtalk_group": 10_000})
    s = start(workers=1, channels=sinks.channels(), retry=budgets, db=db)
    _push(s, events)                                     # 20:00 and 21:00 are sent as events pass them
    assert s.client.post("/v1/clock", json={"now": CLOCK}).status_code == 200    # 22:00: the clock reaches it
    _wait("three broadcasts reach the robot and the mailbox", lambda: len(sinks.mails()) == 3
          and len(sinks.robot_texts()) == 3)
    want = [_said(decisions, hour) for hour in (20, 21, 22)]
    assert [title for title, _, _ in want] == [TITLE.format(hour=h) for h in (20, 21, 22)]
    assert sorted(sinks.robot_texts()) == [(title, text) for title, text, _ in want]
    mails = sorted(sinks.mails(), key=lambda m: str(m["Subject"]))
    for mail, (title, text, page) in zip(mails, want, strict=True):
        body, attached = mail.get_body(("plain",)), next(iter(mail.iter_attachments()))
        assert (str(mail["To"]), str(mail["Subject"])) == ("duty-room@yunji.example", title)
        assert body is not None and body.get_content() == text
        assert (attached.get_filename(), attached.get_content_type(), attached.get_content()) == (
            "report.html", "text/html", page)
    s.close()

    # a restart, and a replica that read the settings row before it moved: computed again,
    # 21:00 and 22:00 go nowhere (their outbox keys are there); 23:00 is new
    again = start(workers=1, channels=sinks.channels(), retry=budgets, db=db)
    assert again.rows("UPDATE settings SET value = ? WHERE name = 'broadcast:double11-hourly' RETURNING name",
                      repr(_instant(20).timestamp() + 1800)) == [("broadcast:double11-hourly",)]
    assert again.client.post("/v1/clock", json={"now": "2026-11-10T23:00:00+08:00"}).status_code == 200
    _wait("the 23:00 broadcast arrives", lambda: len(sinks.robot_texts()) == 4 and len(sinks.mails()) == 4)
    time.sleep(0.5)   # anything sent twice would be on its way by now
    titles = sorted(title for title, _ in sinks.robot_texts())
    assert titles == [TITLE.format(hour=h) for h in (20, 21, 22, 23)]
    assert sorted(str(m["Subject"]) for m in sinks.mails()) == titles
    assert again.rows("SELECT COUNT(*) FROM outbox WHERE ticket = ''") == [(8,)]
    assert again.rows("SELECT value FROM settings WHERE name = 'broadcast:double11-hourly'") == [
        (repr(datetime.fromisoformat("2026-11-10T23:00:00+08:00").timestamp()),)]


def test_what_is_sent_is_what_the_dry_run_shows(start: Start, tmp_path: Path) -> None:
    """The store's log folded at 21:00 and `gongdan report --broadcast --dry-run --at` on
    `gongdan evaluate`'s decisions of the same events: the same text, byte for byte."""
    events = stream(N)
    decisions = evaluate_stream(tmp_path, events, "--until", CLOCK)
    s = start()
    _push(s, events)
    [(payload,)] = s.rows("SELECT payload FROM outbox WHERE ticket = '' AND channel = 'dingtalk_group' AND key LIKE ?",
                          "%2026-11-10T21:00:00+08:00%")
    sent = json.loads(payload)
    code, out, err = run_cli("report", str(tmp_path / "decisions.jsonl"), "--config", str(REPO), "--broadcast",
                             "double11-hourly", "--dry-run", "--at", "2026-11-10T21:00:00+08:00")
    assert (code, err) == (0, "")
    size = len(sent["body"].encode("utf-8"))
    assert f"\n== dingtalk_group to goc-desk-robot: {sent['subject']} ({size} bytes)\n{sent['body']}\n== email" in out
    assert sent["subject"] == TITLE.format(hour=21)
    records = snapshot_of(decisions, _instant(21)).records
    page = render_html(Report(("the service's store up to 2026-11-10T21:00:00+08:00",), (),
                              compute(records, "team", stream_offset(records)), None))
    [(mail,)] = s.rows("SELECT payload FROM outbox WHERE ticket = '' AND channel = 'email' AND key LIKE ?",
                       "%2026-11-10T21:00:00+08:00%")
    assert json.loads(mail)["attachment"] == {"filename": "report.html", "content_type": "text/html", "text": page}


def test_out_of_its_modes_and_before_it_was_known_nothing_is_sent(start: Start) -> None:
    """Daily hours (13:00 to 19:00) send nothing: the hourly broadcast runs in promotion, and
    the weekday morning report's 09:30 came before the service first saw the time."""
    s = start()
    _push(s, stream(717))          # up to 19:40
    assert s.rows("SELECT COUNT(*) FROM outbox WHERE ticket = ''") == [(0,)]
    assert s.client.post("/v1/clock", json={"now": "2026-11-10T20:00:00+08:00"}).status_code == 200
    assert sorted(k for (k,) in s.rows("SELECT key FROM outbox WHERE ticket = ''")) == [
        "broadcast|double11-hourly|2026-11-10T20:00:00+08:00|dingtalk_group|group:goc-desk-robot",
        "broadcast|double11-hourly|2026-11-10T20:00:00+08:00|email|address:duty-room@yunji.example"]


class SteppedClock:
    """A wall clock set to a chosen instant: ticket time runs from `start` at real speed."""

    replay = False
    database = False

    def __init__(self, start: float) -> None:
        self.offset = start - time.time()

    def now(self) -> float:
        return time.time() + self.offset

    def wall(self) -> float:
        return time.time()

    def advance(self, ts: float) -> float:
        return self.now()


def test_on_the_wall_clock_the_timer_sends_at_the_instant(start: Start) -> None:
    """No event moves time here: the timer sleeps until 21:00 and sends what it says then
    (no ticket yet, in promotion)."""
    s = start(clock=SteppedClock(_instant(21).timestamp() - 5.0))   # started well before 21:00 (no backfill)
    _wait("the 21:00 broadcast is enqueued", lambda: s.rows("SELECT COUNT(*) FROM outbox WHERE ticket = ''") == [(2,)],
          30.0)
    [(payload,)] = s.rows("SELECT payload FROM outbox WHERE channel = 'dingtalk_group' AND ticket = ''")
    assert (json.loads(payload)["subject"], json.loads(payload)["body"]) == (TITLE.format(hour=21), (
        "#### Gongdan double11-hourly · 2026-11-10 21:00 (promotion)\n\n"
        "No tickets in the decisions up to 2026-11-10 21:00: nothing to report.\n"))
