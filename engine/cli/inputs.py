"""What the commands read: stdin, or a regular file checked as it is opened (a FIFO, a
device or a directory is refused before it can hang or flood a run), read with bounds."""
from __future__ import annotations

import fcntl
import os
import stat
import sys
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

from engine.replay.lines import MAX_EVENT_BYTES, NotAnEvent, decode_utf8, parse_json, strip_bom

_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"),
          (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


@dataclass(frozen=True, slots=True)
class Input:
    """An opened input: `name` as given (`-` for stdin), and which file it is when it is a
    regular one (st_dev, st_ino), so that an output can be checked not to be it."""

    name: str
    stream: IO[bytes]
    identity: tuple[int, int] | None


if TYPE_CHECKING:  # generic in click 8.5's stubs, not at run time in older ones
    _ParamType = click.ParamType[Input]
else:
    _ParamType = click.ParamType


class InputFile(_ParamType):
    """A file to read, or `-` for stdin, opened when the command line is read."""

    name = "file"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Input:
        if isinstance(value, Input):
            return value
        try:
            source = open_input(str(value))
        except OSError as exc:
            self.fail(f"'{value}': {exc.strerror or exc}", param, ctx)
        except ValueError as exc:
            self.fail(f"'{value}': {exc}", param, ctx)
        if ctx is not None and source.name != "-":
            ctx.call_on_close(source.stream.close)
        return source

    def shell_complete(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        return [CompletionItem(incomplete, type="file")]


def open_input(name: str) -> Input:
    """stdin for `-`, else the named file if it is a regular one. Raises OSError when it
    cannot be opened, ValueError when it is not a regular file or stdin is closed."""
    if name == "-":
        return _stdin()
    # Non-blocking, so that opening a FIFO returns at once instead of waiting for a writer.
    fd = os.open(name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode):
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
            return Input(name, os.fdopen(fd, "rb"), _identity(info))
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    if _identity(info) == _stdin_identity():  # /dev/stdin, /dev/fd/0: stdin by another name
        return _stdin()
    raise ValueError(_not_a_file(info.st_mode))


def refusal(path: str) -> str | None:
    """Why a named file will not be read (it is not a regular file), or None: for files a
    library call opens by name (`gongdan test`'s case files)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # the reader says why it cannot open it
    return None if stat.S_ISREG(mode) else _not_a_file(mode, stdin_hint=False)


def read_event(source: Input, hint: str) -> Any:
    """The one JSON value of a small input, read up to MAX_EVENT_BYTES; usage errors
    (exit 2) name `hint` and say what is wrong."""
    try:
        raw = source.stream.read(MAX_EVENT_BYTES + 1)
    except OSError as exc:
        raise click.BadParameter(f"'{source.name}': {exc.strerror or exc}", param_hint=hint) from None
    if len(raw) > MAX_EVENT_BYTES:
        raise click.BadParameter(f"'{source.name}': longer than {MAX_EVENT_BYTES:,} bytes, the limit for "
                                 "one event", param_hint=hint)
    try:
        return parse_json(decode_utf8(strip_bom(raw)))
    except NotAnEvent as exc:
        raise click.BadParameter(str(exc), param_hint=hint) from None


def _stdin() -> Input:
    if sys.stdin is None:
        raise ValueError("stdin is closed: name a file instead")
    return Input("-", sys.stdin.buffer, _stdin_identity(regular_only=True))


def _stdin_identity(regular_only: bool = False) -> tuple[int, int] | None:
    try:
        info = os.fstat(sys.stdin.fileno()) if sys.stdin is not None else None
    except (OSError, ValueError):  # no descriptor (a test runner's stdin)
        return None
    if info is None or (regular_only and not stat.S_ISREG(info.st_mode)):
        return None
    return _identity(info)


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def _not_a_file(mode: int, stdin_hint: bool = True) -> str:
    if stat.S_ISDIR(mode):
        return "a directory, not a file"
    kind = next((name for test, name in _KINDS if test(mode)), "a special file")
    return f"{kind}, not a regular file" + (" (give a stream on stdin, as `-`)" if stdin_hint else "")
