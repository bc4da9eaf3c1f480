"""`gongdan oncall` through CliRunner: exact text, JSON, gaps and the iCalendar feed."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from engine.cli import main
from helpers import REPO


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["oncall", "--config", str(REPO), *args])
    return result.exit_code, result.stdout, result.stderr


def test_one_team_with_handoffs_and_timeline() -> None:
    code, out, _ = run("trade-order", "--at", "2026-11-11T00:05:00+08:00", "--days", "1")
    assert code == 0
    assert out == (
        "trade-order (交易-下单) at 2026-11-11T00:05+08:00, mode promotion (window double11-2026)\n"
        "  primary  meng-tianyou  [trade-order-d11/override: 双11 值守换班]\n"
        "  backup   li-qiang\n"
        "  lead     xu-ying\n"
        "  next handoffs:\n"
        "    2026-11-11T12:00+08:00  → ding-ling\n"
        "    2026-11-11T21:00+08:00  → li-qiang\n"
        "  timeline:\n"
        "    2026-11-11T00:05+08:00 – 2026-11-11T12:00+08:00  meng-tianyou  [trade-order-d11/override: 双11 值守换班]\n"
        "    2026-11-11T12:00+08:00 – 2026-11-11T21:00+08:00  ding-ling  [trade-order-d11/shifts]\n"
        "    2026-11-11T21:00+08:00 – 2026-11-12T00:05+08:00  li-qiang  [trade-order-d11/shifts]\n")


def test_the_timeline_follows_the_mode_windows() -> None:
    """Double 11 ends at 02:00 on the 12th: from then on the daily schedules are on duty."""
    code, out, _ = run("trade-order", "--at", "2026-11-11T12:00:00+08:00", "--days", "1")
    assert code == 0
    assert out.split("  next handoffs:\n")[1] == (
        "    2026-11-11T21:00+08:00  → li-qiang\n"
        "    2026-11-12T02:00+08:00  → ding-ling\n"
        "    2026-11-12T09:00+08:00  → sun-chen\n"
        "  modes:\n"
        "    2026-11-11T12:00+08:00 – 2026-11-12T02:00+08:00  promotion (window double11-2026)\n"
        "    2026-11-12T02:00+08:00 – 2026-11-12T12:00+08:00  daily\n"
        "  timeline:\n"
        "    2026-11-11T12:00+08:00 – 2026-11-11T21:00+08:00  ding-ling  [trade-order-d11/shifts]\n"
        "    2026-11-11T21:00+08:00 – 2026-11-12T02:00+08:00  li-qiang  [trade-order-d11/shifts]\n"
        "    2026-11-12T02:00+08:00 – 2026-11-12T09:00+08:00  ding-ling  [trade-order-primary/weekly]\n"
        "    2026-11-12T09:00+08:00 – 2026-11-12T12:00+08:00  sun-chen  [trade-order-primary/business-hours]\n")


def test_every_team_without_timeline() -> None:
    code, out, _ = run("--at", "2026-11-02T10:00:00+08:00")
    assert code == 0
    assert out.count(" at 2026-11-02T10:00+08:00, mode daily\n") == 33
    assert "trade-order (交易-下单) at 2026-11-02T10:00+08:00, mode daily\n" \
           "  primary  xiong-yan  [trade-order-primary/business-hours]\n" \
           "  backup   ding-ling\n" in out
    assert "timeline" not in out


def test_json() -> None:
    code, out, _ = run("trade-cart", "--at", "2026-11-02T10:00:00+08:00", "--days", "7", "--format", "json")
    assert code == 0
    report = json.loads(out)[0]
    assert {k: report[k] for k in ("team", "mode", "at", "primary", "backup", "source", "lead")} == {
        "team": "trade-cart", "mode": "daily", "at": "2026-11-02T10:00:00+08:00", "primary": "wei-ping",
        "backup": "zheng-xiuying", "source": "trade-cart-primary/weekly", "lead": "zheng-xiuying"}
    assert report["handoffs"] == [{"at": "2026-11-09T09:00:00+08:00", "person": "zheng-xiuying"}]
    assert report["gaps"] == []


def test_gaps_exit_1_when_there_are_some() -> None:
    code, out, _ = run("trade-cart", "--gaps", "--at", "2026-01-04T00:00:00+08:00", "--days", "2")
    assert code == 1
    assert out == "trade-cart  daily  2026-01-04T00:00+08:00 – 2026-01-05T09:00+08:00  (33h)\n"


def test_no_gaps() -> None:
    code, out, _ = run("--gaps", "--at", "2026-11-09T00:00:00+08:00", "--days", "7")
    assert (code, out) == (0, "no roster gaps in the next 7 days\n")


def test_ics_feed() -> None:
    result = CliRunner().invoke(main, ["oncall", "--config", str(REPO), "trade-cart", "--ics",
                                       "--at", "2026-11-02T10:00:00+08:00", "--days", "8"])
    assert result.exit_code == 0
    text = result.stdout_bytes.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Gongdan//on-call//ZH\r\n")
    assert text.count("BEGIN:VEVENT") == 2
    assert "X-WR-CALNAME:交易-购物车 值班 (trade-cart)\r\n" in text
    assert "SUMMARY:交易-购物车 值班: 魏平\r\n" in text
    assert "DTSTART;TZID=Asia/Shanghai:20261109T090000\r\n" in text
    assert "BEGIN:VTIMEZONE" in text and "TZID:Asia/Shanghai" in text


def test_ics_feed_in_english_with_names_and_the_override_reason(minimal: Path) -> None:
    """`locale: en` writes the feed in English; people by name; an override's reason and
    the mode window's name in the description."""
    sla = minimal / "sla_profiles.yaml"
    sla.write_text(sla.read_text() + "notifications: {locale: en}\n")
    result = CliRunner().invoke(main, ["oncall", "--config", str(minimal), "shop-order", "--ics",
                                       "--at", "2026-11-10T23:00:00+08:00", "--days", "1"])
    assert result.exit_code == 0
    events = result.stdout_bytes.decode().replace("\r\n ", "").split("BEGIN:VEVENT\r\n")
    assert events[0].startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Gongdan//on-call//EN\r\n"
                                "X-WR-CALNAME:商城-下单 on call (shop-order)\r\n")
    assert [[line for line in e.split("\r\n") if line.startswith(("SUMMARY", "DESCRIPTION"))]
            for e in events[1:]] == [
        ["SUMMARY:商城-下单 on duty: Carol",
         "DESCRIPTION:source: order-d11/shifts\\; mode: promotion (window double11)"],
        ["SUMMARY:商城-下单 on duty: Dave",
         "DESCRIPTION:source: order-d11/override\\; mode: promotion (window double11)\\; reason: swap"],
        ["SUMMARY:商城-下单 on duty: Carol",
         "DESCRIPTION:source: order-d11/shifts\\; mode: promotion (window double11)"],
        ["SUMMARY:商城-下单 on duty: Alice",
         "DESCRIPTION:source: order-d11/shifts\\; mode: promotion (window double11)"],
        ["SUMMARY:商城-下单 on duty: Carol",
         "DESCRIPTION:source: order-d11/shifts\\; mode: promotion (window double11)"],
    ]


@pytest.mark.parametrize("args, message", [
    pytest.param(["--ics"], "--ics exports one team: name it", id="ics-needs-team"),
    pytest.param(["trade-ordr"], "unknown team 'trade-ordr' (did you mean 'trade-order'?)", id="unknown-team"),
    pytest.param(["--at", "2026-11-02T10:00:00"], "has no UTC offset", id="naive-at"),
    pytest.param(["--mode", "festival"], "unknown mode 'festival'", id="unknown-mode"),
])
def test_usage_errors(args: list[str], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert message in err
