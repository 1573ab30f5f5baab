"""The quarter's facts counted from the record, the ranking page, adjustments,
locking (scores frozen) and reopening (recorded)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from duban.assessment import services
from duban.assessment.facts import quarter_facts
from duban.assessment.models import AssessmentEvent, KeptFigures
from duban.lib import periods
from duban.work import services as work

from .. import factories as f

Q1 = periods.quarter_from_label("2026Q1")
Q4 = periods.quarter_from_label("2025Q4")


def test_quarters_parse_and_hold_their_reporting_periods():
    assert Q1.start == dt.date(2026, 1, 1) and Q1.end == dt.date(2026, 3, 31)
    assert periods.quarter_from_label("2026-q3").label == "2026Q3"
    with pytest.raises(ValueError):
        periods.quarter_from_label("2026Q5")
    labels = [p.label for p in Q1.reporting_periods()]
    # ISO week 2026-W01 ends on Sunday 4 January: it belongs to Q1; W14 ends in April.
    assert (
        labels[0] == "2026-W01"
        and "2026-W13" in labels
        and "2026-W14" not in labels
        and labels[-4:]
        == [
            "2026-01",
            "2026-02",
            "2026-03",
            "2026-Q1",  # a quarterly task's report counts in its quarter
        ]
    )


@pytest.fixture
def record(office, liaison_a, unit_a, unit_b, clock):
    """Unit A: one task closed on time, one overdue, reports for W10 on time and W11 late."""
    clock.move_to(f.at(2026, 2, 2))
    done = f.claimed(
        office, liaison_a, unit_a, start=dt.date(2026, 2, 2), deadline=dt.date(2026, 3, 6)
    )
    clock.move_to(f.at(2026, 3, 5))
    f.close(office, liaison_a, done)
    clock.move_to(f.at(2026, 3, 2))
    late = f.claimed(
        office, liaison_a, unit_a, start=dt.date(2026, 3, 2), deadline=dt.date(2026, 3, 13)
    )
    clock.move_to(f.at(2026, 3, 9))
    accepted = f.report(liaison_a, late, period="2026-W10")
    work.report_review(actor=office, report=accepted, accept=True)
    clock.move_to(f.at(2026, 3, 17))
    f.report(liaison_a, late, period="2026-W11")
    clock.move_to(f.NOW)
    return late


def test_the_facts_come_from_the_record(record, unit_a):
    facts = quarter_facts(Q1, f.TODAY)[unit_a.pk]
    assert (facts.due, facts.closed_on_time) == (2, 1)
    assert facts.owed >= 2 and facts.on_time >= 1
    assert (facts.reviewed, facts.first_time) == (1, 1)


def test_the_standing_ranks_units_and_lists_the_idle(record, unit_a, unit_b):
    standing = services.standing(Q1, f.zone(), as_of=f.TODAY)
    ranked = {row.unit_id: row for row in standing.rows}
    assert unit_a.pk in ranked and ranked[unit_a.pk].rank == 1
    assert unit_b.pk in standing.idle
    assert any(
        "1/2 × 40 = 20.0" in str(line) or line["points"] == "20.0"
        for line in ranked[unit_a.pk].lines
    )


def test_adjustments_need_a_reason_and_stay_in_bounds(record, office, liaison_a, unit_a):
    with pytest.raises(ValidationError):
        services.adjustment_set(
            actor=office, quarter=Q1, office=f.zone(), unit=unit_a, points="3", reason=""
        )
    with pytest.raises(ValidationError):
        services.adjustment_set(
            actor=office, quarter=Q1, office=f.zone(), unit=unit_a, points="6", reason="x"
        )
    with pytest.raises(ValidationError):
        services.adjustment_set(
            actor=office, quarter=Q1, office=f.zone(), unit=unit_a, points="abc", reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.adjustment_set(
            actor=liaison_a, quarter=Q1, office=f.zone(), unit=unit_a, points="1", reason="x"
        )
    before = services.standing(Q1, f.zone(), as_of=f.TODAY).rows[0].total
    services.adjustment_set(
        actor=office,
        quarter=Q1,
        office=f.zone(),
        unit=unit_a,
        points="-2.5",
        reason="重大活动保障不力",
    )
    after = services.standing(Q1, f.zone(), as_of=f.TODAY).rows[0].total
    assert after == before - Decimal("2.5")


def test_a_locked_quarter_never_changes_and_reopening_is_recorded(
    record, office, liaison_a, unit_a, clock
):
    with pytest.raises(ValidationError):  # not ended yet
        services.lock(actor=office, quarter=Q1, office=f.zone())
    clock.move_to(f.at(2026, 4, 2))
    services.lock(actor=office, quarter=Q1, office=f.zone())
    frozen = [(r.unit_id, r.total, r.rank) for r in services.standing(Q1, f.zone()).rows]
    # The record changes after the lock: the open task is closed late, a report returned.
    f.close(office, liaison_a, record)
    assert [(r.unit_id, r.total, r.rank) for r in services.standing(Q1, f.zone()).rows] == frozen
    with pytest.raises(ValidationError):
        services.adjustment_set(
            actor=office, quarter=Q1, office=f.zone(), unit=unit_a, points="1", reason="x"
        )
    with pytest.raises(ValidationError):
        services.reopen(actor=office, quarter=Q1, office=f.zone(), reason="")
    services.reopen(actor=office, quarter=Q1, office=f.zone(), reason="申诉成立，重新核算")
    kinds = list(AssessmentEvent.objects.values_list("kind", flat=True))
    assert kinds[:2] == ["reopened", "locked"]
    reopened = AssessmentEvent.objects.get(kind="reopened")
    assert reopened.data["scores_when_locked"][0]["total"] == str(frozen[0][1])


@hypothesis_settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    actions=st.lists(
        st.tuples(st.sampled_from(["on_time", "late", "report", "return"]), st.integers(1, 28)),
        min_size=1,
        max_size=4,
    )
)
def test_locked_quarters_never_change(record, office, liaison_a, unit_a, clock, actions):
    """Property: once locked, whatever happens in the record, the scores stand."""
    clock.move_to(f.at(2026, 4, 2))
    if not services.assessment_for(Q1, f.zone()).is_locked:
        services.lock(actor=office, quarter=Q1, office=f.zone())
    frozen = [(r.unit_id, r.total, r.rank) for r in services.standing(Q1, f.zone()).rows]
    for action, day in actions:
        clock.move_to(f.at(2026, 3, day))
        new = f.claimed(
            office, liaison_a, unit_a, start=dt.date(2026, 3, 1), deadline=dt.date(2026, 3, 28)
        )
        if action in ("report", "return"):
            filed = f.report(liaison_a, new, period="2026-W09")
            if action == "return":
                work.report_review(actor=office, report=filed, accept=False, comment="补充")
        else:
            if action == "late":
                clock.move_to(f.at(2026, 3, 30))
            f.close(office, liaison_a, new)
        clock.move_to(f.at(2026, 4, 2))
        assert [
            (r.unit_id, r.total, r.rank) for r in services.standing(Q1, f.zone()).rows
        ] == frozen


def test_locked_scores_ignore_any_number_of_new_closures(record, office, liaison_a, unit_a, clock):
    clock.move_to(f.at(2026, 4, 2))
    services.lock(actor=office, quarter=Q1, office=f.zone())
    frozen = [(r.unit_id, r.total) for r in services.standing(Q1, f.zone()).rows]
    for day in (3, 10, 20):
        clock.move_to(f.at(2026, 3, day))
        new = f.claimed(
            office, liaison_a, unit_a, start=dt.date(2026, 3, 1), deadline=dt.date(2026, 3, 25)
        )
        f.close(office, liaison_a, new)
        assert [(r.unit_id, r.total) for r in services.standing(Q1, f.zone()).rows] == frozen


def test_the_page_and_the_command(record, as_, office, liaison_a, unit_a, clock):
    page = as_(liaison_a).get("/assessment/2026Q1/")
    assert page.status_code == 200
    text = page.content.decode()
    assert str(unit_a) in text and "× 40 =" in text
    assert as_(liaison_a).get("/assessment/2027Q1/").status_code == 404
    assert as_(liaison_a).get("/assessment/nonsense/").status_code == 404
    bad = as_(office).post(
        f"/assessment/2026Q1/units/{unit_a.pk}/adjust/", {"points": "9", "reason": "多加"}
    )
    assert bad.status_code == 400 and "多加" in bad.content.decode()
    out = StringIO()
    call_command("assess", "--quarter", "2026Q1", "--lines", stdout=out)
    assert "发展改革局" in out.getvalue() and "units ranked" in out.getvalue()


def _owed_by_definition(quarter: periods.Quarter, as_of: dt.date) -> dict[int, tuple[int, int]]:
    """Each unit's (owed, on time) from each task's own ``owed_periods`` (the
    Python definition the task page and the scan use) and its reports."""
    from duban.work.models import FILED, Task

    labels = {p.label for p in quarter.reporting_periods()}
    found: dict[int, tuple[int, int]] = {}
    for task in Task.objects.filter(is_parent=False).select_related("plan"):
        owed = [p.label for p in task.owed_periods(as_of) if p.label in labels]
        on_time = task.reports.filter(period_label__in=owed, state__in=FILED, is_late=False)
        if owed:
            was = found.get(task.lead_unit_id, (0, 0))
            found[task.lead_unit_id] = (was[0] + len(owed), was[1] + on_time.count())
    return found


@pytest.fixture
def mixed_record(office, liaison_a, liaison_b, unit_a, unit_b, clock):
    """Weekly and monthly tasks, one under a plan with ten days' grace, one put
    up for closing mid-quarter, reports on time, late, drafted and returned."""
    from duban.work.models import Plan

    lenient = f.plan(office, title="宽限方案")
    Plan.objects.filter(pk=lenient.pk).update(warning_settings={"report_grace_days": 10})
    clock.move_to(f.at(2026, 1, 5))
    weekly = f.claimed(
        office, liaison_a, unit_a, start=dt.date(2026, 1, 5), deadline=dt.date(2026, 6, 30)
    )
    monthly = f.claimed(
        office,
        liaison_b,
        unit_b,
        start=dt.date(2026, 1, 1),
        deadline=dt.date(2026, 12, 31),
        cadence=periods.MONTHLY,
        plan=lenient,
    )
    stopping = f.claimed(
        office, liaison_b, unit_b, start=dt.date(2026, 1, 5), deadline=dt.date(2026, 4, 30)
    )
    # Ended on 30 December: it still owes the week of 29 December, Q1's first.
    clock.move_to(f.at(2025, 12, 22))
    ended = f.claimed(
        office, liaison_a, unit_a, start=dt.date(2025, 12, 22), deadline=dt.date(2025, 12, 30)
    )
    clock.move_to(f.at(2026, 1, 5))
    f.report(liaison_a, ended, period="2026-W01")
    clock.move_to(f.at(2026, 1, 12))
    f.report(liaison_a, weekly, period="2026-W02")  # on time
    f.report(liaison_b, stopping, period="2026-W02")
    clock.move_to(f.at(2026, 1, 30))
    f.report(liaison_a, weekly, period="2026-W03")  # late
    f.report(liaison_a, weekly, period="2026-W04", submit=False)  # a draft is not filed
    returned = f.report(liaison_b, stopping, period="2026-W04")
    work.report_review(actor=office, report=returned, accept=False, comment="请补充数据。")
    clock.move_to(f.at(2026, 2, 8))
    f.report(liaison_b, monthly, period="2026-01")  # within the plan's ten days
    clock.move_to(f.at(2026, 2, 11))
    work.close_request_create(actor=liaison_b, task=stopping, summary="已完成。", files=[f.pdf()])
    clock.move_to(f.at(2026, 3, 9))
    f.report(liaison_b, monthly, period="2026-02")
    f.report(liaison_a, weekly, period="2026-W09")
    clock.move_to(f.NOW)
    return weekly, monthly, stopping


@pytest.mark.parametrize(
    "as_of", [dt.date(2026, 1, 20), dt.date(2026, 2, 9), f.TODAY, dt.date(2026, 4, 20)]
)
def test_owed_and_on_time_agree_with_each_tasks_own_periods(mixed_record, unit_a, unit_b, as_of):
    counted = quarter_facts(Q1, as_of)
    expected = _owed_by_definition(Q1, as_of)
    assert expected  # the record owes something on every one of those days
    assert {
        unit: (facts.owed, facts.on_time) for unit, facts in counted.items() if facts.owed
    } == expected


def test_the_quarters_facts_take_the_same_queries_however_many_periods_are_due(
    mixed_record, django_assert_num_queries
):
    with django_assert_num_queries(8):  # seven aggregates, and the plans' own grace
        quarter_facts(Q1, dt.date(2026, 1, 20))
    with django_assert_num_queries(8):
        quarter_facts(Q1, dt.date(2026, 4, 20))


def _reviewed(standing, unit) -> int:
    return next(row.facts["reviewed"] for row in standing.rows if row.unit_id == unit.pk)


def test_the_ranking_scores_from_the_last_count_says_when_and_the_office_counts_again(
    record, as_, office, liaison_a, unit_a, clock
):
    services.snapshot()  # the worker, after a scan: every unit's facts counted and kept
    counted = services.standing(Q1, f.zone())
    assert counted.counted_at == f.NOW and _reviewed(counted, unit_a) == 1
    # The office accepts the late W11 report: the record moves, the kept count does not.
    clock.move_to(f.NOW + dt.timedelta(minutes=20))
    late = record.reports.get(period_label="2026-W11")
    work.report_review(actor=office, report=late, accept=True)
    kept = services.standing(Q1, f.zone())
    assert kept.counted_at == f.NOW and _reviewed(kept, unit_a) == 1
    assert services.standing(Q1, f.zone(), live=True).counted_at is None
    assert _reviewed(services.standing(Q1, f.zone(), live=True), unit_a) == 2
    page = as_(liaison_a).get("/assessment/2026Q1/")
    assert 'data-testid="counted-at"' in page.content.decode()
    assert 'data-testid="recount"' not in page.content.decode()  # the office's button
    # Only an office counts again on demand; then the pages show the new figures.
    assert as_(liaison_a).post("/assessment/2026Q1/recount/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.recount(actor=liaison_a, quarter=Q1, office=f.zone())
    assert 'data-testid="recount"' in as_(office).get("/assessment/2026Q1/").content.decode()
    assert as_(office).post("/assessment/2026Q1/recount/").status_code == 302
    again = services.standing(Q1, f.zone())
    assert again.counted_at == f.NOW + dt.timedelta(minutes=20) and _reviewed(again, unit_a) == 2
    with pytest.raises(ValidationError):
        services.recount(
            actor=office, quarter=periods.quarter_from_label("2026Q2"), office=f.zone()
        )


def test_a_count_older_than_two_scans_or_of_another_day_is_not_shown(
    record, office, unit_a, clock, settings
):
    settings.DUBAN_SCAN_EVERY_MINUTES = 60
    services.snapshot()
    late = record.reports.get(period_label="2026-W11")
    work.report_review(actor=office, report=late, accept=True)
    clock.move_to(f.NOW + dt.timedelta(minutes=119))
    assert _reviewed(services.standing(Q1, f.zone()), unit_a) == 1  # the worker's, 1 h 59 ago
    clock.move_to(f.NOW + dt.timedelta(minutes=121))  # the worker has missed two scans
    fresh = services.standing(Q1, f.zone())
    assert fresh.counted_at is None and _reviewed(fresh, unit_a) == 2
    # A scan run for a past day (a backfill) counts that day's facts and keeps none of them.
    services.snapshot(today=f.TODAY - dt.timedelta(days=3))
    assert KeptFigures.objects.get(key="facts 2026Q1").as_of == f.TODAY
    # Just after midnight, the count of 20 minutes ago is yesterday's: not today's ranking.
    clock.move_to(f.at(2026, 3, 18, 23, 50))
    services.snapshot()
    clock.move_to(f.at(2026, 3, 19, 0, 10))
    assert services.standing(Q1, f.zone()).counted_at is None


def test_a_count_kept_under_other_facts_is_counted_again(record, unit_a):
    services.snapshot()
    KeptFigures.objects.filter(key="facts 2026Q1").update(form=["due", "owed"])
    standing = services.standing(Q1, f.zone())
    assert standing.counted_at is None and _reviewed(standing, unit_a) == 1


def test_the_lock_counts_the_record_itself_not_the_kept_count(
    record, office, liaison_a, unit_a, clock
):
    clock.move_to(f.at(2026, 4, 2))
    services.snapshot()  # keeps Q1's count too: the office has not locked it
    kept = KeptFigures.objects.get(key="facts 2026Q1")
    units = kept.data
    units[str(unit_a.pk)] = [9] * len(kept.form)  # not what the record says
    KeptFigures.objects.filter(pk=kept.pk).update(data=units)
    assert _reviewed(services.standing(Q1, f.zone()), unit_a) == 9
    services.lock(actor=office, quarter=Q1, office=f.zone())
    assert _reviewed(services.standing(Q1, f.zone()), unit_a) == 1
