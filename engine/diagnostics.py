"""Spans and diagnostics: where a config problem is, what it is, and how to print it."""
from __future__ import annotations

import difflib
import enum
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass


class Severity(enum.Enum):
    """How bad a diagnostic is; `--strict` makes warnings fail too."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A 1-based position in a config file (path relative to the config dir)."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if not self.line:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a config: sortable by file, line, column, then code."""

    span: Span
    code: str
    message: str
    severity: Severity = Severity.ERROR
    hint: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)

    def __lt__(self, other: Diagnostic) -> bool:
        return self.sort_key() < other.sort_key()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def render(self) -> str:
        """The text form: `file:line:col: error[code]: message (hint)`."""
        text = f"{self.span}: {self.severity.value}[{self.code}]: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.span.file,
            "line": self.span.line,
            "column": self.span.column,
            "severity": self.severity.value,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate a misspelt `word` most likely meant (case slips first), or None."""
    options = sorted(candidates)
    same_letters = [c for c in options if c.lower() == word.lower()]
    close = same_letters or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(word: str, candidates: Iterable[str], *, list_known: bool = True) -> str | None:
    """The one `did you mean` hint for a misspelt name; without a close match, the known
    names when they are few (and `list_known`)."""
    options = sorted(candidates)
    match = closest(word, options)
    if match is not None:
        return f"did you mean {match!r}?"
    if list_known and 0 < len(options) <= 8:
        return "known: " + ", ".join(options)
    return None


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by position and without exact repeats (two checks may see one problem)."""
    return sorted(set(diags), key=Diagnostic.sort_key)


def render_text(diags: Iterable[Diagnostic]) -> str:
    return "".join(d.render() + "\n" for d in diags)


def render_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([d.to_dict() for d in diags], ensure_ascii=False, indent=2) + "\n"


def _github_escape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def render_github(diags: Iterable[Diagnostic], root: str = "") -> str:
    """GitHub Actions workflow commands, one annotation per diagnostic."""
    lines = []
    for d in diags:
        path = f"{root.rstrip('/')}/{d.span.file}" if root else d.span.file
        where = f"file={_github_escape(path, prop=True)}"
        if d.span.line:
            where += f",line={d.span.line},col={d.span.column}"
        title = _github_escape(d.code, prop=True)
        message = d.message + (f" ({d.hint})" if d.hint else "")
        lines.append(f"::{d.severity.value} {where},title={title}::{_github_escape(message)}\n")
    return "".join(lines)


RENDERERS: dict[str, Callable[[Iterable[Diagnostic]], str]] = {
    "text": render_text, "json": render_json, "github": render_github}
