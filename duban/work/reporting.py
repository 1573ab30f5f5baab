"""How units report in one period: who owes, who filed on time or late, who has
not filed. One aggregate query whatever the number of tasks, scoped like every
other read. It is also the office's view of the load it puts on each unit:
the number of reports it demands of them in the period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef

from duban.lib import periods
from duban.org.models import Unit

from .models import ProgressReport, ReportState, Task, default_grace, owes_for, stopped_on
from .queries import COUNTED, visible_tasks
from .services import report_due_date


@dataclass
class UnitStatus:
    unit: Unit
    owing: int
    on_time: int
    late: int
    returned: int
    no_change: int

    @property
    def filed(self) -> int:
        return self.on_time + self.late

    @property
    def not_filed(self) -> int:
        return self.owing - self.filed


@dataclass
class PeriodStatus:
    period: periods.Period
    due: dt.date
    is_due: bool
    rows: list[UnitStatus]

    @property
    def total(self) -> UnitStatus:
        return UnitStatus(
            unit=Unit(name=""),
            owing=sum(r.owing for r in self.rows),
            on_time=sum(r.on_time for r in self.rows),
            late=sum(r.late for r in self.rows),
            returned=sum(r.returned for r in self.rows),
            no_change=sum(r.no_change for r in self.rows),
        )


def owing_tasks(person: Any, period: periods.Period) -> Any:
    """Leaf tasks of the period's cadence that owe a report for it: running
    during it (start to deadline) and not put up for closing before it ended."""
    return visible_tasks(person).annotate(stopped_on=stopped_on()).filter(owes_for(period))


def period_status(person: Any, period: periods.Period, today: dt.date) -> PeriodStatus:
    report = ProgressReport.objects.filter(task=OuterRef("pk"), period_label=period.label)
    filed = report.filter(state__in=COUNTED)
    counts = (
        owing_tasks(person, period)
        .values("lead_unit")
        .annotate(
            owing=Count("id"),
            on_time=Count("id", filter=Exists(filed.filter(is_late=False))),
            late=Count("id", filter=Exists(filed.filter(is_late=True))),
            returned=Count("id", filter=Exists(report.filter(state=ReportState.RETURNED))),
            no_change=Count("id", filter=Exists(filed.filter(no_change=True))),
        )
        .order_by()
    )
    by_unit = {row["lead_unit"]: row for row in counts}
    units = Unit.objects.filter(pk__in=by_unit).order_by("path")
    rows = [
        UnitStatus(
            unit=unit,
            owing=by_unit[unit.pk]["owing"],
            on_time=by_unit[unit.pk]["on_time"],
            late=by_unit[unit.pk]["late"],
            returned=by_unit[unit.pk]["returned"],
            no_change=by_unit[unit.pk]["no_change"],
        )
        for unit in units
    ]
    # The units that owe the most and filed the least come first.
    rows.sort(key=lambda r: (-r.not_filed, -r.owing, r.unit.path))
    # The headline due date is the installation's; a plan with its own grace
    # is due by its own (each report's lateness was fixed by it when filed).
    due = report_due_date(period, default_grace())
    return PeriodStatus(period=period, due=due, is_due=due < today, rows=rows)


def not_filed_tasks(person: Any, period: periods.Period, unit_id: int) -> list[Task]:
    """The tasks of one unit that have no filed report for the period."""
    filed = ProgressReport.objects.filter(
        task=OuterRef("pk"), period_label=period.label, state__in=COUNTED
    )
    return list(
        owing_tasks(person, period)
        .filter(lead_unit_id=unit_id)
        .exclude(Exists(filed))
        .select_related("lead_unit", "leader")
        .order_by("sort_key", "id")
    )
