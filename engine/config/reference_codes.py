"""Which diagnostic codes concern which config key, for the generated reference.

`KEYWORD_CODES` follows from the schema (a key with a `pattern` can fail `schema.pattern`);
`CHECK_CODES` names the semantic checks' codes by key path as the reference walks it
(`<shape>:` before a shared shape's keys). A test holds both to docs/config.md's code
table and to the schemas, so a code or a key cannot go missing from the reference.
"""
from __future__ import annotations

KEYWORD_CODES = {
    "type": "schema.type", "enum": "schema.enum", "const": "schema.const", "pattern": "schema.pattern",
    "minimum": "schema.minimum", "maximum": "schema.maximum", "minItems": "schema.min-items",
    "maxItems": "schema.max-items", "minLength": "schema.min-length", "maxLength": "schema.max-length",
    "propertyNames": "schema.invalid-key", "additionalProperties": "schema.unknown-key",
    "uniqueItems": "schema.unique-items",
}

UNKEYED_CODES = (
    "config.missing-file", "config.not-a-directory", "io.unreadable", "yaml.syntax", "yaml.encoding",
    "yaml.duplicate-key", "yaml.multi-document", "yaml.tag", "yaml.merge-key", "yaml.complex-key",
    "yaml.alias-bomb", "yaml.too-deep", "template.syntax", "template.name", "template.undefined-variable",
    "template.render", "template.budget", "template.recursion", "template.sms-too-long", "template.encoding",
    "template.unused", "template.unknown-prefix",
)
"""Codes about a whole file (its YAML, its presence) or a template file, not about a key."""

_MATCHER: dict[str, tuple[str, ...]] = {
    "category": ("ref.unknown-category",), "severity": ("ref.unknown-level",),
    "during": ("ref.unknown-calendar",), "outside": ("ref.unknown-calendar",),
}
_OPERATORS: dict[str, tuple[str, ...]] = {"regex": ("value.regex", "value.regex-ascii")}
_STEP: dict[str, tuple[str, ...]] = {
    "at": ("policy.step-order",), "after": ("value.duration", "policy.climb-without-after"),
    "notify": ("ref.unknown-recipient", "policy.channel-recipient", "policy.climb-without-manager"),
    "channels": ("policy.channel-recipient", "contact.missing"),
    "climb": ("policy.climb-without-manager", "policy.climb-without-after"),
}
_TARGET: dict[str, tuple[str, ...]] = {
    "response": ("value.duration", "sla.response-after-resolve", "sla.missing-target"),
    "resolve": ("value.duration", "sla.response-after-resolve", "sla.missing-target"),
    "calendar": ("ref.unknown-calendar",), "policy": ("ref.unknown-policy",),
}


def _shape(name: str, codes: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    return {f"{name}:{path}": found for path, found in codes.items()}


_CALENDAR = "calendars.<id>."
_PROFILE = "profiles.<id>."
_LAYER = "schedules.<id>.layers[]."
_OVERRIDE = "schedules.<id>.overrides[]."

CHECK_CODES: dict[str, dict[str, tuple[str, ...]]] = {
    "sla_profiles": {
        "levels": ("duplicate.level",),
        f"{_CALENDAR}timezone": ("value.timezone",),
        f"{_CALENDAR}week": ("value.window", "calendar.overlapping-windows", "calendar.duplicate-day",
                             "calendar.no-working-time"),
        f"{_CALENDAR}holidays": ("value.date", "calendar.duplicate-holiday", "calendar.holiday-on-day-off",
                                 "calendar.no-holidays"),
        f"{_CALENDAR}extends": ("ref.unknown-calendar", "calendar.extends-cycle"),
        f"{_CALENDAR}holiday_sets": ("ref.unknown-holiday-set",),
        f"{_CALENDAR}country": ("calendar.country-mismatch", "calendar.country-unknown", "calendar.no-holidays"),
        "holiday_sets": ("calendar.unused-holiday-set",),
        "profiles.<id>.overrides[].when": ("sla.override-never-matches", "value.boolean-string"),
        "target_matcher:team": ("ref.unknown-team",),
        "target_matcher:mode": ("ref.unknown-mode",),
        f"{_CALENDAR}workdays": ("value.date", "value.window", "calendar.overlapping-windows",
                                 "calendar.duplicate-workday", "calendar.workday-on-working-day"),
        "modes.default": ("ref.unknown-mode",),
        "modes.windows": ("mode.overlapping-windows",),
        "modes.windows[].mode": ("ref.unknown-mode",),
        "modes.windows[].start": ("value.datetime", "mode.window-order"),
        "modes.windows[].end": ("value.datetime", "mode.window-order"),
        "profiles": ("ref.unknown-mode", "roster.gap"),
        f"{_PROFILE}extends": ("ref.unknown-profile", "sla.extends-cycle"),
        f"{_PROFILE}calendar": ("ref.unknown-calendar",),
        f"{_PROFILE}policy": ("ref.unknown-policy",),
        f"{_PROFILE}targets": ("ref.unknown-level", "sla.missing-target"),
        "escalation_policies.<id>.response": ("policy.step-order",),
        "escalation_policies.<id>.resolve": ("policy.step-order",),
        "notifications.ticket_url": ("notify.ticket-url",),
        **_shape("target", _TARGET), **_shape("step", _STEP),
        **_shape("matcher", _MATCHER), **_shape("operators", _OPERATORS),
    },
    "rosters": {
        "people": ("duplicate.person",),
        "people[].manager": ("ref.unknown-person", "org.manager-cycle"),
        "people[].timezone": ("value.timezone",),
        "people[].contacts": ("contact.missing",),
        "schedules.<id>.timezone": ("value.timezone",),
        f"{_LAYER}members": ("ref.unknown-person", "roster.not-a-member"),
        f"{_LAYER}start": ("value.datetime", "roster.start-off-handoff"),
        f"{_LAYER}end": ("value.datetime", "roster.end-before-start"),
        f"{_LAYER}handoff": ("value.cron", "roster.cron-never-fires", "roster.start-off-handoff"),
        f"{_LAYER}active[].cron": ("value.cron", "roster.cron-never-fires"),
        f"{_LAYER}active[].for": ("value.duration",),
        f"{_OVERRIDE}person": ("ref.unknown-person", "roster.not-a-member"),
        f"{_OVERRIDE}start": ("value.datetime", "roster.end-before-start"),
        f"{_OVERRIDE}end": ("value.datetime", "roster.end-before-start"),
        "teams": ("duplicate.team",),
        "teams[].lead": ("ref.unknown-person",),
        "teams[].members": ("ref.unknown-person",),
        "teams[].group.dingtalk_group": ("policy.channel-recipient",),
        "teams[].duty": ("ref.unknown-mode", "roster.gap"),
        "teams[].duty.<id>.primary": ("ref.unknown-schedule", "roster.gap"),
        "teams[].duty.<id>.backup": ("ref.unknown-schedule",),
    },
    "categories": {
        "default.team": ("ref.unknown-team",),
        "default.severity": ("ref.unknown-level",),
        "category:key": ("duplicate.category",),
        "category:team": ("ref.unknown-team",),
        "category:severity": ("ref.unknown-level",),
        "category:routes": ("duplicate.route", "route.shadowed"),
        "category:routes[].team": ("ref.unknown-team",),
        "category:solution.runbook": ("solution.runbook",),
        "category:solution.checklist.zh": ("solution.checklist-too-long",),
        "category:solution.checklist.en": ("solution.checklist-too-long",),
        "category:solution.related": ("ref.unknown-category", "solution.related-self"),
        "category:solution.resolution_codes": ("duplicate.resolution-code",),
        **_shape("matcher", _MATCHER), **_shape("operators", _OPERATORS),
    },
    "rules": {
        "rules": ("rule.shadowed",),
        "rules[].id": ("duplicate.rule",),
        "rules[].then.team": ("ref.unknown-team",),
        "rules[].when": ("value.boolean-string",),
        "rules[].then.severity": ("ref.unknown-level",),
        **_shape("matcher", _MATCHER), **_shape("operators", _OPERATORS),
    },
    "views": {
        "views[].id": ("duplicate.view",),
        "views[].modes": ("ref.unknown-mode",),
        "views[].when": ("view.never-entered",),
        "views[].sla.escalation_level": ("view.never-entered",),
        "view_matcher:team": ("ref.unknown-team",),
        **_shape("view_matcher", _MATCHER), **_shape("operators", _OPERATORS),
    },
    "case": {
        "cases": ("case.shape",),
        "cases[].name": (),
        "cases[].steps": ("case.shape",),
        "cases[].given": ("case.shape",),
        "cases[].want": ("case.unknown-key", "case.shape"),
    },
}
