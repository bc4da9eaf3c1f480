"""`gongdan report`: statistics people look at, computed from the decisions `gongdan
evaluate -o` wrote. Decision lines are read and checked (`decisions`), folded into one
record per ticket (`tickets`), and the figures are computed once into a frozen tree
(`figures`, `groups`, `compare`) that every renderer only reads: HTML with server-side
SVG charts (`html`, `svg`), Markdown (`markdown`) and JSON (`jsonform`,
schemas/report.schema.json). Scheduled broadcasts (`broadcasts`: reports.yaml read with
every problem at its line; `messages`: what each recipient gets; `dryrun`: what a
broadcast would send at an instant).

Owns: `decisions`, `tickets`, `measures`, `figures`, `groups`, `build`, `compare`, `svg`,
`text`, `html`, `markdown`, `terminal`, `jsonform`, `broadcasts`, `messages`, `dryrun`.

May import: config (strict YAML with line numbers for reports.yaml; decisions are read as
JSON, the documented output of the engine, not as its classes, so a report can be made
from files written by any version).
"""
