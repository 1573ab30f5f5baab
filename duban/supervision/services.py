"""Writes of the supervision ladder: issuing and answering notices."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.lib import rules
from duban.org.scope import Actor, office_of, person_of, scope_of
from duban.work.models import EventKind, Plan, Task, TaskState
from duban.work.services import lock_row, record_event

from .models import AppealState, SupervisionNotice, TaskWarning, WarningAppeal, WarningEvent


@transaction.atomic
def notice_issue(
    *, actor: Actor, task: Task, reason: str, answer_by: dt.date, at: dt.datetime | None = None
) -> SupervisionNotice:
    task = lock_row(Task, task.pk)
    scope = scope_of(actor)
    scope.require_manage(
        task.lead_unit, _("Only the supervision office can issue supervision notices.")
    )
    # The issuing office: the actor's own (the system issues in the task's unit's office).
    office = office_of(task.lead_unit) if scope.is_system else scope.office
    assert office is not None
    if task.state == TaskState.CLOSED:
        raise ValidationError(_("This task is closed."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what the unit must answer.")})
    now = at or timezone.now()
    if answer_by < timezone.localdate(now):
        raise ValidationError({"answer_by": _("The answer date is in the past.")})
    year = timezone.localdate(now).year
    # Numbers run per office and year: 督办〔2026〕N号. The unique constraint settles a race.
    last = (
        SupervisionNotice.objects.filter(office=office, year=year).aggregate(n=Max("number"))["n"]
        or 0
    )
    try:
        with transaction.atomic():
            notice = SupervisionNotice.objects.create(
                task=task,
                unit=task.lead_unit,
                office=office,
                year=year,
                number=last + 1,
                reason=reason,
                answer_by=answer_by,
                issued_by=person_of(actor),
                issued_at=now,
            )
    except IntegrityError:
        raise ValidationError(
            _("Another notice was numbered at the same moment; try again.")
        ) from None
    record_event(
        task,
        EventKind.NOTICE_ISSUED,
        actor,
        unit=task.lead_unit,
        at=now,
        text=reason,
        new=str(answer_by),
        notice=str(notice),
        notice_id=notice.pk,  # the worker tells the unit from this event
    )
    return notice


@transaction.atomic
def notice_answer(
    *, actor: Actor, notice: SupervisionNotice, answer: str, at: dt.datetime | None = None
) -> SupervisionNotice:
    notice = lock_row(SupervisionNotice, notice.pk)
    person = scope_of(actor).require_report_for(
        notice.task.lead_unit, _("Only a liaison of the lead unit can answer this notice.")
    )
    if notice.is_answered:
        raise ValidationError(_("This notice has already been answered."))
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer.")})
    now = at or timezone.now()
    notice.answer, notice.answered_by, notice.answered_at = answer, person, now
    notice.save(update_fields=["answer", "answered_by", "answered_at"])
    record_event(
        notice.task,
        EventKind.NOTICE_ANSWERED,
        actor,
        unit=notice.unit,
        at=now,
        text=answer,
        notice=str(notice),
    )
    return notice


@transaction.atomic
def appeal_file(
    *, actor: Actor, warning: TaskWarning, reason: str, at: dt.datetime | None = None
) -> WarningAppeal:
    warning = lock_row(TaskWarning, warning.pk)
    person = scope_of(actor).require_report_for(
        warning.task.lead_unit, _("Only a liaison of the lead unit can appeal this warning.")
    )
    if warning.cleared_at is not None or warning.withdrawn_at is not None:
        raise ValidationError(_("This warning is no longer active."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the appeal.")})
    if warning.appeals.filter(state=AppealState.PENDING).exists():
        raise ValidationError(
            _("An appeal against this warning is already waiting for a decision.")
        )
    return WarningAppeal.objects.create(
        warning=warning, reason=reason, filed_by=person, filed_at=at or timezone.now()
    )


@transaction.atomic
def appeal_decide(
    *,
    actor: Actor,
    appeal: WarningAppeal,
    withdraw: bool,
    comment: str = "",
    at: dt.datetime | None = None,
) -> WarningAppeal:
    appeal = lock_row(WarningAppeal, appeal.pk)
    scope_of(actor).require_manage(
        appeal.warning.task.lead_unit, _("Only the supervision office can decide appeals.")
    )
    if appeal.state != AppealState.PENDING:
        raise ValidationError(_("This appeal has already been decided."))
    comment = (comment or "").strip()
    if not withdraw and not comment:
        raise ValidationError({"comment": _("Say why the warning stands.")})
    now = at or timezone.now()
    appeal.state = AppealState.WITHDRAWN if withdraw else AppealState.UPHELD
    appeal.decided_by, appeal.decided_at, appeal.comment = person_of(actor), now, comment
    appeal.save(update_fields=["state", "decided_by", "decided_at", "comment"])
    if withdraw:
        warning = lock_row(TaskWarning, appeal.warning_id)
        if warning.withdrawn_at is None:
            warning.withdrawn_at = now
            warning.save(update_fields=["withdrawn_at"])
            WarningEvent.objects.create(
                warning=warning, kind="withdrawn", level=warning.level, facts=warning.facts, at=now
            )
    return appeal


@transaction.atomic
def plan_warning_settings_update(*, actor: Actor, plan: Plan, settings: dict) -> Plan:
    """Switch rules on or off and set thresholds for a plan's tasks."""
    plan = lock_row(Plan, plan.pk)
    scope_of(actor).require_manage(
        plan.owner_unit, _("Only the supervision office can change warning settings.")
    )
    try:
        rules.thresholds_from(settings)
    except rules.BadSettings as error:
        raise ValidationError(
            _("These warning settings cannot be used: %(detail)s") % {"detail": error}
        ) from None
    plan.warning_settings = settings
    plan.save(update_fields=["warning_settings"])
    return plan
