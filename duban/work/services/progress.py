"""Official progress and its roll-up, run at write time.

A task's official progress is that of its last accepted report (by period):
a report submitted and not yet reviewed is shown beside it as awaiting review
(``models.awaiting_review``) and counts nowhere until the office accepts it.
A closed task keeps the progress recorded with the decision to close it
(``CloseRequest.final_progress``). A parent is the weighted mean of its
children, a plan that of its top-level tasks. Every page, list, export, the
scan, the cockpit and the assessment read the stored ``progress``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery

from ..models import (
    FILED,
    CloseRequest,
    Plan,
    ProgressReport,
    ReportState,
    RequestState,
    Task,
    TaskState,
)

# --- the definitions ----------------------------------------------------------


def official_report(task: Task, *, before: Any = None) -> ProgressReport | None:
    """The report whose figures are the task's official progress: its last
    accepted one (of a period starting before ``before``, a date, when given)."""
    accepted = task.reports.filter(state=ReportState.ACCEPTED)
    if before is not None:
        accepted = accepted.filter(period_start__lt=before)
    return accepted.order_by("-period_start", "-id").first()


def last_filed_report(task: Task) -> ProgressReport | None:
    """The unit's last word: its latest report filed and standing, reviewed or not."""
    return task.reports.filter(state__in=FILED).order_by("-period_start", "-id").first()


def _closed_progress(task: Task) -> Decimal | None:
    """The progress recorded when the task was closed (None before it was recorded)."""
    return (
        CloseRequest.objects.filter(task=task, state=RequestState.APPROVED)
        .order_by("-decided_at", "-id")
        .values_list("final_progress", flat=True)
        .first()
    )


# --- progress and roll-up -----------------------------------------------------


def weighted_mean(pairs: Iterable[tuple[Decimal, Decimal]]) -> Decimal:
    """The roll-up, the one definition: the mean of (weight, progress) pairs
    weighted by weight, to one decimal (0 with no weight)."""
    total = weights = Decimal(0)
    for weight, progress in pairs:
        total += Decimal(weight) * Decimal(progress)
        weights += Decimal(weight)
    if not weights:
        return Decimal("0")
    return (total / weights).quantize(Decimal("0.1"))


def _weighted_mean(tasks: Any) -> Decimal:
    return weighted_mean(tasks.values_list("weight", "progress"))


def plan_progress_as_of(plan_ids: Iterable[int], end: dt.datetime) -> dict[int, Decimal]:
    """Each plan's official progress as it stood at ``end`` (the cockpit "as
    of" a past day), by the same definitions as the stored one: a leaf's last
    report accepted before ``end``, a task closed before ``end`` its recorded
    final progress, parents and plans rolled up by ``weighted_mean``; tasks
    assigned after ``end`` are not counted. One query whatever the plans' size."""
    accepted = ProgressReport.objects.filter(
        task=OuterRef("pk"), state=ReportState.ACCEPTED, reviewed_at__lt=end
    ).order_by("-period_start", "-id")
    closed = CloseRequest.objects.filter(
        task=OuterRef("pk"), state=RequestState.APPROVED, decided_at__lt=end
    ).order_by("-decided_at", "-id")
    rows = list(
        Task.objects.filter(plan_id__in=list(plan_ids), created_at__lt=end)
        .annotate(
            official=Subquery(accepted.values("percent")[:1]),
            final=Subquery(closed.values("final_progress")[:1]),
        )
        .values_list("pk", "parent_id", "plan_id", "weight", "official", "final")
    )
    children: dict[int | None, list[tuple[Any, ...]]] = {}
    for row in rows:
        children.setdefault(row[1], []).append(row)

    def value(row: tuple[Any, ...]) -> Decimal:
        pk, _parent, _plan, _weight, official, final = row
        if final is not None:
            return Decimal(final)
        if pk in children:
            return weighted_mean((c[3], value(c)) for c in children[pk])
        return Decimal(official) if official is not None else Decimal("0")

    top: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for row in children.get(None, []):
        top.setdefault(row[2], []).append((row[3], value(row)))
    return {plan: weighted_mean(pairs) for plan, pairs in top.items()}


def _plan_recompute(plan: Plan | None) -> None:
    if plan is None:
        return
    value = _weighted_mean(Task.objects.filter(plan=plan, parent__isnull=True))
    Plan.objects.filter(pk=plan.pk).update(progress=value)
    plan.progress = value


def _rollup_from(task: Task | None) -> None:
    """Recompute ``task`` from its children, then every ancestor, then the plan."""
    plan: Plan | None = None
    while task is not None:
        value = _weighted_mean(Task.objects.filter(parent=task))
        if task.state == TaskState.CLOSED:
            closed = _closed_progress(task)
            value = closed if closed is not None else task.progress
        Task.objects.filter(pk=task.pk).update(progress=value)
        task.progress = value
        plan = task.plan
        task = task.parent
    _plan_recompute(plan)


def _leaf_recompute(task: Task) -> None:
    if task.state == TaskState.CLOSED:
        closed = _closed_progress(task)
        value = closed if closed is not None else task.progress
        latest_value = task.latest_value
    else:
        official = official_report(task)
        value = official.percent if official else Decimal("0")
        latest_value = official.value if official else None
    Task.objects.filter(pk=task.pk).update(progress=value, latest_value=latest_value)
    task.progress = value
    task.latest_value = latest_value
    if task.parent_id:
        _rollup_from(task.parent)
    else:
        _plan_recompute(task.plan)
