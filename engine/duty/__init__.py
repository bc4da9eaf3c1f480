"""Duty: compiled schedules (layers, restrictions, overrides), teams with duty per mode
and the fallback primary -> backup -> lead, and duty reports (timeline, gaps, iCalendar).

Owns: `schedules`, `teams`, `reports`. May import: timecalc, config (value formats).
"""
