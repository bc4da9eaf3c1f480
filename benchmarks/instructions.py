"""Instruction counts for routing and created decisions: repeatable where wall time drifts.

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=consume_iterator \\
        python benchmarks/instructions.py {dict,route,created,created-dict,due,created-floor,due-floor} \\
            [views [N] | scale]
    python benchmarks/instructions.py {replay,replay-render,render,render-sandboxed} [LINES]

divide callgrind's `Collected` by 2,000. Only the `deque(map(...), maxlen=0)` loop is
counted: CPython runs a zero-length deque's input through `consume_iterator`, which
nothing else here calls, so the config generation, loading and warm-up run with
collection off. (`--toggle-collect=deque_extend`, the command before, also counted every
`deque.extend` Jinja's template parser makes while `engine.load` compiles the notification
templates: 10.3M instructions at f70d108, 16.9M by a4b5e95, whatever the loop costs.) The config is the scale
generator's at 500 categories (fast to load under valgrind; a route's cost does not
depend on the category count), with 50 rules; `views` adds its views.yaml (N views in both
modes, default 6: one of each kind the reference config has) and standard solutions, the
rest of the config unchanged, and `scale` takes run.py's full scale config (5,000
categories, where fewer tickets reach a rule). `created-dict` is the
created decision through `to_dict(with_state=False, render=False)`, where a decision's
views and solution are read; `due` fires each new ticket's first step (`Engine.due` on
the state as a host passes it, recipients resolved, nothing rendered); `created-floor` and
`due-floor` build the same decisions' objects from known answers (`floor.py`: the floor
issue #19 measures against). Set PYTHONHASHSEED=0 for the same count twice.
"""
from __future__ import annotations

import sys
import tempfile
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from events import created_events
from floor import created_floor, due_floor
from run import _tickets, due_cases
from scale import Scale, write

import engine

N = 2000


def replay(render: bool, count: int) -> None:
    """The reference config replaying the example stream's first `count` lines (1,500 by
    default), each decision written as `gongdan evaluate` writes it; counted twice (the
    first pass also warms the memos)."""
    from engine.jsonio import dumps_line
    from engine.replay.lines import split_lines
    from engine.replay.stream import replay as replayed
    repo = Path(__file__).resolve().parents[1]
    eng = engine.load(repo)
    with (repo / "examples" / "double11-events.jsonl").open("rb") as stream:
        lines = list(split_lines(stream))[:count]

    def one(decision: Any) -> bytes:
        return dumps_line(decision.to_dict(with_state=False, render=render))
    deque(map(one, replayed(eng, lines)), maxlen=0)
    deque(map(one, replayed(eng, lines)), maxlen=0)


def render(count: int, sandboxed: bool) -> None:
    """Rendering alone: every notification the example stream's first `count` lines send
    (1,500: 966 notifications), its context built and its text rendered as a decision
    does (`Decision._render`), each state as it stood when the notification was sent.
    `sandboxed`: through the Jinja sandbox, the defaults' text given as config overrides."""
    import copy
    from datetime import datetime

    from engine.config.model import TemplateSource
    from engine.notify.render import Renderer, default_sources
    from engine.replay.lines import split_lines
    from engine.replay.stream import replay as replayed
    from engine.runtime.messages import build_context
    repo = Path(__file__).resolve().parents[1]
    eng = engine.load(repo)
    compiled = eng.compiled
    renderer = compiled.renderer
    if sandboxed:
        renderer = Renderer.compile([TemplateSource("templates/" + s.name.partition("/")[2], s.text)
                                     for s in default_sources(compiled.locale)], compiled.locale)
    with (repo / "examples" / "double11-events.jsonl").open("rb") as stream:
        lines = list(split_lines(stream))[:count]
    cases = [(copy.deepcopy(d.state), n) for d in replayed(eng, lines) for n in d.sent]
    print(f"{len(cases)} notifications", file=sys.stderr)

    def one(case: tuple[dict[str, Any], dict[str, Any]]) -> Any:
        state, sent = case
        fired = datetime.fromisoformat(sent["at"]).timestamp()
        context = build_context(compiled, state, sent, fired, compiled.locale, compiled.ticket_url)
        return renderer.render(sent["kind"], sent["channel"], context, state["category"]["id"])
    for case in cases:   # warm, uncounted
        one(case)
    deque(map(one, cases), maxlen=0)   # the counted part: divide by the notifications


def main() -> None:
    what = sys.argv[1] if len(sys.argv) > 1 else "route"
    if what in ("replay", "replay-render"):
        replay(what == "replay-render", int(sys.argv[2]) if len(sys.argv) > 2 else 1500)
        return
    if what in ("render", "render-sandboxed"):
        render(int(sys.argv[2]) if len(sys.argv) > 2 else 1500, what == "render-sandboxed")
        return
    featured = sys.argv[2:3] == ["views"]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 6
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "cfg"
        if sys.argv[2:3] == ["scale"]:  # the full scale config of run.py (5,000 categories)
            write(root, Scale())
        else:
            write(root, Scale(categories=500, teams=50, people=500, rules=50, views=count if featured else 0,
                              solutions=featured))
        eng = engine.load(root)
    events = list(created_events(sorted(eng.compiled.categories), N))
    tickets = _tickets(events)
    categories, route = eng.compiled.categories, eng.compiled.router.route

    def one_route(t: dict[str, Any]) -> Any:
        t["tags"] = list(t["tags"])  # the rule pass extends a ticket's tags in place
        return route(t, None)

    def one_created(e: dict[str, Any]) -> Any:
        return eng.evaluate(e)

    def one_created_dict(e: dict[str, Any]) -> Any:
        return eng.evaluate(e).to_dict(with_state=False, render=False)

    def one_due(case: tuple[dict[str, Any], Any]) -> Any:
        return eng.due(*case)

    def one_lookup(t: dict[str, Any]) -> Any:
        return categories.get(t["category"])

    if what == "created-floor":
        return measure(created_floor(eng, events), events)
    if what == "due-floor":
        cases = due_cases(eng, events)
        return measure(due_floor(eng, cases), cases)

    runs: dict[str, tuple[Callable[[Any], Any], list[Any]]] = {
        "dict": (one_lookup, tickets), "route": (one_route, tickets), "created": (one_created, events),
        "created-dict": (one_created_dict, events), "due": (one_due, due_cases(eng, events) if what == "due" else [])}
    measure(*runs[what])


def measure(one: Callable[[Any], Any], items: list[Any]) -> None:
    for item in items:  # warm every memo the loop will meet
        one(dict(item) if isinstance(item, dict) else item)
    deque(map(one, items), maxlen=0)  # the counted part


if __name__ == "__main__":
    main()
