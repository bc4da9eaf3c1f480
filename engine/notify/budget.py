"""What one render of a template may spend: loop iterations, and the characters that
filters, calls, joins and operators build or read. Every size bound the sandbox keeps is
here, so the template cannot escape one by taking another road (a filter instead of `~`,
a loop instead of a filter)."""
from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterable, Iterator, KeysView, Sized, ValuesView
from typing import Any

from jinja2 import Template, pass_context
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context

MAX_TEXT = 100_000          # characters (or items, counted deep) any one value may hold
MAX_ITERATIONS = 100_000    # loop iterations per render, nested loops counted together
MAX_LOOP_DEPTH = 20         # levels of a `recursive` loop
# Units of work per render: a character read or built by a filter, test, call, join,
# comparison or operator, and each template node a loop iteration runs. The default
# templates spend under 5,000; a million is a fraction of a second at worst.
MAX_WORK = 1_000_000
# The budget rides in the render's context under a name no template can write (it is not
# an identifier); derived contexts (calls inside loops) copy it by reference.
_KEY = "<render budget>"


class BudgetExceeded(SecurityError):
    """A render went over its budget: too many loop iterations, too much work, or a value
    too large. The checks report it as `template.budget`; at run time it is a RenderError."""


class RenderBudget:
    """The spending of one render. Each render has its own (made with its context), so an
    Engine's templates can render in many threads at once."""

    __slots__ = ("iterations", "work")

    def __init__(self) -> None:
        self.iterations = 0
        self.work = 0

    def iterate(self) -> None:
        self.iterations += 1
        if self.iterations > MAX_ITERATIONS:
            raise BudgetExceeded(f"more than {MAX_ITERATIONS} loop iterations in one render")

    def spend(self, units: int) -> None:
        self.work += units
        if self.work > MAX_WORK:
            raise BudgetExceeded(f"more than {MAX_WORK} steps of work in one render")

    def admit(self, estimate: int, what: str) -> None:
        """Refuse before building a value that would hold more than MAX_TEXT characters."""
        if estimate > MAX_TEXT:
            raise BudgetExceeded(f"{what} would build more than {MAX_TEXT} characters")
        self.spend(estimate)

    def bounded(self, value: Any, what: str) -> Any:
        """`value`, charged to the budget; refused if it holds more than MAX_TEXT characters."""
        self.admit(len(value) if type(value) is str else text_size(value), what)
        return value


class BudgetedTemplate(Template):
    """A template whose every context carries a fresh RenderBudget."""

    def new_context(self, vars: dict[str, Any] | None = None, shared: bool = False,
                    locals: Any = None) -> Context:
        return super().new_context({**(vars or {}), _KEY: RenderBudget()}, shared, locals)


def budget_of(context: Context) -> RenderBudget:
    """The render's budget; a context made outside BudgetedTemplate gets one of its own."""
    budget = context.parent.get(_KEY) or context.vars.get(_KEY)
    if not isinstance(budget, RenderBudget):
        budget = context.vars[_KEY] = RenderBudget()
    return budget


def text_size(value: Any, limit: int = MAX_TEXT) -> int:
    """About how many characters `value` holds as text: a string's length (which the hot
    callers read inline, without the call), a container's items and everything inside
    them (a list of one long string repeated is as long as the text it joins to).
    Counting stops past `limit`, so it costs at most that much."""
    if type(value) is str:
        return len(value)
    total = 0
    stack = [value]
    while stack and total <= limit:
        item = stack.pop()
        if isinstance(item, (str, bytes)):
            total += len(item)
        elif isinstance(item, (list, tuple, set, frozenset, KeysView, ValuesView, ItemsView)):
            total += len(item)
            stack.extend(item)
        elif isinstance(item, dict):
            total += len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, int) and not isinstance(item, bool):
            total += item.bit_length() // 3 + 1
        else:
            total += 1
    return total


def ticking(budget: RenderBudget, iterable: Iterable[Any], cost: int = 1) -> Iterator[Any]:
    """`iterable`, one iteration and `cost` units of work charged per item."""
    for item in iterable:
        budget.iterate()
        budget.spend(cost)
        yield item


@pass_context
def loop_budget(context: Context, iterable: Iterable[Any], cost: int) -> Iterator[Any]:
    """What every `{% for %}` iterates (the sandbox's code generator puts it there); `cost`
    is the size of the loop in template nodes, so a long body costs more per item."""
    return ticking(budget_of(context), iterable, cost)


def _replace_size(text: Any, old: Any, new: Any, count: Any = -1) -> int:
    """The exact length of `text.replace(old, new, count)`: `replace("", x)` inserts x
    between every two characters, so it is counted before it is built."""
    text, old, new = str(text), str(old), str(new)
    found = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _join_size(items: Any, separator: Any = "", attribute: Any = None) -> int:
    count = len(items) if isinstance(items, Sized) else 1
    return text_size(items) + max(count - 1, 0) * text_size(separator)


def _per_item_size(text: Any, *args: Any, **kwargs: Any) -> int:
    """A bound for filters that may add their arguments' text around every character
    (`wordwrap`'s wrapstring, `urlize`'s target and rel)."""
    extra = sum(len(a) for a in (*args, *kwargs.values()) if isinstance(a, str))
    return text_size(text) + (text_size(text) + 1) * extra


def _sum_work(items: Any, attribute: Any = None, start: Any = 0) -> int:
    """`sum` of lists copies every partial sum: quadratic in the items."""
    if isinstance(start, (list, tuple)) and isinstance(items, Sized):
        return len(items) * text_size(items)
    return 0


# Filters whose output can outgrow their input by a factor their arguments choose: their
# size is known (or bounded) before they run, so the value is refused before it exists.
_ESTIMATES: dict[str, Callable[..., int]] = {
    "replace": _replace_size,
    "join": _join_size,
    "wordwrap": _per_item_size,
    "urlize": _per_item_size,
}
# Filters whose time grows faster than what they read and build.
_EXTRA_WORK: dict[str, Callable[..., int]] = {"sum": _sum_work}


_PLAIN = frozenset({str, list, tuple, dict, int, float, bool})


def _passing(func: Callable[..., Any]) -> Callable[[Context], tuple[Any, ...]]:
    """What Jinja passes before the value to a filter or test marked pass_context,
    pass_eval_context or pass_environment (the wrappers below are all pass_context)."""
    passes = getattr(getattr(func, "jinja_pass_arg", None), "name", None)
    if passes == "context":
        return lambda context: (context,)
    if passes == "eval_context":
        return lambda context: (context.eval_ctx,)
    if passes == "environment":
        return lambda context: (context.environment,)
    return lambda context: ()


def budgeted_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """`func` with its input read from the budget, its output bounded and charged. An
    iterator input (`map`, `select`) is read into a list first, so it is bounded too."""
    estimate, extra_work, passed = _ESTIMATES.get(name), _EXTRA_WORK.get(name), _passing(func)
    what = f"the {name!r} filter"

    @pass_context
    def filtered(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        budget = budget_of(context)
        if type(value) not in _PLAIN and not isinstance(value, Sized) and isinstance(value, Iterable):
            value = list(value)
        budget.spend(len(value) if type(value) is str else text_size(value))
        if estimate is not None:
            budget.admit(estimate(value, *args, **kwargs), what)
        if extra_work is not None:
            budget.spend(extra_work(value, *args, **kwargs))
        return budget.bounded(func(*passed(context), value, *args, **kwargs), what)
    return filtered


def budgeted_test(func: Callable[..., Any]) -> Callable[..., Any]:
    """A Jinja test (`is in`, `is eq`) with what it reads charged to the budget."""
    passed = _passing(func)

    @pass_context
    def tested(context: Context, value: Any, *args: Any, **kwargs: Any) -> Any:
        budget_of(context).spend(text_size(value) + sum(text_size(a) for a in args))
        return func(*passed(context), value, *args, **kwargs)
    return tested


@pass_context
def charged(context: Context, value: Any) -> Any:
    """`value`, its size charged: an operand of `==`, `in`, `<` or a slice, which take
    time with the size of what they read."""
    budget_of(context).spend(1 + (len(value) if type(value) is str else text_size(value)))
    return value


def _str_method_size(method: Any, args: tuple[Any, ...]) -> int | None:
    """The size of `str.replace` and `str.join` results before they are built."""
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    if not isinstance(owner, str):
        return None
    if name == "replace" and 2 <= len(args) <= 3:
        return _replace_size(owner, *args)
    if name == "join" and len(args) == 1 and isinstance(args[0], Sized):
        return _join_size(args[0], owner)
    return None


def budgeted_call(context: Context, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any],
                  call: Callable[..., Any]) -> Any:
    """A call from a template (a method, a macro, `loop(...)`), charged and bounded: its
    arguments, its result, and the object a method may have grown (`list.extend`)."""
    budget = budget_of(context)
    if isinstance(getattr(func, "__self__", None), str) and getattr(func, "__name__", "") == "join" \
            and args and not isinstance(args[0], Sized):
        args = (list(args[0]), *args[1:])
    budget.spend(sum(text_size(a) for a in args) + sum(text_size(v) for k, v in kwargs.items()
                                                       if not k.startswith("_")))
    estimate = _str_method_size(func, args)
    if estimate is not None:
        budget.admit(estimate, f"{func.__name__}()")
    result = budget.bounded(call(func, *args, **kwargs), "a call")
    owner = getattr(func, "__self__", None)
    if isinstance(owner, (list, dict, set)):
        budget.bounded(owner, f"{func.__name__}()")
    return result
