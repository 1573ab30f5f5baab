"""Long-term tasks (长期坚持) and quarterly reporting (每季度), issue 13 point 1:
a long-term task has no deadline, is never overdue and owes a report every
period while it is open; a quarterly task reports once a quarter."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from duban.lib import deadlines, periods
from duban.supervision.models import TaskWarning
from duban.supervision.scan import scan
from duban.work import services
from duban.work.models import Task

from .. import factories as f
from ..api.conftest import Api

START = f.TODAY - dt.timedelta(days=70)


@pytest.fixture
def ongoing(office, liaison_a, unit_a):
    return f.claimed(
        office, liaison_a, unit_a, title="优化营商环境", start=START, deadline=deadlines.LONG_TERM
    )


def test_a_long_term_task_owes_every_period_and_is_never_overdue(ongoing):
    weeks = ongoing.owed_periods(f.TODAY)
    # every week since it began that is over and past its grace, up to today
    assert len(weeks) >= 8 and weeks[-1].end < f.TODAY
    ten_years = f.TODAY + dt.timedelta(days=3650)
    assert not ongoing.is_overdue(ten_years)
    assert ongoing.light(ten_years) != "red"
    assert len(ongoing.owed_periods(ten_years)) > 500
    scan(today=f.TODAY)
    rules = set(TaskWarning.objects.filter(task=ongoing).values_list("rule", flat=True))
    assert "overdue" not in rules and "deadline_soon" not in rules
    assert rules, "an unreported long-term task is warned of its missing reports"


def test_a_long_term_task_keeps_reporting_in_the_current_period(ongoing, liaison_a):
    choices = services.report_period_choices(ongoing, f.TODAY)
    assert periods.period_containing(f.TODAY, periods.WEEKLY) in choices
    report = f.report(liaison_a, ongoing)
    assert report.period_label == periods.period_containing(f.TODAY, periods.WEEKLY).label


def test_a_long_term_task_has_no_deadline_to_move(ongoing, liaison_a):
    with pytest.raises(ValidationError, match="long-term"):
        services.deadline_change_request(
            actor=liaison_a, task=ongoing, new_deadline=f.TODAY, reason="调整"
        )


def test_assigning_a_long_term_task_through_the_form(as_, office, unit_a):
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    form = {
        "title": "常态化开展安全生产检查",
        "source": "plan",
        "lead_unit": unit_a.pk,
        "start_date": f.TODAY.isoformat(),
        "cadence": "monthly",
        "weight": "1",
    }
    refused = client.post("/tasks/new/", form)
    assert refused.status_code == 400
    assert "请填写完成时限，或勾选长期坚持" in refused.content.decode()
    assert "常态化开展安全生产检查" in refused.content.decode()  # what was typed is kept
    done = client.post("/tasks/new/", {**form, "long_term": "on"})
    assert done.status_code == 302
    task = Task.objects.get(title="常态化开展安全生产检查")
    assert task.is_long_term and task.deadline == deadlines.LONG_TERM
    page = client.get(f"/tasks/{task.pk}/").content.decode()
    assert "长期坚持" in page and "9999" not in page


def test_the_api_says_long_term_and_sends_no_date(ongoing, office, unit_a):
    api = Api(office)
    body = api.get(f"/tasks/{ongoing.pk}").json()
    assert body["long_term"] is True and body["deadline"] is None
    new = {"title": "持续推进招商引资", "lead_unit_id": unit_a.pk, "start_date": str(f.TODAY)}
    refused = api.post("/tasks", new)
    assert refused.status_code == 422 and "long-term" in refused.content.decode()
    made = api.post("/tasks", {**new, "long_term": True})
    assert made.status_code == 201 and made.json()["long_term"] is True


def test_a_quarterly_task_reports_once_a_quarter(office, liaison_a, unit_a, as_):
    task = f.claimed(
        office,
        liaison_a,
        unit_a,
        start=dt.date(f.TODAY.year - 1, 1, 1),
        deadline=dt.date(f.TODAY.year, 12, 31),
        cadence="quarterly",
    )
    owed = task.owed_periods(f.TODAY)
    assert owed and all(p.cadence == periods.QUARTERLY for p in owed)
    assert [p.label for p in owed][:2] == [f"{f.TODAY.year - 1}-Q1", f"{f.TODAY.year - 1}-Q2"]
    quarter = periods.period_containing(f.TODAY, periods.QUARTERLY)
    page = as_(liaison_a).get(f"/tasks/{task.pk}/report/").content.decode()
    number = (quarter.start.month - 1) // 3 + 1
    assert f'<option value="{quarter.label}" selected>Q{number} {quarter.start.year}<' in page
    report = f.report(liaison_a, task, period=quarter.label)
    assert (report.period_start, report.period_end) == (quarter.start, quarter.end)
    status = as_(office).get(f"/reporting/?cadence=quarterly&period={owed[-1].label}")
    assert status.status_code == 200 and "Monthly reports" in status.content.decode()
