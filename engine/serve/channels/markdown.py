"""DingTalk markdown text: bounded in UTF-8 bytes without splitting a character, and the
@mentions a group message carries (DingTalk notifies only those listed in `at` whose
`@name` also appears in the text)."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MARKDOWN_LIMIT_BYTES = 20_000   # DingTalk's bound on a markdown message's text
CUT_MARK = "\n…"


def utf8_len(text: str) -> int:
    """Size of `text` on the wire."""
    return len(text.encode("utf-8"))


def cut_utf8(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` bytes; a character the cut would split is
    left out whole (the prefix of valid UTF-8 is invalid only in its last, partial character)."""
    return text.encode("utf-8")[:max(limit, 0)].decode("utf-8", "ignore")


def fit(text: str, limit: int, mark: str = CUT_MARK) -> str:
    """`text` if it fits in `limit` bytes, else its prefix followed by `mark`, within `limit`."""
    if utf8_len(text) <= limit:
        return text
    return cut_utf8(text, limit - utf8_len(mark)) + mark


def one_line(text: str) -> str:
    """Runs of whitespace, line breaks included, as one space: a title or a list item."""
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Mentions:
    """Who a group message @mentions: DingTalk user ids and mobile numbers."""

    user_ids: tuple[str, ...] = ()
    mobiles: tuple[str, ...] = ()

    @classmethod
    def of(cls, notification: Mapping[str, Any]) -> Mentions:
        """From a delivery's notification: `mention` (user ids), `mention_mobiles` (numbers)."""
        return cls(_texts(notification.get("mention")), _texts(notification.get("mention_mobiles")))

    @classmethod
    def merged(cls, many: Sequence[Mentions]) -> Mentions:
        """Everyone any of `many` mentions, once each, in first-seen order."""
        return cls(_unique(m for each in many for m in each.user_ids),
                   _unique(m for each in many for m in each.mobiles))

    def at(self) -> dict[str, Any]:
        """The `at` object of a custom robot message."""
        return {"atUserIds": list(self.user_ids), "atMobiles": list(self.mobiles), "isAtAll": False}

    def suffix(self, text: str) -> str:
        """What to append to `text` so that each mention appears in it as `@name`."""
        missing = [f"@{name}" for name in (*self.user_ids, *self.mobiles) if not _named(name, text)]
        return "\n\n" + " ".join(missing) if missing else ""


def _named(name: str, text: str) -> bool:
    """`@name` in `text` as a whole word (`@1380` is not in `@13800`)."""
    return re.search(rf"@{re.escape(name)}(?!\w)", text) is not None


def _texts(value: object) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        return ()
    return _unique(item for item in value if isinstance(item, str) and item)


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
