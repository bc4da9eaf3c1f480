"""`gongdan evaluate`: one bad line never ends the stream. Each kind of line a host can
send is reported with its number, and the lines around it are still decided."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from engine.replay.lines import MAX_EVENT_BYTES
from hostile.helpers import CONFIG, EXAMPLE, created, evaluate, line, process, stream, tickets

GOOD_BEFORE, GOOD_AFTER = created("T-1"), created("T-2")


def nested(depth: int) -> bytes:
    """An event whose `fields` nest `depth` levels below the event object itself."""
    return (b'{"type":"created","ticket":"T-9","at":"2026-11-09T10:00:00+08:00","category":"trade","fields":'
            + b'{"a":' * (depth - 1) + b"{}" + b"}" * (depth - 1) + b"}\n")


@pytest.mark.parametrize("bad, message", [
    pytest.param(b'{"title":"\xff"}\n', "not UTF-8 at byte 11: invalid start byte", id="invalid-utf-8"),
    pytest.param(b'{"title":"\xe4\xb8"}\n', "not UTF-8 at byte 11: invalid continuation byte",
                 id="truncated-utf-8"),
    pytest.param(b"[" * 1000 + b"]" * 1000 + b"\n", "nested more than 64 levels deep", id="array-1000-deep"),
    pytest.param(b'{"a":' * 100_000 + b"1" + b"}" * 100_000 + b"\n", "nested more than 64 levels deep",
                 id="object-100000-deep"),
    pytest.param(nested(64), "nested more than 64 levels deep", id="fields-65-levels"),
    pytest.param(b'{"n":' + b"7" * 4301 + b"}\n", "a number with more than 4,300 digits", id="int-4301-digits"),
    pytest.param(b'{"n":NaN}\n', "not JSON: NaN (JSON has no NaN or Infinity)", id="nan"),
    pytest.param(b'{"n":Infinity}\n', "not JSON: Infinity (JSON has no NaN or Infinity)", id="infinity"),
    pytest.param(b'{"n":-Infinity}\n', "not JSON: -Infinity (JSON has no NaN or Infinity)", id="minus-infinity"),
    pytest.param(b'{"n":1e999}\n', "the number 1e999 is out of range", id="overflowing-float"),
    pytest.param(b'{"title":"\\ud800"}\n', "not text: a string holds \\ud800, half of a UTF-16 surrogate pair",
                 id="lone-high-surrogate"),
    pytest.param(b'{"title":"a\\udc00"}\n', "not text: a string holds \\udc00, half of a UTF-16 surrogate pair",
                 id="lone-low-surrogate"),
    pytest.param(b"[" + line(created("T-9")).rstrip() + b"]\n", "one event per line (JSON Lines), got a list",
                 id="a-list"),
    pytest.param(b"42\n", "an event is a JSON object, got int", id="a-number"),
    pytest.param(b"not json\n", "not JSON: Expecting value: line 1 column 1 (char 0)", id="not-json"),
    pytest.param(b'{"type": "created",\n', "not JSON: Expecting property name enclosed in double quotes: "
                 "line 1 column 20 (char 19)", id="truncated-json"),
    pytest.param(line({**created("T-9"), "at": "2026-11-09T10:00:00"}),
                 "at: '2026-11-09T10:00:00' has no UTC offset (add +08:00 or Z)", id="event-error"),
    pytest.param(line({"type": "acknowledged", "ticket": "T-9", "at": "2026-11-09T10:00:00+08:00"}),
                 "ticket: 'T-9' is not open: it was closed earlier (a closed ticket takes no more events), "
                 "or no `created` event for it came before this line", id="unknown-ticket"),
    pytest.param(line(created("T-1")), "ticket: 'T-1' is already open (created earlier in the stream, not closed)",
                 id="created-twice"),
])
def test_a_bad_line_is_reported_with_its_number_and_the_stream_goes_on(bad: bytes, message: str) -> None:
    code, out, err = evaluate(stdin=stream(GOOD_BEFORE, bad, GOOD_AFTER))
    assert (code, err) == (1, f"gongdan: line 2: {message}\n")
    assert tickets(out) == [("T-1", "created"), ("T-2", "created")]


def test_a_closed_tickets_event_says_the_ticket_is_not_open() -> None:
    closed = {"type": "closed", "ticket": "T-1", "at": "2026-11-09T10:01:00+08:00"}
    late = {"type": "acknowledged", "ticket": "T-1", "at": "2026-11-09T10:02:00+08:00"}
    code, out, err = evaluate(stdin=stream(GOOD_BEFORE, closed, late, created("T-1", "2026-11-09T10:03:00+08:00")))
    assert (code, err) == (1, ("gongdan: line 3: ticket: 'T-1' is not open: it was closed earlier (a closed ticket "
                               "takes no more events), or no `created` event for it came before this line\n"))
    assert tickets(out) == [("T-1", "created"), ("T-1", "closed"), ("T-1", "created")]


def test_every_bad_line_is_reported_in_order_and_fail_fast_stops_at_the_first() -> None:
    events = stream(GOOD_BEFORE, b"\xff\n", b'{"n":NaN}\n', b"[]\n", GOOD_AFTER)
    assert evaluate(stdin=events)[::2] == (1, (
        "gongdan: line 2: not UTF-8 at byte 1: invalid start byte\n"
        "gongdan: line 3: not JSON: NaN (JSON has no NaN or Infinity)\n"
        "gongdan: line 4: one event per line (JSON Lines), got a list\n"))
    code, out, err = evaluate("--fail-fast", stdin=events)
    assert (code, err) == (1, "gongdan: line 2: not UTF-8 at byte 1: invalid start byte\n")
    assert tickets(out) == [("T-1", "created")]


def test_a_stream_that_is_one_json_array_says_one_event_per_line() -> None:
    array = json.dumps([GOOD_BEFORE, GOOD_AFTER], indent=2).encode()
    code, out, err = evaluate(stdin=array)
    assert (code, out) == (1, b"")
    assert err.splitlines()[:3] == [
        "gongdan: line 1: one event per line (JSON Lines), got the start of a list",
        "gongdan: line 2: not JSON: Expecting property name enclosed in double quotes: line 1 column 4 (char 3)",
        "gongdan: line 3: not JSON: Extra data: line 1 column 11 (char 10)"]
    assert len(err.splitlines()) == len(array.splitlines())
    code, out, err = evaluate(stdin=json.dumps([GOOD_BEFORE, GOOD_AFTER]).encode())
    assert (code, out, err) == (1, b"", "gongdan: line 1: one event per line (JSON Lines), got a list\n")


def test_a_line_of_exactly_the_limit_is_read_and_one_byte_more_is_not() -> None:
    event = line(GOOD_AFTER).rstrip(b"\n")
    at_limit = event + b" " * (MAX_EVENT_BYTES - len(event)) + b"\n"   # JSON allows the spaces
    over = event + b" " * (MAX_EVENT_BYTES - len(event) + 1) + b"\n"
    assert len(at_limit) == MAX_EVENT_BYTES + 1
    assert evaluate(stdin=stream(GOOD_BEFORE, at_limit)) == evaluate(stdin=stream(GOOD_BEFORE, GOOD_AFTER))
    assert tickets(evaluate(stdin=stream(GOOD_BEFORE, at_limit))[1]) == [("T-1", "created"), ("T-2", "created")]
    code, out, err = evaluate(stdin=stream(GOOD_BEFORE, over, created("T-3")))
    assert (code, err) == (1, ("gongdan: line 2: longer than 1,048,576 bytes, the limit for one event "
                               "(skipped unread)\n"))
    assert tickets(out) == [("T-1", "created"), ("T-3", "created")]


def test_an_overlong_last_line_without_a_newline_is_reported(tmp_path: Path) -> None:
    code, out, err = evaluate(stdin=stream(GOOD_BEFORE) + b'{"title":"' + b"x" * MAX_EVENT_BYTES)
    assert (code, err) == (1, ("gongdan: line 2: longer than 1,048,576 bytes, the limit for one event "
                               "(skipped unread)\n"))
    assert tickets(out) == [("T-1", "created")]


def test_a_128_mib_line_is_skipped_in_bounded_memory(tmp_path: Path) -> None:
    """The most a line costs is its limit: a 128 MiB line adds no more to the process's peak
    memory than a small one does (measured per process, with wait4)."""
    small, huge = tmp_path / "small.jsonl", tmp_path / "huge.jsonl"
    small.write_bytes(stream(GOOD_BEFORE, b'{"title":"x"}\n', GOOD_AFTER))
    with huge.open("wb") as f:
        f.write(stream(GOOD_BEFORE) + b'{"title":"')
        for _ in range(128):
            f.write(b"x" * (1 << 20))
        f.write(b'"}\n' + line(GOOD_AFTER))

    def peak(path: Path) -> tuple[int, int]:
        child = process("evaluate", *CONFIG, "-i", str(path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        return child.returncode, usage.ru_maxrss * 1024

    (small_code, small_peak), (huge_code, huge_peak) = peak(small), peak(huge)
    assert (small_code, huge_code) == (1, 1)
    assert huge_peak - small_peak < 16 << 20


def test_lines_split_at_newline_only_and_jobs_agree(tmp_path: Path) -> None:
    """Characters that str.splitlines() splits at: the legal ones (U+2028, U+2029, U+0085)
    inside titles and ticket ids are part of the ticket, a raw control one makes its line
    not JSON (and only its line); -j 1, 2 and 3 write the same bytes and report the same."""
    events = EXAMPLE.read_bytes().split(b"\n")[:400]
    titles = {f"S-{i}": f"a{c}b" for i, c in enumerate("\u2028\u2029\u0085")}
    legal = [line(created(t, "2026-11-10T12:05:00+08:00", title=title)) for t, title in titles.items()]
    raw = b'{"type":"created","ticket":"S-9","at":"2026-11-10T12:05:00+08:00","category":"trade","title":"a\x1cb"}\n'
    odd_ids = ["T\n1", "T\x001", "T\u20281", "T\r1", "T\x1c1"]
    ids = [line(created(t, "2026-11-10T12:06:00+08:00")) for t in odd_ids]
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(events[:100]) + b"\n" + b"".join(legal) + raw + b"".join(ids)
                     + b"\n".join(events[100:]))
    runs = [evaluate("--state", "-j", jobs, "--until", "2026-11-12T00:00:00+08:00", "-i", str(path))
            for jobs in "123"]
    code, out, err = runs[0]
    assert (code, err) == (1, ("gongdan: line 104: not JSON: Invalid control character at: line 1 column 96 "
                               "(char 95)\ngongdan: line 106: ticket: holds NUL or half a surrogate pair "
                               "(not text)\n"))
    decided = {d["ticket"]: d["state"]["attrs"].get("title") for d in map(json.loads, out.split(b"\n")[:-1])
               if d["event"] == "created"}
    assert {t: decided[t] for t in titles} == titles
    assert [t for t in odd_ids if t in decided] == [t for t in odd_ids if "\x00" not in t]  # NUL: not text
    assert "S-9" not in decided
    assert runs[1] == runs[0] and runs[2] == runs[0]
