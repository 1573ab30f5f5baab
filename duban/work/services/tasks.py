"""Plans, meetings and tasks: create, edit (with optimistic locking), claim."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.lib import periods
from duban.org.models import Person, Unit
from duban.org.scope import Actor, person_of, scope_of

from ..models import (
    EventKind,
    Meeting,
    Milestone,
    Plan,
    Task,
    TaskState,
)
from ._common import ConflictError, lock_row, record_event
from .progress import _plan_recompute, _rollup_from

# --- plans and meetings -----------------------------------------------------


@transaction.atomic
def plan_create(
    *,
    title: str,
    title_en: str = "",
    year: int | None = None,
    description: str = "",
    owner_unit: Unit | None = None,
    actor: Actor,
) -> Plan:
    """A plan belongs to an office: ``owner_unit``, by default the actor's own."""
    scope = scope_of(actor)
    owner_unit = scope.require_office(
        owner_unit or scope.office, _("Only the supervision office can create plans.")
    )
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
    office: Unit | None = None,
    actor: Actor,
) -> Meeting:
    """A meeting of ``office`` (by default the actor's own)."""
    scope = scope_of(actor)
    office = scope.require_office(
        office or scope.office, _("Only the supervision office can record meetings.")
    )
    meeting = Meeting(
        office=office,
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
    actor: Actor,
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
    co_units = list(co_units)
    scope = scope_of(actor)
    scope.require_manage_all(
        [lead_unit, *co_units], _("Only the supervision office can assign tasks.")
    )
    if parent is not None:
        plan = plan or parent.plan
        scope.require_covers(parent.lead_unit)
    if plan is not None:
        scope.require_covers(plan.owner_unit)
    if meeting is not None:
        scope.require_covers(meeting.office)
    _validate_dates(start_date, deadline)
    if parent is not None:
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
        created_by=person_of(actor),
    )
    task.full_clean()
    task._change_reason = "created"  # type: ignore[attr-defined]
    task.save()
    if at is not None:
        # auto_now_add ignores a given value: date the assignment as the event is.
        Task.objects.filter(pk=task.pk).update(created_at=at)
        task.created_at = at
    co = [u for u in co_units if u.pk != lead_unit.pk]
    if co:
        task.co_units.set(co)
    record_event(
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
    "section",
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
    actor: Actor,
    task: Task,
    version: int,
    co_units: Sequence[Unit] | None = None,
    **changes: Any,
) -> Task:
    """Edit a task's fields. ``version`` is the version the editor loaded; if
    someone saved in between, raise ConflictError instead of overwriting."""
    scope = scope_of(actor)
    message = _("Only the supervision office can edit tasks.")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    current = lock_row(Task, task.pk)
    # The task as stored decides, then where the edit would put it.
    scope.require_manage(current.lead_unit, message)
    scope.require_manage_all(
        [u for u in [changes.get("lead_unit"), *(co_units or [])] if u is not None], message
    )
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
    record_event(current, EventKind.EDITED, actor, changes=diff)
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
def task_claim(*, actor: Actor, task: Task, at: dt.datetime | None = None) -> Task:
    current = lock_row(Task, task.pk)
    person = scope_of(actor).require_report_for(
        current.lead_unit, _("Only a liaison of the lead unit can claim this task.")
    )
    if current.state != TaskState.ASSIGNED:
        raise ValidationError(_("This task has already been claimed."))
    current.state = TaskState.IN_PROGRESS
    current.claimed_at = at or timezone.now()
    current.claimed_by = person
    current.version += 1
    current._change_reason = "claimed"  # type: ignore[attr-defined]
    current.save()
    record_event(current, EventKind.CLAIMED, actor, unit=current.lead_unit, at=current.claimed_at)
    return current


@transaction.atomic
def milestone_set(
    *, actor: Actor, task: Task, date: dt.date, percent: Any, label: str
) -> Milestone:
    """Add (or, on the same day, replace) a dated milestone of a task."""
    task = lock_row(Task, task.pk)
    scope_of(actor).require_manage(
        task.lead_unit, _("Only the supervision office can set milestones.")
    )
    label = (label or "").strip()
    errors: dict[str, str] = {}
    if not label:
        errors["label"] = _("Say what is to be done by then.")
    if not task.start_date < date <= task.deadline:
        errors["date"] = _(
            "A milestone falls after the start (%(start)s) and by the deadline (%(deadline)s)."
        ) % {
            "start": task.start_date,
            "deadline": task.deadline,
        }
    try:
        value = Decimal(str(percent))
    except (InvalidOperation, ValueError):
        value = Decimal(-1)
    if not Decimal(0) <= value <= Decimal(100):
        errors["percent"] = _("Enter a percentage from 0 to 100.")
    if not errors:
        others = task.milestones.exclude(date=date)
        if (
            others.filter(date__lt=date, percent__gt=value).exists()
            or others.filter(date__gt=date, percent__lt=value).exists()
        ):
            errors["percent"] = _("Milestones cannot plan progress to go down over time.")
    if errors:
        raise ValidationError(errors)
    milestone, _created = Milestone.objects.update_or_create(
        task=task, date=date, defaults={"percent": value, "label": label}
    )
    record_event(
        task, EventKind.EDITED, actor, text=label, field="milestone", new=f"{date} {value}%"
    )
    return milestone


@transaction.atomic
def milestone_delete(*, actor: Actor, milestone: Milestone) -> None:
    task = lock_row(Task, milestone.task_id)
    scope_of(actor).require_manage(
        task.lead_unit, _("Only the supervision office can set milestones.")
    )
    record_event(
        task,
        EventKind.EDITED,
        actor,
        text=milestone.label,
        field="milestone",
        old=str(milestone.date),
    )
    milestone.delete()
