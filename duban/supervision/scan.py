"""The scan: evaluate every rule for every open task, set-based, and bring the
warnings in line with the record.

A bounded number of statements whatever the number of tasks: the open tasks
with their latest filed report's likeness (one statement), their milestones,
the plans' own thresholds, the filed reports of their latest owed periods,
the open notices, the active warnings, then only the differences, written in
bulk (bulk.py). The rows are read as plain tuples, not model instances, and
the rules (duban/lib/rules.py) evaluated over them in one pass per set of
thresholds; only the warnings that change become instances, for the result.
Idempotent: a second scan with nothing changed writes nothing, nor does the
first scan of a new day where no level or cause changed (facts that count
days hold the dates they count from). Two scans at once are serialised (one
transaction; PostgreSQL takes an advisory lock, SQLite's IMMEDIATE
transaction already holds the write lock), and the partial unique index
backs that up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    DateField,
    DateTimeField,
    F,
    Field,
    FloatField,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, TruncDate
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

from . import bulk
from .models import SupervisionNotice, TaskWarning, WarningEvent

COUNTED = FILED
FIELDS = ["id", "task_id", "unit_id", "rule", "level", "facts"]
ALL_FIELDS = [*FIELDS, "raised_at", "changed_at", "cleared_at", "withdrawn_at"]
_LOCK_KEY = 0x6475_6261  # "duba": the scan's PostgreSQL advisory lock


@dataclass
class ScanResult:
    tasks: int = 0
    raised: list[TaskWarning] = field(default_factory=list)
    escalated: list[TaskWarning] = field(default_factory=list)
    eased: list[TaskWarning] = field(default_factory=list)
    cleared: list[TaskWarning] = field(default_factory=list)
    updated: int = 0
    # Rows written: warnings inserted, updated (level or facts, and cleared), events.
    written: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.raised or self.escalated or self.eased or self.cleared or self.updated)


def _rows(queryset: QuerySet[Any]) -> Iterable[tuple[Any, ...]]:
    """A queryset's rows as the database driver answers them, without Django's
    converters (the scan reads 36,000 rows at province scale: the converters
    of their dates, decimals and booleans cost more than the query)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class _Dates(dict[Any, Any]):
    """Dates as the driver answers them, made ``date``s once each: SQLite
    answers text, PostgreSQL dates; the open tasks share a few thousand."""

    def __missing__(self, value: Any) -> Any:
        day = dt.date.fromisoformat(value) if isinstance(value, str) else value
        self[value] = day
        return day


class _LocalDays(dict[Any, Any]):
    """The local day of a moment as SQLite answers it (UTC text)."""

    def __missing__(self, value: str) -> dt.date:
        moment = dt.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        day = timezone.localtime(moment).date()
        self[value] = day
        return day


class _Facts(dict[Any, dict[str, Any]]):
    """Stored facts read once per distinct JSON text (the drivers answer text)."""

    def __missing__(self, value: Any) -> dict[str, Any]:
        facts = json.loads(value) if isinstance(value, str | bytes) else value
        self[value] = facts
        return facts


def _task_facts() -> tuple[
    list[rules.TaskFacts], dict[int, int], dict[int, int | None], dict[int, float]
]:
    """The open tasks' facts, their lead units and plans, and the likeness of
    each one's latest filed report to the one before (stored when it was
    filed, duban/work/likeness.py) unless that report says "no change": one
    statement, the likeness a subquery on the (task, period_start, id) index."""
    # The local dates are worked out only where a rule reads them: the day of
    # assignment of a task not yet claimed, the day a task stopped being
    # reported on (asked to close). PostgreSQL truncates them; SQLite would call
    # Django's function back for each, so there the moments come as text and
    # are made local days here (_LocalDays).
    closing = Coalesce(F("close_requested_at"), F("closed_at"))
    stopped_at: Any
    assigned_at: Any
    if connection.vendor == "sqlite":
        stopped_at, assigned_at = closing, F("created_at")
        moment: Field[Any, Any] = DateTimeField()
    else:
        stopped_at, assigned_at = TruncDate(closing), TruncDate("created_at")
        moment = DateField()
    stopped = Case(
        When(state=TaskState.CLOSING, then=stopped_at), default=None, output_field=moment
    )
    assigned = Case(
        When(state=TaskState.ASSIGNED, then=assigned_at), default=None, output_field=moment
    )
    latest = (
        ProgressReport.objects.filter(task_id=OuterRef("pk"), state__in=COUNTED)
        .order_by("-period_start", "-id")
        .annotate(
            counted=Case(
                When(no_change=True, then=Value(None)),
                default=F("likeness"),
                output_field=FloatField(),
            )
        )
        .values("counted")[:1]
    )
    start: Any
    deadline: Any
    if connection.vendor == "sqlite":
        # SQLite's driver makes a date of a date column's text through a Python
        # function, value by value (72,000 at province scale): read as text, each
        # distinct date is made once (_Dates).
        start, deadline = Cast("start_date", CharField()), Cast("deadline", CharField())
    else:
        start, deadline = F("start_date"), F("deadline")
    query = (
        Task.objects.filter(state__in=OPEN_STATES)
        .annotate(
            stopped_on=stopped,
            assigned_on=assigned,
            latest_likeness=Subquery(latest),
            begins=start,
            due=deadline,
            done=Cast("progress", FloatField()),  # not a Decimal to convert
        )
        .order_by()
        .values_list(
            "id",
            "state",
            "is_parent",
            "cadence",
            "begins",
            "due",
            "deadline_moves",
            "done",
            "assigned_on",
            "stopped_on",
            "lead_unit_id",
            "plan_id",
            "latest_likeness",
        )
    )
    steps: dict[int, list[tuple[dt.date, float]]] = {}
    for task_id, day, percent in Milestone.objects.filter(task__state__in=OPEN_STATES).values_list(
        "task_id", "date", "percent"
    ):
        steps.setdefault(task_id, []).append((day, float(percent)))
    facts: list[rules.TaskFacts] = []
    units: dict[int, int] = {}
    plans: dict[int, int | None] = {}
    alike: dict[int, float] = {}
    dates = _Dates({None: None})
    days = _LocalDays({None: None}) if connection.vendor == "sqlite" else dates
    make = tuple.__new__  # rules.TaskFacts without its __new__: 36,000 calls fewer
    for (
        pk,
        state,
        is_parent,
        cadence,
        start,
        deadline,
        moves,
        progress,
        assigned_on,
        stopped_on,
        unit_id,
        plan_id,
        likeness,
    ) in _rows(query):
        facts.append(
            make(
                rules.TaskFacts,
                (
                    pk,
                    state,
                    is_parent,
                    cadence,
                    dates[start],
                    dates[deadline],
                    moves,
                    progress,
                    days[assigned_on],
                    days[stopped_on],
                    tuple(steps[pk]) if pk in steps else (),
                ),
            )
        )
        units[pk] = unit_id
        plans[pk] = plan_id
        if likeness is not None:
            alike[pk] = likeness
    return facts, units, plans, alike


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


def _latest_owed_period(
    task: rules.TaskFacts,
    today: dt.date,
    grace: int,
    containing: Callable[[dt.date, str], periods.Period] = periods.period_containing,
) -> periods.Period | None:
    """``rules.latest_owed_period``, found from the end instead of by listing
    every period since the task began (the same period: the latest one that
    began by the deadline and ended before the cut-off, if it is not before
    the task's first). ``containing``: ``periods.period_containing``, or a
    cache of it for a scan's day."""
    if task.is_parent or task.deadline < task.start_date:
        return None
    cutoff = today - dt.timedelta(days=grace)
    if task.stopped_on is not None:
        cutoff = min(cutoff, task.stopped_on)
    day = min(task.deadline, cutoff - dt.timedelta(days=1))
    last = containing(day, task.cadence)
    if last.end >= cutoff:
        last = containing(last.start - dt.timedelta(days=1), task.cadence)  # the one before
    first = containing(task.start_date, task.cadence)
    return last if last.start >= first.start else None


def _missing(tasks: list[rules.TaskFacts], today: dt.date, grace: int) -> dict[int, periods.Period]:
    """For each task, its latest owed period when no filed report covers it.

    One query: the (task, period) pairs go in as one JSON parameter, each
    looked up in the reports' (task, period_label) unique index, so only the
    reports asked about are read; it answers the pairs with none filed."""
    owed: dict[int, periods.Period] = {}
    labels: dict[str, str] = {}
    # Tasks share their dates, and their periods a few hundred days. A deadline
    # from the day before the cut-off on does not move the period owed (the
    # cut-off, or the earlier day a task asked to close, decides it), so such a
    # deadline is left out of the key.
    known: dict[tuple[object, ...], tuple[periods.Period, str] | None] = {}
    containing = functools.lru_cache(maxsize=None)(periods.period_containing)
    named: dict[tuple[dt.date, str], str] = {}
    late = today - dt.timedelta(days=grace + 1)  # due before the day before the cut-off
    for task in tasks:
        if task.is_parent:
            continue
        deadline = task.deadline
        key = (
            task.start_date,
            deadline if deadline < late else deadline < task.start_date,
            task.cadence,
            task.stopped_on,
        )
        try:
            found = known[key]
        except KeyError:
            period = _latest_owed_period(task, today, grace, containing)
            if period is None:
                found = None
            else:
                name = (period.start, period.cadence)
                if name not in named:
                    named[name] = period.label
                found = (period, named[name])
            known[key] = found
        if found is not None:
            owed[task.id] = found[0]
            labels[str(task.id)] = found[1]
    if not owed:
        return {}
    # The pairs without a filed report, not the reports found: a province's
    # query answers a few dozen rows instead of 27,000.
    if connection.vendor == "postgresql":
        sql = (
            "SELECT owed.key::bigint FROM jsonb_each_text(%s::jsonb) AS owed"
            " WHERE NOT EXISTS (SELECT 1 FROM work_progressreport AS r"
            " WHERE r.task_id = owed.key::bigint AND r.period_label = owed.value"
            " AND r.state IN (%s, %s))"
        )
    else:
        sql = (
            "SELECT CAST(owed.key AS INTEGER) FROM json_each(%s) AS owed"
            " WHERE NOT EXISTS (SELECT 1 FROM work_progressreport AS r"
            " WHERE r.task_id = CAST(owed.key AS INTEGER) AND r.period_label = owed.value"
            " AND r.state IN (%s, %s))"
        )
    params = [json.dumps(labels), *COUNTED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: owed[row[0]] for row in cursor.fetchall()}


def _open_notices() -> dict[int, dt.date]:
    """The earliest answer date of each open task's unanswered notices."""
    rows = (
        SupervisionNotice.objects.filter(answered_at__isnull=True, task__state__in=OPEN_STATES)
        .values("task_id")
        .annotate(due=Min("answer_by"))
        .values_list("task_id", "due")
    )
    return dict(rows)


@contextlib.contextmanager
def _without_cyclic_gc() -> Iterator[None]:
    """The cyclic garbage collector off while the scan works: it makes some
    200,000 tuples and dicts at province scale, none in a cycle (refcounting
    frees them), and the collector, set off every 700 of them to walk the
    young objects and now and then all of them, took a quarter of a
    no-change rescan's CPU time. Back on as it was afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def scan(*, today: dt.date | None = None, limits: rules.Thresholds | None = None) -> ScanResult:
    now = timezone.now()
    today = today or timezone.localdate(now)
    # The installation's grace (DUBAN_REPORT_GRACE_DAYS) unless a plan sets its own:
    # the same due date as the pages (Plan.report_grace_days).
    limits = limits or rules.Thresholds(report_grace_days=default_grace())
    with transaction.atomic(), _without_cyclic_gc():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        tasks, units, plans, alike = _task_facts()
        by_plan = _plan_limits(limits)
        # The tasks by the thresholds they are held to (plans rarely set their own):
        # one pass of the rules, and one query for the missing reports, per set.
        # (By the plan first: a Thresholds hashes in Python, a plan's id does not.)
        of_plans: dict[int | None, list[rules.TaskFacts]] = {}
        for task in tasks:
            plan_id = plans[task.id]
            if plan_id in of_plans:
                of_plans[plan_id].append(task)
            else:
                of_plans[plan_id] = [task]
        groups: dict[rules.Thresholds, list[rules.TaskFacts]] = {}
        for plan_id, group in of_plans.items():
            groups.setdefault(by_plan.get(plan_id, limits) if plan_id else limits, []).extend(group)
        missing: dict[int, periods.Period] = {}
        by_grace: dict[int, list[rules.TaskFacts]] = {}
        for group_limits, group in groups.items():
            by_grace.setdefault(group_limits.report_grace_days, []).extend(group)
        for grace, group in by_grace.items():
            missing.update(_missing(group, today, grace))
        notices = _open_notices()
        wanted: dict[tuple[int, str], rules.Finding] = {}
        for group_limits, group in groups.items():
            wanted.update(
                rules.evaluate_all(
                    group, today, group_limits, missing=missing, likeness=alike, notices=notices
                )
            )
        return _apply(wanted, units, now, ScanResult(tasks=len(tasks)))


def _apply(
    wanted: dict[tuple[int, str], rules.Finding],
    units: dict[int, int],
    now: dt.datetime,
    result: ScanResult,
) -> ScanResult:
    """Bring the active warnings in line with ``wanted``: compared as tuples
    keyed by (task, rule), only the differences written, in bulk (bulk.py);
    only those become model instances, for the result and the messages."""
    stored = _Facts()
    wanted = dict(wanted)  # what is left of it once the active warnings are gone through: new
    events: list[tuple[int, str, int, dict[str, Any]]] = []
    changed: list[tuple[int, int, dict[str, Any]]] = []
    cleared: list[int] = []
    for pk, task_id, unit_id, rule, level, text in _rows(
        TaskWarning.objects.filter(cleared_at__isnull=True).order_by().values_list(*FIELDS)
    ):
        finding = wanted.pop((task_id, rule), None)
        facts = stored[text]
        if finding is not None and finding.level == level and finding.facts == facts:
            continue
        if finding is None:
            warning = TaskWarning.from_db(None, FIELDS, [pk, task_id, unit_id, rule, level, facts])
            warning.cleared_at = now
            result.cleared.append(warning)
            cleared.append(pk)
            events.append((pk, WarningEvent.Kind.CLEARED.value, level, facts))
            continue
        # As .only() would make it: the other fields deferred, read if asked for.
        warning = TaskWarning.from_db(
            None, FIELDS, [pk, task_id, unit_id, rule, finding.level, finding.facts]
        )
        warning.changed_at = now
        if finding.level != level:
            if finding.level > level:
                kind = WarningEvent.Kind.ESCALATED.value
                result.escalated.append(warning)
            else:
                kind = WarningEvent.Kind.EASED.value
                result.eased.append(warning)
            events.append((pk, kind, finding.level, finding.facts))
        else:
            result.updated += 1
        changed.append((pk, finding.level, finding.facts))
    new = [
        (task_id, units[task_id], rule, finding.level, finding.facts)
        for (task_id, rule), finding in wanted.items()
    ]
    ids = bulk.insert_warnings(new, now, event=WarningEvent.Kind.RAISED.value) if new else {}
    for task_id, unit_id, rule, level, facts in new:
        pk = ids[task_id, rule]
        warning = TaskWarning.from_db(
            None, ALL_FIELDS, [pk, task_id, unit_id, rule, level, facts, now, now, None, None]
        )
        result.raised.append(warning)
    if cleared:
        bulk.clear_warnings(cleared, now)
    if changed:
        bulk.update_warnings(changed, now)
    if events:
        bulk.insert_events(events, now)
    result.written = {
        "inserted": len(new),
        "updated": len(changed),
        "cleared": len(cleared),
        "events": len(events) + len(new),
    }
    return result
