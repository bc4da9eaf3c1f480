"""`engine.jsonio.loads`, the strict reader the service uses for bodies and rows (orjson
with the standard library behind it), reads what `json` does, NaN and Infinity refused;
`dumps`/`dumps_text` write what `json` writes: the inputs where orjson alone would differ,
each pinned."""
from __future__ import annotations

import json
import math
from typing import Any

import pytest

from engine.jsonio import dumps, dumps_text, loads


@pytest.mark.parametrize("raw, expected", [
    pytest.param(b'{"a":1,"b":[true,null,"\xe5\xb7\xa5"]}', {"a": 1, "b": [True, None, "工"]}, id="plain"),
    pytest.param(b"18446744073709551616", 18446744073709551616, id="past-64-bits-stays-an-int"),
    pytest.param(b"-9223372036854775809", -9223372036854775809, id="below-int64-stays-an-int"),
    pytest.param(b'"\\ud800"', "\ud800", id="lone-surrogate-as-json-reads-it"),
    pytest.param(b'\xef\xbb\xbf{"a":1}', {"a": 1}, id="byte-order-mark"),
    pytest.param(b'{"a":1,"a":2}', {"a": 2}, id="duplicate-key-last-wins"),
    pytest.param('{"t":"T-1"}', {"t": "T-1"}, id="text"),
])
def test_reads_what_json_reads(raw: bytes | str, expected: Any) -> None:
    assert loads(raw) == expected == json.loads(raw)


def test_an_infinite_number_is_read_as_json_reads_it() -> None:
    assert loads(b"1e400") == math.inf


@pytest.mark.parametrize("raw, error", [
    pytest.param(b'{"a": NaN}', "NaN is not JSON", id="nan"),
    pytest.param(b"[Infinity]", "Infinity is not JSON", id="infinity"),
    pytest.param(b"[1,2", "Expecting ',' delimiter: line 1 column 5 (char 4)", id="truncated"),
])
def test_refuses_with_jsons_words(raw: bytes, error: str) -> None:
    with pytest.raises(ValueError) as refused:
        loads(raw)
    assert str(refused.value) == error


@pytest.mark.parametrize("value, text", [
    pytest.param({"a": 1.5, "b": "工单", "c": [None, True]}, '{"a":1.5,"b":"工单","c":[null,true]}', id="plain"),
    pytest.param({"n": 2 ** 70}, '{"n":1180591620717411303424}', id="big-int"),
    pytest.param({1: "x"}, '{"1":"x"}', id="non-string-key"),
])
def test_writes_compact_utf8_as_json_does(value: Any, text: str) -> None:
    assert dumps_text(value) == text == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert dumps(value) == text.encode()
