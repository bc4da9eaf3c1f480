"""Loopback HTTP receivers for the channel tests: a real server in a thread on 127.0.0.1:0
that records each request and answers through a function the test gives."""
from __future__ import annotations

import contextlib
import json
import threading
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SLOW_REPLY_BOUND_S = 5.0     # a slow reply waits at most this long for the test to end


@dataclass(frozen=True)
class Request:
    """One request as the receiver saw it."""

    method: str
    path: str
    raw_query: str
    headers: dict[str, str]          # lower-case names
    body: bytes

    @property
    def query(self) -> dict[str, list[str]]:
        """The query string, percent-decoded."""
        return urllib.parse.parse_qs(self.raw_query, keep_blank_values=True)

    def json(self) -> Any:
        """The body as JSON."""
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """What the receiver answers. `slow`: answer only when the test ends (a timeout)."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    slow: bool = False


def json_reply(data: object, status: int = 200) -> Reply:
    """A JSON answer."""
    return Reply(status, json.dumps(data).encode(), (("content-type", "application/json"),))


Answer = Callable[[Request], Reply]


@dataclass
class Receiver:
    """A running receiver; `url` is its base address, `requests` what it got, in order."""

    answer: Answer
    requests: list[Request] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    def start(self) -> Receiver:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def close(self) -> None:
        self.released.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            path, _, query = self.path.partition("?")
            request = Request(self.command, path, query,
                              {k.lower(): v for k, v in self.headers.items()},
                              self.rfile.read(length))
            receiver.requests.append(request)
            reply = receiver.answer(request)
            if reply.slow:
                receiver.released.wait(SLOW_REPLY_BOUND_S)
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # client gave up
                self._write(reply)

        def _write(self, reply: Reply) -> None:
            self.send_response(reply.status)
            for name, value in reply.headers:
                self.send_header(name, value)
            self.send_header("content-length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

    return Handler
