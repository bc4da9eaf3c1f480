"""Tests for engine.routing.index: the generated probe with second anchors."""
from __future__ import annotations

from engine.routing.index import RuleIndex
from engine.routing.matchers import getter


def test_a_probe_over_fifteen_thousand_rules_with_second_anchors() -> None:
    """Its masks are bound as names, never written into the source as numbers: a mask of
    15,000 rules has more digits than Python converts to text by default (4,300)."""
    n = 15_000
    anchors = [(("prefix", "category", f"bu{i % 7}/"),) for i in range(n)]
    seconds = {i: (("eq", "fields.region", f"r{i % 3}"),) for i in range(0, n, 2)}
    index = RuleIndex(enumerate(anchors), seconds)
    probe = index.probe({"fields.region": getter("fields.region")})
    assert probe is not None
    everything = (1 << n) - 1
    ticket = {"category": "bu1/x", "fields": {"region": "r0"}, "tags": [], "severity": None,
              "source": None, "submitter": None, "title": None}
    kept = probe(ticket, everything)
    # Odd rules have no second anchor; an even rule stays when its region is r0 (i % 3 == 0).
    assert kept == sum(1 << i for i in range(n) if i % 2 or i % 3 == 0)
