"""An event's fields answered yes or no by one generated function per event type, for the
common case: every field a plain value its check takes. `parse_event`'s field-by-field
loop stays the reference and the one that names the first wrong field; this only lets a
plain event skip it (twins: docs/architecture.md, pinned by
tests/engine/runtime/test_event_fast.py).

A field's yes-or-no form is an expression over its value `v` that is true only where its
check accepts; a field without a form must be absent or null for the fast answer, and an
event type with a required field without a form gets no fast function. The function
never raises: anything else goes to the loop, which raises what it always raised, in the
same order.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from engine.routing.codegen import Namespace

FastCheck = Callable[[dict[str, Any]], bool]


def fast_checks(fields: Mapping[str, Mapping[str, Any]], required: Mapping[str, tuple[str, ...]],
                forms: Mapping[Any, str], names: Mapping[str, Any]) -> dict[str, FastCheck]:
    """For each event type (its fields' checks in `fields`), the yes-or-no function, from
    each check's form in `forms` (with `names` bound for them); `type` itself is not
    looked at (the caller found its checks by it) and `at` only for being a string (the
    caller parses it after the fields, as the loop does)."""
    out = {}
    for kind, checks in fields.items():
        if any(key not in ("type", "at") and checks[key] not in forms for key in required[kind]):
            continue
        space = Namespace(**names)
        body = [f"if not raw.keys() <= {space.bind(frozenset(checks))}:", "    return False", "get = raw.get"]
        for key, check in checks.items():
            if key == "type":
                continue
            form = "type(v) is str" if key == "at" else forms.get(check, "v is None")
            body += [f"v = get({space.bind(key)})", f"if not ({form}):", "    return False"]
        out[kind] = space.function("raw", [*body, "return True"], f"{kind} event check")
    return out
