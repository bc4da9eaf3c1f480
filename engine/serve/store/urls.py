"""Opening a store from its URL: the one place that knows the implementations."""
from __future__ import annotations

from engine.serve.store import Store
from engine.serve.store.sqlite import SQLiteStore

PREFIX = "sqlite:///"
POSTGRES = ("postgresql://", "postgres://")


def open_store(url: str, workers: bool = False) -> Store:
    """A store from its URL (migrated to the latest schema): `sqlite:///relative.db`,
    `sqlite:////absolute.db`, or `postgresql://user@host/db`
    (`postgresql:///db?host=/socket/dir` for a Unix socket), psycopg's URI syntax.
    `workers`: the service's worker processes share it (a SQLite file then takes a lock
    around each write; PostgreSQL is shared anyway)."""
    if url.startswith(POSTGRES):
        try:
            from engine.serve.store.postgres import PostgresStore
        except ImportError as exc:
            raise ValueError(f"{exc}: a postgresql:// store needs the postgres extra "
                             "(pip install 'gongdan[postgres]')") from None
        return PostgresStore(url)
    if not url.startswith(PREFIX):
        raise ValueError(f"unsupported store URL {url!r} (expected sqlite:///PATH or postgresql://...)")
    return SQLiteStore(url[len(PREFIX):], url, shared=workers)
