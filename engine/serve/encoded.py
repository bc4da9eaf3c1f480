"""A decision rendered and JSON-encoded once: the texts the writer stores (state row,
decision log, outbox payloads) and the bytes the API answers are built from the same
encoding, so nothing is rendered or encoded twice, and all of it can be done before the
writer takes the job (`ingest.prepare_event`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import engine
from engine.jsonio import dumps_text
from engine.serve.keys import delivery_id, notification_key, recipient
from engine.serve.store import TicketRow


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification of a decision, with its outbox identity and its encoded payload."""

    key: str
    id: str
    channel: str
    endpoint: str
    payload: dict[str, Any]      # the notification with its rendered subject and body
    payload_json: str


@dataclass(frozen=True, slots=True)
class Encoded:
    """A decision, its JSON form without the state (`body`, what the log keeps) and the
    encoded texts of the body, the state and each notification."""

    decision: engine.Decision
    body: dict[str, Any]
    body_json: str
    state_json: str
    notices: tuple[Notice, ...]

    @property
    def closed(self) -> bool:
        return bool(self.decision.state.get("closed"))

    def answer(self) -> bytes:
        """The API's answer: the body with the state as its last member, byte for byte what
        encoding `{**body, "state": state}` gives (orjson writes no spaces)."""
        return f'{self.body_json[:-1]},"state":{self.state_json}}}'.encode()

    def row(self, before: TicketRow | None, utc_offset: int) -> TicketRow:
        """The ticket's row once this decision is stored over `before`."""
        closed = self.closed
        return TicketRow(self.decision.ticket, self.decision.state, (before.version if before else 0) + 1,
                         None if closed else self.decision.next_wakeup_ts, utc_offset, closed,
                         state_json=self.state_json)


def encode(decision: engine.Decision) -> Encoded:
    """Render the decision's notifications, work out its views and encode it, once."""
    body = decision.to_dict(with_state=False)
    ticket = decision.ticket
    notices = tuple(_notice(ticket, n) for n in body["notifications"])
    return Encoded(decision, body, dumps_text(body), dumps_text(decision.state), notices)


def _notice(ticket: str, n: dict[str, Any]) -> Notice:
    key = notification_key(ticket, n)
    return Notice(key, delivery_id(key), n["channel"], recipient(n["to"]), n, dumps_text(n))
