"""Notification text: templates per kind and channel, the shipped defaults in Chinese and
English, config overrides by category prefix, rendered in the sandbox."""
from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Template

from engine.config.model import TemplateSource
from engine.errors import GongdanError
from engine.notify.channels import CHANNELS, SUBJECTLESS
from engine.notify.native import NativeTemplate, translate
from engine.notify.sandbox import ENVIRONMENT, MAX_OUTPUT

KINDS = ("assign", "remind", "breach", "escalate", "acknowledged", "resolved")
LOCALES = ("zh", "en")
TRUNCATED = {"zh": "…（内容过长，已截断）", "en": "… (truncated)"}
OVERRIDE_DIR = "templates"


class RenderError(GongdanError):
    """A template failed on a ticket although it passed the checks (names the template)."""


@dataclass(frozen=True, slots=True)
class TemplateName:
    """What an override's file name says: the category prefix it is for ("" for all)."""

    prefix: str
    kind: str
    channel: str


def parse_name(name: str) -> TemplateName | None:
    """`templates/<prefix>/<kind>.<channel>.j2` -> its parts; None for another name."""
    rel = name[len(OVERRIDE_DIR) + 1:] if name.startswith(OVERRIDE_DIR + "/") else name
    folder, _, base = rel.rpartition("/")
    kind, dot, rest = base.partition(".")
    channel, _, ext = rest.partition(".")
    if not dot or ext != "j2" or kind not in KINDS or channel not in CHANNELS:
        return None
    return TemplateName(folder.strip("/"), kind, channel)


def _collect(chunks: Iterator[str], marker: str) -> str:
    """The block's text, cut at the last line break (else space) within MAX_OUTPUT and
    marked; rendering stops there."""
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        parts.append(chunk)
        size += len(chunk)
        if size > MAX_OUTPUT:
            return _cut("".join(parts), marker)
    return "".join(parts).strip()


def _finished(text: str, marker: str) -> str:
    """What `_collect` makes of a block's whole text."""
    return _cut(text, marker) if len(text) > MAX_OUTPUT else text.strip()


def _cut(text: str, marker: str) -> str:
    text = text[:MAX_OUTPUT]
    cut = text.rfind("\n")
    cut = cut if cut > 0 else text.rfind(" ")
    return (text[:cut] if cut > 0 else text).rstrip() + "\n" + marker


def _one_line(text: str) -> str:
    """Subjects, SMS and speech are one line (no header injection from a ticket title)."""
    return " ".join(text.split())


def render_template(template: Template, channel: str, context: Mapping[str, Any],
                    marker: str = TRUNCATED["zh"]) -> tuple[str, str]:
    """(subject, body) from the template's blocks; a template without a `body` block is
    the body as a whole; sms and phone have no subject and one line of body."""
    ctx = template.new_context(dict(context))
    subject = ""
    if channel not in SUBJECTLESS and "subject" in template.blocks:
        subject = _one_line(_collect(template.blocks["subject"](ctx), marker))
    block = template.blocks.get("body")
    body = _collect(block(ctx) if block is not None else template.root_render_func(ctx), marker)
    return subject, _one_line(body) if channel in SUBJECTLESS else body


def render_native(template: NativeTemplate, channel: str, context: Mapping[str, Any], marker: str
                  ) -> tuple[str, str]:
    """`render_template` for a default translated to Python (the same text: test_native.py)."""
    subject = ""
    if template.subject is not None and channel not in SUBJECTLESS:
        subject = _one_line(_finished(template.subject(context), marker))
    body = _finished(template.body(context), marker)
    return subject, _one_line(body) if channel in SUBJECTLESS else body


@cache
def default_sources(locale: str) -> tuple[TemplateSource, ...]:
    """The shipped templates for a locale (`<locale>/<kind>.<channel>.j2`)."""
    folder = resources.files("engine.notify") / "templates" / locale
    return tuple(TemplateSource(f"{locale}/{kind}.{channel}.j2",
                                (folder / f"{kind}.{channel}.j2").read_text(encoding="utf-8"))
                 for kind in KINDS for channel in CHANNELS)


Choice = tuple[str, Template]     # (template name, compiled template)


@cache
def _defaults(locale: str) -> dict[tuple[str, str], Choice]:
    """The defaults compiled by Jinja, shared by every Renderer of the locale (built on first
    use: a Renderer renders the defaults as Python)."""
    compiled = {}
    for source in default_sources(locale):
        parsed = parse_name(source.name.partition("/")[2])
        assert parsed is not None, source.name   # the shipped names are checked by the tests
        compiled[(parsed.kind, parsed.channel)] = (f"default:{source.name}",
                                                   ENVIRONMENT.from_string(source.text))
    return compiled


@cache
def _natives(locale: str) -> dict[tuple[str, str], NativeTemplate]:
    """The defaults of the locale translated to Python: what a Renderer renders them with,
    so Jinja compiles a default only for a preview or to say why one failed."""
    natives = {}
    for source in default_sources(locale):
        parsed = parse_name(source.name.partition("/")[2])
        assert parsed is not None, source.name   # the shipped names are checked by the tests
        natives[(parsed.kind, parsed.channel)] = translate(source.text)
    return natives


class Renderer:
    """The templates of one config and locale, compiled once; immutable, thread-safe."""

    __slots__ = ("_natives", "_plain", "_prefixed", "locale")

    def __init__(self, locale: str, plain: Mapping[tuple[str, str], Choice],
                 prefixed: Mapping[tuple[str, str], tuple[tuple[str, Choice], ...]]) -> None:
        self.locale = locale
        self._natives = _natives(locale)
        self._plain = plain
        self._prefixed = prefixed

    @classmethod
    def compile(cls, overrides: Sequence[TemplateSource] = (), locale: str = "zh") -> Renderer:
        """Defaults for `locale` with `overrides` on top. Trusts check_templates: a badly
        named override is skipped, a syntax error raises TemplateSyntaxError."""
        if locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r} (locales: {', '.join(LOCALES)})")
        plain: dict[tuple[str, str], Choice] = {}
        prefixed: dict[tuple[str, str], list[tuple[str, Choice]]] = {}
        for source in overrides:
            parsed = parse_name(source.name)
            if parsed is None:
                continue
            choice = (source.name, ENVIRONMENT.from_string(source.text))
            key = (parsed.kind, parsed.channel)
            if parsed.prefix:
                prefixed.setdefault(key, []).append((parsed.prefix, choice))
            else:
                plain[key] = choice
        ordered = {key: tuple(sorted(found, key=lambda p: -len(p[0])))
                   for key, found in prefixed.items()}
        return cls(locale, plain, ordered)

    def _key(self, kind: str, channel: str) -> tuple[str, str]:
        key = (kind, channel)
        if key not in self._natives:
            raise ValueError(f"no template for kind {kind!r} and channel {channel!r}")
        return key

    def _override(self, key: tuple[str, str], category: str) -> Choice | None:
        """The longest category-prefix override, else a plain override, else None."""
        for prefix, choice in self._prefixed.get(key, ()):
            if category == prefix or category.startswith(prefix + "/"):
                return choice
        return self._plain.get(key)

    def choose(self, kind: str, channel: str, category: str = "") -> Choice:
        """The longest category-prefix override, else a plain override, else the default."""
        key = self._key(kind, channel)
        return self._override(key, category) or _defaults(self.locale)[key]

    def default(self, kind: str, channel: str) -> Choice:
        """The shipped template of the locale, whatever the overrides (for previews)."""
        return _defaults(self.locale)[self._key(kind, channel)]

    def for_locale(self, locale: str) -> Renderer:
        """The same overrides over another locale's defaults (overrides are not per locale)."""
        if locale not in LOCALES:
            raise ValueError(f"unknown locale {locale!r} (locales: {', '.join(LOCALES)})")
        return Renderer(locale, self._plain, self._prefixed)

    def template_name(self, kind: str, channel: str, category: str = "") -> str:
        """Which file renders this message (`default:zh/breach.sms.j2` for a default)."""
        return self.choose(kind, channel, category)[0]

    def render(self, kind: str, channel: str, context: Mapping[str, Any], category: str = ""
               ) -> tuple[str, str]:
        """(subject, body) for one notification; RenderError if the template fails. A
        default renders as Python; should that fail, Jinja renders it and says why."""
        key = self._key(kind, channel)
        chosen = self._override(key, category)
        if chosen is None:
            with suppress(Exception):   # a context without the documented variables
                return render_native(self._natives[key], channel, context, TRUNCATED[self.locale])
            chosen = _defaults(self.locale)[key]
        name, template = chosen
        try:
            return render_template(template, channel, context, TRUNCATED[self.locale])
        except Exception as exc:  # a template's failure must not take the host down
            raise RenderError(f"{name}: {exc}") from exc
