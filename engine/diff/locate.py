"""Where a config thing is written, as `file:line` the report can show: a schedule, a
layer, a profile's target, a calendar, a mode window, a policy, a team, a rule."""
from __future__ import annotations

from engine.config.model import Config, Loc, ProfileDef


class Locator:
    """`file:line` of what one side's config writes; paths carry the side's prefix (the
    config's folder in the repository) so a reviewer can open them."""

    __slots__ = ("_config", "_prefix")

    def __init__(self, config: Config, prefix: str) -> None:
        self._config = config
        self._prefix = prefix

    def path(self, where: str) -> str:
        """A config-relative `file:line` (from a trace or a compiled index) as shown."""
        return self._prefix + where

    def at(self, loc: Loc, *sub: str | int) -> str:
        span = self._config.span(loc, *sub)
        return f"{self._prefix}{span.file}:{span.line}"

    def schedule(self, sid: str, layer: str | None = None) -> str | None:
        found = self._config.schedules.get(sid)
        if found is None:
            return None
        if layer == "override":
            return self.at(found.loc, "overrides")
        for each in found.layers:
            if each.name == layer:
                return self.at(each.loc)
        return self.at(found.loc)

    def calendar(self, cid: str) -> str | None:
        found = self._config.calendars.get(cid)
        return self.at(found.loc) if found is not None else None

    def policy(self, pid: str | None) -> str | None:
        found = self._config.policies.get(pid or "")
        return self.at(found.loc) if found is not None else None

    def window(self, name: str) -> str | None:
        found = next((w for w in self._config.modes.windows if w.name == name), None)
        return self.at(found.loc) if found is not None else None

    def modes(self) -> str:
        return self.at(self._config.modes.loc)

    def team(self, tid: str) -> str | None:
        found = next((t for t in self._config.teams if t.id == tid), None)
        return self.at(found.loc) if found is not None else None

    def rule(self, rid: str) -> str | None:
        found = next((r for r in self._config.rules if r.id == rid), None)
        return self.at(found.loc) if found is not None else None

    def target(self, pid: str, level: str) -> str | None:
        """The level's target where it is written: the profile or the one it extends."""
        for profile in self._chain(pid):
            if level in profile.targets:
                return self.at(profile.targets[level].loc)
        return None

    def override(self, pid: str, index: int) -> str | None:
        """An override of a profile where it is written (overrides are inherited whole)."""
        for profile in self._chain(pid):
            if profile.overrides is not None:
                found = profile.overrides
                return self.at(found[index].loc) if index < len(found) else None
        return None

    def profile(self, pid: str) -> str | None:
        found = self._config.profiles.get(pid)
        return self.at(found.loc) if found is not None else None

    def _chain(self, pid: str) -> list[ProfileDef]:
        """The profile and its `extends` ancestors, nearest first (a loop is cut)."""
        chain: list[ProfileDef] = []
        current = self._config.profiles.get(pid)
        while current is not None and current not in chain:
            chain.append(current)
            current = self._config.profiles.get(current.extends or "")
        return chain
