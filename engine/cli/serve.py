"""`gongdan serve`: run the host service (needs the `serve` extra)."""
from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from engine.cli.common import config_option

if TYPE_CHECKING:
    from engine.serve.service import Options


@click.command()
@config_option
@click.option("--store", "store_url", default="sqlite:///gongdan.db", show_default=True,
              help="the store URL: sqlite:///relative.db, sqlite:////absolute.db, or postgresql://user@host/db "
                   "(postgresql:///db?host=/socket/dir) for several replicas on one database")
@click.option("--listen", default="127.0.0.1:8080", show_default=True, metavar="HOST:PORT",
              help="where to listen (port 0: any free port, printed at start)")
@click.option("--channels", "channels_file", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="the channels file (endpoints; secrets come from the environment)")
@click.option("--clock", type=click.Choice(["wall", "replay"]), default="wall", show_default=True,
              help="replay: time is the latest event's `at`, so a recorded stream fires its due steps")
@click.option("--watch", is_flag=True, help="reload the config when a file in it changes")
@click.option("--workers", type=click.IntRange(min=1, max=64), default=1, show_default=True,
              help="service processes on this machine sharing the address and the store (each decides, "
                   "stores and delivers; SO_REUSEPORT spreads connections across them)")
@click.option("--outbox-workers", type=click.IntRange(min=0, max=64), default=2, show_default=True,
              help="delivery threads per service process")
@click.option("--max-queue", type=click.IntRange(min=1), default=2000, show_default=True,
              help="write jobs queued for the store's writer past which events are answered 503 with Retry-After")
@click.option("--retention-days", type=click.FloatRange(min=0), default=90.0, show_default=True,
              help="closed tickets, sent deliveries and answered Idempotency-Keys older than this are "
                   "deleted (hourly, in small transactions); 0 keeps everything")
@click.option("--replica", default=None, help="this process's name among replicas (default: host-pid-random)")
@click.option("--migrate", is_flag=True, help="apply the store's migrations, print the schema version and exit")
def serve(config_dir: Path, store_url: str, listen: str, channels_file: Path | None, clock: str, watch: bool,
          workers: int, outbox_workers: int, max_queue: int, retention_days: float, replica: str | None,
          migrate: bool) -> None:
    """Serve the engine over HTTP: store tickets, fire due steps, deliver notifications.

    Bearer tokens come from GONGDAN_TOKENS="host1:token1,host2:token2"; without any, only
    loopback clients are accepted. SIGHUP or POST /-/reload reloads the config."""
    try:
        from engine.serve.api.http import parse_tokens
        from engine.serve.app import run
        from engine.serve.channels.config import load_channels
        from engine.serve.service import Options, Service
    except ImportError as exc:
        raise click.ClickException(f"{exc}: install the serve extra (pip install 'gongdan[serve]')") from None
    if migrate:
        _migrate(store_url)
        return
    try:
        tokens = parse_tokens(os.environ.get("GONGDAN_TOKENS"))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if workers > 1 and clock == "replay":
        raise click.UsageError("--clock replay takes its time from the events one process sees: use --workers 1")
    if workers > 1 and not hasattr(signal, "sigtimedwait"):
        raise click.UsageError("--workers needs Linux (SO_REUSEPORT spreading connections, sigtimedwait)")
    options = Options(config_dir=config_dir, store_url=store_url, clock=clock, watch=watch, tokens=tokens,
                      outbox_workers=outbox_workers, max_queue=max_queue, retention=retention_days * 86400.0,
                      replica=replica, workers=workers)
    channels = dict(load_channels(channels_file).by_name)   # a bad channels file stops the start here
    if workers > 1:
        _supervise(options, channels_file, listen)
        return
    service = Service(options, channels)
    try:
        run(service, listen, lambda url: click.echo(f"gongdan serve: listening on {url}", err=True))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _supervise(options: Options, channels_file: Path | None, listen: str) -> None:
    """--workers N: the supervisor, until SIGTERM or SIGINT."""
    from engine.serve.app import listen_address
    from engine.serve.workers import Supervisor
    shown = listen.rpartition(":")[0] or "127.0.0.1"
    from engine.serve.store import StoreUnavailable
    try:
        host, port = listen_address(listen)
        supervisor = Supervisor(options, channels_file, host, port)
    except (ValueError, StoreUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {listen}: {exc.strerror or exc}") from None
    code = supervisor.run(lambda bound: click.echo(f"gongdan serve: listening on http://{shown}:{bound} "
                                                   f"({options.workers} workers)", err=True))
    if code:
        raise SystemExit(code)


def _migrate(store_url: str) -> None:
    """Open the store (which applies what migrations it lacks) and close it."""
    from engine.serve.store import StoreUnavailable
    from engine.serve.store.urls import open_store
    try:
        store = open_store(store_url)
    except (ValueError, StoreUnavailable) as exc:
        raise click.ClickException(str(exc)) from None
    store.close()
    click.echo(f"gongdan serve: {store.url} is at schema version {store.schema_version}")
