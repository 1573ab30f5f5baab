"""Progress roll-up: a leaf from its latest filed report, a parent from its children
(weighted mean), a plan from its top-level tasks. Run at write time."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, ExpressionWrapper, F, Sum

from ..models import (
    Plan,
    ReportState,
    Task,
    TaskState,
)

# --- progress and roll-up -----------------------------------------------------


def _weighted_mean(tasks: Any) -> Decimal:
    weighted = ExpressionWrapper(
        F("weight") * F("progress"), output_field=DecimalField(max_digits=20, decimal_places=3)
    )
    agg = tasks.aggregate(total=Sum(weighted), weights=Sum("weight"))
    if not agg["weights"]:
        return Decimal("0")
    return (Decimal(agg["total"]) / Decimal(agg["weights"])).quantize(Decimal("0.1"))


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
            value = Decimal("100")
        Task.objects.filter(pk=task.pk).update(progress=value)
        task.progress = value
        plan = task.plan
        task = task.parent
    _plan_recompute(plan)


def _leaf_recompute(task: Task) -> None:
    if task.state == TaskState.CLOSED:
        value = Decimal("100")
        latest_value = task.latest_value
    else:
        latest = (
            task.reports.filter(state__in=[ReportState.SUBMITTED, ReportState.ACCEPTED])
            .order_by("-period_start", "-submitted_at")
            .first()
        )
        value = latest.percent if latest else Decimal("0")
        latest_value = latest.value if latest else None
    Task.objects.filter(pk=task.pk).update(progress=value, latest_value=latest_value)
    task.progress = value
    task.latest_value = latest_value
    if task.parent_id:
        _rollup_from(task.parent)
    else:
        _plan_recompute(task.plan)
