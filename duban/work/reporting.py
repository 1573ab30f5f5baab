"""How units report in one period: who owes, who filed on time or late, who has
not filed. One aggregate query whatever the number of tasks, scoped like every
other read. It is also the office's view of the load it puts on each unit:
the number of reports it demands of them in the period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef

from duban.lib import periods
from duban.org.models import Unit

from .models import (
    ProgressReport,
    ReportState,
    Task,
    default_grace,
    owed_cutoffs,
    owes_for,
    stopped_on,
)
from .queries import COUNTED, visible_tasks
from .services import report_due_date


@dataclass
class UnitStatus:
    unit_id: int
    path: str  # the unit's place in the tree, the rows' last order
    owing: int
    on_time: int
    late: int
    returned: int
    no_change: int
    # Not filed and past due by the task's own plan (Task.owed_cutoff): missing.
    missing: int = 0
    # Loaded for the rows a page shows (``with_units``): a province's status
    # has 5,000 rows, a page 100.
    unit: Unit | None = None

    @property
    def filed(self) -> int:
        return self.on_time + self.late

    @property
    def not_filed(self) -> int:
        return self.owing - self.filed


@dataclass
class PeriodStatus:
    period: periods.Period
    due: dt.date  # the earliest due date among the owing tasks' plans
    is_due: bool
    rows: list[UnitStatus]
    last_due: dt.date | None = None  # the latest, when plans with other grace owe too

    @property
    def total(self) -> UnitStatus:
        return UnitStatus(
            unit_id=0,
            path="",
            unit=Unit(name=""),
            owing=sum(r.owing for r in self.rows),
            on_time=sum(r.on_time for r in self.rows),
            late=sum(r.late for r in self.rows),
            returned=sum(r.returned for r in self.rows),
            no_change=sum(r.no_change for r in self.rows),
            missing=sum(r.missing for r in self.rows),
        )


COUNTERS = ("owing", "on_time", "late", "returned", "no_change", "missing")
# Up to this many owing tasks, their reports are read by task; beyond, the
# period's reports are read whole from their index.
FEW = 500


def owing_tasks(person: Any, period: periods.Period) -> Any:
    """Leaf tasks of the period's cadence that owe a report for it: running
    during it (start to deadline) and not put up for closing before it ended."""
    return visible_tasks(person).annotate(stopped_on=stopped_on()).filter(owes_for(period))


def period_status(person: Any, period: periods.Period, today: dt.date) -> PeriodStatus:
    """Each unit's reports for the period. Each task's report is due by its own
    plan's grace (``owed_cutoff``: owed once the cutoff is past the period's end),
    so the headline gives the range of due dates and "missing" counts per task."""
    # Two reads matched here: the owing tasks, and the period's reports (at
    # most one a task, report_one_per_period) from an index that holds every
    # column read (work_report_period_idx). Joined in SQL, the reports were
    # probed task by task: 98 of the page's 179 ms at province; grouped in
    # SQLite, 80 ms for the tasks alone. Each task's cutoff comes from its
    # plan in Python: converting 23,000 dates row by row was a tenth of the page.
    cutoffs, usual = owed_cutoffs(today)
    tasks = list(
        owing_tasks(person, period).values_list("id", "lead_unit_id", "plan_id").order_by()
    )
    of_period = ProgressReport.objects.filter(period_label=period.label)
    if len(tasks) <= FEW:  # a liaison's: their tasks' reports, not the whole period's
        of_period = of_period.filter(task_id__in=[t[0] for t in tasks])
    reports = {
        task_id: (state, is_late, no_change)
        for task_id, state, is_late, no_change in of_period.values_list(
            "task_id", "state", "is_late", "no_change"
        ).order_by()
    }
    by_unit: dict[int, dict[str, Any]] = {}
    not_filed = ("", False, False)
    for task_id, unit_id, plan_id in tasks:
        owed_before = cutoffs.get(plan_id, usual) if cutoffs else usual
        row = by_unit.get(unit_id)
        if row is None:
            row = by_unit[unit_id] = dict.fromkeys(COUNTERS, 0)
            row["least_grace"] = row["most_grace"] = owed_before
        state, is_late, no_change = reports.get(task_id, not_filed)
        row["owing"] += 1
        if state in COUNTED:
            row["late" if is_late else "on_time"] += 1
            row["no_change"] += no_change
        else:
            row["returned"] += state == ReportState.RETURNED
            # Not filed and past due by the task's own plan: missing.
            row["missing"] += owed_before > period.end
        if cutoffs:
            # The cutoff is today less the grace: the latest cutoff, the least grace.
            row["least_grace"] = max(row["least_grace"], owed_before)
            row["most_grace"] = min(row["most_grace"], owed_before)
    # A province's 5,000 units are read whole: naming them one by one in the
    # query cost more than reading them.
    units = Unit.objects.filter(pk__in=by_unit) if len(by_unit) <= FEW else Unit.objects.all()
    paths = {pk: path for pk, path in units.values_list("pk", "path") if pk in by_unit}
    rows = [
        UnitStatus(
            unit_id=unit_id,
            path=path,
            **{name: by_unit[unit_id][name] for name in COUNTERS},
        )
        for unit_id, path in paths.items()
    ]
    # The units that owe the most and filed the least come first.
    rows.sort(key=lambda r: (-r.not_filed, -r.owing, r.path))
    graces = {today - row[key] for row in by_unit.values() for key in ("least_grace", "most_grace")}
    first = report_due_date(period, min(graces, default=dt.timedelta(default_grace())).days)
    last = report_due_date(period, max(graces, default=dt.timedelta(default_grace())).days)
    return PeriodStatus(
        period=period,
        due=first,
        is_due=first < today,
        rows=rows,
        last_due=last if last != first else None,
    )


def with_units(rows: list[UnitStatus]) -> list[UnitStatus]:
    """The rows, each with its unit loaded (one query for all of them)."""
    units = Unit.objects.in_bulk([row.unit_id for row in rows if row.unit is None])
    for row in rows:
        row.unit = row.unit or units.get(row.unit_id)
    return rows


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
