"""The text checks' inline ASCII (or printable) answer (`_flat`, `_category`, `_text`, `_name`) against
`unicode_text` read literally: a category, a title, a ticket id and a flat `fields` are
accepted exactly when every string in them is Unicode text without NUL."""
from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import EventError
from engine.runtime.events import parse_event

# Any code point, surrogates and NUL included, weighted towards ASCII (the fast path).
TEXTS = st.one_of(st.text(st.characters(max_codepoint=127), max_size=12),
                  st.text(st.characters(codec=None, exclude_categories=()), max_size=12))


def _is_text(value: str) -> bool:
    """The literal reading: no NUL, and encodable as UTF-8 (no lone surrogate)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def _accepted(event: dict[str, Any]) -> bool:
    try:
        parse_event(event)
    except EventError:
        return False
    return True


def _created(**fields: Any) -> dict[str, Any]:
    return {"type": "created", "ticket": "T-1", "at": "2026-11-11T00:00:00+08:00", "category": "a/b", **fields}


@settings(max_examples=400, deadline=None)
@given(TEXTS, TEXTS, TEXTS)
def test_flat_fields_are_accepted_exactly_when_their_strings_are_text(key: str, value: str, other: str) -> None:
    event = _created(fields={key: value, "k": other})
    assert _accepted(event) is (_is_text(key) and _is_text(value) and _is_text(other))


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_a_category_title_or_ticket_id_is_accepted_exactly_when_it_is_text(value: str) -> None:
    if value:
        assert _accepted(_created(category=value)) is (_is_text(value) and value.count("/") < 32)
        assert _accepted({**_created(), "ticket": value}) is _is_text(value)
    assert _accepted(_created(title=value)) is _is_text(value)


def test_a_category_is_refused_for_its_parts_at_any_length() -> None:
    """The inline answer takes only categories shorter than MAX_SEGMENTS (32) characters;
    from 32 on `_category` counts the parts."""
    assert _accepted(_created(category="a/" * 15 + "b"))          # 31 characters, 16 parts
    assert _accepted(_created(category="/" * 31 + "b"))           # 32 characters, 32 parts
    assert not _accepted(_created(category="/" * 32))             # 33 parts
    assert _accepted(_created(category="a" * 1024))
    assert not _accepted(_created(category="a" * 1025))


@settings(max_examples=1000, deadline=None)
@given(TEXTS)
def test_a_printable_string_is_always_text(value: str) -> None:
    """The inline answer also takes a printable string (a Chinese title): `isprintable()`
    is false for NUL and for half a surrogate pair, so it never takes what the literal
    reading refuses."""
    if value.isprintable():
        assert _is_text(value)
    assert not "\x00".isprintable() and not "\ud800".isprintable() and "页面打不开".isprintable()
