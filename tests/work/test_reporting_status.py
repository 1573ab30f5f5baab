"""The reporting page: per unit, the reports owed for a period, filed on time,
late or not at all, scoped like every list, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

from duban.lib import periods
from duban.work import reporting, services
from tests import factories as f

LAST = periods.period_from_label(f.LAST_WEEK)


def _row(status, unit):
    return next(r for r in status.rows if r.unit_id == unit.pk)


def test_each_unit_shows_owed_filed_late_and_not_filed(
    office, liaison_a, liaison_b, unit_a, unit_b, clock
):
    on_time = f.claimed(office, liaison_a, unit_a)
    late = f.claimed(office, liaison_a, unit_a)
    silent = f.claimed(office, liaison_a, unit_a)
    returned = f.claimed(office, liaison_a, unit_a)
    other = f.claimed(office, liaison_b, unit_b)
    # Last week's due date is Monday 16 March; it is Wednesday 18 March.
    clock.move_to(f.at(2026, 3, 16, 9))
    f.report(liaison_a, on_time, period=f.LAST_WEEK)
    r = f.report(liaison_a, returned, period=f.LAST_WEEK, no_change=True, text="无变化：等待审批")
    services.report_review(actor=office, report=r, accept=False, comment="请说明审批进度")
    clock.move_to(f.NOW)
    f.report(liaison_a, late, period=f.LAST_WEEK)
    f.report(liaison_b, other, period=f.LAST_WEEK)

    status = reporting.period_status(office, LAST, f.TODAY)
    a = _row(status, unit_a)
    assert (a.owing, a.on_time, a.late, a.not_filed, a.returned) == (4, 1, 1, 2, 1)
    assert status.is_due
    assert status.rows[0].unit_id == unit_a.pk  # the unit with most not filed comes first
    assert set(reporting.not_filed_tasks(office, LAST, unit_a.pk)) == {silent, returned}
    assert status.total.owing == 5


def test_tasks_not_running_in_the_period_owe_nothing(office, liaison_a, unit_a, clock):
    f.claimed(office, liaison_a, unit_a, start=f.TODAY)  # starts this week
    f.claimed(
        office,
        liaison_a,
        unit_a,
        start=f.TODAY - dt.timedelta(days=60),
        deadline=f.TODAY - dt.timedelta(days=30),
    )  # ended before
    monthly = f.claimed(office, liaison_a, unit_a, cadence="monthly")
    # Put up for closing during last week: last week is no longer owed.
    clock.move_to(f.at(2026, 3, 11))
    closing = f.claimed(office, liaison_a, unit_a, start=f.TODAY - dt.timedelta(days=30))
    services.close_request_create(actor=liaison_a, task=closing, summary="完成。", files=[f.pdf()])
    clock.move_to(f.NOW)
    assert reporting.period_status(office, LAST, f.TODAY).rows == []
    march = periods.period_containing(f.TODAY, periods.MONTHLY)
    assert [r.owing for r in reporting.period_status(office, march, f.TODAY).rows] == [1]
    assert monthly.lead_unit == unit_a


def test_a_liaison_sees_only_the_units_tasks(office, liaison_a, liaison_b, unit_a, unit_b, as_):
    f.claimed(office, liaison_a, unit_a)
    f.claimed(office, liaison_b, unit_b)
    page = as_(liaison_b).get(f"/reporting/?period={f.LAST_WEEK}")
    assert [r.unit for r in page.context["rows"].rows] == [unit_b]
    office_page = as_(office).get(f"/reporting/?period={f.LAST_WEEK}&unit={unit_a.pk}")
    assert len(office_page.context["status"].rows) == 2
    assert len(office_page.context["missing"]) == 1


def test_bad_period_or_unit_in_the_address_falls_back_quietly(office, as_):
    client = as_(office)
    for query in ("period=2026-W99", "period=garbage", "unit=abc", "cadence=daily"):
        assert client.get(f"/reporting/?{query}").status_code == 200


def test_the_page_asks_a_fixed_number_of_queries(
    office, liaison_a, unit_a, unit_b, as_, django_assert_max_num_queries
):
    client = as_(office)

    def grow(n):
        for i in range(n):
            task = f.claimed(office, liaison_a, unit_a)
            if i % 2:
                f.report(liaison_a, task, period=f.LAST_WEEK)
            f.task(office, unit_b)

    grow(2)
    client.get("/reporting/")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(f"/reporting/?unit={unit_a.pk}")
    grow(6)
    with CaptureQueriesContext(connection) as large:
        client.get(f"/reporting/?unit={unit_a.pk}")
    assert len(large.captured_queries) == len(small.captured_queries) <= 15


def test_a_close_request_on_the_periods_last_evening_ends_it_one_a_minute_later_does_not(
    office, liaison_a, unit_a, clock
):
    # W11 ends on Sunday 15 March. Asked to close at 23:59 that Sunday (15:59
    # in UTC), the task owes no report for W11; at 00:01 on Monday (still
    # Sunday in UTC) it does. The office's day, not the server's.
    evening = f.claimed(office, liaison_a, unit_a, start=f.TODAY - dt.timedelta(days=30))
    monday = f.claimed(office, liaison_a, unit_a, start=f.TODAY - dt.timedelta(days=30))
    clock.move_to(f.at(2026, 3, 15, 23, 59))
    services.close_request_create(actor=liaison_a, task=evening, summary="完成。", files=[f.pdf()])
    clock.move_to(f.at(2026, 3, 16, 0, 1))
    services.close_request_create(actor=liaison_a, task=monday, summary="完成。", files=[f.pdf()])
    clock.move_to(f.NOW)
    owing = set(reporting.owing_tasks(office, LAST))
    assert owing == {monday}
    # The task's own list of owed periods says the same.
    evening.refresh_from_db()
    monday.refresh_from_db()
    assert LAST in monday.owed_periods(f.TODAY) and LAST not in evening.owed_periods(f.TODAY)


def test_the_page_loads_the_units_of_the_rows_it_shows_only(
    office, liaison_a, liaison_b, unit_a, unit_b, as_, monkeypatch
):
    from duban.org import paging

    monkeypatch.setattr(paging, "ROWS_PAGE", 1)
    f.claimed(office, liaison_a, unit_a)
    f.claimed(office, liaison_b, unit_b)
    page = as_(office).get(f"/reporting/?period={f.LAST_WEEK}")
    shown, every = page.context["rows"].rows, page.context["status"].rows
    assert len(every) == 2 and len(shown) == 1 and shown[0].unit.pk == shown[0].unit_id
    assert [row.unit for row in every if row is not shown[0]] == [None]
    assert str(shown[0].unit) in page.content.decode()
    second = as_(office).get(f"/reporting/?period={f.LAST_WEEK}&page=2").context["rows"].rows
    assert second[0].unit is not None and second[0].unit_id != shown[0].unit_id
