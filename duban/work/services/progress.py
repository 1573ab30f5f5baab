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
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Case, DecimalField, OuterRef, Subquery, Value, When

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


def official_report(
    task: Task, *, before: Any = None, among: Sequence[ProgressReport] | None = None
) -> ProgressReport | None:
    """The report whose figures are the task's official progress: its last
    accepted one (of a period starting before ``before``, a date, when given).
    ``among``: the task's reports already read, latest first (``-period_start,
    -id``), to choose from instead of asking the database."""
    if among is not None:
        return next(
            (
                r
                for r in among
                if r.state == ReportState.ACCEPTED and (before is None or r.period_start < before)
            ),
            None,
        )
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
    assigned after ``end`` are not counted. Two queries whatever the plans' size."""
    plan_ids = list(plan_ids)
    accepted = ProgressReport.objects.filter(
        task=OuterRef("pk"), state=ReportState.ACCEPTED, reviewed_at__lt=end
    ).order_by("-period_start", "-id")
    query = (
        Task.objects.filter(plan_id__in=plan_ids, created_at__lt=end)
        .annotate(official=Subquery(accepted.values("percent")[:1]))
        .order_by()  # a sum does not need the rows in order
        .values_list("pk", "parent_id", "plan_id", "weight", "official")
    )
    # The rows as the database gives them: a province leader's plans hold
    # 27,000 tasks, and the ORM's conversion of three decimals a row was a
    # third of the time. A number is read as a Decimal once (``_decimal``).
    # On the database the query would read (a replica's, for the cockpit).
    try:
        sql, params = query.query.get_compiler(using=query.db).as_sql()
    except EmptyResultSet:  # no plan asked about
        return {}
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # The few tasks closed by then, apart: as a second subquery per task it
    # looked for a decision 27,000 times to find a few hundred.
    finals: dict[int, Any] = dict(
        CloseRequest.objects.using(query.db)
        .filter(task__plan_id__in=plan_ids, state=RequestState.APPROVED, decided_at__lt=end)
        .order_by("task_id", "decided_at", "id")  # the last decision of each task wins
        .values_list("task_id", "final_progress")
    )
    decimals: dict[Any, Decimal] = {}

    def number(raw: Any) -> Decimal:
        found = decimals.get(raw)
        if found is None:
            found = decimals[raw] = _decimal(raw)
        return found

    children: dict[int | None, list[tuple[Any, ...]]] = {}
    for row in rows:
        children.setdefault(row[1], []).append(row)

    def value(row: tuple[Any, ...]) -> Decimal:
        pk, _parent, _plan, _weight, official = row
        final = finals.get(pk)
        if final is not None:
            return final
        if pk in children:
            return weighted_mean((number(c[3]), value(c)) for c in children[pk])
        return number(official) if official is not None else Decimal("0")

    top: dict[int, list[tuple[Decimal, Decimal]]] = {}
    for row in children.get(None, []):
        top.setdefault(row[2], []).append((number(row[3]), value(row)))
    return {plan: weighted_mean(pairs) for plan, pairs in top.items()}


def _plan_recompute(plan: Plan | None) -> None:
    if plan is None:
        return
    value = _weighted_mean(Task.objects.filter(plan=plan, parent__isnull=True))
    Plan.objects.filter(pk=plan.pk).update(progress=value)
    plan.progress = value


# ``task`` and its ancestors, up to the top of its tree; with every child of
# them, and the top-level tasks of the top's plan: all the roll-up reads.
_TREE_SQL = """
WITH RECURSIVE chain(id, parent_id, plan_id, depth) AS (
    SELECT id, parent_id, plan_id, 0 FROM {task} WHERE id = %s
    UNION ALL
    SELECT t.id, t.parent_id, t.plan_id, c.depth + 1
    FROM {task} t JOIN chain c ON t.id = c.parent_id
)
SELECT t.id, t.parent_id, t.plan_id, t.weight, t.progress, t.state,
       (SELECT c.depth FROM chain c WHERE c.id = t.id)
FROM {task} t
WHERE t.id IN (SELECT id FROM chain)
   OR t.parent_id IN (SELECT id FROM chain)
   OR (t.parent_id IS NULL
       AND t.plan_id = (SELECT plan_id FROM chain WHERE parent_id IS NULL))
"""


def _rollup_from(task: Task | None) -> None:
    """Recompute ``task`` from its children, then every ancestor, then the
    plan: one read of the tree, one update of the tasks, one of the plan
    (and one read of the final progress when an ancestor is closed),
    whatever the tree's height."""
    if task is None:
        return
    with connection.cursor() as cursor:
        cursor.execute(_TREE_SQL.format(task=Task._meta.db_table), [task.pk])
        rows = cursor.fetchall()
    chain = sorted((r for r in rows if r[6] is not None), key=lambda r: r[6])
    children: dict[int | None, list[list[Any]]] = {}
    for pk, parent_id, _plan, weight, progress, _state, _depth in rows:
        # Raw rows: SQLite gives numbers as floats; their text is the stored value.
        children.setdefault(parent_id, []).append([pk, _decimal(weight), _decimal(progress)])
    closed = _closed_progress_of([r[0] for r in chain if r[5] == TaskState.CLOSED])
    new: dict[int, Decimal] = {}
    for pk, parent_id, _plan, _weight, progress, state, _depth in chain:
        if state == TaskState.CLOSED:
            found = closed.get(pk)
            value = found if found is not None else _decimal(progress)
        else:
            value = weighted_mean((c[1], c[2]) for c in children.get(pk, []))
        new[pk] = value
        for sibling in children.get(parent_id, []):  # the parent's sum sees it
            if sibling[0] == pk:
                sibling[2] = value
    if new:
        Task.objects.filter(pk__in=list(new)).update(
            progress=Case(
                *(When(pk=pk, then=Value(v)) for pk, v in new.items()),
                output_field=DecimalField(max_digits=5, decimal_places=1),
            )
        )
    task.progress = new.get(task.pk, task.progress)
    top_plan = chain[-1][2] if chain else None
    if top_plan is not None:
        value = weighted_mean((c[1], c[2]) for c in children.get(None, []))
        Plan.objects.filter(pk=top_plan).update(progress=value)
        if Task.plan.is_cached(task) and task.plan is not None and task.plan.pk == top_plan:
            task.plan.progress = value


def _closed_progress_of(task_ids: list[int]) -> dict[int, Decimal]:
    """``_closed_progress`` of several tasks, in one query (none for no task)."""
    if not task_ids:
        return {}
    found: dict[int, Decimal | None] = {}
    for task_id, final in (
        CloseRequest.objects.filter(task_id__in=task_ids, state=RequestState.APPROVED)
        .order_by("task_id", "-decided_at", "-id")
        .values_list("task_id", "final_progress")
    ):
        found.setdefault(task_id, final)  # the latest decision's, as ``_closed_progress``
    return {pk: final for pk, final in found.items() if final is not None}


def _decimal(raw: Any) -> Decimal:
    return raw if isinstance(raw, Decimal) else Decimal(str(raw))


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
        _rollup_from(Task(pk=task.parent_id))  # the tree is read there, in one query
    else:
        _plan_recompute(task.plan)
