"""Wiring: the Starlette app around a `Service`, and running it under uvicorn, in the
foreground (`gongdan serve`) or in a thread (tests, benchmarks), on a socket bound first
so port 0 can be asked for and the port known before a request is made."""
from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from engine.serve.api import routes
from engine.serve.api.events import post_events
from engine.serve.api.http import problem_response
from engine.serve.problems import Problem
from engine.serve.service import Service
from engine.serve.store import StoreUnavailable


async def _http_error(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    slug = {404: "not-found", 405: "method-not-allowed"}.get(status, "unavailable")
    response = problem_response(Problem(status, slug, f"{request.method} {request.url.path}: "
                                        f"{getattr(exc, 'detail', 'error')}"))
    response.headers.update(getattr(exc, "headers", None) or {})   # Allow, on a 405
    return response


async def _store_unavailable(request: Request, exc: Exception) -> Response:
    """The database could not be reached: nothing of the request is known to be stored, so
    the client must send it again (an event sent again is recognised by its natural key)."""
    return problem_response(Problem(503, "unavailable", f"the store cannot be reached, send again: {exc}"))


def build_app(service: Service) -> Starlette:
    """The ASGI app; its lifespan starts and stops the service."""
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()

    app = Starlette(routes=routes(), lifespan=lifespan,
                    exception_handlers={404: _http_error, 405: _http_error, StoreUnavailable: _store_unavailable})
    app.state.service = service
    return app


class FastEvents:
    """`POST /v1/events`, the one hot route, handed to its handler directly; everything else
    (and every other method on it) goes through the Starlette app. Its middleware and router
    would only wrap `send` three times and match the path against every route, per event;
    the handler answers every error it knows as problem+json itself, and the store's
    unavailability is answered here as the app's handler answers it."""

    def __init__(self, app: Starlette) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/v1/events" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        scope["app"] = self.app   # what Starlette sets: handlers find the service through it
        request = Request(scope, receive)
        try:
            response = await post_events(request)
        except StoreUnavailable as exc:
            response = await _store_unavailable(request, exc)
        await response(scope, receive, send)


def asgi_app(service: Service) -> ASGIApp:
    """What uvicorn serves: the app with the fast path for events in front."""
    return FastEvents(build_app(service))


def bind(host: str, port: int) -> socket.socket:
    """A listening socket (port 0: the system picks one; read it with getsockname())."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto given explicitly: asyncio sets TCP_NODELAY on accepted sockets only when their
    # proto says TCP, and without it every response waits out the client's delayed ACK (40 ms)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def server(service: Service, sock: socket.socket, **config: Any) -> uvicorn.Server:
    """A uvicorn server for the service on a bound socket."""
    host, port = sock.getsockname()[:2]
    cfg = uvicorn.Config(asgi_app(service), host=host, port=port, log_level=config.pop("log_level", "warning"),
                         lifespan="on", access_log=False, **config)
    return uvicorn.Server(cfg)


class ServerThread:
    """The service under uvicorn in a background thread, for tests and benchmarks."""

    def __init__(self, service: Service, host: str = "127.0.0.1", port: int = 0) -> None:
        self.service = service
        self.sock = bind(host, port)
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        self.server = server(service, self.sock)
        self._thread = threading.Thread(target=self._run, name="gongdan-uvicorn", daemon=True)
        self.error: BaseException | None = None
        self._ended = False

    def _run(self) -> None:
        try:
            asyncio.run(self.server.serve(sockets=[self.sock]))
        except BaseException as exc:  # reported to the starter
            self.error = exc
        finally:
            self._ended = True
            self.service.ready.set()   # let a waiting start() see the end

    def start(self, timeout: float = 30.0) -> ServerThread:
        self._thread.start()
        if not self.service.ready.wait(timeout) or self._ended:
            self._thread.join(timeout)
            raise RuntimeError(f"the service did not start: {self.error!r}")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(30.0)
        self.sock.close()

    def __enter__(self) -> ServerThread:  # final in practice
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def listen_address(listen: str) -> tuple[str, int]:
    """HOST:PORT (an IPv6 host in brackets) as (host, port); ValueError naming what is wrong."""
    host, _, port = listen.rpartition(":")
    if not port.isdigit() or int(port) > 65535:
        raise ValueError(f"--listen {listen!r}: expected HOST:PORT with a port from 0 to 65535")
    return host.strip("[]") or "127.0.0.1", int(port)


def run(service: Service, listen: str, announce: Any = None) -> None:
    """Serve in the foreground until SIGINT/SIGTERM; `announce(url)` is told the bound
    address. ValueError when the address cannot be listened on."""
    host, port = listen_address(listen)
    try:
        sock = bind(host, port)
    except OSError as exc:
        raise ValueError(f"cannot listen on {listen}: {exc.strerror or exc}") from None
    bound = sock.getsockname()[1]
    if announce is not None:
        announce(f"http://{listen.rpartition(':')[0] or '127.0.0.1'}:{bound}")
    server(service, sock, log_level="info").run(sockets=[sock])
