"""Reads, always scoped by the person asking. Views, exports and documents
read tasks only through these functions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from duban.lib import periods
from duban.lib.lookups import mentions
from duban.org.models import Person, Unit
from duban.org.paging import page_of
from duban.org.scope import scope_of

from .models import (
    CLOSED_ON_TIME,
    FILED,
    OPEN_STATES,
    CloseRequest,
    DeadlineChange,
    Instruction,
    Meeting,
    Plan,
    ProgressReport,
    ReportState,
    RequestState,
    Task,
    TaskState,
    awaiting_review,
    owed_cutoff,
    stopped_on,
)
from .services import report_due_date, report_period_choices
from .visibility import visible_q as visible_q
from .visibility import visible_tasks as visible_tasks  # below the services, which use it too

COUNTED = FILED


def visible_units(person: Any) -> QuerySet[Unit]:
    return scope_of(person).units()


def visible_plans(person: Any) -> QuerySet[Plan]:
    """The plans a person may open: those of an office inside their scope
    (office staff and leaders) and those holding a task they see."""
    scope = scope_of(person)
    if not scope.is_signed_in:
        return Plan.objects.none()
    holds = Exists(visible_tasks(person).filter(plan_id=OuterRef("pk")))
    if scope.subtree:
        return Plan.objects.filter(scope.unit_q("owner_unit") | holds)
    return Plan.objects.filter(holds)


def visible_meetings(person: Any) -> QuerySet[Meeting]:
    """The meetings of the offices whose records the person may read."""
    scope = scope_of(person)
    if not scope.is_signed_in:
        return Meeting.objects.none()
    return Meeting.objects.filter(scope.office_q("office"))


def office_plans(person: Any) -> QuerySet[Plan]:
    """The plans whose owning office lies inside the person's scope."""
    scope = scope_of(person)
    if not scope.is_signed_in:
        return Plan.objects.none()
    return Plan.objects.filter(scope.unit_q("owner_unit"))


@dataclass
class TaskFilters:
    plan: int | None = None
    unit: int | None = None
    leader: int | None = None
    state: str = ""
    due: str = ""  # "week" (due this week) or "overdue"
    meeting: int | None = None
    q: str = ""
    sort: str = "serial"
    include_closed: bool = False
    only_leaves: bool = False


SORTS = {
    "serial": ("plan_id", "sort_key", "id"),
    "deadline": ("deadline", "id"),
    "-deadline": ("-deadline", "-id"),
    "progress": ("progress", "id"),
    "-progress": ("-progress", "id"),
    "unit": ("lead_unit__path", "deadline", "id"),
    "-updated": ("-updated_at", "-id"),
}


def task_list(person: Any, filters: TaskFilters, today: dt.date | None = None) -> QuerySet[Task]:
    """The filtered, sorted task list a person sees, ready to paginate.

    A constant number of queries whatever the page: units, leader and plan are
    joined; co-units prefetched; filed reports counted in the same query.
    """
    today = today or timezone.localdate()
    tasks = visible_tasks(person)
    if filters.plan:
        tasks = tasks.filter(plan_id=filters.plan)
    if filters.meeting:
        tasks = tasks.filter(meeting_id=filters.meeting)
    if filters.unit:
        co = Task.co_units.through.objects.filter(task_id=OuterRef("pk"), unit_id=filters.unit)
        tasks = tasks.filter(Q(lead_unit_id=filters.unit) | Exists(co))
    if filters.leader:
        tasks = tasks.filter(leader_id=filters.leader)
    if filters.state:
        tasks = tasks.filter(state=filters.state)
    elif not filters.include_closed and not filters.q:
        # Closed tasks leave the active lists but stay searchable.
        tasks = tasks.filter(state__in=OPEN_STATES)
    if filters.due == "week":
        start, end = periods.week_bounds(today)
        tasks = tasks.filter(deadline__gte=start, deadline__lte=end, state__in=OPEN_STATES)
    elif filters.due == "overdue":
        tasks = tasks.filter(deadline__lt=today, state__in=OPEN_STATES)
    if filters.only_leaves:
        tasks = tasks.filter(is_parent=False)
    if filters.q:
        q = filters.q.strip()
        # The units named so as a list, not a join: joined, SQLite walked the
        # units and read every task by its unit (87 against 28 ms at province).
        named = Unit.objects.filter(mentions(q, "name", "short_name"))
        tasks = tasks.filter(
            mentions(q, "title", "title_en", "description")
            | Q(serial=q)
            | Q(lead_unit_id__in=named.values("pk"))
        )
    order = SORTS.get(filters.sort, SORTS["serial"])
    # A correlated subquery, not Count("reports"): a join + GROUP BY would count
    # the reports of every matching task before the page is cut (0.3-0.7 s at
    # city scale, see bench/README.md); the subquery runs for the page's rows.
    filed = (
        ProgressReport.objects.filter(
            task_id=OuterRef("pk"),
            state__in=COUNTED,
            # Owed once due: by the task's plan's grace (Task.owed_cutoff).
            period_end__lt=OuterRef("owed_before"),
            # Reports filed while overdue are for periods nobody owed:
            # they must not cancel out a missing one.
            period_start__lte=OuterRef("deadline"),
        )
        .order_by()
        .values("task_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        tasks.select_related("lead_unit", "leader", "plan", "meeting")
        .prefetch_related(
            Prefetch("co_units", queryset=Unit.objects.only("id", "name", "name_en", "short_name"))
        )
        .annotate(owed_before=owed_cutoff(today))
        .annotate(
            filed_count=Coalesce(Subquery(filed, output_field=IntegerField()), 0),
            # Shown beside the official progress, counted nowhere (services.progress).
            awaiting=awaiting_review(),
        )
        .order_by(*order)
    )


def task_page(tasks: QuerySet[Task], number: Any, per_page: int = 50) -> Page:
    """A page of ``tasks`` (``task_list``'s, annotated): the page's ids first,
    in the list's order, then those rows with their annotations. The
    annotations (the reports filed, the warning level) then run for the
    page's rows only, not for every row before a later page's offset too."""
    return page_of(tasks, number, per_page)


def missing_count(task: Task, today: dt.date) -> int:
    """Reports owed for ended periods and not filed (uses the annotated
    ``filed_count`` when the task came from ``task_list``)."""
    owed = len(task.owed_periods(today))
    filed = getattr(task, "filed_count", None)
    if filed is None:
        filed = task.reports.filter(
            state__in=COUNTED,
            period_end__lt=task.owed_cutoff(today),
            period_start__lte=task.deadline,
        ).count()
    return max(0, owed - filed)


@dataclass
class PeriodRow:
    period: periods.Period
    report: ProgressReport | None
    status: str  # on_time, late, missing, returned, draft, submitted_pending, current
    due: dt.date


def report_calendar(task: Task, today: dt.date) -> list[PeriodRow]:
    """Every reporting period of the task, newest first, with its report's status."""

    if task.is_parent:
        return []
    reports = {
        r.period_label: r
        for r in task.reports.select_related("author", "reviewed_by").prefetch_related(
            "attachments"
        )
    }
    choices = report_period_choices(task, today)
    # Periods reported while overdue are no longer offered but stay on the record.
    offered = {p.label for p in choices}
    filed = [
        periods.period_from_label(label)
        for label, report in reports.items()
        if label not in offered and report.counts
    ]
    rows: list[PeriodRow] = []
    grace = task.report_grace_days
    owed = {p.label for p in task.owed_periods(today)}
    for period in sorted([*choices, *filed]):
        report = reports.get(period.label)
        if report is None:
            status = "missing" if period.label in owed else "open"
        elif report.state == ReportState.DRAFT:
            status = "draft"
        elif report.state == ReportState.RETURNED:
            status = "returned"
        else:
            status = "late" if report.is_late else "on_time"
        rows.append(PeriodRow(period, report, status, report_due_date(period, grace)))
    rows.reverse()
    return rows


REVIEW_PAGE = 50


@dataclass
class Inbox:
    to_claim: list[Task] = field(default_factory=list)
    due_now: list[Task] = field(default_factory=list)
    returned: list[ProgressReport] = field(default_factory=list)
    drafts: list[ProgressReport] = field(default_factory=list)
    instructions: list[Instruction] = field(default_factory=list)
    overdue: list[Task] = field(default_factory=list)
    decisions: list[DeadlineChange | CloseRequest] = field(default_factory=list)
    to_review: list[ProgressReport] = field(default_factory=list)
    to_review_total: int = 0
    deadline_requests: list[DeadlineChange] = field(default_factory=list)
    close_requests: list[CloseRequest] = field(default_factory=list)
    # Each list shows its first LISTED (oldest or soonest first); its total is here.
    totals: dict[str, int] = field(default_factory=dict)

    def total_of(self, name: str) -> int:
        return self.totals.get(name, len(getattr(self, name)))

    @property
    def total(self) -> int:
        return self.work_total()

    def work_total(self) -> int:
        return (
            self.total_of("to_claim")
            + self.total_of("due_now")
            + len(self.returned)
            + len(self.instructions)
            + self.to_review_total
            + self.total_of("deadline_requests")
            + self.total_of("close_requests")
        )


# What an inbox list shows at most: the first ones (the oldest, the soonest
# due), its count beside it, the rest reached by deciding or through the task
# list (a province office has hundreds of requests waiting; a page of all of
# them takes seconds to draw and helps nobody).
LISTED = 30


def _first(box: Inbox, name: str, rows: Any) -> None:
    """``box.<name>``: the first LISTED of ``rows``, and their total (counted
    only when there are more)."""
    found = list(rows[: LISTED + 1])
    box.totals[name] = len(found) if len(found) <= LISTED else rows.count()
    setattr(box, name, found[:LISTED])


def _current_labels(today: dt.date) -> list[str]:
    return [
        periods.period_containing(today, periods.WEEKLY).label,
        periods.period_containing(today, periods.MONTHLY).label,
    ]


def _filed_now(today: dt.date) -> QuerySet[Any]:
    """The tasks with a filed report for the current week or month, as a list
    for ``exclude(pk__in=...)``: read once (PostgreSQL hashes it), where a NOT
    EXISTS per task had PostgreSQL without statistics walk the period's
    9,000 reports for each of a unit's 400 tasks (0.6 s at province)."""
    return ProgressReport.objects.filter(
        period_label__in=_current_labels(today), state__in=COUNTED
    ).values("task_id")


def _units_of(person: Any) -> list[int]:
    """The person's own units, from their scope (read once per request)."""
    return sorted(scope_of(person).unit_ids)


def _unit_tasks(person: Person) -> QuerySet[Task]:
    return Task.objects.filter(lead_unit_id__in=_units_of(person))


def inbox(person: Any, today: dt.date | None = None, *, into: Inbox | None = None) -> Inbox:
    """The work waiting for the person (filled into ``into`` when given: the
    inbox page adds the supervision record's part, ``duban.web.inbox``)."""
    today = today or timezone.localdate()
    box = into if into is not None else Inbox()
    if person.is_liaison:
        mine = _unit_tasks(person).select_related("lead_unit", "plan", "leader", "meeting")
        _first(box, "to_claim", mine.filter(state=TaskState.ASSIGNED).order_by("deadline", "id"))
        _first(
            box,
            "due_now",
            mine.filter(state=TaskState.IN_PROGRESS, is_parent=False, start_date__lte=today)
            .exclude(pk__in=_filed_now(today))
            .order_by("deadline", "id"),
        )
        _first(
            box,
            "overdue",
            mine.filter(state__in=OPEN_STATES, deadline__lt=today).order_by("deadline", "id"),
        )
        # The unit's tasks as a list subquery, not a join: without statistics
        # SQLite would walk every report in the state instead (86 against 5 ms
        # at province); as a list it starts from the tasks either way.
        led = Task.objects.filter(lead_unit_id__in=_units_of(person)).values("pk")
        reports = ProgressReport.objects.filter(task_id__in=led).select_related(
            "task", "reviewed_by"
        )
        box.returned = list(reports.filter(state=ReportState.RETURNED).order_by("-reviewed_at"))
        box.drafts = list(reports.filter(state=ReportState.DRAFT).order_by("-created_at"))
        box.instructions = list(
            Instruction.objects.filter(
                task__lead_unit_id__in=_units_of(person), read_at__isnull=True
            )
            .select_related("task", "leader")
            .order_by("-created_at")
        )
        since = timezone.now() - dt.timedelta(days=14)
        box.decisions = [
            *DeadlineChange.objects.filter(
                task__lead_unit_id__in=_units_of(person), decided_at__gte=since
            ).select_related("task", "decided_by"),
            *CloseRequest.objects.filter(
                task__lead_unit_id__in=_units_of(person), decided_at__gte=since
            ).select_related("task", "decided_by"),
        ]
        box.decisions.sort(key=lambda d: d.decided_at or timezone.now(), reverse=True)
    if person.is_office:
        scope = visible_q(person)
        waiting = ProgressReport.objects.filter(scope, state=ReportState.SUBMITTED)
        # The oldest first, a page at a time: at city scale a week brings ~1,000.
        box.to_review_total = waiting.count()
        # With their files, so the office decides from the inbox without opening the task.
        box.to_review = list(
            waiting.select_related("task", "unit", "author")
            .prefetch_related("attachments")
            .order_by("submitted_at", "id")[:REVIEW_PAGE]
        )
        _first(
            box,
            "deadline_requests",
            DeadlineChange.objects.filter(scope, state=RequestState.PENDING)
            .select_related("task", "task__lead_unit", "requested_by")
            .order_by("requested_at", "id"),
        )
        _first(
            box,
            "close_requests",
            CloseRequest.objects.filter(scope, state=RequestState.PENDING)
            .select_related("task", "task__lead_unit", "requested_by")
            .order_by("requested_at", "id"),
        )
    if person.is_leader or person.is_office:
        overdue = visible_tasks(person).filter(state__in=OPEN_STATES, deadline__lt=today)
        if person.is_leader:
            overdue = overdue.filter(leader=person)
        _first(
            box, "overdue", overdue.select_related("lead_unit", "leader").order_by("deadline", "id")
        )
    return box


def inbox_count(person: Any) -> int:
    """The work part of the number on the inbox link (``duban.web.inbox``
    adds the supervision part)."""
    today = timezone.localdate()
    if person.is_liaison:
        units = _units_of(person)
        if not units:
            return 0
        tasks = Task.objects.filter(lead_unit_id__in=units)
        return (
            tasks.filter(state=TaskState.ASSIGNED).count()
            + tasks.filter(state=TaskState.IN_PROGRESS, is_parent=False, start_date__lte=today)
            .exclude(pk__in=_filed_now(today))
            .count()
            + ProgressReport.objects.filter(
                task_id__in=tasks.values("pk"), state=ReportState.RETURNED
            ).count()
            + Instruction.objects.filter(task__lead_unit_id__in=units, read_at__isnull=True).count()
        )
    if person.is_office:
        scope = visible_q(person)
        return (
            ProgressReport.objects.filter(scope, state=ReportState.SUBMITTED).count()
            + DeadlineChange.objects.filter(scope, state=RequestState.PENDING).count()
            + CloseRequest.objects.filter(scope, state=RequestState.PENDING).count()
        )
    return 0


@dataclass
class StandingRow:
    task: Task
    status: str  # closed_on_time, closed_late, on_track, overdue, unclaimed, closing
    meeting: Meeting | None


# The meeting page lists this many of the earlier assignments (the previous
# meeting's first), and counts them all.
STANDING_SHOWN = 100
STANDING_ORDER = ("closed_on_time", "closed_late", "on_track", "overdue", "unclaimed", "closing")


def standing_status(today: dt.date) -> Case:
    """How an assigned task stands on ``today`` (上周交办事项完成情况), the one
    definition, as a query expression: closed on time or late
    (``CLOSED_ON_TIME``, on a queryset annotated with ``stopped_on``), not
    claimed, overdue, put up for closing, else on track."""
    return Case(
        When(CLOSED_ON_TIME, then=Value("closed_on_time")),
        When(state=TaskState.CLOSED, then=Value("closed_late")),
        When(state=TaskState.ASSIGNED, then=Value("unclaimed")),
        When(deadline__lt=today, then=Value("overdue")),
        When(state=TaskState.CLOSING, then=Value("closing")),
        default=Value("on_track"),
        output_field=CharField(),
    )


@dataclass
class Standing:
    rows: list[StandingRow]
    summary: dict[str, int]  # status: how many, of them all
    total: int

    def __bool__(self) -> bool:
        return self.total > 0

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def more(self) -> int:
        return self.total - len(self.rows)


def meeting_standing(meeting: Meeting, person: Any, today: dt.date | None = None) -> Standing:
    """How every task assigned at earlier meetings stands (上周交办事项完成情况):
    all of the previous meeting's assignments, and any still open from before;
    the first ``STANDING_SHOWN`` of them (latest meeting first), and how many
    stand each way of them all. Three queries, whatever their number."""
    today = today or timezone.localdate()
    earlier = Meeting.objects.filter(
        office_id=meeting.office_id, kind=meeting.kind, date__lt=meeting.date
    ).order_by("-date")
    previous = earlier.first()
    if previous is None:
        return Standing([], {}, 0)
    tasks = (
        visible_tasks(person)
        .filter(meeting__in=earlier)
        .filter(
            Q(meeting=previous) | Q(state__in=OPEN_STATES) | Q(closed_at__date__gte=previous.date)
        )
        .annotate(stopped_on=stopped_on())
        .annotate(standing=standing_status(today))
    )
    counted = dict(tasks.order_by().values_list("standing").annotate(n=Count("pk")))
    summary = {key: counted[key] for key in STANDING_ORDER if counted.get(key)}
    shown = tasks.select_related("lead_unit", "leader", "meeting").order_by(
        "-meeting__date", "sort_key", "id"
    )[:STANDING_SHOWN]
    rows = [StandingRow(task, task.standing, task.meeting) for task in shown]  # type: ignore[attr-defined]
    return Standing(rows, summary, sum(summary.values()))
