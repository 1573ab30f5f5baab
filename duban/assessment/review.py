"""The monthly review (月点评): what a month shows, from the record.

Five sections, each a fixed number of queries: units that finished on time,
units with warnings, overdue tasks, notable progress, leaders' instructions.
The result is plain data (ids, names, numbers), so a published review keeps
it as JSON and shows it again exactly, whatever changes later.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone

from duban.lib import periods, rules
from duban.org.models import Unit
from duban.supervision.models import WarningEvent
from duban.work.models import (
    CLOSED_ON_TIME,
    OPEN_STATES,
    Instruction,
    ProgressReport,
    ReportState,
    Task,
    TaskState,
    stopped_on,
)

NOTABLE = 10  # tasks with the largest progress gain in the month
LISTED = 50  # at most this many rows in the long sections


def _bounds(month: periods.Period) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(month.start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(month.end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def _task(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "serial": row["serial"],
        "title": row["title"],
        "title_en": row["title_en"],
        "unit": row["lead_unit__name"],
        "unit_en": row["lead_unit__name_en"],
    }


TASK_FIELDS = ("id", "serial", "title", "title_en", "lead_unit__name", "lead_unit__name_en")


def month_review(month: periods.Period, task_ids: Any = None) -> dict[str, Any]:
    """The month's figures. `task_ids` (a queryset of ids) limits them to what
    a person may see; None is everything (what the office publishes)."""
    start, end = _bounds(month)
    tasks = Task.objects.all() if task_ids is None else Task.objects.filter(pk__in=task_ids)

    closed = (
        tasks.filter(state=TaskState.CLOSED, closed_at__gte=start, closed_at__lt=end)
        .annotate(stopped_on=stopped_on())
        .values("lead_unit_id", "lead_unit__name", "lead_unit__name_en")
        .annotate(closed=Count("id"), on_time=Count("id", filter=CLOSED_ON_TIME))
        .order_by("-on_time", "lead_unit__path")
    )
    finished = [
        {
            "unit_id": r["lead_unit_id"],
            "unit": r["lead_unit__name"],
            "unit_en": r["lead_unit__name_en"],
            "closed": r["closed"],
            "on_time": r["on_time"],
        }
        for r in closed
    ]

    levels: dict[int, dict[str, Any]] = defaultdict(lambda: {"red": 0, "yellow": 0})
    top = (
        WarningEvent.objects.filter(
            at__gte=start,
            at__lt=end,
            kind__in=("raised", "escalated"),
            warning__withdrawn_at__isnull=True,
            warning__task__in=tasks,
            level__gte=rules.YELLOW,
        )
        .values("warning_id", "warning__unit_id")
        .annotate(top=Max("level"))
        .order_by()
    )
    for row in top:
        key = "red" if row["top"] >= rules.RED else "yellow"
        levels[row["warning__unit_id"]][key] += 1
    names = {
        u.pk: u for u in Unit.objects.filter(pk__in=list(levels)).only("id", "name", "name_en")
    }
    warned = sorted(
        (
            {
                "unit_id": unit_id,
                "unit": names[unit_id].name,
                "unit_en": names[unit_id].name_en,
                **counts,
            }
            for unit_id, counts in levels.items()
            if unit_id in names
        ),
        key=lambda r: (-r["red"], -r["yellow"], r["unit"]),
    )

    # Overdue at the month's end: due by then and not closed by then.
    overdue_rows = (
        tasks.filter(is_parent=False, deadline__lte=month.end)
        .filter(Q(state__in=OPEN_STATES) | Q(closed_at__gte=end))
        .values(*TASK_FIELDS, "deadline")
        .order_by("deadline", "sort_key")[:LISTED]
    )
    overdue = [
        {
            **_task(r),
            "deadline": r["deadline"].isoformat(),
            "days": (month.end - r["deadline"]).days,
        }
        for r in overdue_rows
    ]

    # Progress gained in the month: the official progress at the month's end
    # (the last accepted report, services.progress) against that before it; a
    # report awaiting review is not progress yet.
    accepted = ProgressReport.objects.filter(
        task_id=OuterRef("pk"), state=ReportState.ACCEPTED
    ).order_by("-period_start", "-id")
    in_month = accepted.filter(period_end__gte=month.start, period_end__lte=month.end)
    rows = (
        tasks.filter(Exists(in_month))
        .annotate(
            now=Subquery(in_month.values("percent")[:1]),
            before=Subquery(accepted.filter(period_end__lt=month.start).values("percent")[:1]),
        )
        .order_by()
        .values_list("pk", "now", "before")
    )
    gains = sorted(
        ((best - (before or 0), task_id, best) for task_id, best, before in rows),
        reverse=True,
    )[:NOTABLE]
    info = {
        r["id"]: r for r in Task.objects.filter(pk__in=[g[1] for g in gains]).values(*TASK_FIELDS)
    }
    progress = [
        {
            **_task(info[task_id]),
            "gain": str(Decimal(gain).quantize(Decimal("0.1"))),
            "percent": str(Decimal(best).quantize(Decimal("0.1"))),
        }
        for gain, task_id, best in gains
        if gain > 0 and task_id in info
    ]

    instructions = [
        {
            "task_id": i.task_id,
            "serial": i.task.serial,
            "title": i.task.title,
            "title_en": i.task.title_en,
            "leader": str(i.leader),
            "text": i.text,
            "date": timezone.localdate(i.created_at).isoformat(),
        }
        for i in Instruction.objects.filter(
            task__in=tasks, created_at__gte=start, created_at__lt=end
        )
        .select_related("task", "leader")
        .order_by("created_at")[:LISTED]
    ]
    return {
        "month": month.label,
        "finished": finished,
        "warned": warned,
        "overdue": overdue,
        "progress": progress,
        "instructions": instructions,
    }
