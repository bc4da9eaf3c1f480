"""The standard streams: output that cannot be written is reported (exit 1), not lost;
a reader that went away (`| head`) ends the command quietly; a stream the shell closed
stays closed instead of being taken over by the next file the command opens."""
from __future__ import annotations

import os
import sys
from typing import IO, Any

import click

from engine.cli.common import Exit, to_devnull, warn


class Problem(click.ClickException):
    """A problem reported as `gongdan: message` with exit code 1 (not a usage error)."""

    exit_code = Exit.PROBLEMS

    def show(self, file: IO[Any] | None = None) -> None:
        warn(f"gongdan: {self.format_message()}")


class PipeClosed(click.exceptions.Exit):
    """The reader of stdout went away: stop quietly, as Unix tools do (128 + SIGPIPE).
    Made, it points stdout and stderr at /dev/null: nothing more is tried there."""

    def __init__(self) -> None:
        _to_devnull(1)
        _to_devnull(2)
        super().__init__(Exit.PIPE_CLOSED)


def hold_closed_descriptors() -> None:
    """Descriptors 0-2 that the command was started without are held on /dev/null, opened
    the wrong way round so that using one fails (EBADF) and no file the command opens can
    take the number (a decision file opened as descriptor 1 would get stdout's writes)."""
    for fd, flags in ((0, os.O_WRONLY), (1, os.O_RDONLY), (2, os.O_RDONLY)):
        try:
            os.fstat(fd)
        except OSError:
            held = os.open(os.devnull, flags | os.O_CLOEXEC)
            if held != fd:
                os.dup2(held, fd, inheritable=False)
                os.close(held)
    if sys.stdout is None:  # Python gives up on a closed stdout; writes must fail, not vanish
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)  # noqa: SIM115 (the process's stdout)


def out(text: str, nl: bool = True) -> None:
    """Text to stdout, in UTF-8 whatever the locale (what Gongdan prints is Chinese as often
    as not, and JSON is UTF-8); a file name that is not UTF-8 as the bytes it is; a write
    that fails is reported."""
    out_bytes(_utf8(text + "\n" if nl else text))


def out_bytes(data: bytes) -> None:
    try:
        sys.stdout.flush()  # anything written as text first keeps its place
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except OSError as exc:
        raise _failed(exc) from None


def _utf8(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # half of a surrogate pair from a \u escape: shown as the escape
        return text.encode("utf-8", "backslashreplace")


def flush_stdout() -> None:
    """What is still buffered for stdout, written while a failure can be reported: at exit
    Python could only print a warning and exit 120."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError as exc:
        raise _failed(exc) from None


def _failed(exc: OSError) -> click.exceptions.Exit | Problem:
    if isinstance(exc, BrokenPipeError):
        return PipeClosed()
    _to_devnull(1)  # what is left in the buffer would fail again at exit
    return Problem(f"cannot write to stdout: {exc.strerror or exc}")


def _to_devnull(fd: int) -> None:
    to_devnull(sys.stdout if fd == 1 else sys.stderr, fd)
