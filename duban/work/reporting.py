"""How units report in one period: who owes, who filed on time or late, who has
not filed. One aggregate query whatever the number of tasks, scoped like every
other read. It is also the office's view of the load it puts on each unit:
the number of reports it demands of them in the period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, F, FilteredRelation, Max, Min, OuterRef, Q

from duban.lib import periods
from duban.org.models import Unit

from .models import (
    ProgressReport,
    ReportState,
    Task,
    default_grace,
    owed_cutoff,
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


def owing_tasks(person: Any, period: periods.Period) -> Any:
    """Leaf tasks of the period's cadence that owe a report for it: running
    during it (start to deadline) and not put up for closing before it ended."""
    return visible_tasks(person).annotate(stopped_on=stopped_on()).filter(owes_for(period))


def period_status(person: Any, period: periods.Period, today: dt.date) -> PeriodStatus:
    """Each unit's reports for the period. Each task's report is due by its own
    plan's grace (``owed_cutoff``: owed once the cutoff is past the period's end),
    so the headline gives the range of due dates and "missing" counts per task."""
    # A task has at most one report a period (report_one_per_period): one
    # outer join reads it, where a subquery per column read it five times.
    filed = Q(this__state__in=COUNTED)
    past_due = Q(owed_before__gt=period.end)
    counts = (
        owing_tasks(person, period)
        .annotate(
            owed_before=owed_cutoff(today),
            this=FilteredRelation("reports", condition=Q(reports__period_label=period.label)),
        )
        # Grouped by an expression: SQLite walks the owing tasks by their
        # deadline, not every task in unit order (184 -> 120 ms at province).
        .values(unit=F("lead_unit_id") + 0)
        .annotate(
            owing=Count("id"),
            on_time=Count("id", filter=filed & Q(this__is_late=False)),
            late=Count("id", filter=filed & Q(this__is_late=True)),
            returned=Count("id", filter=Q(this__state=ReportState.RETURNED)),
            no_change=Count("id", filter=filed & Q(this__no_change=True)),
            past_due=Count("id", filter=past_due),
            past_due_filed=Count("id", filter=past_due & filed),
            # The cutoff is today less the grace: the latest cutoff, the least grace.
            least_grace=Max("owed_before"),
            most_grace=Min("owed_before"),
        )
        .order_by()
    )
    by_unit = {row["unit"]: row for row in counts}
    for row in by_unit.values():
        # Not filed and past due by the task's own plan: missing.
        row["missing"] = row["past_due"] - row["past_due_filed"]
    paths = dict(Unit.objects.filter(pk__in=by_unit).values_list("pk", "path"))
    rows = [
        UnitStatus(
            unit_id=unit_id,
            path=path,
            **{
                name: by_unit[unit_id][name]
                for name in ("owing", "on_time", "late", "returned", "no_change", "missing")
            },
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
