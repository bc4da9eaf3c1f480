"""Notification messages (SPEC §7): sandboxed Jinja2 templates per kind and channel, the
defaults in Chinese and English, config overrides by category prefix, and their checks."""
from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, meta, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from engine.diagnostics import Diagnostic, Severity, Span, suggest
from engine.errors import GongdanError
from engine.config.model import TemplateSource
from engine.notify.context import CONTEXT_VARIABLES, build_context, sample_context

__all__ = ["CHANNELS", "CONTEXT_VARIABLES", "KINDS", "LOCALES", "MAX_OUTPUT", "SMS_LIMIT",
           "RenderError", "Renderer", "TemplateName", "TemplateSource", "build_context",
           "check_templates", "default_sources", "fit", "parse_name", "sample_context"]

KINDS = ("assign", "remind", "breach", "escalate")
CHANNELS = ("dingtalk", "dingtalk_group", "email", "sms", "phone")
LOCALES = ("zh", "en")
SUBJECTLESS = frozenset({"sms", "phone"})
SMS_LIMIT = 70
MAX_OUTPUT = 4000          # characters per block; longer output is cut at a line and marked
TRUNCATED = {"zh": "…（内容过长，已截断）", "en": "… (truncated)"}
OVERRIDE_DIR = "templates"

# Jinja's default globals reach beyond the documented context (range(10**9), cycler...);
# these filters and str methods build output far larger than their input.
_UNSAFE_FILTERS = ("batch", "center", "format", "indent", "random", "slice")
_PADDING_METHODS = frozenset({"center", "expandtabs", "format", "format_map", "ljust", "rjust",
                              "zfill"})
_MAX_POWER_BITS = 4096
_MAX_TEXT = 100_000        # characters (or items) an intermediate `~` or `+` may build
JINJA_NAMES = frozenset({"self", "range", "lipsum", "dict", "cycler", "joiner", "namespace"})


class RenderError(GongdanError):
    """A template failed on a ticket although it passed the checks (names the template)."""


@dataclass(frozen=True, slots=True)
class TemplateName:
    """What an override's file name says: the category prefix it is for ("" for all)."""

    prefix: str
    kind: str
    channel: str


def fit(candidates: Iterable[Any], limit: int = SMS_LIMIT) -> str:
    """The `fit` filter: the first candidate of at most `limit` characters, else the
    shortest. Messages shrink by dropping whole parts, never by cutting a word."""
    texts = [str(c).strip() for c in candidates]
    for text in texts:
        if len(text) <= limit:
            return text
    return min(texts, key=len) if texts else ""


class _BoundedConcat(CodeGenerator):
    """Compiles `~` to the sandbox's bounded join: Jinja's own has no limit, so forty
    `{% set a = a ~ a %}` would build a terabyte string while the checks render it."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded_join((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class Sandbox(SandboxedEnvironment):
    """The sandbox every template runs in: no globals, size-bounded operators."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _BoundedConcat

    def bounded_join(self, parts: Iterable[Any]) -> str:
        text = "".join([str(part) for part in parts])
        if len(text) > _MAX_TEXT:
            raise SecurityError(f"joining text beyond {_MAX_TEXT} characters")
        return text

    def wrap_str_format(self, value: Any) -> None:
        """No `str.format`: a format spec pads without bound (is_safe_attribute refuses it)."""
        return

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _PADDING_METHODS:
            return False
        return bool(super().is_safe_attribute(obj, attr, value))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "%" and isinstance(left, str):
            raise SecurityError("'%' formatting of strings is not allowed in templates; use ~")
        if operator == "*":
            seq, count = (left, right) if isinstance(right, int) else (right, left)
            if isinstance(seq, (str, list, tuple)) and isinstance(count, int) \
                    and len(seq) * count > MAX_OUTPUT:
                raise SecurityError(f"repeating a sequence beyond {MAX_OUTPUT} items")
        if operator == "+" and isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)) \
                and len(left) + len(right) > _MAX_TEXT:
            raise SecurityError(f"adding sequences beyond {_MAX_TEXT} items")
        if operator == "**" and isinstance(left, int) and isinstance(right, int) \
                and abs(left).bit_length() * right > _MAX_POWER_BITS:
            raise SecurityError(f"power beyond {_MAX_POWER_BITS} bits")
        return super().call_binop(context, operator, left, right)


# Characters that open DingTalk markdown structures (links, images, emphasis, headings,
# quotes, tables, HTML such as <font>) and their full-width forms, which read the same in a
# Chinese message and mean nothing to the renderer; line breaks would start new blocks.
# (`_` and `~` stay: inside a word they format nothing, and ticket ids use them.)
_MARKDOWN_INERT = str.maketrans({"[": "［", "]": "］", "<": "＜", ">": "＞", "*": "＊", "`": "｀",
                                 "#": "＃", "|": "｜", "!": "！", "\n": " ", "\r": " "})


def md(value: Any) -> str:
    """The `md` filter: text a host sent (a ticket's title) made inert in a DingTalk
    markdown message, so a title cannot format, link or inject into the alert."""
    return str(value).translate(_MARKDOWN_INERT)


def _environment() -> Sandbox:
    env = Sandbox(undefined=StrictUndefined, autoescape=False, trim_blocks=True,
                  lstrip_blocks=True, keep_trailing_newline=False)
    env.globals.clear()
    for name in _UNSAFE_FILTERS:
        del env.filters[name]
    env.filters["fit"] = fit
    env.filters["md"] = md
    return env


ENVIRONMENT = _environment()


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
            text = "".join(parts)[:MAX_OUTPUT]
            cut = text.rfind("\n")
            cut = cut if cut > 0 else text.rfind(" ")
            return (text[:cut] if cut > 0 else text).rstrip() + "\n" + marker
    return "".join(parts).strip()


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
    """The compiled defaults, shared by every Renderer of the locale."""
    compiled = {}
    for source in default_sources(locale):
        parsed = parse_name(source.name.partition("/")[2])
        assert parsed is not None, source.name   # the shipped names are checked by the tests
        compiled[(parsed.kind, parsed.channel)] = (f"default:{source.name}",
                                                   ENVIRONMENT.from_string(source.text))
    return compiled


class Renderer:
    """The templates of one config and locale, compiled once; immutable, thread-safe."""

    __slots__ = ("_defaults", "_plain", "_prefixed", "locale")

    def __init__(self, locale: str, defaults: Mapping[tuple[str, str], Choice],
                 plain: Mapping[tuple[str, str], Choice],
                 prefixed: Mapping[tuple[str, str], tuple[tuple[str, Choice], ...]]) -> None:
        self.locale = locale
        self._defaults = defaults
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
        return cls(locale, _defaults(locale), plain, ordered)

    def choose(self, kind: str, channel: str, category: str = "") -> Choice:
        """The longest category-prefix override, else a plain override, else the default."""
        key = (kind, channel)
        if key not in self._defaults:
            raise ValueError(f"no template for kind {kind!r} and channel {channel!r}")
        for prefix, choice in self._prefixed.get(key, ()):
            if category == prefix or category.startswith(prefix + "/"):
                return choice
        return self._plain.get(key) or self._defaults[key]

    def template_name(self, kind: str, channel: str, category: str = "") -> str:
        """Which file renders this message (`default:zh/breach.sms.j2` for a default)."""
        return self.choose(kind, channel, category)[0]

    def render(self, kind: str, channel: str, context: Mapping[str, Any], category: str = ""
               ) -> tuple[str, str]:
        """(subject, body) for one notification; RenderError if the template fails."""
        name, template = self.choose(kind, channel, category)
        try:
            return render_template(template, channel, context, TRUNCATED[self.locale])
        except Exception as exc:  # a template's failure must not take the host down
            raise RenderError(f"{name}: {exc}") from exc


# --- checks ------------------------------------------------------------------------------

def check_templates(overrides: Sequence[TemplateSource], locale: str = "zh") -> list[Diagnostic]:
    """Every problem of every override: name, syntax, unknown variables, then a render of
    the sample ticket (sandbox refusals, unknown attributes) and the SMS length."""
    found: list[Diagnostic] = []
    for source in overrides:
        found.extend(_check_one(source, locale))
    return sorted(found, key=Diagnostic.sort_key)


def _check_one(source: TemplateSource, locale: str) -> list[Diagnostic]:
    parsed = parse_name(source.name)
    diags = [] if parsed is not None else [_bad_name(source.name)]
    try:
        tree = ENVIRONMENT.parse(source.text)
        template = ENVIRONMENT.from_string(tree)
    except TemplateSyntaxError as exc:
        return diags + [Diagnostic(Span(source.name, exc.lineno or 1, 1), "template.syntax",
                                   exc.message or str(exc))]
    unknown = _unknown_variables(source, tree) + _recursive_macros(source, tree)
    if unknown or parsed is None:
        return diags + unknown
    return _check_render(source, template, tree, parsed, locale)


def _recursive_macros(source: TemplateSource, tree: nodes.Template) -> list[Diagnostic]:
    """Macros that reach themselves, directly or through each other. The sandbox bounds
    what a template writes, not how long it runs: a macro calling itself twice a level
    runs 2^n times, which would hang `validate` and every render. Any mention of a macro
    inside another counts (a macro can be passed on under another name's call)."""
    macros = {m.name: m for m in tree.find_all(nodes.Macro)}
    mentions = {name: {n.name for n in m.find_all(nodes.Name) if n.ctx == "load" and n.name in macros}
                for name, m in macros.items()}
    diags = []
    for name, macro in macros.items():
        path = _cycle(name, mentions)
        if path:
            via = f" (through {', '.join(repr(m) for m in path[1:-1])})" if len(path) > 2 else ""
            diags.append(Diagnostic(Span(source.name, macro.lineno, 1), "template.recursion",
                                    f"macro {name!r} calls itself{via}",
                                    hint="notification templates may not recurse: write the levels out"))
    return diags


def _cycle(start: str, mentions: Mapping[str, set[str]]) -> list[str] | None:
    """A path of macro mentions from `start` back to itself, if there is one."""
    stack: list[list[str]] = [[start, callee] for callee in sorted(mentions[start])]
    seen: set[str] = set()
    while stack:
        path = stack.pop()
        if path[-1] == start:
            return path
        if path[-1] in seen:
            continue
        seen.add(path[-1])
        stack.extend(path + [callee] for callee in sorted(mentions[path[-1]]))
    return None


def _bad_name(name: str) -> Diagnostic:
    folder, _, base = name.rpartition("/")
    known = [f"{k}.{c}.j2" for k in KINDS for c in CHANNELS]
    close = difflib.get_close_matches(base, known, n=1, cutoff=0.6)
    hint = (f"did you mean {(folder + '/' if folder else '') + close[0]!r}?" if close else
            f"kinds: {', '.join(KINDS)}; channels: {', '.join(CHANNELS)}")
    return Diagnostic(Span(name), "template.name",
                      f"{base!r} is not <kind>.<channel>.j2", hint=hint)


def _unknown_variables(source: TemplateSource, tree: nodes.Template) -> list[Diagnostic]:
    """Names the context does not have; `self` is Jinja's own and refused too."""
    names = set(meta.find_undeclared_variables(tree))
    names |= {n.name for n in tree.find_all(nodes.Name) if n.name == "self"}
    diags = []
    for name in sorted(names - CONTEXT_VARIABLES.keys()):
        line, column = _first_mention(source.text, name)
        if name in JINJA_NAMES:
            diags.append(Diagnostic(Span(source.name, line, column), "template.undefined-variable",
                                    f"{name!r} is not available in Gongdan templates",
                                    hint="see docs/templates.md for the variables"))
            continue
        hint = suggest(name, CONTEXT_VARIABLES) or ("known: " + ", ".join(list(CONTEXT_VARIABLES)[:6])
                                                   + ", ...; see docs/templates.md")
        diags.append(Diagnostic(Span(source.name, line, column), "template.undefined-variable",
                                f"unknown variable {name!r}", hint=hint))
    return diags


def _first_mention(text: str, name: str) -> tuple[int, int]:
    pattern = re.compile(rf"(?<![\w.]){re.escape(name)}(?!\w)")
    for number, line in enumerate(text.splitlines(), 1):
        match = pattern.search(line)
        if match:
            return number, match.start() + 1
    return 1, 1


def _check_render(source: TemplateSource, template: Template, tree: nodes.Template,
                  parsed: TemplateName, locale: str) -> list[Diagnostic]:
    context = sample_context(locale, parsed.kind, parsed.channel)
    try:
        _, body = render_template(template, parsed.channel, context, TRUNCATED[locale])
    except Exception as exc:  # whatever a template raises is the config's problem
        return [Diagnostic(Span(source.name, _error_line(exc, template), 1), "template.render",
                           f"rendering the sample ticket fails: {exc}")]
    if parsed.channel == "sms" and len(body) > SMS_LIMIT:
        block = next((b for b in tree.find_all(nodes.Block) if b.name == "body"), None)
        return [Diagnostic(Span(source.name, block.lineno if block else 1, 1),
                           "template.sms-too-long",
                           f"the sample SMS is {len(body)} characters, over {SMS_LIMIT}",
                           Severity.WARNING, "drop optional parts with the `fit` filter")]
    return []


def _error_line(exc: BaseException, template: Template) -> int:
    """The template line of the innermost frame of the template's compiled code (blocks
    are called directly, so Jinja does not rewrite the traceback for us)."""
    line = 0
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return template.get_corresponding_lineno(line) if line else 1
