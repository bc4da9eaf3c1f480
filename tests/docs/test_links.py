"""Every relative link of the docs and the README leads somewhere: the file exists and,
for `page.md#anchor`, the page has that heading (GitHub's slug) or an `<a id>`. Moving a
section keeps its heading as a pointer, so old links keep working."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

from helpers import REPO

PAGES = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    found: list[str] = []
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6} (.+)$", text, flags=re.M):
        base = slug(heading)
        found.append(base if base not in seen else f"{base}-{seen[base]}")
        seen[base] = seen.get(base, 0) + 1
    found += re.findall(r'<a id="([^"]+)"></a>', text)
    return frozenset(found)


def broken(page: Path) -> list[str]:
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    bad = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue
        file, _, anchor = target.partition("#")
        path = (page.parent / file).resolve() if file else page
        if not path.exists() or (anchor and path.suffix == ".md" and anchor not in anchors(path)):
            bad.append(target)
    return bad


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(REPO)) for p in PAGES])
def test_every_link_resolves(page: Path) -> None:
    assert broken(page) == []


def test_the_slug_is_githubs() -> None:
    assert slug("`gongdan test --update`: review the current answers") == "gongdan-test---update-review-the-current-answers"
    assert slug("Business time: year tables") == "business-time-year-tables"
