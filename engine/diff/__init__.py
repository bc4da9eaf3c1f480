"""`gongdan diff`: what a change to a config does, in structure and in outcomes. Two
config dirs (or git revisions, `revisions`) are loaded, compared by meaning section by
section, and a corpus (event files and a generated probe set) is replayed through both
engines by the one replay code; the report renders as Markdown for a pull request, JSON
(schemas/diff.schema.json) or text.

Owns: `plan` (the driver), `sides`, `revisions`, `locate`, one module per structural
section (`categories`, `rules`, `sla`, `calendars`, `duty`, `templates`), the probe set
(`instants`, `witness`, `probes`), `outcomes` and `why`, the `model` and its renderers
(`markdown`, `plain`), and `words` (how values read).

May import: config, timecalc, routing, duty, sla, compile and runtime (the compiled
indexes it compares; the loader and the replay are handed in by the caller, see sides.py).
"""
