"""Deterministic identities: a notification's key and delivery id, an event's natural key."""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import orjson

_canonical = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_SORTED = orjson.OPT_SORT_KEYS
# floats orjson writes unlike `repr` (engine/jsonio.py says which): those go to `json`
_SHORT_EXPONENT = re.compile(rb"e-[0-9](?![0-9])")


def canonical_json(value: Any) -> str:
    """One text per JSON value: sorted keys, no spaces (what the natural key hashes)."""
    return _canonical(value)


def canonical_bytes(value: Any) -> bytes:
    """`canonical_json(value)` in UTF-8, byte for byte, by orjson where it writes the same
    (sorted by code point as `json` sorts, the same escapes): keys already stored stay
    valid. What orjson cannot write (an integer outside 64 bits, half a surrogate pair)
    or writes otherwise (floats below 1e-4) is left to `json`."""
    try:
        out = orjson.dumps(value, option=_SORTED)
    except orjson.JSONEncodeError:
        return _canonical(value).encode("utf-8")
    if b"0.0000" in out or (b"e-" in out and _SHORT_EXPONENT.search(out)):
        return _canonical(value).encode("utf-8")
    return out


def sha256_hex(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return hashlib.sha256(data).hexdigest()


def recipient(to: Mapping[str, Any]) -> str:
    """`person:<id>` or `group:<endpoint>`."""
    if "group" in to:
        return f"group:{to['group']}"
    return f"person:{to.get('person')}"


def notification_key(ticket: str, n: Mapping[str, Any]) -> str:
    """Ticket, kind, clock, step, level, channel and recipient (plus the policy when the
    notification names one, and `at` for `assign`, which has no step): a step fired again
    yields the same key, so the outbox's UNIQUE key can never send it twice."""
    parts = [ticket, n["kind"], n.get("clock", ""), str(n.get("step", "")), str(n.get("level", "")),
             n["channel"], recipient(n["to"])]
    if "policy" in n:
        parts.append(str(n["policy"]))
    if n["kind"] == "assign":
        parts.append(n["at"])
    return "|".join(parts)


def delivery_id(key: str) -> str:
    """The stable delivery id that travels downstream for dedup: derived from the key, so
    it is the same on every attempt and after any restart."""
    return "d-" + sha256_hex(key)[:32]


def event_natural_key(event: Mapping[str, Any]) -> tuple[str, str, str, str]:
    """(ticket, type, at, sha256 of the canonical body): the same event sent twice without
    an Idempotency-Key is recognised and answered with the stored decision."""
    return (str(event.get("ticket")), str(event.get("type")), str(event.get("at")),
            sha256_hex(canonical_bytes(event)))
