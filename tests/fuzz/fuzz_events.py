"""Coverage-guided fuzzing of the event parser and the evaluator (atheris): any JSON line
is a decision that renders to strict JSON, or an EventError; never another exception.

    python tests/fuzz/fuzz_events.py -max_total_time=60     # .ci/run runs it for a bounded time
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import atheris

with atheris.instrument_imports():
    import engine

ENGINE = engine.load(Path(__file__).resolve().parents[1] / "data" / "valid" / "minimal")
CREATED = ENGINE.evaluate({"type": "created", "ticket": "T-1", "at": "2026-11-02T10:00:00+08:00",
                           "category": "shop/order/create-failed"})


TYPES = ["created", "acknowledged", "transferred", "updated", "status_changed", "resolved", "reopened",
         "closed", "opened", ""]
KEYS = ["category", "title", "severity", "tags", "source", "submitter", "fields", "note", "by", "to",
        "changes", "status", "ticket", "at", "supervise", "resolution"]


def _value(fdp: atheris.FuzzedDataProvider, depth: int = 0) -> object:
    kind = fdp.ConsumeIntInRange(0, 9 if depth < 4 else 5)
    if kind == 0:
        return fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40))
    if kind == 1:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 40))
    if kind == 2:
        return fdp.ConsumeFloat()
    if kind == 3:
        return fdp.ConsumeBool()
    if kind == 4:
        return None
    if kind == 5:
        return "2026-11-02T1" + str(fdp.ConsumeIntInRange(0, 9)) + ":00:00" + fdp.PickValueInList(["+08:00", "Z", ""])
    if kind in (6, 7):
        return [_value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 3))]
    return {fdp.PickValueInList(KEYS + ["person", "team", "x", "code", "text", "supervisors_remove"]):
            _value(fdp, depth + 1)
            for _ in range(fdp.ConsumeIntInRange(0, 3))}


def _event(data: bytes) -> object:
    """Half the inputs are read as JSON text; the other half build an event field by field."""
    if data[:1] == b"{":
        try:
            return json.loads(data.decode("utf-8"), parse_constant=lambda name: None)
        except (UnicodeDecodeError, ValueError, RecursionError):
            return None
    fdp = atheris.FuzzedDataProvider(data)
    raw: dict[str, object] = {"type": fdp.PickValueInList(TYPES), "ticket": "T-1",
                              "at": "2026-11-02T10:05:00+08:00"}
    for _ in range(fdp.ConsumeIntInRange(0, 6)):
        raw[fdp.PickValueInList(KEYS)] = _value(fdp)
    return raw


def one_input(data: bytes) -> None:
    raw = _event(data)
    for state in (None, CREATED.state):
        try:
            decision = ENGINE.evaluate(raw, state)
        except engine.EventError:
            continue
        json.dumps(decision.to_dict(), allow_nan=False)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
