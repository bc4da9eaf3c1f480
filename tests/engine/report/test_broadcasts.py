"""Scheduled broadcasts: reports.yaml read with every problem at its line, the golden
Markdown a broadcast sends, the robot's size bound honoured, and a broadcast with no data
that says so; `gongdan report --broadcast NAME --dry-run` shows exactly that."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from engine.diagnostics import render_text
from engine.report.broadcasts import Broadcast, read_broadcasts
from engine.report.build import Report
from engine.report.dryrun import plan, snapshot
from engine.report.figures import compute
from engine.report.html import render_html
from engine.report.messages import LIMIT, compose
from engine.report.tickets import fold
from helpers import REPO, reference_engine, run_cli

EVENTS = [("created", "T1", "10:00:00", {"category": "infrastructure/security/data-leak"}),
          ("created", "T2", "10:00:30", {"category": "infrastructure/security/data-leak"}),
          ("created", "T3", "10:01:00", {"category": "infrastructure/security/data-leak"}),
          ("acknowledged", "T1", "10:05:00", {}), ("resolved", "T1", "10:20:00", {}),
          ("acknowledged", "T2", "10:40:00", {}), ("resolved", "T2", "11:30:00", {})]

EVERYTHING = """\
version: 1
reports:
  all:
    schedule: "*/15 * * * *"
    timezone: Asia/Shanghai
    contents: [headline, worst_teams, open_p1_p2]
    recipients: {dingtalk_group: [goc-desk-robot], email: [duty@yunji.example]}
"""

# The three tickets of tests/cli/test_report.py at 10:45: T1 resolved; T2 answered late at
# 10:40 and still open; T3 never answered, escalated up to L2 by then (L3 comes at 10:51).
GOLDEN = """\
#### Gongdan all · 2026-11-01 10:45 (daily)

- tickets: 3, breached: 2
- attainment: response 33.3%, resolve 100.0%
- resolved within 30 min: 33.3%
- time to resolve: median 20m 00s, p90 20m 00s
- escalated to the top (L2): 1

**worst teams** (1 of 1)
- infra-security: resolve 100.0%, response 33.3%, 3 tickets

**open P1/P2**: 2
- P1 T2 infra-security: open 44m 30s, response breached
- P1 T3 infra-security: open 44m 00s, response breached
"""


@pytest.fixture(scope="module")
def decisions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("broadcast")
    events = folder / "events.jsonl"
    events.write_text("".join(json.dumps({"type": kind, "ticket": t, "at": f"2026-11-01T{at}+08:00", **extra}) + "\n"
                              for kind, t, at, extra in EVENTS), encoding="utf-8")
    out = folder / "decisions.jsonl"
    assert run_cli("evaluate", "--config", str(REPO), "-i", str(events), "-o", str(out))[0] == 0
    return out


def test_the_reference_broadcasts_read_as_written() -> None:
    assert read_broadcasts(REPO) == ((
        Broadcast("double11-hourly", "0 * * * *", "Asia/Shanghai", ("promotion",),
                  ("headline", "worst_teams", "open_p1_p2"), ("goc-desk-robot",), ("duty-room@yunji.example",)),
        Broadcast("daily-morning", "30 9 * * 1-5", "Asia/Shanghai", ("daily",), ("headline", "worst_teams"), (),
                  ("service-quality@yunji.example",))), [])


BAD = """\
version: 1
reports:
  hourly:
    schedule: "0 * * *"
    timezone: Asia/Shanghia
    modes: promotion
    contents: [headline, worst_team]
    recipients: {dingtalk_group: [], email: [duty-room]}
    every: 1h
"""


def test_every_problem_of_reports_yaml_is_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "reports.yaml").write_text(BAD, encoding="utf-8")
    found, problems = read_broadcasts(tmp_path)
    f = tmp_path / "reports.yaml"
    assert (found, render_text(problems)) == ((), (
        f"{f}:4:15: error[report.schedule]: schedule: a 5-field cron expression, got '0 * * *'\n"
        f"{f}:5:15: error[report.timezone]: timezone: an IANA time zone, got 'Asia/Shanghia'\n"
        f"{f}:6:12: error[report.shape]: modes: a list of names\n"
        f"{f}:7:26: error[report.unknown-content]: contents: unknown 'worst_team' (did you mean 'worst_teams'?)\n"
        f"{f}:8:34: error[report.recipients]: recipients.dingtalk_group: a list of names or addresses\n"
        f"{f}:8:46: error[report.recipients]: recipients.email: not an address: 'duty-room'\n"
        f"{f}:9:5: error[report.unknown-key]: unknown key 'every' (known: contents, modes, recipients, schedule, "
        f"timezone)\n"))


def test_a_broadcast_says_the_golden_markdown(decisions: Path, tmp_path: Path) -> None:
    (tmp_path / "reports.yaml").write_text(EVERYTHING, encoding="utf-8")
    (everything,), _ = read_broadcasts(tmp_path)
    at = datetime.fromisoformat("2026-11-01T10:45:00+08:00")
    shot = snapshot([decisions], at)
    head, sent = plan(everything, shot, at, "report.html")
    assert head == ("broadcast all: */15 * * * * (Asia/Shanghai) in every mode; as of 2026-11-01T10:45:00+08:00 "
                    "(mode daily), next at 2026-11-01T11:00:00+08:00")
    assert [(m.channel, m.to, m.title, m.text, m.attachment) for m in sent] == [
        ("dingtalk_group", "goc-desk-robot", "Gongdan all · 2026-11-01 10:45 (daily)", GOLDEN, None),
        ("email", "duty@yunji.example", "Gongdan all · 2026-11-01 10:45 (daily)", GOLDEN, "report.html")]


def test_a_broadcast_with_no_data_says_so(tmp_path: Path) -> None:
    (tmp_path / "reports.yaml").write_text(EVERYTHING, encoding="utf-8")
    (everything,), _ = read_broadcasts(tmp_path)
    at = datetime.fromisoformat("2026-11-01T10:45:00+08:00")
    assert compose(everything, compute(()), (), at, None) == (
        "#### Gongdan all · 2026-11-01 10:45\n\nNo tickets in the decisions up to 2026-11-01 10:45: nothing to report.\n")


def test_the_robots_size_bound_is_honoured(tmp_path: Path) -> None:
    """3,000 open P1 tickets would need about 200 KB: the list stops where 20,000 bytes end.
    (Their clocks read as their last decision left them: no step was fired here.)"""
    (tmp_path / "reports.yaml").write_text(EVERYTHING, encoding="utf-8")
    (everything,), _ = read_broadcasts(tmp_path)
    start = datetime.fromisoformat("2026-11-01T10:00:00+08:00")
    engine = reference_engine()
    decisions = [engine.evaluate({"type": "created", "ticket": f"长工单编号-{i:05d}", "category": "payment/gateway/timeout",
                                  "severity": "P1", "at": (start + timedelta(seconds=i)).isoformat()}).to_dict()
                 for i in range(3000)]
    records = fold(decisions)
    text = compose(everything, compute(records), records, start + timedelta(hours=2), "daily")
    lines = text.splitlines()
    assert len(text.encode("utf-8")) <= LIMIT < len(text.encode("utf-8")) + len(lines[-2].encode("utf-8")) + 1
    assert (lines[lines.index("**open P1/P2**: 3000") + 1], lines[-1]) == (
        "- P1 长工单编号-00000 payment-gateway: open 2h 00m, response running",
        f"- …and {3000 - (len(lines) - lines.index('**open P1/P2**: 3000') - 2)} more")


def test_dry_run_prints_what_would_be_sent(decisions: Path, tmp_path: Path) -> None:
    (tmp_path / "reports.yaml").write_text(EVERYTHING, encoding="utf-8")
    code, out, err = run_cli("report", str(decisions), "--config", str(tmp_path), "--broadcast", "all", "--dry-run",
                             "--at", "2026-11-01T10:45:00+08:00")
    size, page = len(GOLDEN.encode("utf-8")), len(render_html(Report(
        (str(decisions),), (), compute(fold(d for d in map(json.loads, decisions.read_text().splitlines())
                                            if d["at"] <= "2026-11-01T10:45:00+08:00")), None)).encode("utf-8"))
    assert (code, err) == (0, "")
    assert out == (
        "broadcast all: */15 * * * * (Asia/Shanghai) in every mode; as of 2026-11-01T10:45:00+08:00 (mode daily), "
        "next at 2026-11-01T11:00:00+08:00\n\n"
        f"== dingtalk_group to goc-desk-robot: Gongdan all · 2026-11-01 10:45 (daily) ({size} bytes)\n{GOLDEN}\n"
        f"== email to duty@yunji.example: Gongdan all · 2026-11-01 10:45 (daily) ({size} bytes, attached "
        f"report.html ({page} bytes))\n{GOLDEN}")


def test_out_of_its_modes_nothing_is_sent_and_names_are_checked(decisions: Path) -> None:
    assert run_cli("report", str(decisions), "--config", str(REPO), "--broadcast", "double11-hourly", "--dry-run") == (
        0, ("broadcast double11-hourly: 0 * * * * (Asia/Shanghai) in promotion; as of 2026-11-01T11:30:00+08:00 "
           "(mode daily), next at 2026-11-01T12:00:00+08:00\nnot sent: it runs in promotion, and the mode is daily\n"), "")
    assert run_cli("report", str(decisions), "--config", str(REPO), "--broadcast", "hourly", "--dry-run") == (
        1, "", (f"{REPO / 'reports.yaml'}: error[report.unknown-broadcast]: no broadcast 'hourly' in reports.yaml "
               f"(known: daily-morning, double11-hourly)\n"))
    code, _, err = run_cli("report", str(decisions), "--config", str(REPO), "--broadcast", "daily-morning")
    assert (code, err.splitlines()[-1]) == (2, ("Error: --broadcast sends from `gongdan serve` only: add --dry-run "
                                               "to see what it would send"))
