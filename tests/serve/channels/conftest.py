"""Fixtures: loopback receivers started per test and stopped after it."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .receivers import Answer, Receiver


@pytest.fixture
def receiver() -> Iterator[Callable[[Answer], Receiver]]:
    """Start a receiver answering with the given function; all are closed after the test."""
    started: list[Receiver] = []

    def start(answer: Answer) -> Receiver:
        started.append(Receiver(answer).start())
        return started[-1]

    yield start
    for each in started:
        each.close()
