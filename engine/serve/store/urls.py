"""Opening a store from its URL: the one place that knows the implementations."""
from __future__ import annotations

from engine.serve.store import Store
from engine.serve.store.sqlite import SQLiteStore

PREFIX = "sqlite:///"


def open_store(url: str) -> Store:
    """A store from its URL: `sqlite:///relative.db`, `sqlite:////absolute.db`."""
    if not url.startswith(PREFIX):
        raise ValueError(f"unsupported store URL {url!r} (expected sqlite:///PATH)")
    return SQLiteStore(url[len(PREFIX):], url)
