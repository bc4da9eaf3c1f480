"""Semantic checks over a built `Config` (references, cycles, rosters, SLA, templates).

Owns: one module per area of the config, each a set of functions `Config ->
Iterable[Diagnostic]`, and `registry`, the explicit table of every check by its stable
name. May import: diagnostics, config, timecalc, routing, duty, sla, notify and compile
(the roster gap check compiles the schedules it walks). Nothing imports it but the loader.
"""
