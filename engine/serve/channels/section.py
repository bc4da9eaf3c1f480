"""One section of the channels file as its factory reads it: typed values whose errors name
the key (`email.port: ...`), and secrets read from the environment variables the file names.
A value is never echoed in an error: a secret pasted where a name belongs stays out of logs."""
from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import httpx

from engine import GongdanError

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_TIMEOUT_S = 120.0      # an outbox worker waits no longer than this on one receiver


class ChannelConfigError(GongdanError):
    """A channels file the service cannot use; `.messages` has one line per problem found."""

    def __init__(self, messages: Sequence[str]) -> None:
        self.messages = tuple(messages)
        super().__init__("\n".join(self.messages))


@dataclass(frozen=True, slots=True)
class Section:
    """A mapping in the channels file at `path` (`dingtalk_group.trade-order-robot`; the
    empty path is the top level)."""

    path: str
    data: Mapping[str, Any]
    env: Mapping[str, str]
    base_dir: Path

    @classmethod
    def of(cls, path: str, value: object, env: Mapping[str, str], base_dir: Path) -> Section:
        """`value` as a section; it must be a mapping with text keys."""
        shown = path or "(top level)"
        if not isinstance(value, dict):
            raise ChannelConfigError([f"{shown}: expected a mapping, got {kind(value)}"])
        for key in value:
            if not isinstance(key, str):
                raise ChannelConfigError([f"{shown}: keys must be text, got {kind(key)}"])
        return cls(path, value, env, base_dir)

    def child(self, key: str) -> Section:
        """The mapping under `key`."""
        return Section.of(self.where(key), self.data.get(key), self.env, self.base_dir)

    def where(self, key: str | None) -> str:
        """The dotted path of `key` in the file (of the section itself for None)."""
        if key is None:
            return self.path or "(top level)"
        return f"{self.path}.{key}" if self.path else key

    def fail(self, key: str | None, problem: str) -> NoReturn:
        """Raise the error `{path}.{key}: {problem}`."""
        raise ChannelConfigError([f"{self.where(key)}: {problem}"])

    def only(self, allowed: Collection[str]) -> None:
        """Refuse a key that is not in `allowed`, with a did-you-mean hint."""
        for key in self.data:
            if key not in allowed:
                self.fail(key, f"unknown key ({hint(key, allowed)})")

    def text(self, key: str, default: str | None = None) -> str:
        """A non-empty string; required unless a default is given."""
        value = self._value(key, default)
        if not isinstance(value, str) or not value.strip():
            self.fail(key, f"expected text, got {kind(value)}")
        return value

    def number(self, key: str, default: float, maximum: float = MAX_TIMEOUT_S) -> float:
        """Seconds: a number above 0 and at most `maximum`."""
        value = self._value(key, default)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= maximum:
            return float(value)
        self.fail(key, f"expected seconds above 0 and at most {maximum:g}, got {kind(value)}")

    def integer(self, key: str, low: int, high: int, default: int | None = None) -> int:
        """A whole number from `low` to `high`."""
        value = self._value(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(key, f"expected a whole number from {low} to {high}, got {kind(value)}")
        return value

    def choice(self, key: str, options: Sequence[str], default: str) -> str:
        """One of `options`."""
        value = self._value(key, default)
        if value not in options:
            got = repr(value) if isinstance(value, str) else kind(value)   # a mode, not a secret
            self.fail(key, f"expected one of {', '.join(options)}, got {got}")
        return str(value)

    def secret(self, key: str) -> str:
        """The value of the environment variable that `key` names (required, not empty)."""
        name = self.env_name(key)
        value = self.env.get(name)
        if value is None:
            self.fail(key, f"environment variable {name} is not set")
        if not value:
            self.fail(key, f"environment variable {name} is empty")
        return value

    def optional_secret(self, key: str) -> str | None:
        """`secret(key)` when the key is given, else None."""
        return self.secret(key) if key in self.data else None

    def env_name(self, key: str) -> str:
        """The environment variable name written under `key`."""
        name = self.text(key)
        if not ENV_NAME.fullmatch(name):
            self.fail(key, "expected the name of an environment variable (letters, digits, _)")
        return name

    def url(self, key: str, default: str | None = None) -> str:
        """An http or https URL with a host, written in the file."""
        value = self.text(key, default)
        if not is_http_url(value):
            self.fail(key, "expected an http or https URL with a host")
        return value

    def url_either(self, key: str, env_key: str) -> str:
        """A URL written under `key` or held by the environment variable `env_key` names (for a
        URL that carries a token): exactly one of the two."""
        if (key in self.data) == (env_key in self.data):
            given = "not both" if key in self.data else "one is required"
            self.fail(None, f"give {key} or {env_key}, {given}")
        if key in self.data:
            return self.url(key)
        value = self.secret(env_key)
        if not is_http_url(value):
            name = self.env_name(env_key)
            self.fail(env_key, f"environment variable {name} is not an http(s) URL with a host")
        return value

    def file_path(self, key: str) -> Path:
        """A file path, relative to the channels file's folder unless absolute."""
        return self.base_dir / self.text(key)

    def _value(self, key: str, default: object) -> object:
        if key in self.data:
            return self.data[key]
        if default is None:
            self.fail(key, "required")
        return default


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL with a host, which httpx can parse."""
    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError, ValueError):
        return False
    return url.scheme in ("http", "https") and bool(url.host) and value == value.strip()


def kind(value: object) -> str:
    """What a YAML value is, in words (never the value itself, which may be a secret)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else (
        type(value).__name__)


def hint(word: str, candidates: Collection[str]) -> str:
    """`did you mean 'host'?`, or the known keys when none is close."""
    options = sorted(candidates)
    close = difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else "known: " + ", ".join(options)
