"""The checks of template overrides: names, syntax, unknown variables, recursive macros,
and a render of the sample ticket (sandbox refusals, SMS length)."""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from jinja2 import Template, TemplateSyntaxError, meta, nodes

from engine.config.model import TemplateSource
from engine.diagnostics import Diagnostic, Severity, Span, closest, suggest
from engine.notify.channels import CHANNELS, SMS_LIMIT
from engine.notify.context import CONTEXT_VARIABLES, sample_context
from engine.notify.render import (
    KINDS,
    TRUNCATED,
    TemplateName,
    parse_name,
    render_template,
)
from engine.notify.sandbox import ENVIRONMENT, JINJA_NAMES


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
    close = closest(base, known)
    hint = (f"did you mean {(folder + '/' if folder else '') + close!r}?" if close else
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
