"""Duty schedules (PagerDuty-style layers, restrictions, overrides) compiled into flat
timelines that answer "who is on duty at instant t" with one bisect."""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from engine.timecalc.cron import WallCron
from engine.timecalc.intervals import merge

CHUNK_S = 90 * 86400.0
"""Timeline chunk length; chunk k covers [k * CHUNK_S, (k + 1) * CHUNK_S) in POSIX seconds."""

HANDOFF_HORIZON_S = 366 * 86400.0
"""How far `Schedule.next_handoffs` looks ahead by default."""

OnDuty = tuple[str | None, str | None]
"""(person, source): source is "<schedule>/<layer>" or "<schedule>/override"."""

NOBODY: OnDuty = (None, None)


@dataclass(frozen=True, slots=True)
class ActiveWindow:
    """A restriction window: opens at each `cron` occurrence for `duration_s` of wall-clock time."""

    cron: str
    duration_s: int


@dataclass(frozen=True, slots=True)
class Layer:
    """One rotation: `members` take turns, a new turn at every `turn_length` handoffs."""

    name: str
    members: tuple[str, ...]
    start: datetime
    handoff: str
    turn_length: int = 1
    active: tuple[ActiveWindow, ...] = ()
    end: datetime | None = None


@dataclass(frozen=True, slots=True)
class Override:
    """`person` is on duty over [start, end), whatever the layers say."""

    person: str
    start: datetime
    end: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ScheduleSpec:
    """A schedule as written in rosters.yaml; later layers win where they have someone."""

    id: str
    timezone: str
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()


@dataclass(frozen=True, slots=True)
class Segment:
    """A stretch [start, end) with one person (or nobody) on duty from one source."""

    start: float
    end: float
    person: str | None
    source: str | None


@dataclass(frozen=True, slots=True)
class _Steps:
    """A step function: values[i] holds on [starts[i], starts[i + 1])."""

    starts: tuple[float, ...]
    values: tuple[OnDuty, ...]

    def at(self, ts: float) -> OnDuty:
        return self.values[bisect_right(self.starts, ts) - 1]


def _steps(points: Sequence[tuple[float, OnDuty]]) -> _Steps:
    """Steps from (start, value) points sorted by start; a later point at the same start
    wins, and a point equal to the one before it is dropped."""
    starts: list[float] = []
    values: list[OnDuty] = []
    for start, value in points:
        if starts and starts[-1] == start:
            starts.pop()
            values.pop()
        if not values or values[-1] != value:
            starts.append(start)
            values.append(value)
    return _Steps(tuple(starts), tuple(values))


@dataclass(frozen=True, slots=True)
class _LayerPlan:
    """A layer with its instants resolved and its cron expressions parsed."""

    source: str
    members: tuple[str, ...]
    turn_length: int
    start: float
    end: float
    handoff: WallCron
    active: tuple[tuple[WallCron, float], ...]

    @classmethod
    def of(cls, schedule_id: str, layer: Layer, tz: ZoneInfo) -> _LayerPlan:
        # Checks guarantee members are non-empty, turn_length >= 1 and crons are valid.
        end = math.inf if layer.end is None else layer.end.timestamp()
        active = tuple((WallCron.parse(w.cron, tz), float(w.duration_s)) for w in layer.active)
        return cls(f"{schedule_id}/{layer.name}", layer.members, layer.turn_length,
                   layer.start.timestamp(), end, WallCron.parse(layer.handoff, tz), active)

    def person(self, turn: int) -> str:
        return self.members[(turn // self.turn_length) % len(self.members)]

    def steps(self, c0: float, c1: float) -> _Steps:
        """This layer alone over the chunk [c0, c1)."""
        lo, hi = max(c0, self.start), min(c1, self.end)
        if lo >= hi:
            return _Steps((c0,), (NOBODY,))
        turn = self.handoff.count(self.start, lo)
        handoffs = self.handoff.instants(lo, hi)
        opens, closes = self._windows(lo, hi)
        cuts = sorted({lo, *handoffs, *opens, *closes} - {hi})
        points: list[tuple[float, OnDuty]] = [(c0, NOBODY)]
        for cut in cuts:
            i = bisect_right(opens, cut) - 1
            on = i >= 0 and cut < closes[i]
            who = self.person(turn + bisect_right(handoffs, cut)) if on else None
            points.append((cut, (who, self.source if on else None)))
        if hi < c1:
            points.append((hi, NOBODY))
        return _steps(points)

    def _windows(self, lo: float, hi: float) -> tuple[list[float], list[float]]:
        """Opening and closing instants of the merged restriction windows within [lo, hi)."""
        if not self.active:
            return [lo], [hi]
        merged = merge(s for cron, length in self.active for s in cron.windows(lo, hi, length))
        return [s[0] for s in merged], [s[1] for s in merged]


def _override_steps(schedule_id: str, overrides: tuple[Override, ...]) -> _Steps:
    """All overrides as one step function; where they overlap the later-listed one wins."""
    spans = [(o.start.timestamp(), o.end.timestamp(), o.person) for o in overrides]
    cuts = sorted({-math.inf, *(s[0] for s in spans), *(s[1] for s in spans)})
    points: list[tuple[float, OnDuty]] = []
    for cut in cuts:
        covering = [person for start, end, person in spans if start <= cut < end]
        points.append((cut, (covering[-1], f"{schedule_id}/override") if covering else NOBODY))
    return _steps(points)


def _quiet_after(layers: tuple[_LayerPlan, ...], overrides: tuple[Override, ...]) -> float:
    """An instant after which nothing changes any more (inf while a layer runs forever)."""
    ends = [layer.end for layer in layers] + [o.end.timestamp() for o in overrides]
    return max(ends, default=-math.inf)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A compiled schedule. Immutable from outside and safe to share between threads.

    Its timeline is built lazily in aligned chunks of `CHUNK_S` seconds; a finished chunk is
    published with one dict operation (atomic in CPython), and a lookup in a built chunk is
    a dict get plus a bisect. Two threads may build the same chunk; both results are equal.
    """

    id: str
    timezone: str
    _layers: tuple[_LayerPlan, ...] = field(repr=False)
    _overrides: _Steps = field(repr=False)
    _quiet_after: float = field(repr=False)
    _overrides_written: tuple[Override, ...] = field(default=(), repr=False)
    _chunks: dict[int, _Steps] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def compile(cls, spec: ScheduleSpec) -> Schedule:
        """Compile a validated `ScheduleSpec`; nothing is expanded until first looked up."""
        tz = ZoneInfo(spec.timezone)
        layers = tuple(_LayerPlan.of(spec.id, layer, tz) for layer in spec.layers)
        overrides = tuple(o for o in spec.overrides if o.start < o.end)
        return cls(spec.id, spec.timezone, layers, _override_steps(spec.id, overrides),
                   _quiet_after(layers, overrides), overrides)

    def override_reason(self, ts: float) -> str | None:
        """The `reason` of the override in force at `ts` (the later-listed where two
        overlap, as in `who`), for traces and duty reports; None without one."""
        for override in reversed(self._overrides_written):
            if override.start.timestamp() <= ts < override.end.timestamp():
                return override.reason or None
        return None

    def who(self, ts: float) -> OnDuty:
        """(person, source) on duty at POSIX instant `ts`; (None, None) when nobody is."""
        k = int(ts // CHUNK_S)
        steps = self._chunks.get(k) or self._chunk(k)
        return steps.values[bisect_right(steps.starts, ts) - 1]

    def who_dt(self, at: datetime) -> OnDuty:
        """`who` for an aware datetime; a naive one raises ValueError."""
        if at.tzinfo is None or at.utcoffset() is None:
            raise ValueError(f"naive datetime {at.isoformat()} has no timezone")
        return self.who(at.timestamp())

    def segments(self, start_ts: float, end_ts: float) -> list[Segment]:
        """The timeline over [start_ts, end_ts), neighbours with equal person and source merged."""
        if end_ts <= start_ts:
            return []
        out: list[Segment] = []
        since, current = start_ts, self.who(start_ts)
        for ts, value in self._changes(start_ts, end_ts):
            out.append(Segment(since, ts, *current))
            since, current = ts, value
        out.append(Segment(since, end_ts, *current))
        return out

    def gaps(self, start_ts: float, end_ts: float) -> list[tuple[float, float]]:
        """Stretches of [start_ts, end_ts) with nobody on duty."""
        return [(s.start, s.end) for s in self.segments(start_ts, end_ts) if s.person is None]

    def next_handoffs(
        self, ts: float, n: int, *, within_s: float = HANDOFF_HORIZON_S
    ) -> list[tuple[float, str | None]]:
        """The next `n` instants after `ts` (at most `within_s` ahead) where the person on
        duty changes, each with the new person (None: nobody from then on)."""
        out: list[tuple[float, str | None]] = []
        if n <= 0:
            return out
        person = self.who(ts)[0]
        until = min(ts + within_s, math.nextafter(self._quiet_after, math.inf))
        for at, (who, _) in self._changes(ts, until):
            if who != person:
                out.append((at, who))
                person = who
                if len(out) == n:
                    break
        return out

    def _changes(self, after: float, before: float) -> Iterator[tuple[float, OnDuty]]:
        """Points where the value changes, after < ts < before, in order."""
        current = self.who(after)
        for k in range(int(after // CHUNK_S), math.ceil(before / CHUNK_S)):
            steps = self._chunk(k)
            for i in range(bisect_right(steps.starts, after), len(steps.starts)):
                if steps.starts[i] >= before:
                    return
                if steps.values[i] != current:
                    current = steps.values[i]
                    yield steps.starts[i], current

    def _chunk(self, k: int) -> _Steps:
        steps = self._chunks.get(k)
        if steps is None:
            steps = self._chunks.setdefault(k, self._build(k * CHUNK_S, (k + 1) * CHUNK_S))
        return steps

    def _build(self, c0: float, c1: float) -> _Steps:
        """The chunk [c0, c1): overrides over the last layer with someone on duty."""
        layers = [layer.steps(c0, c1) for layer in self._layers]
        cuts = {c0, *(s for steps in layers for s in steps.starts)}
        i = bisect_right(self._overrides.starts, c0)
        cuts.update(s for s in self._overrides.starts[i:] if s < c1)
        points = [(cut, self._resolve(cut, layers)) for cut in sorted(cuts)]
        return _steps(points)

    def _resolve(self, ts: float, layers: list[_Steps]) -> OnDuty:
        override = self._overrides.at(ts)
        if override[0] is not None:
            return override
        for steps in reversed(layers):
            value = steps.at(ts)
            if value[0] is not None:
                return value
        return NOBODY
