"""A decision encoded once (`encoded.encode`): the answer built from the stored texts is,
byte for byte, the JSON of the decision with its state; what is stored is those texts."""
from __future__ import annotations

from typing import Any

import engine
from engine.jsonio import dumps, dumps_text
from engine.serve.encoded import encode
from engine.serve.keys import delivery_id, notification_key, recipient
from serving import Start, stream

TICKET = "D11-001488"   # created, transferred, acknowledged, resolved, closed in the stream's first 400


def _decisions(reference: engine.Engine) -> list[engine.Decision]:
    out, state = [], None
    for event in stream(400):
        if event["ticket"] == TICKET:
            decision = reference.evaluate(event, state)
            out.append(decision)
            state = decision.state
    return out


def test_the_answer_is_the_decision_with_its_state_encoded(reference: engine.Engine) -> None:
    decisions = _decisions(reference)
    assert [d.event for d in decisions] == ["created", "transferred", "acknowledged", "resolved", "closed"]
    for decision in decisions:
        encoded = encode(decision)
        assert encoded.answer() == dumps(decision.to_dict())
        assert (encoded.body_json, encoded.state_json) == (dumps_text(decision.to_dict(with_state=False)),
                                                            dumps_text(decision.state))


def test_each_notification_keeps_its_key_id_and_payload(reference: engine.Engine) -> None:
    decision = _decisions(reference)[0]   # the new ticket assigned: its assignee is told
    rendered = decision.to_dict()["notifications"]
    assert len(rendered) == 1
    want = [(notification_key(TICKET, n), delivery_id(notification_key(TICKET, n)), n["channel"],
             recipient(n["to"]), n, dumps_text(n)) for n in rendered]
    got = [(n.key, n.id, n.channel, n.endpoint, n.payload, n.payload_json) for n in encode(decision).notices]
    assert got == want


def test_what_is_stored_and_answered_is_the_encoding(start: Start, reference: engine.Engine) -> None:
    s = start()
    events = [e for e in stream(400) if e["ticket"] == TICKET]
    answers = [s.post(e) for e in events[:2]] + [s.post(events[2:])]
    decisions = _decisions(reference)
    assert [a.content for a in answers[:2]] == [dumps(d.to_dict()) for d in decisions[:2]]
    batch: list[dict[str, Any]] = answers[2].json()["results"]
    assert answers[2].content == dumps({"results": batch})
    assert batch == [{"status": 200, "decision": d.to_dict()} for d in decisions[2:]]
    assert s.rows("SELECT state FROM tickets") == [(dumps_text(decisions[-1].state),)]
    assert s.rows("SELECT body FROM decisions ORDER BY seq") == [
        (dumps_text(d.to_dict(with_state=False)),) for d in decisions]
    notified = [n for d in decisions for n in d.to_dict()["notifications"]]
    assert s.rows("SELECT key, payload FROM outbox ORDER BY key") == sorted(
        (notification_key(TICKET, n), dumps_text(n)) for n in notified)
    assert len(notified) == 4
