"""`gongdan validate`: schema and semantic checks of a config dir, for people and for CI."""
from __future__ import annotations

import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import click

from engine.cli.common import Exit, parse_option_time, warn
from engine.cli.streams import out
from engine.config.holiday_sources import INSTALL_HINT, available
from engine.config.source import load_yaml
from engine.diagnostics import RENDERERS, Diagnostic, Span
from engine.loader import MAX_GAP_DAYS, check


def _relative_to_cwd(diags: list[Diagnostic], root: Path) -> list[Diagnostic]:
    """Spans named as the user reaches the files from here (`conf/rosters.yaml`)."""
    if root == Path("."):
        return diags
    return [replace(d, span=Span(str(root / d.span.file), d.span.line, d.span.column)) for d in diags]


def _summary(diags: list[Diagnostic], shown: int) -> str:
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    text = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    if shown < len(diags):
        text += f" ({len(diags) - shown} not shown; raise --max-errors)"
    return text


def _config_dir(positional: Path | None, option: Path | None) -> Path:
    """The config dir, given as CONFIG_DIR or as `--config` like the other commands take it."""
    if positional is not None and option is not None and not _same_dir(positional, option):
        raise click.UsageError(f"two config dirs: {str(positional)!r} and --config {str(option)!r}; give one")
    return option or positional or Path(".")


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return a == b or a.samefile(b)
    except OSError:
        return False


def _unchecked_countries(config_dir: Path) -> None:
    """An info line (never a diagnostic) when calendars declare a country that cannot be
    compared because the `holidays` extra is not installed."""
    doc, _ = load_yaml(config_dir / "sla_profiles.yaml")
    data = doc.data if doc is not None and isinstance(doc.data, dict) else {}
    calendars = data.get("calendars")
    if not isinstance(calendars, dict):
        return
    named = [cid for cid, cal in calendars.items() if isinstance(cal, dict) and "country" in cal]
    if named and not available():   # importing the libraries costs time: only when asked
        warn(f"gongdan: info: calendar {', '.join(named)} declares a country, but its public holidays were not "
             f"compared: the `holidays` extra is not installed ({INSTALL_HINT})")


_DIR = click.Path(file_okay=False, path_type=Path)


@click.command()
@click.argument("config_arg", required=False, metavar="[CONFIG_DIR]", type=_DIR)
@click.option("--config", "config_opt", default=None, type=_DIR,
              help="the config dir (default: here), as the other commands take it; or give it as CONFIG_DIR")
@click.option("--format", "fmt", type=click.Choice(list(RENDERERS)), default="text",
              show_default=True, help="text for people, json for tools, github for PR annotations")
@click.option("--strict", is_flag=True, help="warnings fail the run too")
@click.option("--max-errors", type=click.IntRange(min=1), default=None,
              help="print at most this many diagnostics")
@click.option("--gap-days", type=click.IntRange(min=0, max=MAX_GAP_DAYS), default=28, show_default=True,
              help=f"look this many days ahead for roster gaps (0: do not look; at most {MAX_GAP_DAYS})")
@click.option("--gaps-from", "gaps_from", default=None, metavar="DATETIME",
              help="look for roster gaps from this RFC 3339 time instead of now")
@click.option("--mode", default=None, help="look for roster gaps as if the host forced this mode throughout "
              "(default: the mode the windows put in force at each instant)")
def validate(config_arg: Path | None, config_opt: Path | None, fmt: str, strict: bool,
             max_errors: int | None, gap_days: int, gaps_from: str | None, mode: str | None) -> None:
    """Check a config dir (default: here) against the schemas and semantic rules."""
    config_dir = _config_dir(config_arg, config_opt)
    now = parse_option_time(gaps_from, "--gaps-from") if gaps_from else datetime.now(UTC)
    if gap_days == 0 and (gaps_from or mode):  # either would be ignored: they only steer the gap check
        raise click.UsageError(f"{'--gaps-from' if gaps_from else '--mode'} has no effect with "
                               "--gap-days 0 (the roster gap check is off)")
    diags = _relative_to_cwd(check(config_dir, now=now if gap_days else None, gap_days=gap_days, mode=mode),
                             config_dir)
    _unchecked_countries(config_dir)
    shown = diags[:max_errors] if max_errors else diags
    out(RENDERERS[fmt](shown), nl=False)
    failed = any(d.is_error or strict for d in diags)
    verdict = "invalid" if failed else "valid"
    warn(f"{config_dir}: {verdict}: {_summary(diags, len(shown))}")
    sys.exit(Exit.PROBLEMS if failed else Exit.OK)
