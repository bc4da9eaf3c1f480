"""The digest that stands for a burst to one robot: its exact title, text and bounds."""
from __future__ import annotations

from typing import Any

import pytest

from engine.serve.channels.base import Delivery
from engine.serve.channels.dingtalk_group import digest


def item(n: int, subject: str | None = None, **changes: Any) -> Delivery:
    fields: dict[str, Any] = {
        "id": f"d-{n}", "key": f"T-{n}/response/0/0/dingtalk_group/trade-order-robot",
        "ticket": f"T-{n}", "channel": "dingtalk_group", "to": {"group": "trade-order-robot"},
        "subject": f"T-{n} overdue" if subject is None else subject, "body": "…",
        "notification": {}}
    return Delivery(**{**fields, **changes})


def test_a_digest_lists_every_subject_and_mentions_everyone_once() -> None:
    burst = [item(1, "[P1] T-1 response overdue", notification={"mention": ["0003"]}),
             item(2, "[P2] T-2\nresolve overdue", notification={"mention": ["0007", "0003"]}),
             item(3, "[P1] T-3 escalated", notification={"mention_mobiles": ["13878886881"]})]
    assert digest(burst, id="g-1") == Delivery(
        id="g-1", key="digest/g-1", ticket="", channel="dingtalk_group",
        to={"group": "trade-order-robot"}, subject="Gongdan: 3 notifications",
        body=("#### Gongdan: 3 notifications\n"
              "- [P1] T-1 response overdue\n"
              "- [P2] T-2 resolve overdue\n"
              "- [P1] T-3 escalated"),
        notification={"kind": "digest", "digest_of": ["d-1", "d-2", "d-3"],
                      "mention": ["0003", "0007"], "mention_mobiles": ["13878886881"]})


def test_one_is_a_notification() -> None:
    merged = digest([item(1)], id="g-1")
    assert (merged.subject, merged.body) == ("Gongdan: 1 notification",
                                             "#### Gongdan: 1 notification\n- T-1 overdue")


# Head "#### Gongdan: 10 notifications" is 30 bytes, each "\n- T-n overdue" 14, and
# "\n- …and 7 more" 16: three items fit in 88 bytes, not four (30 + 4 * 14 + 16 = 102).
@pytest.mark.parametrize(("limit", "mention", "kept"), [
    pytest.param(88, [], 3, id="three-fit-exactly"),
    pytest.param(87, [], 2, id="one-byte-less-two-fit"),
    pytest.param(95, ["0003"], 3, id="the-mention-line-is-counted"),
    pytest.param(170, [], 10, id="all-fit-no-more-line"),
])
def test_items_that_do_not_fit_become_a_count(limit: int, mention: list[str], kept: int) -> None:
    burst = [item(n, notification={"mention": mention}) for n in range(10)]
    body = digest(burst, id="g-1", limit=limit).body
    lines = ["#### Gongdan: 10 notifications"] + [f"- T-{n} overdue" for n in range(kept)]
    more = [] if kept == 10 else [f"- …and {10 - kept} more"]
    assert body == "\n".join(lines + more)
    assert len(body.encode()) + len("\n\n@0003" if mention else "") <= limit


def test_the_cut_never_splits_a_character() -> None:
    burst = [item(n, f"工单 T-{n} 响应超时") for n in range(5)]   # 26 bytes a line with its break
    body = digest(burst, id="g-1", limit=29 + 2 * 26 + 16).body
    assert body == ("#### Gongdan: 5 notifications\n"
                    "- 工单 T-0 响应超时\n"
                    "- 工单 T-1 响应超时\n"
                    "- …and 3 more")


def test_one_very_long_subject_is_cut_to_its_own_bound() -> None:
    body = digest([item(1, "汉" * 400)], id="g-1").body        # 1,200 bytes of subject
    assert body == "#### Gongdan: 1 notification\n- " + "汉" * 165 + "…"
    assert len(("- " + "汉" * 165 + "…").encode()) == 500


@pytest.mark.parametrize(("burst", "error"), [
    pytest.param([], "a digest needs at least one delivery", id="empty"),
    pytest.param([item(1), item(2, to={"group": "trade-cart-robot"})],
                 "a digest merges dingtalk_group deliveries to one group endpoint",
                 id="two-groups"),
    pytest.param([item(1), item(2, channel="dingtalk", to={"person": "alice", "address": "0003"})],
                 "a digest merges dingtalk_group deliveries to one group endpoint",
                 id="not-a-group-delivery"),
])
def test_a_digest_is_for_one_robot(burst: list[Delivery], error: str) -> None:
    with pytest.raises(ValueError) as raised:
        digest(burst, id="g-1")
    assert str(raised.value) == error
