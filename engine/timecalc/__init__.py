"""Pure time arithmetic: business calendars, cron on a wall clock, the one DST rule,
half-open intervals, and which mode is in force at an instant.

Owns: `calendar`, `years` (a local year's intervals and bucket tables), `cron`,
`wallclock`, `intervals`, `modes`. May import: nothing of the
library (it is the bottom stage; croniter and zoneinfo only).
"""
