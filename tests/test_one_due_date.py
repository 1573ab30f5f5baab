"""One due date for a report (``Plan.report_grace_days``: the plan's own grace,
else the installation's ``DUBAN_REPORT_GRACE_DAYS``), asked by everything that
counts reports: the task list's missing reports, the task page's calendar, the
lateness fixed when a report is filed, the warning scan and the quarter's
facts (STYLE.md, habit 16).

Today is Wednesday 18 March 2026. Last week (2026-W11) ended on Sunday the
15th: with one day of grace its report was due on the 16th (owed, missing);
under a plan that allows four days it is due on the 19th (not owed yet).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from duban.assessment.facts import quarter_facts
from duban.lib import periods, rules
from duban.supervision import services as supervision
from duban.supervision.models import TaskWarning
from duban.supervision.scan import scan
from duban.work.models import Plan

from . import factories as f

Q1 = periods.quarter_from_label("2026Q1")


@pytest.fixture
def two_plans(settings, office, liaison_a, unit_a):
    settings.DUBAN_REPORT_GRACE_DAYS = 1
    usual = f.plan(office, title="按期报送的方案")
    lenient = f.plan(office, title="宽限四天的方案")
    supervision.plan_warning_settings_update(
        actor=office, plan=lenient, settings={"report_grace_days": 4}
    )
    start = f.TODAY - dt.timedelta(days=16)  # Monday 2 March: W10 and W11 are due
    return {
        name: f.claimed(office, liaison_a, unit_a, plan=plan, start=start)
        for name, plan in (("usual", usual), ("lenient", Plan.objects.get(pk=lenient.pk)))
    }


def _missing_on_the_list(html: str, task) -> str:
    row = re.search(rf'<tr data-task="{task.pk}">(.*?)</tr>', html, re.S)[1]
    found = re.search(r'data-testid="missing">(\d+)', row)
    return found[1] if found else "0"


def test_every_reader_uses_the_plans_grace(as_, office, liaison_a, two_plans):
    usual, lenient = two_plans["usual"], two_plans["lenient"]
    # W10 was filed for both; W11 for neither yet.
    for task in (usual, lenient):
        f.report(liaison_a, task, period="2026-W10", percent="10")

    # Owed: the task's own reading and the list's annotation agree.
    assert [p.label for p in usual.owed_periods(f.TODAY)][-1] == "2026-W11"
    assert [p.label for p in lenient.owed_periods(f.TODAY)][-1] == "2026-W10"
    page = as_(office).get("/tasks/")
    by_pk = {t.pk: t for t in page.context["page"].object_list}
    assert (by_pk[usual.pk].missing, by_pk[lenient.pk].missing) == (1, 0)

    # The task page's calendar: due on the 16th, and on the 19th.
    for task, due in ((usual, "2026-03-16"), (lenient, "2026-03-19")):
        rows = as_(office).get(f"/tasks/{task.pk}/").context["calendar"]
        row = next(r for r in rows if r.period.label == "2026-W11")
        assert (row.due.isoformat(), row.status) == (due, "missing" if task is usual else "open")

    # The reporting page: both owe W10 and W11 (owes_for, the SQL of owed_periods);
    # W10 filed by both, W11 by neither.
    status = as_(office).get("/reporting/?period=2026-W10").context["status"]
    assert (status.total.owing, status.total.filed) == (2, 2)
    response = as_(office).get("/reporting/?period=2026-W11")
    status = response.context["status"]
    assert (status.total.owing, status.total.filed) == (2, 0)
    # Each is due by its own plan: the usual one is missing on the 18th, the
    # lenient one not yet; the headline gives both due dates.
    assert status.total.missing == 1
    assert (status.due, status.last_due) == (dt.date(2026, 3, 16), dt.date(2026, 3, 19))
    assert "2026-03-16 – 2026-03-19" in response.content.decode()

    # The scan: a missing report for the usual plan only.
    scan(today=f.TODAY)
    warned = set(
        TaskWarning.objects.filter(rule=rules.INACTION_REPORT, cleared_at__isnull=True).values_list(
            "task_id", flat=True
        )
    )
    assert warned == {usual.pk}

    # Filed today (the 18th): late under one day of grace, on time under four.
    late = f.report(liaison_a, usual, period="2026-W11", percent="20")
    in_time = f.report(liaison_a, lenient, period="2026-W11", percent="20")
    assert (late.is_late, in_time.is_late) == (True, False)

    # The quarter's facts as of the 18th: W11 is owed by the usual task only.
    facts = quarter_facts(Q1, f.TODAY)[usual.lead_unit_id]
    # W10 for both (filed only today: late), W11 for the usual one (late); the
    # lenient task's W11 is not owed until the 19th.
    assert (facts.owed, facts.on_time) == (3, 0)
    assert quarter_facts(Q1, dt.date(2026, 3, 20))[usual.lead_unit_id].owed == 4
