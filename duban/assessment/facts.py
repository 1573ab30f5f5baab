"""Counting each unit's facts for a quarter from the record: eight aggregate
queries, whatever the number of units, tasks and reporting periods."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Max, Q
from django.utils import timezone

from duban.lib import periods, rules
from duban.supervision.models import SupervisionNotice, WarningEvent
from duban.work.models import (
    CLOSED_ON_TIME,
    FILED,
    DeadlineChange,
    ProgressReport,
    ReportState,
    RequestState,
    Task,
    owed_cutoff,
    owes_for,
    stopped_on,
)

from .scoring import Facts

COUNTED = FILED


def _window(quarter: periods.Quarter, as_of: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The quarter's moments up to the end of `as_of`, in the office's time zone."""
    zone = timezone.get_current_timezone()
    last = min(quarter.end, as_of)
    start = dt.datetime.combine(quarter.start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def quarter_facts(quarter: periods.Quarter, as_of: dt.date) -> dict[int, Facts]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    start, end = _window(quarter, as_of)
    last_day = min(quarter.end, as_of)

    # Tasks due in the quarter (so far), and those closed by their deadline:
    # the unit asked to close on or before it, and the office closed it.
    for row in (
        Task.objects.filter(is_parent=False, deadline__gte=quarter.start, deadline__lte=last_day)
        .annotate(stopped_on=stopped_on())
        .values("lead_unit_id")
        .annotate(
            due=Count("id"),
            # Closed on time (one rule: work.models.CLOSED_ON_TIME), and by the moment.
            on_time_closed=Count("id", filter=Q(CLOSED_ON_TIME, closed_at__lt=end)),
        )
        .order_by()
    ):
        counts[row["lead_unit_id"]].update(due=row["due"], closed_on_time=row["on_time_closed"])

    # Reports owed for the quarter's periods that are due, and filed on time:
    # one pass over the tasks for what is owed (a column per period) and one
    # over the periods' filed reports for what came on time. A query per
    # period, each probing every owing task's report, took 5 s at province.
    due = [p for p in quarter.reporting_periods() if p.end < as_of]
    if due:
        # Due by ``as_of`` under the task's plan's grace (Task.owed_cutoff).
        owed_by = {f"p{i}": Q(owes_for(p), owed_before__gt=p.end) for i, p in enumerate(due)}
        for owed_row in (
            Task.objects.filter(
                is_parent=False,
                cadence__in={p.cadence for p in due},
                start_date__lte=max(p.end for p in due),
                # A quarter's first week may begin in the quarter before.
                deadline__gte=min(p.start for p in due),
            )
            .annotate(owed_before=owed_cutoff(as_of))
            .values("lead_unit_id")
            .annotate(**{name: Count("id", filter=owes) for name, owes in owed_by.items()})
            .order_by()
        ):
            columns: dict[str, Any] = dict(owed_row)
            unit_id, owed = columns["lead_unit_id"], sum(columns[name] for name in owed_by)
            if owed:
                counts[unit_id]["owed"] = owed
        on_time_for = Q()
        for p in due:
            # The label first: SQLite stops at it for every other period's branch.
            on_time_for |= (
                Q(period_label=p.label) & owes_for(p, prefix="task__") & Q(owed_before__gt=p.end)
            )
        for unit_id, on_time in (
            ProgressReport.objects.filter(
                period_label__in=[p.label for p in due], state__in=COUNTED, is_late=False
            )
            .annotate(owed_before=owed_cutoff(as_of, plan_field="task__plan_id"))
            .filter(on_time_for)
            .values("task__lead_unit_id")
            .annotate(n=Count("id"))
            .values_list("task__lead_unit_id", "n")
            .order_by()
        ):
            counts[unit_id]["on_time"] = on_time

    # Reports of the quarter the office reviewed, and those accepted first time.
    labels = [p.label for p in quarter.reporting_periods()]
    for review_row in (
        ProgressReport.objects.filter(period_label__in=labels, reviewed_at__lt=end)
        .filter(Q(state=ReportState.ACCEPTED) | Q(return_count__gt=0))
        .values("unit_id")
        .annotate(
            reviewed=Count("id"),
            first_time=Count("id", filter=Q(state=ReportState.ACCEPTED, return_count=0)),
        )
        .order_by()
    ):
        counts[review_row["unit_id"]].update(
            reviewed=review_row["reviewed"], first_time=review_row["first_time"]
        )

    # Warnings by the highest level they reached in the quarter; withdrawn ones count nowhere.
    for warning_row in (
        WarningEvent.objects.filter(
            at__gte=start,
            at__lt=end,
            warning__withdrawn_at__isnull=True,
            kind__in=("raised", "escalated"),
        )
        .values("warning_id", "warning__unit_id")
        .annotate(top=Max("level"))
        .order_by()
    ):
        unit = counts[warning_row["warning__unit_id"]]
        if warning_row["top"] >= rules.RED:
            unit["red"] = unit.get("red", 0) + 1
        elif warning_row["top"] >= rules.YELLOW:
            unit["yellow"] = unit.get("yellow", 0) + 1

    for unit_id, n in (
        SupervisionNotice.objects.filter(issued_at__gte=start, issued_at__lt=end)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
        .order_by()
    ):
        counts[unit_id]["notices"] = n
    for unit_id, n in (
        DeadlineChange.objects.filter(
            state=RequestState.APPROVED, decided_at__gte=start, decided_at__lt=end
        )
        .values("task__lead_unit_id")
        .annotate(n=Count("id"))
        .values_list("task__lead_unit_id", "n")
        .order_by()
    ):
        counts[unit_id]["deadline_changes"] = n
    return {unit_id: Facts(**values) for unit_id, values in counts.items()}


def facts_as_data(facts: Facts) -> dict[str, Any]:
    return dict(facts.__dict__)
