"""`engine.jsonio` and the standard library are twins: orjson is used only where it reads
the value and writes the bytes `json` does (with Gongdan's settings), and every value or
text where they part is sent to `json`: pinned on the golden decisions, on every decision
of the example stream, and on values and texts hypothesis makes."""
from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import engine
from engine.cases import load_cases
from engine.jsonio import dumps, dumps_line, fast_loads, standard_encode
from engine.replay.lines import NotAnEvent, parse_json, read_line, split_lines
from engine.replay.stream import replay
from helpers import REPO

CASES = [case for path in sorted((REPO / "tests" / "cases").glob("*.yaml"))
         for case in load_cases(path, path.name)[0] if case.error is None]
EXAMPLE = REPO / "examples" / "double11-events.jsonl"


def standard(value: Any) -> bytes:
    return standard_encode(value).encode("utf-8")


def test_every_golden_decision_is_written_as_json_writes_it(reference: engine.Engine) -> None:
    written = 0
    for case in CASES:
        state = None
        for event in case.given:
            state = reference.evaluate(event, state, mode=case.mode).state
        decision = reference.evaluate(case.event, state, mode=case.mode)
        if case.due is not None:
            decision = reference.due(decision.state, case.due)
        data = decision.to_dict()
        assert dumps(data) == standard(data)
        written += 1
    assert written == len(CASES) == 94


def test_every_decision_of_the_example_stream_is_written_as_json_writes_it(reference: engine.Engine) -> None:
    with EXAMPLE.open("rb") as stream:
        lines = list(split_lines(stream))
    count = 0
    for decision in replay(reference, lines):
        for data in (decision.to_dict(), decision.to_dict(with_state=False, render=False)):
            assert dumps_line(data) == standard(data) + b"\n"
        count += 1
    assert count == 16707


def test_every_line_of_the_example_stream_is_read_as_json_reads_it() -> None:
    with EXAMPLE.open("rb") as stream:
        lines = list(split_lines(stream))
    assert all(fast_loads(line) == (True, json.loads(line)) for line in lines)


@pytest.mark.parametrize(("value", "text"), [
    pytest.param(1e-05, b"1e-05", id="small-float"),
    pytest.param(1.5e-07, b"1.5e-07", id="one-digit-exponent"),
    pytest.param({"elapsed_s": 3.2e-05}, b'{"elapsed_s":3.2e-05}', id="small-float-in-a-dict"),
    pytest.param(2**64, b"18446744073709551616", id="integer-beyond-64-bits"),
    pytest.param({1: "a"}, b'{"1":"a"}', id="integer-key"),
    pytest.param("é\u2028\x7f\x1f", '"é\u2028\x7f\\u001f"'.encode(), id="text-as-is"),
    pytest.param(("a", 1), b'["a",1]', id="tuple"),
    pytest.param("re-1e-5 0.00001", b'"re-1e-5 0.00001"', id="look-alikes-in-text"),
])
def test_where_orjson_would_differ_json_writes(value: Any, text: bytes) -> None:
    assert dumps(value) == text == standard(value)


@pytest.mark.parametrize(("value", "error"), [
    pytest.param("\ud800", UnicodeEncodeError, id="half-a-surrogate-pair"),
    pytest.param(datetime(2026, 1, 1, tzinfo=UTC), TypeError, id="datetime"),
    pytest.param({1, 2}, TypeError, id="set"),
])
def test_what_json_cannot_write_fails_as_it_does(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        dumps(value)


def test_a_nan_is_written_as_null_where_json_raised() -> None:
    """The one documented change (docs/performance.md): no decision holds a NaN."""
    assert dumps({"x": math.nan}) == b'{"x":null}'


@pytest.mark.parametrize(("text", "value"), [
    pytest.param(b"123456789012345678901234567890", 123456789012345678901234567890, id="big-integer"),
    pytest.param(b"-9223372036854775809", -9223372036854775809, id="below-64-bits"),
    pytest.param(b'{"a":1,"b":2,"a":3}', {"a": 3, "b": 2}, id="duplicate-key"),
    pytest.param(b'"\\ud83d\\ude00"', "\U0001f600", id="surrogate-pair"),
])
def test_lines_orjson_reads_otherwise_are_read_as_json_reads_them(text: bytes, value: Any) -> None:
    assert read_line(text) == value == json.loads(text)
    assert type(read_line(text)) is type(value)


@pytest.mark.parametrize(("text", "message"), [
    pytest.param(b"1e400", "the number 1e400 is out of range", id="overflow"),
    pytest.param(b"[NaN]", "not JSON: NaN (JSON has no NaN or Infinity)", id="nan"),
    pytest.param(b'{"a":1}x', "not JSON: Extra data: line 1 column 8 (char 7)", id="extra"),
    pytest.param(b'"\\ud800"', "not text: a string holds \\ud800, half of a UTF-16 surrogate pair", id="half-pair"),
    pytest.param(b'"\xff"', "not UTF-8 at byte 2: invalid start byte", id="not-utf8"),
    pytest.param(b"[" * 70 + b"]" * 70, "nested more than 64 levels deep", id="deep"),
])
def test_lines_orjson_refuses_are_explained_by_json(text: bytes, message: str) -> None:
    with pytest.raises(NotAnEvent) as caught:
        read_line(text)
    assert str(caught.value) == message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(json_values)
def test_any_value_is_written_and_read_as_json_does(value: Any) -> None:
    try:
        expected: bytes | None = standard(value)
    except UnicodeEncodeError:
        expected = None
    if expected is None:
        with pytest.raises(UnicodeEncodeError):
            dumps(value)
        return
    assert dumps(value) == expected
    assert parse_json(expected.decode("utf-8")) == json.loads(expected)
    assert repr(read_line(expected)) == repr(json.loads(expected))


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=40) | st.text(alphabet='{}[]",:0123456789.eE+-tfnrulasx\\ \t\n', max_size=30)
       .map(str.encode))
@example(b"[1E309")  # found by hypothesis: a list cut short after a number out of range
def test_any_text_is_read_or_refused_as_json_does(raw: bytes) -> None:
    def outcome(read: Any) -> tuple[str, str]:
        try:
            return "value", repr(read())
        except NotAnEvent as exc:
            return "refused", str(exc)
    reference = outcome(lambda: _standard_line(raw))
    assert outcome(lambda: read_line(raw)) == reference


def _standard_line(raw: bytes) -> Any:
    from engine.replay.lines import NotJSON, _parse_standard, decode_utf8
    text = decode_utf8(raw)
    try:
        return _parse_standard(text)
    except NotJSON:  # what is JSON but refused (`[1E309`: a number out of range) says so
        if text.lstrip().startswith("["):
            raise NotAnEvent("one event per line (JSON Lines), got the start of a list") from None
        raise
