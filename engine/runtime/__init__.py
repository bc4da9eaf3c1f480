"""Runtime: one ticket event (or `due`) in, one `Decision` out, on a `Compiled` config.

Owns: `events` (parsing and checking events), `state` (checking a stored state),
`ticket` (state helpers, assignment, targets), `lifecycle` (each event type) and
`updates` (`updated` events), `timers` (plans, firing), `notifications` (recipients and
messages), `messages` (template context), `decision`, and `engine`, the thin `Engine`
facade. May import: diagnostics, errors, config, timecalc, routing, duty, sla, notify,
compile. The one evaluator: every entry point comes through here.
"""
