"""`gongdan report`: exact Markdown for a stream worked out by hand, JSON valid against its
schema, a self-contained HTML page, and every bad input named by file and line."""
from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from helpers import REPO, run_cli

EVENTS = """\
{"type":"created","ticket":"T1","at":"2026-11-01T10:00:00+08:00","category":"infrastructure/security/data-leak"}
{"type":"created","ticket":"T2","at":"2026-11-01T10:00:30+08:00","category":"infrastructure/security/data-leak"}
{"type":"created","ticket":"T3","at":"2026-11-01T10:01:00+08:00","category":"infrastructure/security/data-leak"}
{"type":"acknowledged","ticket":"T1","at":"2026-11-01T10:05:00+08:00"}
{"type":"resolved","ticket":"T1","at":"2026-11-01T10:20:00+08:00"}
{"type":"acknowledged","ticket":"T2","at":"2026-11-01T10:40:00+08:00"}
{"type":"resolved","ticket":"T2","at":"2026-11-01T11:30:00+08:00"}
"""

# By hand: three P1 data-leak tickets (response 15m, resolve 4h on 24x7, the critical
# policy) on a daily Sunday. T1 answered in 5m and resolved in 20m; T2 answered in 39m 30s
# (breached: reminded, breached, escalated to L0 and L1 first) and resolved in 1h 29m 30s;
# T3 never answered: its response clock climbs to L3, the CEO. Nearest rank: the median of
# two is the first, the p90 the second. Notifications: 3 assign + 2 remind + 2 breach + 2 L0
# on DingTalk (9); breach, L0, L1, L2, L3 by phone (2+2+2+1+1); L1..L3 by SMS; the breaches
# in the team group.
MARKDOWN = """\
## Gongdan report

Decisions from {path}.

| figure | value |
|---|---|
| tickets | 3 (72 a day over 1 h) |
| response attainment | 33.3% (2 breached) |
| resolve attainment | 100.0% (0 breached) |
| tickets with a breach | 2 |
| resolved within 30 min | 33.3% (1 of 3) |
| time to respond, median / p90 | 5m 00s / 39m 30s |
| time to resolve, median / p90 | 20m 00s / 1h 29m |
| notifications by channel | dingtalk 9, phone 8, sms 4, dingtalk_group 2 |
| escalation steps by level | L0 2, L1 2, L2 1, L3 1 |
| tickets escalated to the top | 1 (L3: ceo) |

### per team, worst first

| team | tickets | response | resolve | ≤30m | resolve median | resolve p90 | escalations |
|---|---:|---:|---:|---:|---:|---:|---:|
| infra-security | 3 | 33.3% | 100.0% | 33.3% | 20m 00s | 1h 29m | 6 |
"""


@pytest.fixture(scope="module")
def decisions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("report-cli")
    (folder / "events.jsonl").write_text(EVENTS, encoding="utf-8")
    out = folder / "decisions.jsonl"
    code, _, err = run_cli("evaluate", "--config", str(REPO), "-i", str(folder / "events.jsonl"), "-o", str(out))
    assert (code, err) == (0, "")
    return out


def test_markdown_is_the_figures_worked_out_by_hand(decisions: Path) -> None:
    assert run_cli("report", str(decisions), "--format", "markdown") == (0, MARKDOWN.format(path=decisions), "")


def test_by_level_and_against_a_baseline(decisions: Path, tmp_path: Path) -> None:
    code, out, err = run_cli("report", str(decisions), "--compare", str(decisions), "--by", "level",
                             "--format", "markdown")
    assert (code, err) == (0, "")
    assert out.split("\n\n")[3:] == [
        "### decisions against decisions",
        ("| figure | decisions | decisions | change |\n|---|---:|---:|---|\n"
        "| tickets a day | 72 | 72 | ×1 |\n"
        "| resolved within 30 min | 33.3% | 33.3% | +0.0 pts |\n"
        "| median time to respond | 5m 00s | 5m 00s | ×1 faster |\n"
        "| median time to resolve | 20m 00s | 20m 00s | ×1 faster |\n"
        "| response attainment | 33.3% | 33.3% |  |\n"
        "| resolve attainment | 100.0% | 100.0% |  |\n"
        "| tickets | 3 | 3 |  |"),
        "### per level, worst first",
        ("| level | tickets | response | resolve | ≤30m | resolve median | resolve p90 | escalations |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|\n"
        "| P1 | 3 | 33.3% | 100.0% | 33.3% | 20m 00s | 1h 29m | 6 |\n")]


def test_json_validates_against_its_schema(decisions: Path) -> None:
    code, out, err = run_cli("report", str(decisions), "--format", "json", "--by", "view")
    assert (code, err) == (0, "")
    schema = json.loads((REPO / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    report = json.loads(out)
    jsonschema.Draft202012Validator(schema).validate(report)
    assert (report["figures"]["by"], report["figures"]["funnel"]) == ("view", [
        {"name": "tickets", "value": 3}, {"name": "reminded", "value": 2}, {"name": "breached", "value": 2},
        {"name": "L0", "value": 2}, {"name": "L1", "value": 2}, {"name": "L2", "value": 1},
        {"name": "L3", "value": 1}])
    assert [w["ticket"] for w in report["figures"]["worst"]] == ["T3", "T2"], "the highest escalation first"


def test_the_html_page_stands_alone_and_its_path_is_printed(decisions: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    assert run_cli("report", str(decisions), "-o", str(page)) == (0, f"report of 3 tickets written to {page}\n", "")
    html = page.read_text(encoding="utf-8")
    assert re.findall(r"(?:src|href)=", html) == [], "no file, script or style fetched"
    assert set(re.findall(r"https?://[^\"' <]+", html)) == {"http://www.w3.org/2000/svg"}, "no network"
    assert (html.count("<svg"), html.count("<script>"), len(html) < 40_000) == (5, 1, True)


@pytest.mark.parametrize(("content", "message"), [
    pytest.param(b'{"ticket":"T1"}\n', "{path}:1: not a decision (as `gongdan evaluate -o` writes): "
                 "`event` is missing or not a string", id="not-a-decision"),
    pytest.param(b"\n[1]\n", "{path}:2: not a decision (as `gongdan evaluate -o` writes): a JSON object "
                 "was expected, got list", id="a-list"),
    pytest.param(b"{oops\n", "{path}:1: not JSON: Expecting property name enclosed in double quotes: "
                 "line 1 column 2 (char 1)", id="not-json"),
    pytest.param(b"\xff\n", "{path}:1: not JSON: 'utf-8' codec can't decode byte 0xff in position 0: "
                 "invalid start byte", id="not-utf8"),
])
def test_a_bad_line_is_named_by_file_and_line(decisions: Path, tmp_path: Path, content: bytes,
                                              message: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)
    assert run_cli("report", str(decisions), "--compare", str(bad)) == (1, "", f"gongdan: {message.format(path=bad)}\n")


def test_a_decision_with_a_bad_part_is_named(decisions: Path, tmp_path: Path) -> None:
    lines = decisions.read_text(encoding="utf-8").splitlines()
    third = json.loads(lines[2])
    third["sla"]["resolve"]["state"] = "late"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines[:2] + [json.dumps(third)]) + "\n", encoding="utf-8")
    assert run_cli("report", str(bad)) == (1, "", (f"gongdan: {bad}:3: not a decision (as `gongdan evaluate -o` "
                                                  "writes): `sla.resolve.state` is missing or not one of breached, "
                                                  "met, paused, running\n"))


def test_a_line_past_the_bound_is_refused_unread(tmp_path: Path) -> None:
    from engine.report.decisions import MAX_LINE_BYTES
    huge = tmp_path / "huge.jsonl"
    huge.write_bytes(b"\n" + b"x" * (MAX_LINE_BYTES + 1) + b"\n")
    assert run_cli("report", str(huge)) == (1, "", f"gongdan: {huge}:2: longer than 16777216 bytes: not a decision\n")


def test_a_missing_file_and_a_bad_output(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    assert run_cli("report", str(missing)) == (1, "", f"gongdan: {missing}: cannot read: No such file or directory\n")
    code, _, err = run_cli("report", str(missing), "-o", str(tmp_path / "no" / "r.html"))
    assert (code, err.splitlines()[-1]) == (
        2, (f"Error: Invalid value for '-o' / '--output': '{tmp_path / 'no' / 'r.html'}': no such directory "
           f"'{tmp_path / 'no'}'"))
