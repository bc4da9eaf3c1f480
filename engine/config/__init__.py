"""Config reading: the strict YAML loader, the JSON Schemas, the value formats and the
frozen model of what a config dir says (`Config`), with a position for every node.

Owns: `source` (strict YAML, source maps), `schema` and its twin `schema_fast`, `values`
(durations, percentages, dates, windows, datetimes), `files` (which files a config dir
holds, read and schema-checked), `build` (data -> model), `model`, `chains` (the one
`extends` walk), `profiles` and `calendars` (`extends` resolved; holiday sets),
`holiday_sources` (the optional `holidays` extra), `solutions` (standard solutions down the category tree). May import:
diagnostics, errors, timecalc.
"""
