"""The natural key's canonical JSON: orjson's bytes where they are the standard library's,
so keys stored by earlier versions (which hashed `json`'s text) keep matching."""
from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.serve.keys import canonical_bytes, canonical_json, event_natural_key, sha256_hex

_reference = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode

_scalars = (st.none() | st.booleans() | st.integers(min_value=-(1 << 80), max_value=1 << 80)
            | st.floats(allow_nan=False, allow_infinity=False) | st.text())
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(st.text(), inner, max_size=4), max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(_values)
def test_canonical_bytes_equal_the_standard_librarys(value: Any) -> None:
    assert canonical_bytes(value) == _reference(value).encode("utf-8")


def test_the_forms_orjson_writes_otherwise_go_to_json() -> None:
    value = {"z": 1e-05, "é": "\x00\x1f\u2028\"\\", "a": 1 << 70, "b": [1e-07, 1e16, -0.0], "😀": "日本"}
    assert canonical_bytes(value) == canonical_json(value).encode("utf-8")
    assert canonical_bytes(value) == ('{"a":1180591620717411303424,"b":[1e-07,1e+16,-0.0],'
                                      '"z":1e-05,"é":"\\u0000\\u001f\u2028\\"\\\\","😀":"日本"}').encode()


def test_natural_key_is_the_hash_of_the_sorted_event() -> None:
    event = {"type": "created", "ticket": "T-1", "at": "2026-11-11T00:00:00+08:00", "fields": {"p": "P1"}}
    text = '{"at":"2026-11-11T00:00:00+08:00","fields":{"p":"P1"},"ticket":"T-1","type":"created"}'
    assert event_natural_key(event) == ("T-1", "created", "2026-11-11T00:00:00+08:00", sha256_hex(text))
    assert sha256_hex(text) == "d83c40237ab96eac71f2b1f66f5b310bb7ff193dd0b19c91cef0677181555254"
