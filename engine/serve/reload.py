"""Config (re)loading: engine.load in a thread; on a ConfigError the old engine keeps
serving and the diagnostics are reported. Also the --watch poller (mtimes, no new
dependency)."""
from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import engine
from engine.serve.clock import Clock
from engine.serve.metrics import Metrics

log = logging.getLogger("gongdan.serve.reload")


@dataclass(frozen=True, slots=True)
class LoadResult:
    """The outcome of the last (re)load, as /v1/status shows it."""

    ok: bool
    at: float
    config_version: str | None
    diagnostics: tuple[str, ...] = field(default=())
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"ok": self.ok, "at": self.at, "config_version": self.config_version,
                "diagnostics": list(self.diagnostics), "error": self.error}


def snapshot(config_dir: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, size) of every file under the config dir: what --watch compares."""
    out: dict[str, tuple[int, int]] = {}
    for root, dirs, files in os.walk(config_dir):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            if name.endswith((".yaml", ".yml", ".j2", ".jinja", ".md")):
                path = os.path.join(root, name)
                try:
                    st = os.stat(path)
                except FileNotFoundError:
                    continue
                out[path] = (st.st_mtime_ns, st.st_size)
    return out


class Reloader:
    """Loads the config dir and hands each good engine to `install` (a swap by reference)."""

    def __init__(self, config_dir: Path, install: Callable[[engine.Engine], None], metrics: Metrics,
                 clock: Clock) -> None:
        self.config_dir, self.install, self.metrics, self.clock = config_dir, install, metrics, clock
        self.last: LoadResult | None = None
        self.listeners: list[Callable[[LoadResult], None]] = []   # told of every (re)load's result
        self._lock = asyncio.Lock()

    def load_first(self) -> engine.Engine:
        """The engine at start; a broken config stops the start (raises ConfigError)."""
        loaded = engine.load(self.config_dir)
        self._succeeded(loaded)
        return loaded

    async def reload(self) -> LoadResult:
        """Load again; keep the old engine on failure. Concurrent calls run one at a time."""
        async with self._lock:
            try:
                loaded = await asyncio.to_thread(engine.load, self.config_dir)
            except engine.ConfigError as exc:
                return self._failed(tuple(d.render() for d in exc.diagnostics), None)
            except Exception as exc:  # unreadable dir and the like: reported, old engine kept
                log.exception("reload: %s", self.config_dir)
                return self._failed((), repr(exc))
            self.install(loaded)
            return self._succeeded(loaded)

    def _succeeded(self, loaded: engine.Engine) -> LoadResult:
        now = self.clock.wall()
        self.last = LoadResult(True, now, loaded.config_version)
        self.metrics.reload_ok.set(1)
        self.metrics.reload_time.set(now)
        log.info("config %s loaded (%s)", self.config_dir, loaded.config_version)
        return self._tell(self.last)

    def _failed(self, diagnostics: tuple[str, ...], error: str | None) -> LoadResult:
        self.last = LoadResult(False, self.clock.wall(), None, diagnostics, error)
        self.metrics.reload_ok.set(0)
        log.error("config %s not reloaded, the old one keeps serving: %s", self.config_dir,
                  "; ".join(diagnostics) or error)
        return self._tell(self.last)

    def _tell(self, result: LoadResult) -> LoadResult:
        for listener in self.listeners:
            listener(result)
        return result

    async def watch(self, interval: float) -> None:
        """Reload whenever a file under the config dir changes (polled every `interval`)."""
        seen = await asyncio.to_thread(snapshot, self.config_dir)
        while True:
            await asyncio.sleep(interval)
            now = await asyncio.to_thread(snapshot, self.config_dir)
            if now != seen:
                seen = now
                await self.reload()
