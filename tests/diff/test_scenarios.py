"""`gongdan diff` on real git repositories: one kind of change per test, each committed on
a branch over `main` (the minimal config), and the exact rows of the JSON report.

The probe tickets' names say what they exercise (`probe shop/order`, `probe rule vip`,
`probe P2 @ night 2026-11-10 23:00`); their instants come from the configs alone (the
quiet week after the rosters start is 2026-11-09), so these rows do not depend on the day
the suite runs.
"""
from __future__ import annotations

import json
from typing import Any

from diff.repos import Repo


def diff_json(repo: Repo, *args: str) -> tuple[int, dict[str, Any]]:
    code, out, err = repo.diff("main", "change", "--format", "json", *args)
    assert err == ""
    return code, json.loads(out)


def structure(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(s["kind"], r["subject"], r["field"], r["before"], r["after"], r["where"], r["note"])
            for s in report["structure"] for r in s["rows"]]


def outcomes(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(r["ticket"], r["field"], r["before"], r["after"], r["why"]) for r in report["outcomes"]["rows"]]


def change(repo: Repo, edit: Any) -> dict[str, Any]:
    repo.branch("change")
    edit(repo)
    repo.commit("the change under test")
    code, report = diff_json(repo)
    assert code == 0
    assert report["outcomes"]["unexercised"] == []
    return report

KA_MERCHANT = """  - id: ka-merchant
    when: {fields.merchant_tier: KA, category: {prefix: shop/}}
    then: {team: shop-sre}
    stop: true
"""
ORDER_PRIMARY_TURNS = """        members: [alice, carol, dave]
        start: 2026-11-02T{start}
        handoff: "0 {hour} * * 1\""""
SMS = "【{{{{ level.label }}}}】{{{{ ticket.id }}}} {{{{ clock_label }}}}已超时{}\n处理人: {{{{ assignee.name }}}}\n"

def test_a_category_moved_to_another_team(repo: Repo) -> None:
    """The team moves for the category and the two below it that inherit it, and with it the
    on-duty person; the ladders follow the team by role, so they are not reported again."""
    def edit(r: Repo) -> None:
        r.edit("categories.yaml", "        team: shop-order\n", "        team: shop-sre\n")

    report = change(repo, edit)
    HEADLINE = 'main..change: 50 tickets replayed, 23 change outcome (23 team, 17 assignee)'
    STRUCTURE = [
        ('categories', 'shop/order', 'team', 'shop-order', 'shop-sre', 'categories.yaml:9', 'and 2 categories inheriting it'),
    ]
    OUTCOMES = [
        ('probe shop/order', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe shop/order', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe shop/order/create-failed', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe shop/order/create-failed', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe shop/order/slow', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe shop/order/slow', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P2 @ working hours 2026-11-10 10:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P2 @ working hours 2026-11-10 10:00', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P4 @ working hours 2026-11-10 10:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P4 @ working hours 2026-11-10 10:00', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P2 @ end of day 2026-11-10 17:30', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P2 @ end of day 2026-11-10 17:30', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P4 @ end of day 2026-11-10 17:30', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P4 @ end of day 2026-11-10 17:30', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P2 @ night 2026-11-10 23:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P2 @ night 2026-11-10 23:00', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P4 @ night 2026-11-10 23:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P4 @ night 2026-11-10 23:00', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P2 @ weekend 2026-11-14 11:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P2 @ weekend 2026-11-14 11:00', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P4 @ weekend 2026-11-14 11:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P4 @ weekend 2026-11-14 11:00', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P2 @ before holiday 2026-10-01 17:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P4 @ before holiday 2026-10-01 17:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P2 @ holiday 2026-10-02 10:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P4 @ holiday 2026-10-02 10:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P2 @ make-up workday 2026-10-10 10:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P4 @ make-up workday 2026-10-10 10:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P2 @ mode daily 2026-11-10 19:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P2 @ mode daily 2026-11-10 19:00', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P4 @ mode daily 2026-11-10 19:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P4 @ mode daily 2026-11-10 19:00', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P2 @ mode promotion 2026-11-11 11:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P2 @ mode promotion 2026-11-11 11:00', 'assignee', 'alice', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P4 @ mode promotion 2026-11-11 11:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P4 @ mode promotion 2026-11-11 11:00', 'assignee', 'alice', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P2 @ mode daily 2026-11-12 03:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P2 @ mode daily 2026-11-12 03:00', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
        ('probe P4 @ mode daily 2026-11-12 03:00', 'team', 'shop-order', 'shop-sre', 'team of shop/order (categories.yaml:9)'),
        ('probe P4 @ mode daily 2026-11-12 03:00', 'assignee', 'carol', 'dave', 'team: team of shop/order (categories.yaml:9)'),
    ]
    assert report["headline"] == HEADLINE
    assert structure(report) == STRUCTURE
    assert outcomes(report) == OUTCOMES

def test_a_rule_moved_before_others_changes_the_grading_of_tickets_both_reach(repo: Repo) -> None:
    """`ka-merchant` (team and `stop`) moves ahead of the grading rules: a ticket meeting it
    and a grading rule is no longer graded. The probes that combine the crossed rules show it."""
    def edit(r: Repo) -> None:
        r.edit("rules/20-routing.yaml", KA_MERCHANT, "")
        r.edit("rules/20-routing.yaml", "rules:\n", "rules: []\n")
        r.edit("rules/10-grading.yaml", "rules:\n", "rules:\n" + KA_MERCHANT)

    report = change(repo, edit)
    HEADLINE = 'main..change: 52 tickets replayed, 2 change outcome (2 severity, 1 tags, 2 deadlines, 2 escalations)'
    STRUCTURE = [
        ('rules', 'ka-merchant', 'moved', '#3 (rules/20-routing.yaml)', '#1 (rules/10-grading.yaml)', 'rules/10-grading.yaml:3', 'outcome changes for shop/order'),
    ]
    OUTCOMES = [
        ('probe rules ka-merchant + capital-loss', 'severity', 'P1', 'P3', 'default of shop (categories.yaml:4) (BASE: rule capital-loss (rules/10-grading.yaml:3))'),
        ('probe rules ka-merchant + capital-loss', 'tags', '资损, capital-loss', '资损', 'BASE: rule capital-loss (rules/10-grading.yaml:3)'),
        ('probe rules ka-merchant + capital-loss', 'response due', '2026-11-10 10:15', '2026-11-10 15:30', 'severity: default of shop (categories.yaml:4) (BASE: rule capital-loss (rules/10-grading.yaml:3))'),
        ('probe rules ka-merchant + capital-loss', 'resolve due', '2026-11-10 14:00', '2026-11-23 10:00', 'severity: default of shop (categories.yaml:4) (BASE: rule capital-loss (rules/10-grading.yaml:3))'),
        ('probe rules ka-merchant + capital-loss', 'notifications', '2026-11-10 10:15 breach → dave, assignee (phone), 2026-11-10 10:15 breach → group shop-sre-robot, team group (dingtalk_group), 2026-11-10 10:20 escalate L1 → cto, manager 1 (phone) (+2 more)', '2026-11-10 12:00 remind → dave, assignee (dingtalk), 2026-11-10 15:30 breach → dave, assignee (dingtalk), 2026-11-10 15:30 breach → group shop-sre-robot, team group (dingtalk_group) (+7 more)', 'severity: default of shop (categories.yaml:4) (BASE: rule capital-loss (rules/10-grading.yaml:3))'),
        ('probe rules ka-merchant + vip', 'severity', 'P2', 'P3', 'default of shop (categories.yaml:4) (BASE: rule vip (rules/10-grading.yaml:7))'),
        ('probe rules ka-merchant + vip', 'response due', '2026-11-10 10:30', '2026-11-10 15:30', 'severity: default of shop (categories.yaml:4) (BASE: rule vip (rules/10-grading.yaml:7))'),
        ('probe rules ka-merchant + vip', 'resolve due', '2026-11-11 10:00', '2026-11-23 10:00', 'severity: default of shop (categories.yaml:4) (BASE: rule vip (rules/10-grading.yaml:7))'),
        ('probe rules ka-merchant + vip', 'notifications', '2026-11-10 10:15 remind → dave, assignee (dingtalk), 2026-11-10 10:30 breach → dave, assignee (dingtalk), 2026-11-10 10:30 breach → group shop-sre-robot, team group (dingtalk_group) (+7 more)', '2026-11-10 12:00 remind → dave, assignee (dingtalk), 2026-11-10 15:30 breach → dave, assignee (dingtalk), 2026-11-10 15:30 breach → group shop-sre-robot, team group (dingtalk_group) (+7 more)', 'severity: default of shop (categories.yaml:4) (BASE: rule vip (rules/10-grading.yaml:7))'),
    ]
    assert report["headline"] == HEADLINE
    assert structure(report) == STRUCTURE
    assert outcomes(report) == OUTCOMES

def test_a_holiday_moves_only_the_deadlines_that_span_it(repo: Repo) -> None:
    """2026-12-25 becomes a holiday on `office`: the tickets whose clocks would run on it move
    to the next working day; P1 (24x7) and the deadlines before it do not."""
    def edit(r: Repo) -> None:
        r.edit("sla_profiles.yaml", "holidays: [2026-10-01, 2026-10-02]", "holidays: [2026-10-01, 2026-10-02, 2026-12-25]")

    report = change(repo, edit)
    HEADLINE = 'main..change: 50 tickets replayed, 7 change outcome (7 deadlines, 7 escalations)'
    STRUCTURE = [
        ('calendars', 'office', 'holiday', None, '2026-12-25', 'sla_profiles.yaml:5', None),
    ]
    OUTCOMES = [
        ('probe P4 @ weekend 2026-11-14 11:00', 'resolve due', '2026-12-25 18:30', '2026-12-28 18:30', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P4 @ weekend 2026-11-14 11:00', 'notifications', '2026-12-25 18:30 breach → bob, team lead (dingtalk, email), 2026-12-28 10:00 escalate L1 → cto, manager 1 (email, phone), 2026-12-28 11:00 escalate L2 → ceo, manager 2 (email, phone)', '2026-12-28 18:30 breach → bob, team lead (dingtalk, email), 2026-12-29 10:00 escalate L1 → cto, manager 1 (email, phone), 2026-12-29 11:00 escalate L2 → ceo, manager 2 (email, phone)', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P2 @ before holiday 2026-12-24 17:00', 'resolve due', '2026-12-25 17:00', '2026-12-28 17:00', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P2 @ before holiday 2026-12-24 17:00', 'notifications', '2026-12-25 15:24 remind → carol, assignee (dingtalk), 2026-12-25 17:00 breach → bob, team lead (dingtalk, email), 2026-12-25 18:00 escalate L1 → cto, manager 1 (email, phone) (+1 more)', '2026-12-28 15:24 remind → carol, assignee (dingtalk), 2026-12-28 17:00 breach → bob, team lead (dingtalk, email), 2026-12-28 18:00 escalate L1 → cto, manager 1 (email, phone) (+1 more)', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P3 @ before holiday 2026-12-24 17:00', 'response due', '2026-12-25 11:30', '2026-12-28 11:30', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P3 @ before holiday 2026-12-24 17:00', 'resolve due', '2027-01-06 17:00', '2027-01-07 17:00', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P3 @ before holiday 2026-12-24 17:00', 'notifications', '2026-12-25 09:30 remind → dave, assignee (dingtalk), 2026-12-25 11:30 breach → dave, assignee (dingtalk), 2026-12-25 11:30 breach → group shop-sre-robot, team group (dingtalk_group) (+7 more)', '2026-12-28 09:30 remind → dave, assignee (dingtalk), 2026-12-28 11:30 breach → dave, assignee (dingtalk), 2026-12-28 11:30 breach → group shop-sre-robot, team group (dingtalk_group) (+7 more)', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P4 @ before holiday 2026-12-24 17:00', 'response due', '2026-12-29 17:00', '2026-12-30 17:00', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P4 @ before holiday 2026-12-24 17:00', 'resolve due', '2027-02-04 17:00', '2027-02-05 17:00', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P4 @ before holiday 2026-12-24 17:00', 'notifications', '2026-12-28 11:30 remind → carol, assignee (dingtalk), 2026-12-29 17:00 breach → carol, assignee (dingtalk), 2026-12-29 17:00 breach → group shop-order-robot, team group (dingtalk_group) (+7 more)', '2026-12-29 11:30 remind → carol, assignee (dingtalk), 2026-12-30 17:00 breach → carol, assignee (dingtalk), 2026-12-30 17:00 breach → group shop-order-robot, team group (dingtalk_group) (+7 more)', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P2 @ holiday 2026-12-25 10:00', 'response due', '2026-12-25 10:30', '2026-12-28 09:30', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P2 @ holiday 2026-12-25 10:00', 'resolve due', '2026-12-28 10:00', '2026-12-28 18:30', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P2 @ holiday 2026-12-25 10:00', 'notifications', '2026-12-25 10:15 remind → carol, assignee (dingtalk), 2026-12-25 10:30 breach → carol, assignee (dingtalk), 2026-12-25 10:30 breach → group shop-order-robot, team group (dingtalk_group) (+7 more)', '2026-12-28 09:15 remind → carol, assignee (dingtalk), 2026-12-28 09:30 breach → carol, assignee (dingtalk), 2026-12-28 09:30 breach → group shop-order-robot, team group (dingtalk_group) (+7 more)', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P3 @ holiday 2026-12-25 10:00', 'response due', '2026-12-25 15:30', '2026-12-28 14:30', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P3 @ holiday 2026-12-25 10:00', 'resolve due', '2027-01-07 10:00', '2027-01-07 18:30', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P3 @ holiday 2026-12-25 10:00', 'notifications', '2026-12-25 12:00 remind → dave, assignee (dingtalk), 2026-12-25 15:30 breach → dave, assignee (dingtalk), 2026-12-25 15:30 breach → group shop-sre-robot, team group (dingtalk_group) (+7 more)', '2026-12-28 11:00 remind → dave, assignee (dingtalk), 2026-12-28 14:30 breach → dave, assignee (dingtalk), 2026-12-28 14:30 breach → group shop-sre-robot, team group (dingtalk_group) (+7 more)', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P4 @ holiday 2026-12-25 10:00', 'response due', '2026-12-30 10:00', '2026-12-30 18:30', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P4 @ holiday 2026-12-25 10:00', 'resolve due', '2027-02-05 10:00', '2027-02-05 18:30', 'calendar office (sla_profiles.yaml:5)'),
        ('probe P4 @ holiday 2026-12-25 10:00', 'notifications', '2026-12-28 15:30 remind → carol, assignee (dingtalk), 2026-12-30 10:00 breach → carol, assignee (dingtalk), 2026-12-30 10:00 breach → group shop-order-robot, team group (dingtalk_group) (+7 more)', '2026-12-29 14:30 remind → carol, assignee (dingtalk), 2026-12-30 18:30 breach → carol, assignee (dingtalk), 2026-12-30 18:30 breach → group shop-order-robot, team group (dingtalk_group) (+7 more)', 'calendar office (sla_profiles.yaml:5)'),
    ]
    assert report["headline"] == HEADLINE
    assert structure(report) == STRUCTURE
    assert outcomes(report) == OUTCOMES

def test_a_handoff_moved_changes_duty_only_in_the_hours_between(repo: Repo) -> None:
    """`order-primary` hands off on Monday at 12:00 instead of 09:00: duty differs on Monday
    mornings only (and the first Monday morning has nobody, a gap for `desk`, which has no
    backup); only the duty probes inside those hours change assignee."""
    def edit(r: Repo) -> None:
        r.edit("rosters.yaml", ORDER_PRIMARY_TURNS.format(start="09:00", hour=9),
               ORDER_PRIMARY_TURNS.format(start="12:00", hour=12))

    report = change(repo, edit)
    HEADLINE = 'main..change: 52 tickets replayed, 2 change outcome (2 assignee)'
    STRUCTURE = [
        ('duty', 'desk · daily', '2026-11-02 09:00 – 12:00', 'alice', '(nobody)', 'rosters.yaml:49', None),
        ('duty', 'desk · daily', '2026-11-02 09:00 – 12:00', 'covered', 'gap', 'rosters.yaml:49', None),
        ('duty', 'desk · daily', '2026-11-09 09:00 – 12:00', 'carol', 'alice', 'rosters.yaml:13', None),
        ('duty', 'shop-order · daily', '2026-11-02 09:00 – 12:00', 'alice', '(nobody)', 'rosters.yaml:34', None),
        ('duty', 'shop-order · daily', '2026-11-09 09:00 – 12:00', 'carol', 'alice', 'rosters.yaml:13', None),
    ]
    OUTCOMES = [
        ('probe desk @ 2026-11-09 10:30', 'assignee', 'carol', 'alice', 'order-primary/weekly (rosters.yaml:13)'),
        ('probe shop-order @ 2026-11-09 10:30', 'assignee', 'carol', 'alice', 'order-primary/weekly (rosters.yaml:13)'),
    ]
    assert report["headline"] == HEADLINE
    assert structure(report) == STRUCTURE
    assert outcomes(report) == OUTCOMES

def test_a_mode_window_extended_changes_the_tickets_of_the_added_hours(repo: Repo) -> None:
    """Double 11 ends at 06:00 instead of 02:00: the probes between the two ends take the
    promotion targets; nothing else moves."""
    def edit(r: Repo) -> None:
        r.edit("sla_profiles.yaml", "end: 2026-11-12T02:00:00+08:00", "end: 2026-11-12T06:00:00+08:00")

    report = change(repo, edit)
    HEADLINE = 'main..change: 54 tickets replayed, 4 change outcome (4 deadlines, 4 escalations)'
    STRUCTURE = [
        ('modes', 'double11', 'window', '2026-11-10T20:00:00+08:00 – 2026-11-12T02:00:00+08:00 (promotion)', '2026-11-10T20:00:00+08:00 – 2026-11-12T06:00:00+08:00 (promotion)', 'sla_profiles.yaml:13', None),
    ]
    OUTCOMES = [
        ('probe P1 @ mode daily→promotion 2026-11-12 04:00', 'response due', '2026-11-12 04:15', '2026-11-12 04:05', 'mode daily → promotion: window double11 (sla_profiles.yaml:13)'),
        ('probe P1 @ mode daily→promotion 2026-11-12 04:00', 'resolve due', '2026-11-12 08:00', '2026-11-12 05:00', 'mode daily → promotion: window double11 (sla_profiles.yaml:13)'),
        ('probe P1 @ mode daily→promotion 2026-11-12 04:00', 'notifications', '2026-11-12 04:15 breach → dave, assignee (phone), 2026-11-12 04:15 breach → group shop-sre-robot, team group (dingtalk_group), 2026-11-12 04:20 escalate L1 → cto, manager 1 (phone) (+2 more)', '2026-11-12 04:05 breach → dave, assignee (phone), 2026-11-12 04:05 breach → group shop-sre-robot, team group (dingtalk_group), 2026-11-12 04:10 escalate L1 → cto, manager 1 (phone) (+2 more)', 'mode daily → promotion: window double11 (sla_profiles.yaml:13)'),
        ('probe P2 @ mode daily→promotion 2026-11-12 04:00', 'response due', '2026-11-12 09:30', '2026-11-12 04:10', 'mode daily → promotion: window double11 (sla_profiles.yaml:13)'),
        ('probe P2 @ mode daily→promotion 2026-11-12 04:00', 'resolve due', '2026-11-12 18:30', '2026-11-12 06:00', 'mode daily → promotion: window double11 (sla_profiles.yaml:13)'),
        ('probe P2 @ mode daily→promotion 2026-11-12 04:00', 'notifications', '2026-11-12 09:15 remind → carol, assignee (dingtalk), 2026-11-12 09:30 breach → carol, assignee (dingtalk), 2026-11-12 09:30 breach → group shop-order-robot, team group (dingtalk_group) (+7 more)', '2026-11-12 04:05 remind → carol, assignee (dingtalk), 2026-11-12 04:10 breach → carol, assignee (dingtalk), 2026-11-12 04:10 breach → group shop-order-robot, team group (dingtalk_group) (+7 more)', 'mode daily → promotion: window double11 (sla_profiles.yaml:13)'),
        ('probe P3 @ mode daily→promotion 2026-11-12 04:00', 'response due', '2026-11-12 14:30', '2026-11-12 08:00', 'mode daily → promotion: window double11 (sla_profiles.yaml:13)'),
        ('probe P3 @ mode daily→promotion 2026-11-12 04:00', 'resolve due', '2026-11-24 18:30', '2026-11-15 04:00', 'mode daily → promotion: window double11 (sla_profiles.yaml:13)'),
        ('probe P3 @ mode daily→promotion 2026-11-12 04:00', 'notifications', '2026-11-12 11:00 remind → dave, assignee (dingtalk), 2026-11-12 14:30 breach → dave, assignee (dingtalk), 2026-11-12 14:30 breach → group shop-sre-robot, team group (dingtalk_group) (+7 more)', '2026-11-12 06:00 remind → dave, assignee (dingtalk), 2026-11-12 08:00 breach → dave, assignee (dingtalk), 2026-11-12 08:00 breach → group shop-sre-robot, team group (dingtalk_group) (+7 more)', 'mode daily → promotion: window double11 (sla_profiles.yaml:13)'),
        ('probe P4 @ mode daily→promotion 2026-11-12 04:00', 'response due', '2026-11-16 18:30', '2026-11-13 04:00', 'mode daily → promotion: window double11 (sla_profiles.yaml:13)'),
        ('probe P4 @ mode daily→promotion 2026-11-12 04:00', 'resolve due', '2026-12-23 18:30', '2026-11-22 04:00', 'mode daily → promotion: window double11 (sla_profiles.yaml:13)'),
        ('probe P4 @ mode daily→promotion 2026-11-12 04:00', 'notifications', '2026-11-13 14:30 remind → carol, assignee (dingtalk), 2026-11-16 18:30 breach → carol, assignee (dingtalk), 2026-11-16 18:30 breach → group shop-order-robot, team group (dingtalk_group) (+7 more)', '2026-11-12 16:00 remind → carol, assignee (dingtalk), 2026-11-13 04:00 breach → carol, assignee (dingtalk), 2026-11-13 04:00 breach → group shop-order-robot, team group (dingtalk_group) (+7 more)', 'mode daily → promotion: window double11 (sla_profiles.yaml:13)'),
    ]
    assert report["headline"] == HEADLINE
    assert structure(report) == STRUCTURE
    assert outcomes(report) == OUTCOMES

def test_a_template_edited_is_a_structural_change_only(repo: Repo) -> None:
    """Templates are compared as text (rendered messages are not replayed): one row, no outcome."""
    repo.write("templates/breach.sms.j2", SMS.format(""))
    repo.commit("a template")

    def edit(r: Repo) -> None:
        r.write("templates/breach.sms.j2", SMS.format("，请尽快处理"))

    report = change(repo, edit)
    HEADLINE = 'main..change: 50 tickets replayed, no outcome changes; 1 structural change (templates)'
    STRUCTURE = [
        ('templates', 'templates/breach.sms.j2', 'template', '2 lines', '2 lines (+1 −1)', 'templates/breach.sms.j2:1', '−【{{ level.label }}】{{ ticket.id }} {{ clock_label }}已超时 / +【{{ level.label }}】{{ ticket.id }} {{ clock_label }}已超时，请尽快处理'),
    ]
    OUTCOMES = [
    ]
    assert report["headline"] == HEADLINE
    assert structure(report) == STRUCTURE
    assert outcomes(report) == OUTCOMES


def test_a_side_that_does_not_load_is_its_diagnostics(repo: Repo) -> None:
    """A misspelt team in HEAD: the report is HEAD's diagnostics, exit 1, no traceback."""
    repo.branch("change")
    repo.edit("categories.yaml", "        team: shop-order\n", "        team: shop-ordr\n")
    repo.commit("a typo")
    code, out, err = repo.diff("main", "change", "--format", "text")
    assert (code, err) == (1, "")
    assert out == (
        "main..change: the config of change does not load\n"
        "\n"
        "change:\n"
        "  categories.yaml:11:15: error[ref.unknown-team]: unknown team 'shop-ordr' (did you mean 'shop-order'?)\n")
    code, report = diff_json(repo, "--exit-code")
    assert code == 1
    assert (report["loaded"], report["outcomes"], report["structure"]) == (False, None, [])
    assert report["base"]["loaded"] is True and report["head"]["diagnostics"] == [
        {"file": "categories.yaml", "line": 11, "column": 15, "severity": "error", "code": "ref.unknown-team",
         "message": "unknown team 'shop-ordr'", "hint": "did you mean 'shop-order'?"}]


def test_a_change_of_text_but_not_of_meaning_is_one_line(repo: Repo) -> None:
    """A comment and a matcher rewritten in block style: the same config by meaning."""
    repo.branch("change")
    repo.edit("categories.yaml", "version: 1\n", "version: 1\n# 分类树: a comment changes no meaning\n")
    repo.edit("rules/10-grading.yaml", "    when: {submitter: [ceo, cto]}", "    when:\n      submitter: [ceo, cto]")
    repo.commit("reformatted")
    for args in ((), ("--exit-code",)):
        assert repo.diff("main", "change", *args) == (
            0, "<!-- gongdan-diff --> main..change: 50 tickets replayed, no change\n", "")
    assert repo.diff("main", "change", "--format", "text") == (0, "main..change: 50 tickets replayed, no change\n", "")


def test_targets_steps_and_climb_chains_are_structural_rows(repo: Repo) -> None:
    """A P2 target, an escalation step and a manager: one row each, and a climb chain row
    for each team whose lead reports to the changed manager (not `desk`, led by cto)."""
    def edit(r: Repo) -> None:
        r.edit("sla_profiles.yaml", "P2: {response: 30m, resolve: 8h}", "P2: {response: 20m, resolve: 8h}")
        r.edit("sla_profiles.yaml", "      - {after: 10m, notify: [team_lead], channels: [dingtalk, sms]}",
               "      - {after: 5m, notify: [team_lead], channels: [dingtalk, phone]}")
        r.edit("rosters.yaml", "{id: bob, name: Bob, manager: cto,", "{id: bob, name: Bob, manager: ceo,")
    report = change(repo, edit)
    assert report["headline"] == "main..change: 50 tickets replayed, 50 change outcome (11 deadlines, 50 escalations)"
    assert structure(report) == [
        ("targets", "daily · P2", "target", "response 30m, resolve 8h on office, policy standard",
         "response 20m, resolve 8h on office, policy standard", "sla_profiles.yaml:20", None),
        ("escalation", "standard · response step 2", "step", "after 10m → team_lead via dingtalk, sms",
         "after 5m → team_lead via dingtalk, phone", "sla_profiles.yaml:33", None),
        ("escalation", "team shop-order", "climb chain", "cto → ceo", "ceo", "rosters.yaml:34", None),
        ("escalation", "team shop-sre", "climb chain", "cto → ceo", "ceo", "rosters.yaml:42", None),
    ]
    assert {r[4] for r in outcomes(report) if r[1] == "response due"} == {"daily P2 target (sla_profiles.yaml:20)"}
