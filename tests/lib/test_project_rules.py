"""duban.lib.project_rules: project and indicator warnings, on frozen dates,
with the facts an office would check by hand."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.lib import project_rules as pr
from duban.lib.project_rules import (
    INDICATOR_BEHIND,
    INVESTMENT_BEHIND,
    INVESTMENT_REPORT_MISSING,
    START_MISSED,
    ProjectFacts,
    Thresholds,
    evaluate,
    indicator_behind,
    investment_behind,
    investment_report_missing,
    start_missed,
)
from duban.lib.rules import RED, YELLOW, BadSettings

D = dt.date


def W(text: str) -> Decimal:
    """万元 as yuan."""
    return Decimal(text) * 10_000


# ---------------------------------------------------------------- start missed


def test_a_missed_start_is_yellow_then_red_after_three_months():
    planned = D(2026, 1, 15)
    # 10 March: 54 days late.
    finding = start_missed(planned, None, "signed", D(2026, 3, 10))
    assert finding is not None
    assert (finding.rule, finding.level) == (START_MISSED, YELLOW)
    assert finding.facts == {
        "planned": "2026-01-15",
        "days": "54",
        "red_months": "3",
        "red_from": "2026-04-16",
    }
    # 15 April is exactly three months: still yellow; 16 April is more: red.
    assert start_missed(planned, None, "signed", D(2026, 4, 15)).level == YELLOW
    assert start_missed(planned, None, "signed", D(2026, 4, 16)).level == RED


def test_no_missed_start_on_the_planned_day_or_once_started():
    planned = D(2026, 1, 15)
    assert start_missed(planned, None, "signed", planned) is None
    assert start_missed(planned, D(2026, 2, 1), "started", D(2026, 3, 10)) is None
    assert start_missed(None, None, "signed", D(2026, 3, 10)) is None
    assert start_missed(planned, None, "reserve", D(2026, 1, 16)).level == YELLOW


@pytest.mark.parametrize("stage", ["started", "producing", "capacity", "paused", "cancelled"])
def test_no_missed_start_past_the_start_or_off_the_main_line(stage):
    # A project in production whose start was skipped (with a reason) has started.
    assert start_missed(D(2026, 1, 15), None, stage, D(2026, 6, 1)) is None


def test_three_months_after_the_end_of_november_is_the_end_of_february():
    assert pr.add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert pr.add_months(D(2023, 11, 30), 3) == D(2024, 2, 29)
    assert pr.add_months(D(2026, 10, 31), 3) == D(2027, 1, 31)
    finding = start_missed(D(2025, 11, 30), None, "signed", D(2026, 3, 1))
    assert (finding.level, finding.facts["red_from"]) == (RED, "2026-03-01")


# ---------------------------------------------------------------- investment behind


def test_the_worked_example_of_the_brief():
    # Plan 1,200 万元 for the year; by 31 May (5 months ended) 500 due; 380
    # done → 31.7% of the year, 76.0% of the time plan, 24.0 points behind → yellow.
    finding = investment_behind(W("1200"), W("380"), 2026, D(2026, 5, 31))
    assert finding is not None
    assert (finding.rule, finding.level) == (INVESTMENT_BEHIND, YELLOW)
    assert finding.facts == {
        "as_of": "2026-05-31",
        "months_due": "5",
        "months_planned": "12",
        "plan": "1200.00",
        "due": "500.00",
        "done": "380.00",
        "rate_plan": "31.7",
        "rate_due": "76.0",
        "behind": "24.0",
        "yellow": "10",
        "red": "30",
    }
    text = pr.MESSAGES[INVESTMENT_BEHIND] % finding.facts
    assert "500.00 of the 1200.00 ten thousand yuan" in text
    assert "76.0% of what is due: 24.0 points behind" in text


@pytest.mark.parametrize(
    ("done", "level"),
    [
        ("500", None),  # on plan
        ("600", None),  # ahead
        ("451", None),  # 90.2%: 9.8 points
        ("450", YELLOW),  # 90.0%: 10.0 points, yellow from 10
        ("351", YELLOW),  # 70.2%: 29.8 points
        ("350", RED),  # 70.0%: 30.0 points, red from 30
        ("0", RED),
    ],
)
def test_yellow_from_10_points_red_from_30(done, level):
    finding = investment_behind(W("1200"), W(done), 2026, D(2026, 5, 31))
    assert (finding.level if finding else None) == level


def test_nothing_is_behind_before_anything_is_due():
    assert investment_behind(W("1200"), W("0"), 2026, D(2026, 1, 30)) is None
    # A plan from July: nothing is due in May.
    assert investment_behind(W("600"), W("0"), 2026, D(2026, 5, 31), start_month=7) is None
    assert investment_behind(W("0"), W("0"), 2026, D(2026, 12, 31)) is None


def test_a_part_year_plan_is_judged_on_its_own_months():
    # 600 万元 from April to September; by 31 May 2/6 → 200 due; 120 done →
    # 60.0% of the time plan, 40.0 points behind → red.
    finding = investment_behind(
        W("600"), W("120"), 2026, D(2026, 5, 31), start_month=4, end_month=9
    )
    assert finding.level == RED
    assert (finding.facts["months_due"], finding.facts["months_planned"]) == ("2", "6")
    assert (finding.facts["due"], finding.facts["rate_due"], finding.facts["behind"]) == (
        "200.00",
        "60.0",
        "40.0",
    )
    assert finding.facts["rate_plan"] == "20.0"


def test_thresholds_can_be_set():
    limits = Thresholds(behind_yellow=20, behind_red=25)
    # 24.0 points: yellow under the defaults, still yellow here; 26 points red.
    assert investment_behind(W("1200"), W("380"), 2026, D(2026, 5, 31), limits=limits).level == (
        YELLOW
    )
    assert investment_behind(W("1200"), W("370"), 2026, D(2026, 5, 31), limits=limits).level == (
        RED
    )


@given(
    plan=st.integers(min_value=1, max_value=10**7).map(lambda n: Decimal(n) * 100),
    share=st.integers(min_value=0, max_value=120),
    month=st.integers(min_value=1, max_value=12),
)
def test_the_level_follows_the_points_behind(plan, share, month):
    as_of = pr.month_end(2026, month)
    done = plan * month / 12 * share / 100
    finding = investment_behind(plan, done.quantize(Decimal("0.01")), 2026, as_of)
    if finding is None:
        return
    behind = Decimal(finding.facts["behind"])
    assert behind >= 10
    assert finding.level == (RED if behind >= 30 else YELLOW)
    assert Decimal(finding.facts["rate_due"]) + behind == 100


# ---------------------------------------------------------------- indicator behind


def test_an_indicator_behind_its_time_plan():
    # A district's fixed-asset investment target of 36 亿元; by 30 April 12 due;
    # actual 7.5 → 20.8% of the target, 62.5% of what is due, 37.5 points → red.
    finding = indicator_behind(Decimal("36"), Decimal("7.5"), 2026, D(2026, 4, 30))
    assert (finding.rule, finding.level) == (INDICATOR_BEHIND, RED)
    assert finding.facts == {
        "as_of": "2026-04-30",
        "months_due": "4",
        "months_planned": "12",
        "target": "36",
        "due": "12.00",
        "actual": "7.5",
        "rate_plan": "20.8",
        "rate_due": "62.5",
        "behind": "37.5",
        "yellow": "10",
        "red": "30",
    }
    assert indicator_behind(Decimal("36"), Decimal("11"), 2026, D(2026, 4, 30)) is None  # 8.3


# ---------------------------------------------------------------- report missing


def test_the_latest_owed_report_missing_is_inaction():
    # Grace 5 days, reports for January to March. On 10 May the April report,
    # due 5 May, is missing.
    finding = investment_report_missing(2026, {1, 2, 3}, D(2026, 5, 10))
    assert (finding.rule, finding.level) == (INVESTMENT_REPORT_MISSING, YELLOW)
    assert finding.facts == {
        "period": "2026-04",
        "due": "2026-05-05",
        "grace": "5",
        "missing": "1",
        "months": "2026-04",
    }
    # On 5 May, the due day itself, it is not yet late.
    assert investment_report_missing(2026, {1, 2, 3}, D(2026, 5, 5)) is None
    assert investment_report_missing(2026, {1, 2, 3}, D(2026, 5, 6)).facts["period"] == "2026-04"


def test_a_late_report_for_the_latest_month_makes_good_the_earlier_gaps():
    # February and April missing; May filed: the May year-to-date covers them.
    assert investment_report_missing(2026, {1, 3, 5}, D(2026, 6, 10)) is None
    # With May missing as well, all three gaps are listed.
    finding = investment_report_missing(2026, {1, 3}, D(2026, 6, 10))
    assert (finding.facts["period"], finding.facts["missing"]) == ("2026-05", "3")
    assert finding.facts["months"] == "2026-02, 2026-04, 2026-05"


def test_reports_are_owed_only_for_the_planned_months_and_across_the_new_year():
    # Planned from July: nothing owed in June.
    assert investment_report_missing(2026, set(), D(2026, 6, 30), start_month=7) is None
    # The December report is owed on 6 January.
    finding = investment_report_missing(2026, set(range(1, 12)), D(2027, 1, 6))
    assert (finding.facts["period"], finding.facts["due"]) == ("2026-12", "2027-01-05")
    # A plan that ended in September owes nothing after it.
    assert investment_report_missing(2026, set(range(1, 10)), D(2026, 12, 1), end_month=9) is None


def test_the_grace_can_be_set():
    limits = Thresholds(report_grace_days=0)
    assert investment_report_missing(2026, {1, 2, 3}, D(2026, 5, 1), limits=limits) is not None
    assert investment_report_missing(2026, {1, 2, 3}, D(2026, 4, 30), limits=limits) is None


# ---------------------------------------------------------------- evaluate


def project(**changes):
    facts = {
        "id": 7,
        "stage": "started",
        "planned_start": D(2026, 2, 1),
        "started_on": D(2026, 2, 10),
        "year": 2026,
        "annual_plan": W("1200"),
        "ytd": W("380"),
        "reported_months": frozenset({1, 2, 3, 4, 5}),
    }
    return ProjectFacts(**(facts | changes))


def rules_of(findings):
    return {f.rule: f.level for f in findings}


def test_a_project_is_judged_on_the_months_reported_or_owed():
    # 10 June: May reported (380 up to May), so judged on 5 months: 24.0 behind.
    found = evaluate(project(), D(2026, 6, 10))
    assert rules_of(found) == {INVESTMENT_BEHIND: YELLOW}
    assert found[0].facts["as_of"] == "2026-05-31"


def test_early_in_the_month_the_previous_month_is_not_yet_owed():
    # 3 June, May not reported and not due: judged on April (4 months, 400 due).
    found = evaluate(project(reported_months=frozenset({1, 2, 3, 4})), D(2026, 6, 3))
    assert rules_of(found) == {}  # 380 of 400: 95.0%, 5.0 points


def test_a_silent_project_is_inactive_and_judged_on_what_is_owed():
    # 10 June, nothing reported since March (ytd 100): May owed; 100 of 500 → red.
    found = evaluate(project(reported_months=frozenset({1, 2, 3}), ytd=W("100")), D(2026, 6, 10))
    assert rules_of(found) == {INVESTMENT_REPORT_MISSING: YELLOW, INVESTMENT_BEHIND: RED}


def test_a_project_that_has_not_started():
    found = evaluate(
        project(stage="signed", started_on=None, planned_start=D(2026, 1, 15), ytd=W("0")),
        D(2026, 6, 10),
    )
    assert rules_of(found) == {START_MISSED: RED, INVESTMENT_BEHIND: RED}


@pytest.mark.parametrize("stage", ["paused", "cancelled"])
def test_paused_and_cancelled_projects_get_no_warnings(stage):
    silent = project(stage=stage, started_on=None, reported_months=frozenset(), ytd=W("0"))
    assert evaluate(silent, D(2026, 9, 10)) == []


def test_a_project_without_an_annual_plan_owes_no_reports():
    assert evaluate(project(annual_plan=W("0"), reported_months=frozenset()), D(2026, 9, 10)) == []


def test_rules_can_be_switched_off():
    limits = Thresholds(enabled=frozenset({START_MISSED}))
    silent = project(reported_months=frozenset({1, 2, 3}), ytd=W("100"))
    assert evaluate(silent, D(2026, 6, 10), limits) == []


# ---------------------------------------------------------------- settings


def test_settings_are_read_and_checked():
    limits = pr.thresholds_from({"behind_red": "25", "enabled": [START_MISSED]})
    assert (limits.behind_yellow, limits.behind_red) == (10, 25)
    assert limits.enabled == frozenset({START_MISSED})
    for bad, words in [
        ({"enabled": ["slow"]}, "unknown rule"),
        ({"behind": 5}, "unknown setting"),
        ({"behind_red": "many"}, "must be a number"),
        ({"report_grace_days": 40}, "between 0 and 28"),
        ({"behind_yellow": 30}, "above behind_yellow"),
    ]:
        with pytest.raises(BadSettings, match=words):
            pr.thresholds_from(bad)


# ---------------------------------------------------------------- messages


def test_every_rule_explains_itself_from_its_facts_and_has_a_remedy():
    findings = [
        start_missed(D(2026, 1, 15), None, "signed", D(2026, 3, 10)),
        investment_behind(W("1200"), W("380"), 2026, D(2026, 5, 31)),
        investment_report_missing(2026, {1, 2, 3}, D(2026, 5, 10)),
        indicator_behind(Decimal("36"), Decimal("7.5"), 2026, D(2026, 4, 30)),
    ]
    assert {f.rule for f in findings} == set(pr.RULES)
    for finding in findings:
        text = pr.MESSAGES[finding.rule]
        assert set(re.findall(r"%\((\w+)\)", text)) == set(finding.facts)
        assert "%(" not in text % finding.facts
        assert all(isinstance(value, str) for value in finding.facts.values())
        assert pr.MESSAGES[f"remedy.{finding.rule}"]
    assert pr.MESSAGES[START_MISSED] % findings[0].facts == (
        "Planned to start on 2026-01-15 and not started 54 day(s) later "
        "(red when more than 3 months late, from 2026-04-16)."
    )
