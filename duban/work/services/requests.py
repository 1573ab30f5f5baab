"""Deadline changes, closing with evidence and leaders' instructions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.org.scope import Actor, person_of, scope_of

from .. import attachments as attachment_rules
from ..models import (
    CloseRequest,
    DeadlineChange,
    EventKind,
    Instruction,
    RequestState,
    Task,
    TaskState,
)
from ._common import _attach, lock_row, record_event
from .progress import _leaf_recompute, _rollup_from, _weighted_mean, last_filed_report

# --- deadline changes -----------------------------------------------------------


@transaction.atomic
def deadline_change_request(
    *,
    actor: Actor,
    task: Task,
    new_deadline: dt.date,
    reason: str,
    at: dt.datetime | None = None,
) -> DeadlineChange:
    task = lock_row(Task, task.pk)
    person = scope_of(actor).require_report_for(
        task.lead_unit, _("Only a liaison of the lead unit can ask for a new deadline.")
    )
    if not task.is_open:
        raise ValidationError(_("This task is closed."))
    if task.is_long_term:
        raise ValidationError(_("A long-term task has no deadline to move."))
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
        requested_by=person,
        old_deadline=task.deadline,
        new_deadline=new_deadline,
        reason=reason,
    )
    if at:
        # auto_now_add ignores a given value: place the request at ``at`` as the event is.
        DeadlineChange.objects.filter(pk=change.pk).update(requested_at=at)
        change.requested_at = at
    record_event(
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
    actor: Actor,
    change: DeadlineChange,
    approve: bool,
    comment: str = "",
    at: dt.datetime | None = None,
) -> DeadlineChange:
    change = lock_row(DeadlineChange, change.pk)
    scope_of(actor).require_manage(
        change.task.lead_unit, _("Only the supervision office can decide on deadlines.")
    )
    if change.state != RequestState.PENDING:
        raise ValidationError(_("This request has already been decided."))
    if approve and change.task.state == TaskState.CLOSED:
        raise ValidationError(_("The task is closed; its deadline can no longer move."))
    now = at or timezone.now()
    change.state = RequestState.APPROVED if approve else RequestState.REJECTED
    change.decided_by = person_of(actor)
    change.decided_at = now
    change.decision_comment = (comment or "").strip()
    change.save()
    task = lock_row(Task, change.task_id)
    if approve:
        task.deadline = change.new_deadline
        task.deadline_moves += 1
        task.version += 1
        task._change_reason = "deadline_approved"  # type: ignore[attr-defined]
        task.save()
    record_event(
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
    actor: Actor,
    task: Task,
    summary: str,
    files: Sequence[UploadedFile] = (),
    at: dt.datetime | None = None,
) -> CloseRequest:
    task = lock_row(Task, task.pk)
    person = scope_of(actor).require_report_for(
        task.lead_unit, _("Only a liaison of the lead unit can ask to close this task.")
    )
    if task.state != TaskState.IN_PROGRESS:
        raise ValidationError(_("Only a claimed task in progress can be put forward for closing."))
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError({"summary": _("Describe what was done.")})
    if not files:
        raise ValidationError({"attachments": _("Attach the evidence that the task is done.")})
    checked = attachment_rules.check_all(files, unit=task.lead_unit)
    try:
        with transaction.atomic():
            request = CloseRequest.objects.create(task=task, requested_by=person, summary=summary)
    except IntegrityError:
        raise ValidationError(_("A request to close this task is already pending.")) from None
    if at:
        CloseRequest.objects.filter(pk=request.pk).update(requested_at=at)
        request.requested_at = at
    _attach(task, checked, person, close_request=request)
    task.state = TaskState.CLOSING
    task.close_requested_at = at or timezone.now()
    task.version += 1
    task._change_reason = "close_requested"  # type: ignore[attr-defined]
    task.save()
    record_event(task, EventKind.CLOSE_REQUESTED, actor, unit=task.lead_unit, at=at, text=summary)
    return request


@transaction.atomic
def close_request_decide(
    *,
    actor: Actor,
    request: CloseRequest,
    accept: bool,
    comment: str = "",
    set_complete: bool = False,
    at: dt.datetime | None = None,
) -> CloseRequest:
    """Close the task (``accept``) or send it back.

    Closing records the task's final progress: the figure the unit last
    reported (its latest filed report, the office judging it with the closing
    evidence; a parent: its measures' roll-up), or 100 % when the office
    chooses so with ``set_complete``. Nothing is set to 100 % unasked."""
    request = lock_row(CloseRequest, request.pk)
    scope_of(actor).require_manage(
        request.task.lead_unit, _("Only the supervision office can close tasks.")
    )
    if request.state != RequestState.PENDING:
        raise ValidationError(_("This request has already been decided."))
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ValidationError({"comment": _("Say why the task is sent back.")})
    now = at or timezone.now()
    request.state = RequestState.APPROVED if accept else RequestState.REJECTED
    request.decided_by = person_of(actor)
    request.decided_at = now
    request.decision_comment = comment
    task = lock_row(Task, request.task_id)
    if accept:
        if set_complete:
            final = Decimal("100")
        elif task.is_parent:
            final = _weighted_mean(Task.objects.filter(parent=task))
        else:
            last = last_filed_report(task)
            final = last.percent if last else task.progress
            if last is not None and last.value is not None:
                task.latest_value = last.value
        request.final_progress = final
        request.set_complete = set_complete
    request.save()
    task.state = TaskState.CLOSED if accept else TaskState.IN_PROGRESS
    task.closed_at = now if accept else None
    if not accept:
        # Sent back: the unit reports again, and owes the periods it skipped.
        task.close_requested_at = None
    task.version += 1
    task._change_reason = "closed" if accept else "close_returned"  # type: ignore[attr-defined]
    task.save()
    facts = {"percent": str(request.final_progress), "complete": set_complete} if accept else {}
    record_event(
        task,
        EventKind.CLOSED if accept else EventKind.CLOSE_RETURNED,
        actor,
        unit=task.lead_unit,
        at=now,
        text=comment,
        **facts,
    )
    _leaf_recompute(task) if not task.is_parent else _rollup_from(task)
    return request


# --- leaders' instructions ------------------------------------------------------------


@transaction.atomic
def instruction_create(
    *, actor: Actor, task: Task, text: str, at: dt.datetime | None = None
) -> Instruction:
    task = Task.objects.select_related("lead_unit").get(pk=task.pk)
    person = scope_of(actor).require_instruct(
        task.lead_unit, _("Only a leader can write an instruction.")
    )
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the instruction.")})
    instruction = Instruction.objects.create(task=task, leader=person, text=text)
    if at:
        Instruction.objects.filter(pk=instruction.pk).update(created_at=at)
    # The units hear of it from the worker, which reads this event.
    record_event(task, EventKind.INSTRUCTION, actor, at=at, text=text, instruction=instruction.pk)
    return instruction


@transaction.atomic
def instruction_mark_read(*, actor: Actor, instruction: Instruction) -> None:
    """The lead unit's liaison has read it (anyone else opening it changes nothing)."""
    mine = scope_of(actor).may_report_for(instruction.task.lead_unit_id)
    if mine and instruction.read_at is None:
        Instruction.objects.filter(pk=instruction.pk).update(read_at=timezone.now())
