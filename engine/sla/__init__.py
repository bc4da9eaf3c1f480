"""SLA: targets per mode and level, the response and resolve clocks (every due-time
computation on them), and escalation policies as timers up the management chain.

Owns: `profiles`, `clocks`, `escalation`. May import: timecalc, config, routing (the
matcher of a profile override).
"""
