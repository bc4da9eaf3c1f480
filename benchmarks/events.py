"""Ticket events for benchmarks: `created` events over a config's categories at a fixed seed."""
from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

TAGS = ("资损", "安全", "大促", "舆情", "数据", "性能", "体验", "合规")
REGIONS = ("cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "ap-singapore")
TZ = timezone(timedelta(hours=8))


def created_events(category_ids: list[str], n: int, seed: int = 11,
                   start: datetime = datetime(2026, 11, 10, 12, 0, tzinfo=TZ)) -> Iterator[dict[str, Any]]:
    """`n` created events: mostly known categories, some unknown leaves (fallback), with
    a realistic mix of tags, fields, titles and submitters."""
    rng = random.Random(seed)
    at = start
    for i in range(n):
        at += timedelta(seconds=rng.randint(0, 4))
        category = rng.choice(category_ids)
        if rng.random() < 0.05:
            category += "/unknown-" + str(rng.randrange(100))
        event: dict[str, Any] = {"type": "created", "ticket": f"T-{i}",
                                 "at": at.isoformat(), "category": category}
        if rng.random() < 0.3:
            event["tags"] = rng.sample(TAGS, rng.randint(1, 2))
        fields: dict[str, Any] = {}
        if rng.random() < 0.5:
            fields["region"] = rng.choice(REGIONS)
        if rng.random() < 0.2:
            fields["merchant_tier"] = rng.choice(["KA", "SME"])
        if rng.random() < 0.1:
            fields["gmv_loss_cny"] = rng.randrange(0, 500000)
        if fields:
            event["fields"] = fields
        if rng.random() < 0.5:
            event["title"] = rng.choice(["下单失败", "页面打不开", "支付超时", "大面积宕机", "数据不一致"])
        if rng.random() < 0.05:
            event["submitter"] = rng.choice(["ceo", "vp01", "p0001-1"])
        yield event
