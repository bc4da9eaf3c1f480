"""The SQLite store's checkpoints: never in a commit (no automatic checkpoint on any of its
connections), but by a thread of its own, so the WAL is copied back and starts over."""
from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from engine.serve.store.sqlite import CHECKPOINT_EVERY, SQLiteStore, connect

VALUE = "x" * 100_000   # 25 pages a setting


def test_no_connection_checkpoints_in_a_commit(tmp_path: Path) -> None:
    conn = connect(str(tmp_path / "g.db"))
    try:
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA synchronous").fetchone() == (2,)   # FULL
    finally:
        conn.close()


def test_the_checkpointer_copies_the_wal_back_and_it_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "g.db"
    store = SQLiteStore(str(path))
    try:
        for i in range(60):   # 1,500 pages: past the 1,000 at which a commit would have checkpointed
            store.submit(lambda tx, i=i: tx.put_setting(f"s{i}", VALUE)).result()
        grown = os.path.getsize(f"{path}-wal")
        assert grown > 1000 * 4096
        time.sleep(3 * CHECKPOINT_EVERY)   # a pass (or more) copies all of it back
        # the next commit starts the WAL over from its beginning, which SQLite does only
        # once every frame was copied back: nothing but the checkpointer did that
        store.submit(lambda tx: tx.put_setting("after", "y")).result()
        assert os.path.getsize(f"{path}-wal") == grown                    # reused, not grown
        with sqlite3.connect(path) as probe:
            assert probe.execute("SELECT COUNT(*) FROM settings").fetchone() == (61,)
        assert store.read(lambda r: r.setting("s59")) == VALUE
    finally:
        store.close()
