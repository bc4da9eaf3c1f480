"""Where `--channels FILE` is read: the channels branch provides
`engine.serve.channels.config.load_channels(path) -> Channels` (its `by_name` maps each
name to a channel with `send` and `close`); until it lands this says so instead of
failing at import."""
from __future__ import annotations

import importlib
from pathlib import Path

from engine.serve.channels.base import Channel


def load_channels(path: Path | None) -> dict[str, Channel]:
    """The configured channels (none without a file: every notification then stays
    `failed` with "channel X not configured", visible in the ticket's log and metrics)."""
    if path is None:
        return {}
    try:
        module = importlib.import_module("engine.serve.channels.config")
    except ImportError as exc:
        raise RuntimeError("--channels needs engine.serve.channels.config (the channels branch)") from exc
    loaded = module.load_channels(path)
    by_name: dict[str, Channel] = dict(getattr(loaded, "by_name", loaded))
    return by_name
