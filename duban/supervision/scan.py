"""The scan: evaluate every rule for every open task, set-based, and bring the
warnings in line with the record.

A bounded number of queries whatever the number of tasks: the open tasks, the
filed reports for their latest owed periods, the last two reports of each, the
active warnings, then bulk writes. Idempotent: a second scan with nothing
changed writes nothing. Two scans at once are serialised (one transaction;
PostgreSQL takes an advisory lock, SQLite's IMMEDIATE transaction already
holds the write lock), and the partial unique index backs that up.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Case, DateField, F, Min, OuterRef, Subquery, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from duban.lib import periods, rules
from duban.work.models import (
    FILED,
    OPEN_STATES,
    Milestone,
    Plan,
    ProgressReport,
    Task,
    TaskState,
    default_grace,
)

from .models import SupervisionNotice, TaskWarning, WarningEvent

COUNTED = FILED
FIELDS = ["id", "task_id", "unit_id", "rule", "level", "facts"]
_LOCK_KEY = 0x6475_6261  # "duba": the scan's PostgreSQL advisory lock


@dataclass
class ScanResult:
    tasks: int = 0
    raised: list[TaskWarning] = field(default_factory=list)
    escalated: list[TaskWarning] = field(default_factory=list)
    eased: list[TaskWarning] = field(default_factory=list)
    cleared: list[TaskWarning] = field(default_factory=list)
    updated: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.raised or self.escalated or self.eased or self.cleared or self.updated)


def _task_facts() -> tuple[list[rules.TaskFacts], dict[int, int], dict[int, int | None]]:
    # The local dates are worked out only where a rule reads them (SQLite
    # truncates a date in Python, row by row: 0.5 s for every open task at
    # province scale): the day of assignment of a task not yet claimed, the
    # day a task stopped being reported on (asked to close).
    stopped = Case(
        When(
            state=TaskState.CLOSING,
            then=TruncDate(Coalesce(F("close_requested_at"), F("closed_at"))),
        ),
        default=None,
        output_field=DateField(),
    )
    assigned = Case(
        When(state=TaskState.ASSIGNED, then=TruncDate("created_at")),
        default=None,
        output_field=DateField(),
    )
    rows = (
        Task.objects.filter(state__in=OPEN_STATES)
        .annotate(stopped_on=stopped, assigned_on=assigned)
        .values_list(
            "id",
            "state",
            "is_parent",
            "cadence",
            "start_date",
            "deadline",
            "deadline_moves",
            "progress",
            "assigned_on",
            "stopped_on",
            "lead_unit_id",
            "plan_id",
        )
    )
    facts: list[rules.TaskFacts] = []
    units: dict[int, int] = {}
    plans: dict[int, int | None] = {}
    steps: dict[int, list[tuple[dt.date, float]]] = {}
    for task_id, day, percent in Milestone.objects.filter(task__state__in=OPEN_STATES).values_list(
        "task_id", "date", "percent"
    ):
        steps.setdefault(task_id, []).append((day, float(percent)))
    for row in rows:
        facts.append(
            rules.TaskFacts(
                *row[:7], float(row[7]), *row[8:10], milestones=tuple(steps.get(row[0], ()))
            )
        )
        units[row[0]] = row[10]
        plans[row[0]] = row[11]
    return facts, units, plans


def _plan_limits(default: rules.Thresholds) -> dict[int, rules.Thresholds]:
    """Thresholds of the plans that set their own (validated when saved; a
    setting that no longer reads falls back to the defaults)."""
    found = {}
    for plan_id, stored in Plan.objects.exclude(warning_settings={}).values_list(
        "id", "warning_settings"
    ):
        try:
            found[plan_id] = rules.thresholds_from(stored, default)
        except rules.BadSettings:
            found[plan_id] = default
    return found


def _latest_owed_period(task: rules.TaskFacts, today: dt.date, grace: int) -> periods.Period | None:
    """``rules.latest_owed_period``, found from the end instead of by listing
    every period since the task began (the same period: the latest one that
    began by the deadline and ended before the cut-off, if it is not before
    the task's first)."""
    if task.is_parent or task.deadline < task.start_date:
        return None
    cutoff = today - dt.timedelta(days=grace)
    if task.stopped_on is not None:
        cutoff = min(cutoff, task.stopped_on)
    day = min(task.deadline, cutoff - dt.timedelta(days=1))
    last = periods.period_containing(day, task.cadence)
    if last.end >= cutoff:
        last = last.previous()
    first = periods.period_containing(task.start_date, task.cadence)
    return last if last.start >= first.start else None


def _missing(tasks: list[rules.TaskFacts], today: dt.date, grace: int) -> dict[int, periods.Period]:
    """For each task, its latest owed period when no filed report covers it.

    One query: the (task, period) pairs go in as one JSON parameter, joined
    to the reports through the (task, period_label) unique index, so only the
    reports asked about are read."""
    owed = {}
    known: dict[tuple[object, ...], periods.Period | None] = {}  # tasks share their dates
    for task in tasks:
        key = (task.is_parent, task.start_date, task.deadline, task.cadence, task.stopped_on)
        if key not in known:
            known[key] = _latest_owed_period(task, today, grace)
        period = known[key]
        if period is not None:
            owed[task.id] = period
    if not owed:
        return {}
    if connection.vendor == "postgresql":
        sql = (
            "SELECT r.task_id FROM jsonb_each_text(%s::jsonb) AS owed"
            " JOIN work_progressreport AS r"
            " ON r.task_id = owed.key::bigint AND r.period_label = owed.value"
            " WHERE r.state IN (%s, %s)"
        )
    else:  # SQLite: CROSS JOIN keeps the pairs as the outer loop
        sql = (
            "SELECT r.task_id FROM json_each(%s) AS owed"
            " CROSS JOIN work_progressreport AS r"
            " WHERE r.task_id = CAST(owed.key AS INTEGER) AND r.period_label = owed.value"
            " AND r.state IN (%s, %s)"
        )
    params = [json.dumps({str(tid): p.label for tid, p in owed.items()}), *COUNTED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        filed = {row[0] for row in cursor.fetchall()}
    return {tid: p for tid, p in owed.items() if tid not in filed}


def _latest_likeness() -> dict[int, float]:
    """Each open task's latest filed report's likeness to the one before it
    (stored when it was filed, duban/work/likeness.py), unless the
    latest is an honest "no change" report.

    Two subqueries per open task, each the first entry of the (task,
    period_start, id) index (migration supervision 0004)."""
    filed = ProgressReport.objects.filter(task_id=OuterRef("pk"), state__in=COUNTED).order_by(
        "-period_start", "-id"
    )
    rows = (
        Task.objects.filter(state__in=OPEN_STATES)
        .annotate(
            likeness=Subquery(filed.values("likeness")[:1]),
            latest_no_change=Subquery(filed.values("no_change")[:1]),
        )
        .filter(likeness__isnull=False)
        .order_by()
        .values_list("id", "likeness", "latest_no_change")
    )
    return {tid: ratio for tid, ratio, no_change in rows if not no_change}


def _open_notices() -> dict[int, dt.date]:
    """The earliest answer date of each open task's unanswered notices."""
    rows = (
        SupervisionNotice.objects.filter(answered_at__isnull=True, task__state__in=OPEN_STATES)
        .values("task_id")
        .annotate(due=Min("answer_by"))
        .values_list("task_id", "due")
    )
    return dict(rows)


def scan(*, today: dt.date | None = None, limits: rules.Thresholds | None = None) -> ScanResult:
    now = timezone.now()
    today = today or timezone.localdate(now)
    # The installation's grace (DUBAN_REPORT_GRACE_DAYS) unless a plan sets its own:
    # the same due date as the pages (Plan.report_grace_days).
    limits = limits or rules.Thresholds(report_grace_days=default_grace())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        tasks, units, plans = _task_facts()
        by_plan = _plan_limits(limits)
        limits_of = {t.id: by_plan.get(plans[t.id] or 0, limits) for t in tasks}
        # One query per distinct grace period (plans rarely differ): still bounded.
        by_grace: dict[int, list[rules.TaskFacts]] = {}
        for task in tasks:
            by_grace.setdefault(limits_of[task.id].report_grace_days, []).append(task)
        missing: dict[int, periods.Period] = {}
        for grace, group in by_grace.items():
            missing.update(_missing(group, today, grace))
        alike = _latest_likeness()
        notices = _open_notices()
        wanted: dict[tuple[int, str], rules.Finding] = {}
        for task in tasks:
            task_limits = limits_of[task.id]
            for finding in rules.evaluate(
                task,
                today,
                task_limits,
                missing=missing.get(task.id),
                likeness=alike.get(task.id),
                notice_due=notices.get(task.id),
            ):
                wanted[(task.id, finding.rule)] = finding
        return _apply(wanted, units, now, ScanResult(tasks=len(tasks)))


def _apply(
    wanted: dict[tuple[int, str], rules.Finding],
    units: dict[int, int],
    now: dt.datetime,
    result: ScanResult,
) -> ScanResult:
    # Tuples, not model instances: on a rescan nearly all stay as they are, and
    # only those that change are made into instances (12,000 at province scale).
    active = {
        (task_id, rule): (pk, unit_id, level, facts)
        for pk, task_id, unit_id, rule, level, facts in TaskWarning.objects.filter(
            cleared_at__isnull=True
        ).values_list(*FIELDS)
    }
    events: list[WarningEvent] = []
    changed: list[TaskWarning] = []
    for key, (pk, unit_id, level, facts) in active.items():
        finding = wanted.get(key)
        if finding is not None and finding.level == level and finding.facts == facts:
            continue
        # As .only() would make it: the other fields deferred, read if asked for.
        warning = TaskWarning.from_db(None, FIELDS, [pk, key[0], unit_id, key[1], level, facts])
        if finding is None:
            warning.cleared_at = now
            result.cleared.append(warning)
            events.append(
                WarningEvent(
                    warning=warning,
                    kind="cleared",
                    level=warning.level,
                    facts=warning.facts,
                    at=now,
                )
            )
        else:
            if finding.level != warning.level:
                kind = "escalated" if finding.level > warning.level else "eased"
                (result.escalated if kind == "escalated" else result.eased).append(warning)
                events.append(
                    WarningEvent(
                        warning=warning, kind=kind, level=finding.level, facts=finding.facts, at=now
                    )
                )
            else:
                result.updated += 1
            warning.level, warning.facts, warning.changed_at = finding.level, finding.facts, now
            changed.append(warning)
    if result.cleared:
        TaskWarning.objects.filter(pk__in=[w.pk for w in result.cleared]).update(cleared_at=now)
    if changed:
        TaskWarning.objects.bulk_update(changed, ["level", "facts", "changed_at"], batch_size=500)
    new = [
        TaskWarning(
            task_id=task_id,
            unit_id=units[task_id],
            rule=rule,
            level=finding.level,
            facts=finding.facts,
            raised_at=now,
            changed_at=now,
        )
        for (task_id, rule), finding in wanted.items()
        if (task_id, rule) not in active
    ]
    if new:
        TaskWarning.objects.bulk_create(new, batch_size=500)
        if new[0].pk is None:  # backends that do not return ids
            keys = {(w.task_id, w.rule) for w in new}
            new = [
                w
                for w in TaskWarning.objects.filter(cleared_at__isnull=True, raised_at=now)
                if (w.task_id, w.rule) in keys
            ]
        result.raised = new
        events += [
            WarningEvent(warning=w, kind="raised", level=w.level, facts=w.facts, at=now)
            for w in new
        ]
    if events:
        WarningEvent.objects.bulk_create(events, batch_size=500)
    return result
