"""Plans, tasks (a tree), meetings, progress reports, reviews, deadline changes, closing.

State changes that touch one object live here as methods; writes that span
objects are in ``services.py``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from duban.lib import deadlines, periods, rules
from duban.org.models import localized


class Cadence(models.TextChoices):
    WEEKLY = periods.WEEKLY, _("Weekly")
    MONTHLY = periods.MONTHLY, _("Monthly")
    QUARTERLY = periods.QUARTERLY, _("Quarterly")


class Plan(models.Model):
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("English title"), max_length=250, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    # The office the plan belongs to (duban.org.scope): who keeps it and sees it.
    owner_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("issuing unit"),
        on_delete=models.PROTECT,
        related_name="plans",
    )
    # Weighted mean of the top-level tasks' progress, kept current by services.
    progress = models.DecimalField(
        _("progress"), max_digits=5, decimal_places=1, default=Decimal("0")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Warning rules switched on and thresholds for this plan's tasks (empty:
    # the defaults of duban.lib.rules.Thresholds); validated by the service.
    warning_settings = models.JSONField(_("warning settings"), default=dict, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self) -> str:
        return localized(self, "title")

    @property
    def report_grace_days(self) -> int:
        """The days after a period's end by which its reports are due (报送时限):
        the plan's own warning setting, else the installation's. One definition
        for the due date, lateness, what is owed, the warnings and the scores."""
        value = (self.warning_settings or {}).get("report_grace_days")
        return int(value) if isinstance(value, int) else default_grace()


class MeetingKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly assignment meeting")
    MONTHLY = "monthly", _("Monthly review meeting")
    ONSITE = "onsite", _("On-site office meeting")
    JOINT = "joint", _("Leading group joint conference")
    OTHER = "other", _("Other meeting")


class Meeting(models.Model):
    kind = models.CharField(
        _("kind"), max_length=20, choices=MeetingKind.choices, default=MeetingKind.WEEKLY
    )
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    date = models.DateField(_("date"))
    chair = models.CharField(_("chair"), max_length=100, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # The office this belongs to (duban.org.scope: a unit that runs one).
    office = models.ForeignKey(
        "org.Unit", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "kind", "number"],
                condition=models.Q(number__isnull=False),
                name="meeting_kind_number_unique",
            )
        ]

    def __str__(self) -> str:
        if self.title:
            return self.title
        if self.number:
            return _("No. %(number)s %(kind)s") % {
                "number": self.number,
                "kind": self.get_kind_display(),
            }
        return f"{self.get_kind_display()} {self.date:%Y-%m-%d}"


class TaskSource(models.TextChoices):
    PLAN = "plan", _("Plan")
    MEETING = "meeting", _("Weekly meeting")
    INSTRUCTION = "instruction", _("Leader's instruction")
    DOCUMENT = "document", _("Document")
    ONSITE = "onsite", _("On-site office meeting")
    PROJECT = "project", _("Project problem")


class TaskState(models.TextChoices):
    ASSIGNED = "assigned", _("Awaiting claim")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSING = "closing", _("Closing requested")
    CLOSED = "closed", _("Closed")


OPEN_STATES = (TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.CLOSING)


def default_grace() -> int:
    """The installation's grace days (DUBAN_REPORT_GRACE_DAYS), for plans that set none."""
    return settings.DUBAN_REPORT_GRACE_DAYS


def plan_graces() -> dict[int, int]:
    """The plans that set a report grace of their own (``Task.report_grace_days``)
    and their grace in days: few, found in one small query."""
    found = {}
    for plan_id, settings_ in Plan.objects.filter(
        warning_settings__has_key="report_grace_days"
    ).values_list("pk", "warning_settings"):
        grace = settings_.get("report_grace_days")
        if isinstance(grace, int) and grace != default_grace():
            found[plan_id] = grace
    return found


def owed_cutoffs(today: dt.date) -> tuple[dict[int, dt.date], dt.date]:
    """``Task.owed_cutoff`` for a list read in Python: the cutoff of each plan
    with a grace of its own, and everyone else's."""
    cutoffs = {plan_id: today - dt.timedelta(days=g) for plan_id, g in plan_graces().items()}
    return cutoffs, today - dt.timedelta(days=default_grace())


def owed_cutoff(today: dt.date, plan_field: str = "plan_id") -> Any:
    """``Task.owed_cutoff`` as a query expression over a task's plan. The plans
    that set their own grace are few (``plan_graces``): only they get a branch
    (reading each row's JSON settings cost 10 ms a list page)."""
    by_grace: dict[int, list[int]] = {}
    for plan_id, grace in plan_graces().items():
        by_grace.setdefault(grace, []).append(plan_id)
    usual = Value(today - dt.timedelta(days=default_grace()), output_field=models.DateField())
    if not by_grace:
        return usual
    return Case(
        *[
            When(**{f"{plan_field}__in": ids}, then=Value(today - dt.timedelta(days=grace)))
            for grace, ids in sorted(by_grace.items())
        ],
        default=usual,
        output_field=models.DateField(),
    )


def stopped_on() -> Any:
    """The day the unit stopped (asked to close, else the task was closed), as
    a query expression in the office's time zone: ``Task.reporting_stopped_on``."""
    return TruncDate(Coalesce(F("close_requested_at"), F("closed_at")))


def not_stopped_before(day: dt.date, prefix: str = "") -> Q:
    """The tasks that had not stopped before ``day`` (``stopped_on()`` none,
    or ``day`` or later), said of the moments themselves: stopped at or after
    the first moment of ``day`` in the office's time zone. (Comparing
    ``stopped_on()`` has SQLite work a local date out in Python, row by row.)"""
    first = dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_current_timezone())
    requested, closed = f"{prefix}close_requested_at", f"{prefix}closed_at"
    return (
        Q(**{f"{requested}__isnull": True, f"{closed}__isnull": True})
        | Q(**{f"{requested}__gte": first})
        | Q(**{f"{requested}__isnull": True, f"{closed}__gte": first})
    )


def owes_for(period: periods.Period, prefix: str = "") -> Q:
    """The tasks that owe a report for ``period`` (``periods.owed_periods`` in SQL,
    its due date aside): leaves of its cadence, running during it, not put up
    for closing before it ended (``stopped_on`` after its last day).
    ``prefix`` says it of a related task (``"task__"`` for reports).

    "Stopped after the last day" is said of the moments themselves, from the
    first moment of the next day in the office's time zone: the same tasks as
    comparing ``stopped_on()``, but SQLite works a local date out in Python,
    row by row, which made the ranking of a province's quarter 10 s."""
    still_reporting = not_stopped_before(period.end + dt.timedelta(days=1), prefix)
    return (
        Q(
            **{
                f"{prefix}is_parent": False,
                f"{prefix}cadence": period.cadence,
                f"{prefix}start_date__lte": period.end,
                f"{prefix}deadline__gte": period.start,
            }
        )
        & still_reporting
    )


def period_bits(conditions: list[Q], *, exclusive: bool = False) -> Any:
    """An integer with bit ``i`` set where ``conditions[i]`` holds, as a query
    expression: which of several periods a task owes, or a report is for, in
    one column instead of a column (or a query) per period. ``exclusive``:
    at most one holds (a report's period), so one CASE that stops at it."""
    if exclusive:
        return Case(
            *(When(condition, then=Value(1 << i)) for i, condition in enumerate(conditions)),
            default=Value(0),
        )
    return sum(
        (
            Case(When(condition, then=Value(1 << i)), default=Value(0))
            for i, condition in enumerate(conditions)
        ),
        Value(0),
    )


# Closed on time (按期办结), for a queryset annotated with ``stopped_on=stopped_on()``:
# the same rule as ``Task.closed_on_time``.
CLOSED_ON_TIME = Q(state=TaskState.CLOSED, stopped_on__lte=F("deadline"))


def deadline_shown(day: dt.date) -> dt.date | str:
    """A deadline as people read it, on pages and in documents: the date, or
    "Long-term" (长期坚持) for a task that has none (``deadlines.LONG_TERM``)."""
    return gettext("Long-term") if day == deadlines.LONG_TERM else day


class Task(models.Model):
    """A task or measure. Children make it a parent whose progress is rolled up."""

    plan = models.ForeignKey(
        Plan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent task"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("assigned at meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    serial = models.CharField(_("serial"), max_length=30, blank=True)
    sort_key = models.CharField(max_length=120, blank=True, db_index=True, editable=False)
    title = models.CharField(_("title"), max_length=300)
    # The row's identity in an imported workbook (duban/lib/taskbook.py):
    # importing the same list again finds the task instead of adding a copy.
    import_key = models.CharField(max_length=80, blank=True, editable=False)
    # The heading of the plan the task sits under ("一、提升自主创新能力"), kept
    # from an imported list whose section rows are group headings, not tasks.
    section = models.CharField(_("section"), max_length=300, blank=True)
    title_en = models.CharField(_("English title"), max_length=400, blank=True)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(
        _("source"), max_length=20, choices=TaskSource.choices, default=TaskSource.PLAN
    )
    lead_unit = models.ForeignKey(
        "org.Unit",
        verbose_name=_("lead unit"),
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    co_units = models.ManyToManyField(
        "org.Unit", verbose_name=_("co-units"), blank=True, related_name="co_tasks"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_tasks",
    )
    start_date = models.DateField(_("start date"))
    original_deadline = models.DateField(_("original deadline"))
    deadline = models.DateField(_("deadline"), db_index=True)
    deadline_moves = models.PositiveSmallIntegerField(_("deadline moves"), default=0)
    # The deadline in the words of the list it came from, when words rather
    # than a date ("每半年", "6月底前完成初稿，9月底前完成"): shown beside the date.
    deadline_note = models.CharField(_("deadline as written"), max_length=100, blank=True)
    cadence = models.CharField(
        _("report cadence"), max_length=10, choices=Cadence.choices, default=Cadence.WEEKLY
    )
    metric = models.CharField(_("metric"), max_length=100, blank=True)
    metric_unit = models.CharField(_("unit of measure"), max_length=30, blank=True)
    target_value = models.DecimalField(
        _("target value"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    weight = models.DecimalField(_("weight"), max_digits=6, decimal_places=2, default=Decimal("1"))
    state = models.CharField(
        _("state"), max_length=20, choices=TaskState.choices, default=TaskState.ASSIGNED
    )
    progress = models.DecimalField(
        _("progress"), max_digits=5, decimal_places=1, default=Decimal("0")
    )
    latest_value = models.DecimalField(
        _("latest figure"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    is_parent = models.BooleanField(default=False, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    close_requested_at = models.DateTimeField(_("closing requested at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic lock: every edit must name the version it started from.
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords(excluded_fields=["sort_key", "updated_at", "is_parent"])

    class Meta:
        ordering = ["plan_id", "sort_key", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["state", "deadline"]),
            models.Index(fields=["lead_unit", "state"]),
            # The tasks that owe a period's report (``owes_for``), with what
            # the reporting page reads of them, from the index alone: 23,000
            # of a province's tasks a week, 35 ms from the table, 13 from here.
            models.Index(
                fields=[
                    "cadence",
                    "deadline",
                    "start_date",
                    "is_parent",
                    "close_requested_at",
                    "closed_at",
                    "lead_unit",
                    "plan",
                ],
                name="work_task_owing_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__gte=0) & models.Q(progress__lte=100),
                name="task_progress_0_100",
            ),
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("start_date")),
                name="task_deadline_after_start",
            ),
            models.UniqueConstraint(
                fields=["plan", "import_key"],
                condition=~models.Q(import_key=""),
                name="task_import_key_once_per_plan",
            ),
        ]

    def __str__(self) -> str:
        text = localized(self, "title")
        return f"{self.serial} {text}" if self.serial else text

    @property
    def display_title(self) -> str:
        return localized(self, "title")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_long_term(self) -> bool:
        """长期坚持: no deadline, never overdue, reported every period while open."""
        return self.deadline == deadlines.LONG_TERM

    def is_overdue(self, today: dt.date) -> bool:
        return self.is_open and self.deadline < today

    def current_period(self, today: dt.date) -> periods.Period:
        return periods.period_containing(today, self.cadence)

    def reporting_stopped_on(self) -> dt.date | None:
        """The day the unit stopped owing reports: when it asked to close
        (the closing summary is its last word), else when the task was closed."""
        stamp = self.close_requested_at or self.closed_at
        return timezone.localdate(stamp) if stamp else None

    @property
    def closed_on_time(self) -> bool:
        """Closed on time (按期办结): closed, and the unit asked to close it, with
        its evidence, by the deadline (the office's review may come later and
        does not make it late). The same rule as ``CLOSED_ON_TIME`` for queries."""
        stopped = self.reporting_stopped_on()
        return self.state == TaskState.CLOSED and stopped is not None and stopped <= self.deadline

    @property
    def report_grace_days(self) -> int:
        """The days after a period's end by which its report is due: the plan's."""
        return self.plan.report_grace_days if self.plan_id and self.plan else default_grace()

    def light(self, today: dt.date) -> str:
        """The task's traffic light (``rules.light``), from the level of its
        active warnings annotated on it (``supervision.queries.with_warning_level``)."""
        return rules.light(
            getattr(self, "warning_level", None),
            overdue=self.deadline < today,
            closed=self.state == TaskState.CLOSED,
        )

    def owed_cutoff(self, today: dt.date) -> dt.date:
        """Reports of periods ending before this day are owed (their due date has
        passed); ``owed_cutoff()`` is the same for a query."""
        return today - dt.timedelta(days=self.report_grace_days)

    def owed_periods(self, today: dt.date) -> list[periods.Period]:
        """Periods that have ended and for which the lead unit owes a report."""
        if self.is_parent:
            return []
        return periods.owed_periods(
            self.start_date,
            self.deadline,
            self.cadence,
            today=today,
            grace=self.report_grace_days,
            stopped_on=self.reporting_stopped_on(),
        )

    @staticmethod
    def make_sort_key(serial: str) -> str:
        """'1.10.2' sorts after '1.9': pad each numeric part; a section's
        Chinese numeral counts as its number ('三' after '二')."""
        parts = []
        for part in serial.replace("-", ".").split("."):
            if re.fullmatch("[一二三四五六七八九十]{1,3}", part):
                part = str(deadlines.cn_number(part) or part)
            parts.append(part.zfill(6) if part.isdigit() else part)
        return ".".join(parts)


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


# The states of a report that has been filed and stands: what every rule, score
# and review counts (a draft is not filed; a returned report no longer stands).
FILED = (ReportState.SUBMITTED, ReportState.ACCEPTED)


class ProgressReport(models.Model):
    """One unit's report on one task for one period. A returned report is
    reopened and resubmitted in place; its history keeps every version."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="reports")
    cadence = models.CharField(max_length=10, choices=Cadence.choices)
    period_label = models.CharField(_("period"), max_length=10)
    period_start = models.DateField()
    period_end = models.DateField()
    text = models.TextField(_("progress"))
    no_change = models.BooleanField(_("no change this period"), default=False)
    percent = models.DecimalField(_("percent complete"), max_digits=5, decimal_places=1)
    value = models.DecimalField(
        _("figure against target"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=12, choices=ReportState.choices, default=ReportState.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reports"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    first_submitted_at = models.DateTimeField(null=True, blank=True)
    is_late = models.BooleanField(_("late"), default=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    return_count = models.PositiveSmallIntegerField(default=0)
    # Why the percent is lower than the last accepted report's: required then
    # (``services.report_save``), shown to the office beside the report.
    decrease_reason = models.TextField(_("reason for the lower figure"), blank=True)
    # How alike this report's text is to the task's filed report before it
    # (0..1, duban.lib.rules.similarity), kept current on the task's latest
    # filed report by the services, so the hourly scan reads a number instead
    # of comparing texts (duban/work/likeness.py).
    likeness = models.FloatField(null=True, blank=True, editable=False)
    # How long the unit took to file it: seconds from opening the report form
    # to submitting it (duban/work/filing.py), the last submission's. None when
    # not measured: filed through the API or a command, the form's stamp absent,
    # forged or replayed, or longer than a day (a form left open overnight
    # measures the night, not the work).
    seconds_to_file = models.PositiveIntegerField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        constraints = [
            models.UniqueConstraint(fields=["task", "period_label"], name="report_one_per_period"),
            models.CheckConstraint(
                condition=models.Q(percent__gte=0) & models.Q(percent__lte=100),
                name="report_percent_0_100",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"]),
            models.Index(fields=["unit", "period_label"]),
            # Each task's filed reports, newest period first: the warning scan reads
            # the latest of every open task from it (supervision/0004 made it; it is
            # declared here since work/0015 so that SQLite's table rebuilds keep it).
            models.Index(fields=["task", "period_start", "id"], name="work_report_task_period_idx"),
            # A quarter's reports by period, with every column the ranking's
            # count of them reads (assessment.facts) and the reporting page's
            # (work.reporting): from the index alone, against reading 1.6 M
            # rows by state at province (9.5 s).
            models.Index(
                fields=[
                    "period_label",
                    "state",
                    "is_late",
                    "task",
                    "unit",
                    "return_count",
                    "reviewed_at",
                    "no_change",
                ],
                name="work_report_period_idx",
            ),
            # Each task's accepted reports, newest period first, with what the
            # readers of official progress at a past moment or over a month
            # read (the cockpit as of a day, the monthly review's gains): from
            # the index alone, not a row read for every report walked past.
            models.Index(
                fields=[
                    "task",
                    "state",
                    "period_start",
                    "id",
                    "reviewed_at",
                    "period_end",
                    "percent",
                ],
                name="work_report_accepted_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.serial} {self.period_label}"

    @property
    def counts(self) -> bool:
        """Does this report count as filed (for lateness, missing)? Progress
        counts only accepted reports (``awaiting_review`` and services.progress)."""
        return self.state in (ReportState.SUBMITTED, ReportState.ACCEPTED)


def awaiting_review() -> Subquery:
    """For a query of tasks: the percent of the task's latest report submitted
    and not yet reviewed (报送待审). It is shown beside the official progress
    (that of the last accepted report, ``Task.progress``) and counts nowhere else."""
    return Subquery(
        ProgressReport.objects.filter(task_id=OuterRef("pk"), state=ReportState.SUBMITTED)
        .order_by("-period_start", "-id")
        .values("percent")[:1]
    )


class RequestState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class DeadlineChange(models.Model):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="deadline_changes")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    old_deadline = models.DateField(_("old deadline"))
    new_deadline = models.DateField(_("new deadline"))
    reason = models.TextField(_("reason"))
    state = models.CharField(
        _("state"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("deadline change")
        verbose_name_plural = _("deadline changes")
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=models.Q(state="pending"),
                name="one_pending_deadline_change",
            )
        ]

    def __str__(self) -> str:
        return f"{self.old_deadline} → {self.new_deadline}"


class CloseRequest(models.Model):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="close_requests")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    summary = models.TextField(_("summary of what was done"))
    state = models.CharField(
        _("state"), max_length=10, choices=RequestState.choices, default=RequestState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)
    # The task's progress once closed, recorded with the decision: the unit's
    # last reported figure, or 100 when the office chose so (``set_complete``).
    final_progress = models.DecimalField(
        _("final progress"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    set_complete = models.BooleanField(_("progress set to 100 %"), default=False)

    class Meta:
        ordering = ["-requested_at"]
        verbose_name = _("close request")
        verbose_name_plural = _("close requests")
        constraints = [
            models.UniqueConstraint(
                fields=["task"],
                condition=models.Q(state="pending"),
                name="one_pending_close_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.get_state_display()}"


class Instruction(models.Model):
    """A leader's instruction (批示) on a task."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="instructions")
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="instructions"
    )
    text = models.TextField(_("instruction"))
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("instruction")
        verbose_name_plural = _("instructions")

    def __str__(self) -> str:
        return self.text[:50]


def attachment_path(instance: Attachment, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    now = timezone.now()
    return f"attachments/{now:%Y/%m}/{instance.task_id}-{now:%H%M%S%f}{suffix}"


class Attachment(models.Model):
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="attachments")
    report = models.ForeignKey(
        ProgressReport,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    close_request = models.ForeignKey(
        CloseRequest,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=255)
    size = models.PositiveIntegerField()
    content_type = models.CharField(max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class EventKind(models.TextChoices):
    CREATED = "created", _("Assigned")
    CLAIMED = "claimed", _("Claimed")
    REPORT_SUBMITTED = "report_submitted", _("Report submitted")
    REPORT_ACCEPTED = "report_accepted", _("Report accepted")
    REPORT_RETURNED = "report_returned", _("Report returned")
    DEADLINE_REQUESTED = "deadline_requested", _("New deadline requested")
    DEADLINE_APPROVED = "deadline_approved", _("Deadline change approved")
    DEADLINE_REJECTED = "deadline_rejected", _("Deadline change rejected")
    CLOSE_REQUESTED = "close_requested", _("Closing requested")
    CLOSED = "closed", _("Closed with evidence")
    CLOSE_RETURNED = "close_returned", _("Closing sent back")
    INSTRUCTION = "instruction", _("Leader's instruction")
    EDITED = "edited", _("Edited")
    NOTICE_ISSUED = "notice_issued", _("Supervision notice issued")
    NOTICE_ANSWERED = "notice_answered", _("Supervision notice answered")


class TaskEvent(models.Model):
    """The task's timeline: who did what and when. Written only by services,
    in the same transaction as the change it records."""

    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)
    text = models.TextField(blank=True)
    # Structured facts (period, old/new deadline, field changes) for display.
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        # "As of a date": a task's last closing event before a moment (the
        # cockpit's states in the past), without reading its report events.
        indexes = [models.Index(fields=["kind", "task", "at"], name="work_event_kind_task_at")]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"


class Milestone(models.Model):
    """A dated step of a task (节点): the progress to reach by a day. The slow
    rule measures a task with milestones against them, not a straight line."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="milestones")
    date = models.DateField(_("by"))
    percent = models.DecimalField(_("percent complete"), max_digits=5, decimal_places=1)
    label = models.CharField(_("milestone"), max_length=200)

    class Meta:
        ordering = ["date"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(fields=["task", "date"], name="one_milestone_per_day"),
            models.CheckConstraint(
                condition=models.Q(percent__gte=0) & models.Q(percent__lte=100),
                name="milestone_percent_0_100",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id} {self.date} {self.percent}"
