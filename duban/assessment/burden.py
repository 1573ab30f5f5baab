"""The reporting burden (报送负担, 为基层减负): per unit and week, how many
reports, figures and answers the office asked of it, how many it filed, and
how long its report forms took; the units that carry the most first, and the
figures asked twice, so that the office can ask once.

What counts as asked, each demand in one week of the chosen range:

* **task reports**: a leaf task owes a report for every period it runs in
  (``work.models.owes_for``, the reporting page's rule); a weekly report
  counts in its own week, a monthly one in the week it falls due (the
  month's end plus the plan's grace, ``Plan.report_grace_days``). Filed: a
  report for the period that stands (submitted or accepted), whenever filed.
* **investment figures**: a project that is not paused or cancelled, with a
  year's investment plan above zero, owes a figure for each month the plan
  runs over (first to last month), due at the month's end plus the project
  rules' grace (``project_rules.Thresholds.report_grace_days``, the project
  scan's). Filed: that month's investment report, unless returned.
* **indicator figures**: a key indicator's target for a unit and a year asks
  for a figure every month of the year, due like an investment figure.
  Filed: that month's actual.
* **notice answers**: a supervision notice counts in the week of its answer
  date. Filed: answered.

The unit asked is the one that files: a task's lead unit, a project's
responsible unit, the target's unit, the notice's unit. Everything is read
through the scoped queries and counted only for units inside the person's
scope: office staff and leaders see every unit of their subtree, a liaison
only their own units' lines (their own burden, which they may well want to
show the office; another unit's is not theirs to read).

The time to file is ``ProgressReport.seconds_to_file`` (``work.filing``):
the median, per unit, of the reports submitted in the range whose time was
measured (filed from the report page, within a day of opening it).

The figures asked twice: ``asked_twice``.

A bounded number of queries whatever the number of units, tasks, projects
or weeks (one aggregate per kind, a few small reads): the periods of the
range are columns of one aggregate, not one query each.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.lib import periods, project_rules, rules
from duban.org.models import Unit
from duban.org.scope import SYSTEM, scope_of
from duban.projects.models import (
    IndicatorActual,
    InvestmentPlan,
    InvestmentReport,
    ReportState,
)
from duban.projects.queries import visible_projects, visible_targets
from duban.projects.scan import LIVE
from duban.supervision.models import SupervisionNotice
from duban.work.models import (
    FILED,
    Plan,
    ProgressReport,
    default_grace,
    owes_for,
    period_bits,
)
from duban.work.queries import visible_q, visible_tasks
from duban.work.services import report_due_date

from . import asked_twice, kept

TASK_REPORTS = "task_reports"
INVESTMENT = "investment"
INDICATORS = "indicators"
NOTICES = "notices"
KINDS = (TASK_REPORTS, INVESTMENT, INDICATORS, NOTICES)

DEFAULT_WEEKS = 4
# A quarter: the longest range the page reads at once.
MAX_WEEKS = 13
# The project rules' grace: when a month's investment or indicator figure is due.
FIGURE_GRACE = project_rules.DEFAULT.report_grace_days


def _longest_grace() -> int:
    """The longest grace a plan may have (its setting's limit, or the
    installation's): how far before the range a month may end and still fall
    due inside it."""
    return int(max(rules.LIMITS["report_grace_days"][1], default_grace()))


# --- the range of weeks -----------------------------------------------------------------


def chosen_weeks(first: str | None, last: str | None, today: dt.date) -> list[periods.Period]:
    """The weeks from ``first`` to ``last`` (labels such as ``2026-W09``), in
    order: by default the :data:`DEFAULT_WEEKS` weeks that ended last; never
    past the current week, never more than :data:`MAX_WEEKS` (the latest
    kept); a label that names no week falls back to the default."""
    current = periods.period_containing(today, periods.WEEKLY)
    default_last = current.previous()
    end = _week(last) or default_last
    end = min(end, current)
    start = _week(first) or _weeks_before(end, DEFAULT_WEEKS - 1)
    start = min(start, current)
    if start > end:
        start, end = end, start
    if (end.start - start.start).days // 7 + 1 > MAX_WEEKS:
        start = _weeks_before(end, MAX_WEEKS - 1)
    return list(periods.periods_between(start.start, end.end, periods.WEEKLY))


def _week(label: str | None) -> periods.Period | None:
    try:
        period = periods.period_from_label((label or "").strip())
    except ValueError:
        return None
    return period if period.cadence == periods.WEEKLY else None


def _weeks_before(week: periods.Period, n: int) -> periods.Period:
    return periods.period_containing(week.start - dt.timedelta(weeks=n), periods.WEEKLY)


# --- the result ---------------------------------------------------------------------------


@dataclass
class Tally:
    asked: int = 0
    filed: int = 0

    @property
    def not_filed(self) -> int:
        return self.asked - self.filed


@dataclass
class UnitBurden:
    unit_id: int
    path: str  # the unit's place in the tree, the order of rows asked alike
    kinds: dict[str, Tally]
    by_week: list[int]  # asked, in each week of the range
    median_seconds: float | None = None
    timed: int = 0  # reports whose time to file was measured
    unit: Unit | None = None  # loaded for the rows a page shows (``with_units``)

    # Of every kind, worked out once: a province's 5,000 rows are sorted by them.
    @cached_property
    def asked(self) -> int:
        return sum(t.asked for t in self.kinds.values())

    @cached_property
    def filed(self) -> int:
        return sum(t.filed for t in self.kinds.values())

    @property
    def median_minutes(self) -> float | None:
        return None if self.median_seconds is None else round(self.median_seconds / 60, 1)


@dataclass
class Burden:
    weeks: list[periods.Period]
    rows: list[UnitBurden]
    twice: list[asked_twice.Found] = field(default_factory=list)
    # When the figures were counted (``kept``): None when counted for this page.
    counted_at: dt.datetime | None = None

    @property
    def first(self) -> periods.Period:
        return self.weeks[0]

    @property
    def last(self) -> periods.Period:
        return self.weeks[-1]

    @cached_property
    def total(self) -> UnitBurden:
        return UnitBurden(
            unit_id=0,
            path="",
            kinds={
                kind: Tally(
                    asked=sum(r.kinds[kind].asked for r in self.rows),
                    filed=sum(r.kinds[kind].filed for r in self.rows),
                )
                for kind in KINDS
            },
            by_week=[sum(week) for week in zip(*(r.by_week for r in self.rows), strict=True)]
            if self.rows
            else [0] * len(self.weeks),
        )


# --- counting ----------------------------------------------------------------------------


class _Counts:
    """Asked and filed per unit, kind and week of the range."""

    def __init__(self, weeks: list[periods.Period]) -> None:
        self.weeks = weeks
        self.start, self.end = weeks[0].start, weeks[-1].end
        self.asked: dict[int, dict[str, list[int]]] = {}
        self.filed: dict[int, dict[str, list[int]]] = {}

    def week_of(self, day: dt.date) -> int | None:
        if not self.start <= day <= self.end:
            return None
        return (day - self.start).days // 7

    def add(self, unit_id: int, kind: str, day: dt.date, asked: int, filed: int) -> None:
        week = self.week_of(day)
        if week is None or not asked:
            return
        for table, n in ((self.asked, asked), (self.filed, filed)):
            by_kind = table.get(unit_id)
            if by_kind is None:
                by_kind = table[unit_id] = {k: [0] * len(self.weeks) for k in KINDS}
            by_kind[kind][week] += n

    def units(self) -> set[int]:
        return set(self.asked)

    def of(self, unit_id: int) -> tuple[list[int], list[int], list[int]]:
        """A unit's asked and filed per kind (in ``KINDS``' order), and asked per week."""
        empty = {k: [0] * len(self.weeks) for k in KINDS}
        asked = self.asked.get(unit_id, empty)
        filed = self.filed.get(unit_id, empty)
        return (
            [sum(asked[k]) for k in KINDS],
            [sum(filed[k]) for k in KINDS],
            [sum(week) for week in zip(*(asked[k] for k in KINDS), strict=True)],
        )


def _month_periods(start: dt.date, end: dt.date, grace: int) -> list[periods.Period]:
    """The months whose figures, due ``grace`` days after their end, may fall due
    between ``start`` and ``end``."""
    earliest = start - dt.timedelta(days=grace)
    return [
        month
        for month in periods.periods_between(earliest, end, periods.MONTHLY)
        if month.end <= end and month.end + dt.timedelta(days=grace) >= start
    ]


def _count_task_reports(person: Any, scope: Any, counts: _Counts) -> None:
    """Asked and filed per lead unit and plan (the plan's grace places a monthly
    report's due date) for each period that may count in the range: which
    periods each task owes and which it filed, a bit per period, from one
    pass over the tasks and one over the periods' reports, matched here.
    (A column pair per period, each probing every task's report, took 1.9 s
    at province.)"""
    weekly = counts.weeks
    monthly = _month_periods(counts.start, counts.end, _longest_grace())
    candidates = [*weekly, *monthly]
    first = min(p.start for p in candidates)
    tasks = (
        visible_tasks(person)
        .filter(scope.unit_q("lead_unit"))
        .filter(is_parent=False, start_date__lte=counts.end, deadline__gte=first)
        .annotate(owed_mask=period_bits([owes_for(p) for p in candidates]))
        .values_list("id", "lead_unit_id", "plan_id", "owed_mask")
        .order_by()
    )
    # The group key is an expression, so SQLite reads the periods' reports
    # from the index by period, whether or not it has statistics.
    filed = dict(
        ProgressReport.objects.filter(
            period_label__in=[p.label for p in candidates], state__in=FILED
        )
        .values(key=F("task_id") + 0)
        .annotate(
            mask=Sum(period_bits([Q(period_label=p.label) for p in candidates], exclusive=True))
        )
        .values_list("key", "mask")
        .order_by()
    )
    # Tasks of a unit and plan that owe and filed the same periods count once.
    weeks_mask = (1 << len(weekly)) - 1  # the candidates' first bits
    months_mask = ~weeks_mask
    alike: Counter[tuple[int, int | None, int, int]] = Counter(
        (unit_id, plan_id, owed, owed & filed.get(task_id, 0))
        for task_id, unit_id, plan_id, owed in tasks
        if owed
    )
    # Summed by unit for the weeks, and by unit and plan for the months (whose
    # due date is the plan's): an add per unit and period, not per task.
    k = len(candidates)
    tallies: dict[tuple[int, int | None], list[int]] = {}  # asked per period, then filed
    for (unit_id, plan_id, owed, done), n in alike.items():
        for key, bits in (
            ((unit_id, None), owed & weeks_mask),
            ((unit_id, plan_id), owed & months_mask),
        ):
            if not bits:
                continue
            tally = tallies.get(key)
            if tally is None:
                tally = tallies[key] = [0] * (2 * k)
            for i in range(k):
                if bits >> i & 1:
                    tally[i] += n
                    if done >> i & 1:
                        tally[k + i] += n
    graces = _plan_graces({plan_id for _u, plan_id in tallies if plan_id}) if monthly else {}
    for (unit_id, plan_id), tally in tallies.items():
        for i, period in enumerate(candidates):
            if not tally[i]:
                continue
            if period.cadence == periods.WEEKLY:
                day = period.start
            else:
                day = report_due_date(period, graces.get(plan_id or 0, default_grace()))
            counts.add(unit_id, TASK_REPORTS, day, tally[i], tally[k + i])


def _rows(query: Any) -> list[dict[str, Any]]:
    """An aggregate's rows, its columns named at run time (``a0``, ``f0``, ...)."""
    return list(query)


def _plan_graces(plan_ids: set[int]) -> dict[int, int]:
    """Each plan's grace (``Plan.report_grace_days``: the one definition), in one read."""
    if not plan_ids:
        return {}
    return {
        pk: Plan(warning_settings=stored).report_grace_days
        for pk, stored in Plan.objects.filter(pk__in=sorted(plan_ids)).values_list(
            "pk", "warning_settings"
        )
    }


def _count_investment(person: Any, scope: Any, counts: _Counts) -> None:
    months = _month_periods(counts.start, counts.end, FIGURE_GRACE)
    if not months:
        return
    columns: dict[str, Any] = {}
    for i, month in enumerate(months):
        year, number = month.start.year, month.start.month
        runs = Q(year=year, first_month__lte=number, last_month__gte=number)
        filed = InvestmentReport.objects.filter(
            project=OuterRef("project"), year=year, month=number
        ).exclude(state=ReportState.RETURNED)
        columns[f"a{i}"] = Count("id", filter=runs)
        columns[f"f{i}"] = Count("id", filter=Q(runs, Exists(filed)))
    projects = visible_projects(person).filter(scope.unit_q("unit"), stage__in=LIVE)
    rows = _rows(
        InvestmentPlan.objects.filter(
            project__in=projects.values("pk"),
            year__in=sorted({m.start.year for m in months}),
            amount__gt=0,
        )
        .values("project__unit_id")
        .annotate(**columns)
        .order_by()
    )
    for row in rows:
        for i, month in enumerate(months):
            day = month.end + dt.timedelta(days=FIGURE_GRACE)
            counts.add(row["project__unit_id"], INVESTMENT, day, row[f"a{i}"], row[f"f{i}"])


def _count_indicators(person: Any, scope: Any, counts: _Counts) -> None:
    months = _month_periods(counts.start, counts.end, FIGURE_GRACE)
    if not months:
        return
    columns: dict[str, Any] = {}
    for i, month in enumerate(months):
        filed = IndicatorActual.objects.filter(target=OuterRef("pk"), month=month.start.month)
        columns[f"a{i}"] = Count("id", filter=Q(year=month.start.year))
        columns[f"f{i}"] = Count("id", filter=Q(Exists(filed), year=month.start.year))
    rows = _rows(
        visible_targets(person)
        .filter(scope.unit_q("unit"), year__in=sorted({m.start.year for m in months}))
        .values("unit_id")
        .annotate(**columns)
        .order_by()
    )
    for row in rows:
        for i, month in enumerate(months):
            day = month.end + dt.timedelta(days=FIGURE_GRACE)
            counts.add(row["unit_id"], INDICATORS, day, row[f"a{i}"], row[f"f{i}"])


def _count_notices(person: Any, scope: Any, counts: _Counts) -> None:
    for row in (
        SupervisionNotice.objects.filter(
            scope.unit_q("unit"),
            visible_q(person),
            answer_by__gte=counts.start,
            answer_by__lte=counts.end,
        )
        .values("unit_id", "answer_by")
        .annotate(asked=Count("id"), filed=Count("id", filter=Q(answered_at__isnull=False)))
        .order_by()
    ):
        counts.add(row["unit_id"], NOTICES, row["answer_by"], row["asked"], row["filed"])


def _medians(person: Any, scope: Any, weeks: list[periods.Period]) -> dict[int, tuple[float, int]]:
    """Per unit: the median seconds to file of the reports submitted in the
    range with a measured time, and how many there were. The database ranks
    them (a window function), so only the middle one or two come back."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(weeks[0].start, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(weeks[-1].end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    ranked = (
        ProgressReport.objects.filter(
            scope.unit_q("unit"),
            visible_q(person),
            seconds_to_file__isnull=False,
            submitted_at__gte=start,
            submitted_at__lt=end,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("unit_id")],
                order_by=[F("seconds_to_file").asc(), F("id").asc()],
            ),
            n=Window(Count("id"), partition_by=[F("unit_id")]),
        )
        .order_by()
    )
    # The middle of n ranked times: rank (n + 1) // 2 and, when n is even, the next.
    middle = ranked.filter(rank__gte=(F("n") + 1) / 2, rank__lte=F("n") / 2 + 1)
    found: dict[int, list[int]] = defaultdict(list)
    sizes: dict[int, int] = {}
    for unit_id, seconds, n in middle.values_list("unit_id", "seconds_to_file", "n"):
        if seconds is None:  # filtered out above; for the type checker
            continue
        found[unit_id].append(seconds)
        sizes[unit_id] = n
    return {unit_id: (statistics.mean(values), sizes[unit_id]) for unit_id, values in found.items()}


# --- the whole measure ---------------------------------------------------------------------

# The shape of a count (``count``) as kept: a count kept in another is not read.
FORM = [*KINDS, "by kind", "by week", "median", "timed", "twice", 2]


def count(person: Any, weeks: list[periods.Period]) -> dict[str, Any]:
    """Per unit inside ``person``'s scope, over ``weeks``, counted from the
    record now, as plain data: ``units`` maps a unit's id to what was asked
    of it and what it filed per kind (in ``KINDS``' order), what was asked of
    it in each week, its median seconds to file a report and how many were
    measured; ``twice``,
    the figures asked twice (``asked_twice.found``)."""
    scope = scope_of(person)
    counts = _Counts(weeks)
    if not scope.is_signed_in:
        return {"units": {}, "twice": []}
    _count_task_reports(person, scope, counts)
    _count_investment(person, scope, counts)
    _count_indicators(person, scope, counts)
    _count_notices(person, scope, counts)
    medians = _medians(person, scope, weeks)
    units = {}
    for unit_id in sorted(counts.units() | set(medians)):
        asked, filed, by_week = counts.of(unit_id)
        median, timed = medians.get(unit_id, (None, 0))
        units[str(unit_id)] = [asked, filed, by_week, median, timed]
    return {"units": units, "twice": [list(t) for t in asked_twice.found(person, weeks)]}


def _key(weeks: list[periods.Period]) -> str:
    return f"burden {weeks[0].label} {weeks[-1].label}"


def _default_weeks(today: dt.date) -> list[periods.Period]:
    return chosen_weeks(None, None, today)


def keep_default(*, today: dt.date | None = None) -> None:
    """Count and keep the default range's figures for every unit (the worker,
    after each scan; nothing for a past day, which keeps nothing)."""
    day = timezone.localdate()
    if today not in (None, day):
        return
    weeks = _default_weeks(day)
    kept.keep(_key(weeks), day, FORM, count(SYSTEM, weeks))


def recount(*, actor: Any) -> None:
    """The office's "count now": the default range counted from the record
    and kept for the page (the figures are every unit's, so any office may)."""
    scope = scope_of(actor)
    scope.require_manage(scope.office, _("Only the supervision office can count again."))
    keep_default()


def reporting_burden(person: Any, weeks: list[periods.Period]) -> Burden:
    """Per unit inside ``person``'s scope, over ``weeks`` (``chosen_weeks``):
    what the office asked of it by kind, what it filed, its median time to file
    a report; the units asked the most first; and the figures asked twice.

    For office staff and leaders (a scope of whole subtrees) and the default
    range, the figures are those the worker counted for every unit after its
    last scan, while fresh (``kept``), kept to the scope's units; else they
    are counted now for this reader. Rows carry unit ids: ``with_units``
    loads the units of the rows shown, ``asked_twice.load`` the tasks."""
    scope = scope_of(person)
    if not scope.is_signed_in:
        return Burden(weeks=weeks, rows=[])
    day = timezone.localdate()
    found = None
    if (scope.everything or scope.subtree) and weeks == _default_weeks(day):
        found = kept.kept(_key(weeks), day, FORM)
    data, counted_at = found if found else (count(person, weeks), None)
    units = data["units"]
    places = dict(scope.units().values_list("pk", "path"))
    rows = []
    for key, (asked, filed, by_week, median, timed) in units.items():
        unit_id = int(key)
        path = places.get(unit_id)
        if path is None:
            continue
        rows.append(
            UnitBurden(
                unit_id=unit_id,
                path=path,
                kinds={kind: Tally(asked[i], filed[i]) for i, kind in enumerate(KINDS)},
                by_week=by_week,
                median_seconds=median,
                timed=timed,
            )
        )
    # The units asked the most first; of those asked alike, the one that filed least.
    rows.sort(key=lambda r: (-r.asked, r.filed, r.path))
    twice = [
        asked_twice.Found(task_id, unit_id, projects, same)
        for task_id, unit_id, projects, same in data["twice"]
        if unit_id in places
    ]
    return Burden(weeks=weeks, rows=rows, twice=twice, counted_at=counted_at)


def with_units(rows: list[UnitBurden]) -> list[UnitBurden]:
    """``rows`` with their units, in one read (for the rows a page shows)."""
    units = Unit.objects.in_bulk([r.unit_id for r in rows])
    for row in rows:
        row.unit = units.get(row.unit_id)
    return rows
