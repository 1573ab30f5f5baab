"""Counting each unit's facts for a quarter from the record: seven aggregate
queries and a read of the plans' own grace, whatever the number of units,
tasks and reporting periods."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, F, Max, Q, Sum
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
    period_bits,
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

    # Reports owed for the quarter's periods that are due, and those filed on
    # time, as a bit per period: which periods each task owes (one pass over
    # the tasks) and which it filed on time (one pass over the index that
    # holds the quarter's reports), matched here. Neither statement joins and
    # neither groups by an indexed column, so neither plan depends on SQLite's
    # statistics. (A query per period, each probing every owing task's
    # report, took 5 s at province; one joined statement 1-1.8 s, its plan
    # flipping with the statistics.)
    due = [p for p in quarter.reporting_periods() if p.end < as_of]
    if due:
        # Due by ``as_of`` under the task's plan's grace (Task.owed_cutoff).
        owed_mask = period_bits([Q(owes_for(p), owed_before__gt=p.end) for p in due])
        owed: dict[int, tuple[int, int]] = {}
        for task_id, lead_unit_id, mask in (
            Task.objects.filter(
                is_parent=False,
                cadence__in={p.cadence for p in due},
                start_date__lte=max(p.end for p in due),
                # A quarter's first week may begin in the quarter before.
                deadline__gte=min(p.start for p in due),
            )
            .annotate(owed_before=owed_cutoff(as_of), owed_mask=owed_mask)
            .values_list("id", "lead_unit_id", "owed_mask")
            .order_by()
        ):
            if not mask:
                continue  # running in the quarter, owing none of its due periods yet
            owed[task_id] = (lead_unit_id, mask)
            unit = counts[lead_unit_id]
            unit["owed"] = unit.get("owed", 0) + mask.bit_count()
        for task_id, filed_mask in (
            ProgressReport.objects.filter(
                period_label__in=[p.label for p in due], state__in=COUNTED, is_late=False
            )
            .values(key=F("task_id") + 0)
            .annotate(
                filed_mask=Sum(period_bits([Q(period_label=p.label) for p in due], exclusive=True))
            )
            .values_list("key", "filed_mask")
            .order_by()
        ):
            if task_id in owed:
                lead_unit_id, mask = owed[task_id]
                if on_time := (mask & filed_mask).bit_count():
                    unit = counts[lead_unit_id]
                    unit["on_time"] = unit.get("on_time", 0) + on_time

    # Reports of the quarter the office reviewed, and those accepted first
    # time, by the unit that filed them: one pass over the same index (the
    # group key is an expression, so no index's order tempts SQLite into
    # reading every report in unit order instead).
    labels = [p.label for p in quarter.reporting_periods()]
    for unit_id, reviewed, first_time in (
        ProgressReport.objects.filter(period_label__in=labels, reviewed_at__lt=end)
        .filter(Q(state=ReportState.ACCEPTED) | Q(return_count__gt=0))
        .values(filer=F("unit_id") + 0)
        .annotate(
            reviewed=Count("id"),
            first_time=Count("id", filter=Q(state=ReportState.ACCEPTED, return_count=0)),
        )
        .values_list("filer", "reviewed", "first_time")
        .order_by()
    ):
        counts[unit_id].update(reviewed=reviewed, first_time=first_time)

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
