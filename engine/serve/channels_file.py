"""Where `--channels FILE` is read: the channels file (docs/serve-channels.md) parsed into
the channels by name, each with `send` and `close`."""
from __future__ import annotations

from pathlib import Path

from engine.serve.channels.base import Channel
from engine.serve.channels.config import load_channels as read_channels_file


def load_channels(path: Path | None) -> dict[str, Channel]:
    """The configured channels (none without a file: every notification then stays
    `failed` with "channel X not configured", visible in the ticket's log and metrics).
    Raises ChannelConfigError naming every section that cannot be used."""
    if path is None:
        return {}
    return dict(read_channels_file(path).by_name)
