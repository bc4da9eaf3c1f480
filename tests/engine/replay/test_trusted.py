"""A replay passes its own states back as trusted (their shape and names not checked
again): the fast path and the checked reference give the same decisions, every one of the
example stream's, state included."""
from __future__ import annotations

import json

import engine
from engine.replay.stream import Replay
from helpers import REPO


def test_trusted_states_decide_as_checked_ones(reference: engine.Engine) -> None:
    events = [json.loads(line) for line in
              (REPO / "examples" / "double11-events.jsonl").read_text(encoding="utf-8").splitlines()]
    runs = {trusted: Replay(reference, trusted=trusted) for trusted in (True, False)}
    count = 0
    for event in events:
        fast, checked = ([d.to_dict() for d in runs[t].feed(event)] for t in (True, False))
        assert fast == checked
        count += len(fast)
    assert count == 16707
