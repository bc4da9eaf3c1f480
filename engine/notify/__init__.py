"""Notification text: the channels, the Jinja2 sandbox, the shipped templates and
overrides, the documented template context, and the checks of template overrides.

Owns: `channels`, `sandbox` and its render `budget`, `render`, the defaults as Python
(`native`), `context`, `template_checks`, `templates/`. May import: diagnostics, errors, config, timecalc.
"""
