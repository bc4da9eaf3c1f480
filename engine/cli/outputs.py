"""Where a command writes its output: stdout, streamed; a file, replaced atomically (a
temporary file beside it, fsync, rename), so that a run that fails or is killed leaves the
old file whole; a device or a pipe named as a file, streamed. Write errors name the output."""
from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import stat
import sys
from types import TracebackType
from typing import IO

import click

from engine.cli.common import to_devnull
from engine.cli.inputs import Input
from engine.cli.streams import PipeClosed, Problem

OUTPUT_HINT = "'-o' / '--output'"


class Sink:
    """An opened output, written in bytes. `commit` makes a file's new content its content;
    leaving the `with` block without a commit keeps the old one."""

    def __init__(self, name: str, stream: IO[bytes], replacing: tuple[str, str] | None = None,
                 is_stdout: bool = False) -> None:
        self.name = name                # as the user gave it
        self.stream = stream
        self.replacing = replacing      # (temporary file, file it replaces)
        self.is_stdout = is_stdout
        self.done = False

    def write(self, data: bytes) -> None:
        try:
            self.stream.write(data)
        except OSError as exc:
            raise self._failed(exc) from None

    def commit(self) -> None:
        """Everything written, on disk and under the file's name."""
        try:
            self.stream.flush()
            if self.replacing is not None:
                temporary, target = self.replacing
                os.fsync(self.stream.fileno())
                self.stream.close()
                os.replace(temporary, target)
                _sync_folder(target)
            elif not self.is_stdout:
                self.stream.close()
        except OSError as exc:
            raise self._failed(exc) from None
        self.done = True

    def discard(self) -> None:
        """Give up: a file keeps its old content (the temporary file is removed)."""
        if self.done:
            return
        self.done = True
        if not self.is_stdout:
            with contextlib.suppress(OSError):
                self.stream.close()
        if self.replacing is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.replacing[0])

    def __enter__(self) -> Sink:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.discard()

    def _failed(self, exc: OSError) -> click.exceptions.Exit | Problem:
        self.discard()
        if isinstance(exc, BrokenPipeError):
            return PipeClosed()
        if self.is_stdout:  # what is left in its buffer would fail again at exit
            to_devnull(sys.stdout, 1)
        where = "stdout" if self.is_stdout else repr(self.name)
        kept = " (the file keeps its old content)" if self.replacing and os.path.exists(self.replacing[1]) else ""
        return Problem(f"cannot write to {where}: {exc.strerror or exc}{kept}")


def open_output(name: str, source: Input | None) -> Sink:
    """The output `-o NAME` names (`-` for stdout). Usage errors (exit 2), before anything
    is opened for writing: a directory, the input itself (by any name: a symlink, a hard
    link), a folder where no file can be made."""
    if name == "-":
        _not_the_input(_fd_identity(sys.stdout), source, "stdout")
        return Sink(name, sys.stdout.buffer, is_stdout=True)
    target = os.path.realpath(name)  # through a symlink: the file it names is replaced, not the link
    try:
        info: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise click.BadParameter(f"'{name}': {exc.strerror or exc}", param_hint=OUTPUT_HINT) from None
    if info is not None:
        _not_the_input((info.st_dev, info.st_ino), source, f"'{name}'")
        if stat.S_ISDIR(info.st_mode):
            raise click.BadParameter(f"'{name}': a directory, not a file", param_hint=OUTPUT_HINT)
        if not stat.S_ISREG(info.st_mode):  # /dev/null, a pipe: there is no file to replace
            return _stream(name, target)
    return _beside(name, target, info)


def _beside(name: str, target: str, info: os.stat_result | None) -> Sink:
    """A temporary file in the target's folder (a rename is atomic within a file system),
    with the old file's permissions, or the umask's for a new one."""
    folder, base = os.path.split(target)
    if not os.path.isdir(folder):
        raise click.BadParameter(f"'{name}': no such directory '{folder}'", param_hint=OUTPUT_HINT)
    temporary = os.path.join(folder, f".{base}.{secrets.token_hex(4)}.gongdan-tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    except OSError as exc:
        raise click.BadParameter(f"'{name}': cannot make a file in '{folder}' to replace it with: "
                                 f"{exc.strerror or exc}", param_hint=OUTPUT_HINT) from None
    if info is not None:
        with contextlib.suppress(OSError):
            os.fchmod(fd, stat.S_IMODE(info.st_mode))
    return Sink(name, os.fdopen(fd, "wb"), (temporary, target))


def _stream(name: str, target: str) -> Sink:
    try:  # non-blocking: a FIFO nobody reads is an error now, not a wait for ever
        fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        why = "nobody is reading this named pipe (FIFO)" if exc.errno == errno.ENXIO else exc.strerror
        raise click.BadParameter(f"'{name}': {why or exc}", param_hint=OUTPUT_HINT) from None
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return Sink(name, os.fdopen(fd, "wb"))


def _not_the_input(identity: tuple[int, int] | None, source: Input | None, what: str) -> None:
    if identity is not None and source is not None and identity == source.identity:
        shown = "stdin" if source.name == "-" else f"'{source.name}'"
        raise click.BadParameter(f"{what} is the input file {shown}: writing it would lose the events; "
                                 "write the decisions to another file", param_hint=OUTPUT_HINT)


def _fd_identity(stream: IO[str] | None) -> tuple[int, int] | None:
    try:
        info = os.fstat(stream.fileno()) if stream is not None else None
    except (OSError, ValueError):  # no descriptor (a test runner's buffer)
        return None
    return (info.st_dev, info.st_ino) if info is not None and stat.S_ISREG(info.st_mode) else None


def _sync_folder(path: str) -> None:
    """The rename itself on disk (best effort: not every file system can sync a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(os.path.dirname(path), os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
