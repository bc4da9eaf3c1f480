"""Jobs submitted from the event loop (`Store.submit_here`), on both stores: answered after
the group's commit through the loop's own future, an error to its own future with nothing of
it stored, a job whose future was cancelled before the writer took it never run."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from engine.serve.store import Tx
from engine.serve.store.urls import open_store


def _put(name: str, value: str) -> Any:
    def job(tx: Tx) -> str:
        tx.put_setting(name, value)
        return value
    return job


def test_answers_errors_and_cancellations(store_url: Any, tmp_path: Path) -> None:
    store = open_store(store_url(tmp_path / "w.db"))
    gate, ran = threading.Event(), []

    def blocking(tx: Tx) -> str:
        gate.wait(10)
        return "first"

    def failing(tx: Tx) -> None:
        tx.put_setting("failed", "stored?")
        raise ValueError("refused")

    def never(tx: Tx) -> None:
        ran.append("cancelled job ran")

    async def scenario() -> list[Any]:
        first = store.submit_here(blocking)
        await asyncio.sleep(0.05)   # the writer holds the first job: the next ones queue behind it
        cancelled = store.submit_here(never)
        later = [store.submit_here(_put("mode", "promotion")), store.submit_here(failing)]
        cancelled.cancel()
        gate.set()
        out: list[Any] = [await first, await later[0]]
        with pytest.raises(ValueError, match="refused"):
            await later[1]
        return [*out, cancelled.cancelled()]
    try:
        assert asyncio.run(scenario()) == ["first", "promotion", True]
        assert ran == []
        assert store.read(lambda r: (r.setting("mode"), r.setting("failed"))) == ("promotion", None)
    finally:
        store.close()


def test_a_loop_closed_before_the_answer_is_no_error(store_url: Any, tmp_path: Path) -> None:
    store = open_store(store_url(tmp_path / "w.db"))
    gate = threading.Event()

    async def leave() -> None:
        store.submit_here(lambda tx: gate.wait(10))
    try:
        asyncio.run(leave())     # the loop closes with the job still queued
        gate.set()
        assert store.submit(_put("mode", "normal")).result(10) == "normal"   # the writer carries on
    finally:
        store.close()
