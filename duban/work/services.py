"""Every write that touches tasks, reports and requests.

Keyword-only functions named ``<noun>_<verb>``, each in one transaction, used
alike by the views, the demo loader, the import and the tests. Each checks who
is asking (defence in depth: views check too) and records a TaskEvent for the
task's timeline in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.lib import periods
from duban.org.models import Person, Unit

from . import attachments as attachment_rules
from .models import (
    OPEN_STATES,
    Attachment,
    CloseRequest,
    DeadlineChange,
    EventKind,
    Instruction,
    Meeting,
    Plan,
    ProgressReport,
    ReportState,
    RequestState,
    Task,
    TaskEvent,
    TaskState,
)
from .permissions import can_act_for_task, can_instruct, can_manage


class ConflictError(ValidationError):
    """Someone else saved the same object since this person loaded it."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _event(
    task: Task,
    kind: str,
    actor: Person | None,
    *,
    text: str = "",
    unit: Unit | None = None,
    at: dt.datetime | None = None,
    **data: Any,
) -> TaskEvent:
    return TaskEvent.objects.create(
        task=task,
        kind=kind,
        actor=actor,
        unit=unit,
        text=text,
        at=at or timezone.now(),
        data=data,
    )


def _lock(model: Any, pk: int) -> Any:
    # On PostgreSQL a row lock; on SQLite the IMMEDIATE transaction already
    # serialises writers, so reading inside it is just as safe.
    return model.objects.select_for_update().get(pk=pk)


# --- plans and meetings -----------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    title: str,
    title_en: str = "",
    year: int | None = None,
    description: str = "",
    owner_unit: Unit | None = None,
    actor: Person | None = None,
) -> Plan:
    if actor is not None:
        _require(can_manage(actor), _("Only the supervision office can create plans."))
    plan = Plan(
        title=title, title_en=title_en, year=year, description=description, owner_unit=owner_unit
    )
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def meeting_create(
    *,
    date: dt.date,
    kind: str = "weekly",
    number: int | None = None,
    title: str = "",
    chair: str = "",
    location: str = "",
    notes: str = "",
    actor: Person | None = None,
) -> Meeting:
    if actor is not None:
        _require(can_manage(actor), _("Only the supervision office can record meetings."))
    meeting = Meeting(
        kind=kind,
        number=number,
        title=title,
        date=date,
        chair=chair,
        location=location,
        notes=notes,
    )
    meeting.full_clean()
    meeting.save()
    return meeting


# --- tasks ------------------------------------------------------------------


def _validate_dates(start_date: dt.date, deadline: dt.date) -> None:
    if deadline < start_date:
        raise ValidationError(
            {
                "deadline": _("The deadline (%(deadline)s) is before the start date (%(start)s).")
                % {"deadline": deadline, "start": start_date}
            }
        )


@transaction.atomic
def task_create(
    *,
    actor: Person | None,
    title: str,
    lead_unit: Unit,
    start_date: dt.date,
    deadline: dt.date,
    plan: Plan | None = None,
    parent: Task | None = None,
    meeting: Meeting | None = None,
    serial: str = "",
    title_en: str = "",
    description: str = "",
    source: str | None = None,
    co_units: Iterable[Unit] = (),
    leader: Person | None = None,
    cadence: str = periods.WEEKLY,
    metric: str = "",
    metric_unit: str = "",
    target_value: Decimal | None = None,
    weight: Decimal = Decimal("1"),
    at: dt.datetime | None = None,
) -> Task:
    if actor is not None:
        _require(can_manage(actor), _("Only the supervision office can assign tasks."))
    _validate_dates(start_date, deadline)
    if parent is not None:
        plan = plan or parent.plan
        if parent.plan_id != (plan.pk if plan else None):
            raise ValidationError({"parent": _("The parent task belongs to another plan.")})
        if not parent.is_open:
            raise ValidationError({"parent": _("The parent task is already closed.")})
    if source is None:
        source = "meeting" if meeting else "plan"
    task = Task(
        plan=plan,
        parent=parent,
        meeting=meeting,
        serial=serial,
        sort_key=Task.make_sort_key(serial),
        title=title,
        title_en=title_en,
        description=description,
        source=source,
        lead_unit=lead_unit,
        leader=leader,
        start_date=start_date,
        original_deadline=deadline,
        deadline=deadline,
        cadence=cadence,
        metric=metric,
        metric_unit=metric_unit,
        target_value=target_value,
        weight=weight,
        created_by=actor,
    )
    task.full_clean()
    task._change_reason = "created"  # type: ignore[attr-defined]
    task.save()
    co = [u for u in co_units if u.pk != lead_unit.pk]
    if co:
        task.co_units.set(co)
    _event(
        task,
        EventKind.CREATED,
        actor,
        unit=lead_unit,
        at=at,
        meeting=str(meeting) if meeting else "",
    )
    if parent is not None:
        if not parent.is_parent:
            Task.objects.filter(pk=parent.pk).update(is_parent=True)
            parent.is_parent = True
        _rollup_from(parent)
    elif plan is not None:
        _plan_recompute(plan)
    return task


EDITABLE_FIELDS = (
    "serial",
    "title",
    "title_en",
    "description",
    "source",
    "lead_unit",
    "leader",
    "start_date",
    "cadence",
    "metric",
    "metric_unit",
    "target_value",
    "weight",
)


@transaction.atomic
def task_update(
    *,
    actor: Person,
    task: Task,
    version: int,
    co_units: Sequence[Unit] | None = None,
    **changes: Any,
) -> Task:
    """Edit a task's fields. ``version`` is the version the editor loaded; if
    someone saved in between, raise ConflictError instead of overwriting."""
    _require(can_manage(actor), _("Only the supervision office can edit tasks."))
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    current = _lock(Task, task.pk)
    if current.version != version:
        raise ConflictError(
            _(
                "This task was changed by someone else while you were editing it. "
                "Your changes were not saved; reload the page to see the current version."
            )
        )
    diff: dict[str, list[str]] = {}
    for field, value in changes.items():
        old = getattr(current, field)
        if old != value:
            diff[field] = [_display(old), _display(value)]
            setattr(current, field, value)
    old_co = sorted(current.co_units.values_list("name", flat=True))
    if co_units is not None:
        new_co = sorted(u.name for u in co_units if u.pk != current.lead_unit_id)
        if new_co != old_co:
            diff["co_units"] = ["、".join(old_co), "、".join(new_co)]
    if not diff:
        return current
    _validate_dates(current.start_date, current.deadline)
    current.sort_key = Task.make_sort_key(current.serial)
    current.version += 1
    current.full_clean()
    current._change_reason = "edited"  # type: ignore[attr-defined]
    current.save()
    if co_units is not None and "co_units" in diff:
        current.co_units.set([u for u in co_units if u.pk != current.lead_unit_id])
    _event(current, EventKind.EDITED, actor, changes=diff)
    if "weight" in diff:
        _rollup_from(current.parent) if current.parent_id else _plan_recompute(current.plan)
    return current


def _display(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Unit):
        # The stored record must not depend on the editor's interface language
        # (str(unit) is the English name in English); co-units are stored by name too.
        return value.name
    return str(value)


@transaction.atomic
def task_claim(*, actor: Person, task: Task, at: dt.datetime | None = None) -> Task:
    _require(
        can_act_for_task(actor, task),
        _("Only a liaison of the lead unit can claim this task."),
    )
    current = _lock(Task, task.pk)
    if current.state != TaskState.ASSIGNED:
        raise ValidationError(_("This task has already been claimed."))
    current.state = TaskState.IN_PROGRESS
    current.claimed_at = at or timezone.now()
    current.claimed_by = actor
    current.version += 1
    current._change_reason = "claimed"  # type: ignore[attr-defined]
    current.save()
    _event(current, EventKind.CLAIMED, actor, unit=current.lead_unit, at=current.claimed_at)
    return current


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


# --- reports ------------------------------------------------------------------


def _parse_percent(raw: Any) -> Decimal:
    try:
        value = Decimal(str(raw))
    except (InvalidOperation, ValueError):
        raise ValidationError({"percent": _("Enter the percent complete as a number.")}) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise ValidationError({"percent": _("The percent complete must be between 0 and 100.")})
    return value.quantize(Decimal("0.1"))


def report_period_choices(task: Task, today: dt.date) -> list[periods.Period]:
    """Periods a unit may report for: from the task's start up to the current one."""
    last = min(today, task.deadline) if task.deadline >= task.start_date else today
    first = task.start_date
    found = list(periods.periods_between(first, max(last, first), task.cadence))
    current = periods.period_containing(today, task.cadence)
    if current not in found and current.start <= task.deadline:
        found.append(current)
    # Overdue tasks keep reporting in the current period until they are closed.
    if task.deadline < today and current not in found:
        found.append(current)
    stopped = task.reporting_stopped_on()
    if stopped is not None:
        # Asked to close, or closed: nothing after that day is offered.
        found = [p for p in found if p.start <= stopped]
    # Nothing is reported for a period that has not begun, or that ends
    # before the task starts.
    return [p for p in found if p.start <= today and p.end >= task.start_date]


@transaction.atomic
def report_save(
    *,
    actor: Person,
    task: Task,
    period_label: str,
    text: str,
    percent: Any,
    value: Decimal | None = None,
    no_change: bool = False,
    submit: bool,
    files: Sequence[UploadedFile] = (),
    version: int | None = None,
    at: dt.datetime | None = None,
) -> ProgressReport:
    """Create or update the unit's report for one period; ``submit`` files it.

    A returned report is edited and submitted again in place. A submitted or
    accepted report cannot be changed by the unit.
    """
    _require(
        can_act_for_task(actor, task),
        _("Only a liaison of the lead unit can report on this task."),
    )
    now = at or timezone.now()
    today = timezone.localdate(now)
    task = _lock(Task, task.pk)
    if task.state == TaskState.CLOSED:
        raise ValidationError(_("This task is closed; no more reports can be filed."))
    if task.state == TaskState.ASSIGNED:
        raise ValidationError(_("Claim the task before reporting on it."))
    if task.is_parent:
        raise ValidationError(
            _("This task's progress is rolled up from its measures; report on the measures.")
        )
    try:
        period = periods.period_from_label(period_label)
    except ValueError:
        raise ValidationError({"period": _("Unknown reporting period.")}) from None
    if period.cadence != task.cadence or period not in report_period_choices(task, today):
        raise ValidationError(
            {
                "period": _("You cannot report for %(period)s on this task.")
                % {"period": period_label}
            }
        )
    pct = _parse_percent(percent)
    text = (text or "").strip()
    if no_change and not text:
        raise ValidationError({"text": _("Say briefly why nothing changed this period.")})
    if not text:
        raise ValidationError({"text": _("Describe the progress made in this period.")})
    checked = [attachment_rules.check(f) for f in files]

    report = (
        ProgressReport.objects.select_for_update()
        .filter(task=task, period_label=period.label)
        .first()
    )
    if report is None:
        report = ProgressReport(
            task=task,
            unit=task.lead_unit,
            cadence=task.cadence,
            period_label=period.label,
            period_start=period.start,
            period_end=period.end,
            author=actor,
        )
    else:
        if report.state in (ReportState.SUBMITTED, ReportState.ACCEPTED):
            raise ValidationError(
                _("The report for %(period)s has already been submitted.")
                % {"period": period.label}
            )
        if version is not None and report.version != version:
            raise ConflictError(
                _("This report was changed by someone else; reload the page to see it.")
            )
        report.version += 1
    report.text = text
    report.no_change = no_change
    report.percent = pct
    report.value = value
    report.author = actor
    if submit:
        report.state = ReportState.SUBMITTED
        report.submitted_at = now
        report.first_submitted_at = report.first_submitted_at or now
        report.is_late = report_is_late(period, report.first_submitted_at)
    else:
        report.state = ReportState.DRAFT
    # The percent, the period and the one-report-per-period rule were checked
    # above (and the database enforces them): skip full_clean's lookups of the
    # foreign keys and unique constraints on this, the busiest write.
    report.full_clean(
        exclude=["task", "unit", "author"], validate_unique=False, validate_constraints=False
    )
    report.save()
    for upload in checked:
        Attachment.objects.create(
            task=task,
            report=report,
            file=upload.file,
            original_name=upload.name,
            size=upload.size,
            content_type=upload.content_type,
            uploaded_by=actor,
        )
    if submit:
        _event(
            task,
            EventKind.REPORT_SUBMITTED,
            actor,
            unit=task.lead_unit,
            at=now,
            text=text[:500],
            period=period.label,
            percent=str(pct),
            late=report.is_late,
            report=report.pk,
        )
        _leaf_recompute(task)
    return report


def report_due_date(period: periods.Period) -> dt.date:
    from django.conf import settings

    return period.end + dt.timedelta(days=settings.DUBAN_REPORT_GRACE_DAYS)


def report_is_late(period: periods.Period, submitted_at: dt.datetime) -> bool:
    return timezone.localdate(submitted_at) > report_due_date(period)


@transaction.atomic
def report_review(
    *,
    actor: Person,
    report: ProgressReport,
    accept: bool,
    comment: str = "",
    at: dt.datetime | None = None,
) -> ProgressReport:
    _require(can_manage(actor), _("Only the supervision office can review reports."))
    report = _lock(ProgressReport, report.pk)
    if report.state != ReportState.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be reviewed."))
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ValidationError({"comment": _("Say why the report is returned.")})
    now = at or timezone.now()
    report.state = ReportState.ACCEPTED if accept else ReportState.RETURNED
    report.reviewed_by = actor
    report.reviewed_at = now
    report.review_comment = comment
    if not accept:
        report.return_count += 1
    report.version += 1
    report.save()
    task = report.task
    _event(
        task,
        EventKind.REPORT_ACCEPTED if accept else EventKind.REPORT_RETURNED,
        actor,
        unit=report.unit,
        at=now,
        text=comment,
        period=report.period_label,
        report=report.pk,
    )
    if not accept:
        _leaf_recompute(task)
    return report


# --- deadline changes -----------------------------------------------------------


@transaction.atomic
def deadline_change_request(
    *,
    actor: Person,
    task: Task,
    new_deadline: dt.date,
    reason: str,
    at: dt.datetime | None = None,
) -> DeadlineChange:
    _require(
        can_act_for_task(actor, task),
        _("Only a liaison of the lead unit can ask for a new deadline."),
    )
    task = _lock(Task, task.pk)
    if not task.is_open:
        raise ValidationError(_("This task is closed."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the new deadline.")})
    if new_deadline == task.deadline:
        raise ValidationError({"new_deadline": _("The new deadline is the current one.")})
    if new_deadline < task.start_date:
        raise ValidationError({"new_deadline": _("The new deadline is before the start date.")})
    if task.deadline_changes.filter(state=RequestState.PENDING).exists():
        raise ValidationError(
            _("A deadline change for this task is already waiting for a decision.")
        )
    change = DeadlineChange.objects.create(
        task=task,
        requested_by=actor,
        old_deadline=task.deadline,
        new_deadline=new_deadline,
        reason=reason,
    )
    if at:
        # auto_now_add ignores a given value: place the request at ``at`` as the event is.
        DeadlineChange.objects.filter(pk=change.pk).update(requested_at=at)
        change.requested_at = at
    _event(
        task,
        EventKind.DEADLINE_REQUESTED,
        actor,
        unit=task.lead_unit,
        at=at,
        text=reason,
        old=str(task.deadline),
        new=str(new_deadline),
    )
    return change


@transaction.atomic
def deadline_change_decide(
    *,
    actor: Person,
    change: DeadlineChange,
    approve: bool,
    comment: str = "",
    at: dt.datetime | None = None,
) -> DeadlineChange:
    _require(can_manage(actor), _("Only the supervision office can decide on deadlines."))
    change = _lock(DeadlineChange, change.pk)
    if change.state != RequestState.PENDING:
        raise ValidationError(_("This request has already been decided."))
    if approve and change.task.state == TaskState.CLOSED:
        raise ValidationError(_("The task is closed; its deadline can no longer move."))
    now = at or timezone.now()
    change.state = RequestState.APPROVED if approve else RequestState.REJECTED
    change.decided_by = actor
    change.decided_at = now
    change.decision_comment = (comment or "").strip()
    change.save()
    task = _lock(Task, change.task_id)
    if approve:
        task.deadline = change.new_deadline
        task.deadline_moves += 1
        task.version += 1
        task._change_reason = "deadline_approved"  # type: ignore[attr-defined]
        task.save()
    _event(
        task,
        EventKind.DEADLINE_APPROVED if approve else EventKind.DEADLINE_REJECTED,
        actor,
        at=now,
        text=change.decision_comment,
        old=str(change.old_deadline),
        new=str(change.new_deadline),
    )
    return change


# --- closing with evidence ----------------------------------------------------------


@transaction.atomic
def close_request_create(
    *,
    actor: Person,
    task: Task,
    summary: str,
    files: Sequence[UploadedFile] = (),
    at: dt.datetime | None = None,
) -> CloseRequest:
    _require(
        can_act_for_task(actor, task),
        _("Only a liaison of the lead unit can ask to close this task."),
    )
    task = _lock(Task, task.pk)
    if task.state != TaskState.IN_PROGRESS:
        raise ValidationError(_("Only a claimed task in progress can be put forward for closing."))
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("Describe what was done.")})
    if not files:
        raise ValidationError({"attachments": _("Attach the evidence that the task is done.")})
    checked = [attachment_rules.check(f) for f in files]
    try:
        with transaction.atomic():
            request = CloseRequest.objects.create(task=task, requested_by=actor, summary=summary)
    except IntegrityError:
        raise ValidationError(_("A request to close this task is already pending.")) from None
    if at:
        CloseRequest.objects.filter(pk=request.pk).update(requested_at=at)
        request.requested_at = at
    for upload in checked:
        Attachment.objects.create(
            task=task,
            close_request=request,
            file=upload.file,
            original_name=upload.name,
            size=upload.size,
            content_type=upload.content_type,
            uploaded_by=actor,
        )
    task.state = TaskState.CLOSING
    task.close_requested_at = at or timezone.now()
    task.version += 1
    task._change_reason = "close_requested"  # type: ignore[attr-defined]
    task.save()
    _event(task, EventKind.CLOSE_REQUESTED, actor, unit=task.lead_unit, at=at, text=summary)
    return request


@transaction.atomic
def close_request_decide(
    *,
    actor: Person,
    request: CloseRequest,
    accept: bool,
    comment: str = "",
    at: dt.datetime | None = None,
) -> CloseRequest:
    _require(can_manage(actor), _("Only the supervision office can close tasks."))
    request = _lock(CloseRequest, request.pk)
    if request.state != RequestState.PENDING:
        raise ValidationError(_("This request has already been decided."))
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ValidationError({"comment": _("Say why the task is sent back.")})
    now = at or timezone.now()
    request.state = RequestState.APPROVED if accept else RequestState.REJECTED
    request.decided_by = actor
    request.decided_at = now
    request.decision_comment = comment
    request.save()
    task = _lock(Task, request.task_id)
    task.state = TaskState.CLOSED if accept else TaskState.IN_PROGRESS
    task.closed_at = now if accept else None
    if not accept:
        # Sent back: the unit reports again, and owes the periods it skipped.
        task.close_requested_at = None
    task.version += 1
    task._change_reason = "closed" if accept else "close_returned"  # type: ignore[attr-defined]
    task.save()
    _event(
        task, EventKind.CLOSED if accept else EventKind.CLOSE_RETURNED, actor, at=now, text=comment
    )
    _leaf_recompute(task) if not task.is_parent else _rollup_from(task)
    return request


# --- leaders' instructions ------------------------------------------------------------


@transaction.atomic
def instruction_create(
    *, actor: Person, task: Task, text: str, at: dt.datetime | None = None
) -> Instruction:
    _require(can_instruct(actor), _("Only a leader can write an instruction."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the instruction.")})
    instruction = Instruction.objects.create(task=task, leader=actor, text=text)
    if at:
        Instruction.objects.filter(pk=instruction.pk).update(created_at=at)
    _event(task, EventKind.INSTRUCTION, actor, at=at, text=text)
    return instruction


@transaction.atomic
def instruction_mark_read(*, actor: Person, instruction: Instruction) -> None:
    if can_act_for_task(actor, instruction.task) and instruction.read_at is None:
        Instruction.objects.filter(pk=instruction.pk).update(read_at=timezone.now())


__all__ = [
    "OPEN_STATES",
    "ConflictError",
    "close_request_create",
    "close_request_decide",
    "deadline_change_decide",
    "deadline_change_request",
    "instruction_create",
    "meeting_create",
    "plan_create",
    "report_review",
    "report_save",
    "task_claim",
    "task_create",
    "task_update",
]
