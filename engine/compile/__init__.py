"""Compile: a checked `Config` into the immutable `Compiled` the evaluator only looks
things up in (rule index, category tables, calendars, schedules, profiles, policies,
templates), resolved once.

Owns: `compiled` (the one frozen object and its named caches), one module per area, and
`compiler`, which runs them. May import: diagnostics, errors, config, timecalc, routing,
duty, sla, notify. Compile trusts the checks: where it relies on one, the line says which.
"""
