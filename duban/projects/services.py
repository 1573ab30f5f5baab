"""Every write to projects: keep the library, plan and report investment,
review reports, hold "three batches" events, raise problems as tasks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from duban.lib import investment, stages
from duban.org.models import Person, Unit, UnitKind
from duban.org.scope import Actor, person_of, scope_of
from duban.work import attachments as attachment_rules
from duban.work import services as work
from duban.work.models import Meeting, Task

from .models import (
    BatchEntry,
    BatchEvent,
    InvestmentPlan,
    InvestmentReport,
    Problem,
    Project,
    ReportState,
    StageMove,
)
from .queries import project_in_scope

WAN = Decimal(10_000)

EDITABLE = (
    "name",
    "name_en",
    "level",
    "industry",
    "chain",
    "chain_owner",
    "investor",
    "park",
    "district",
    "unit",
    "leader",
    "total_investment",
    "construction_start",
    "construction_end",
    "address",
    "latitude",
    "longitude",
    "planned_sign",
    "planned_start",
    "planned_production",
    "planned_capacity",
    "notes",
)


DESK_ONLY = gettext_noop("Only the supervision office's project desk can change projects.")


def _require_desk(actor: Actor, project: Project | None = None) -> None:
    """The project desk's work, on a project inside the actor's scope (its
    responsible unit, district or park)."""
    scope = scope_of(actor)
    if not scope.manages:
        raise PermissionDenied(_(DESK_ONLY))
    if project is not None and not project_in_scope(scope, project):
        raise scope.outside(project.unit)


def _yuan(amount: Any, field: str = "amount") -> Decimal:
    """An amount of yuan as the record keeps it (see :func:`investment.check_yuan`:
    a number, not negative, not beyond a province's figures, to the fen), else
    the reason, on ``field``, in the person's language."""
    try:
        return investment.check_yuan(amount)
    except investment.InvestmentError as error:
        reason, params = investment.message(error.code, error.params)
        raise ValidationError({field: _(reason) % params}) from None


def _validate(project: Project) -> None:
    errors: dict[str, Any] = {}
    if project.total_investment is not None:
        try:
            project.total_investment = _yuan(project.total_investment, "total_investment")
        except ValidationError as error:
            errors.update(error.message_dict)
    if project.park is not None and project.park.kind != UnitKind.PARK:
        errors["park"] = _("Choose a park.")
    if project.district is not None and project.district.kind != UnitKind.DISTRICT:
        errors["district"] = _("Choose a district or county.")
    if (
        project.construction_start
        and project.construction_end
        and project.construction_end < project.construction_start
    ):
        errors["construction_end"] = _("Construction cannot end before it starts.")
    planned = [
        ("planned_sign", project.planned_sign),
        ("planned_start", project.planned_start),
        ("planned_production", project.planned_production),
        ("planned_capacity", project.planned_capacity),
    ]
    last: dt.date | None = None
    for name, day in planned:
        if day is None:
            continue
        if last is not None and day < last:
            errors[name] = _("The planned dates must follow the stages in order.")
        last = day
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def project_create(*, actor: Actor, **fields: Any) -> Project:
    _require_desk(actor)
    unknown = set(fields) - set(EDITABLE) - {"code"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    project = Project(**fields)
    _require_desk(actor, project)
    _validate(project)
    try:
        with transaction.atomic():
            project.full_clean()
            project.save()
    except IntegrityError:
        raise ValidationError({"code": _("Another project has this code.")}) from None
    return project


@transaction.atomic
def project_update(*, actor: Actor, project: Project, version: int, **changes: Any) -> Project:
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require_desk(actor, project)
    if project.version != version:
        raise work.ConflictError(_("Someone else saved this project while you were editing it."))
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(project, name, value)
    _require_desk(actor, project)  # and it stays inside after the change
    _validate(project)
    project.full_clean()
    project.version += 1
    project.save()
    return project


@transaction.atomic
def investment_plan_set(
    *,
    actor: Actor,
    project: Project,
    year: int,
    amount: Decimal,
    first_month: int = 1,
    last_month: int = 12,
) -> InvestmentPlan:
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require_desk(actor, project)
    amount = _yuan(amount)  # yuan and fen, as stored
    if not 1 <= first_month <= last_month <= 12:
        raise ValidationError({"last_month": _("The months must run from 1 to 12, in order.")})
    plan, _created = InvestmentPlan.objects.update_or_create(
        project=project,
        year=year,
        defaults={"amount": amount, "first_month": first_month, "last_month": last_month},
    )
    return plan


def _restate_year(project: Project, year: int) -> None:
    """Year-to-date figures follow the months' amounts (a correction of an
    earlier month moves every later one)."""
    running = Decimal(0)
    for report in InvestmentReport.objects.filter(project=project, year=year).order_by("month"):
        if report.state != ReportState.RETURNED:
            running += report.amount
        if report.year_to_date != running:
            InvestmentReport.objects.filter(pk=report.pk).update(year_to_date=running)


@transaction.atomic
def investment_report_file(
    *,
    actor: Actor,
    project: Project,
    year: int,
    month: int,
    amount: Decimal,
    note: str = "",
    today: dt.date | None = None,
) -> InvestmentReport:
    """The responsible unit's figure for one month (filing again corrects it)."""
    project = Project.objects.select_related("unit").get(pk=project.pk)
    person = scope_of(actor).require_report_for(
        project.unit,
        _("Only a liaison of the responsible unit can report this project's investment."),
    )
    today = today or timezone.localdate()
    if not 1 <= month <= 12:
        raise ValidationError({"month": _("There is no month %(m)s.") % {"m": month}})
    if (year, month) > (today.year, today.month):
        raise ValidationError({"month": _("This month has not begun yet.")})
    amount = _yuan(amount)
    report, _created = InvestmentReport.objects.update_or_create(
        project=project,
        year=year,
        month=month,
        defaults={
            "amount": amount,
            "year_to_date": amount,
            "note": (note or "").strip(),
            "state": ReportState.SUBMITTED,
            "unit": project.unit,
            "author": person,
            "submitted_at": timezone.now(),
            "reviewed_by": None,
            "reviewed_at": None,
            "review_comment": "",
        },
    )
    _restate_year(project, year)
    report.refresh_from_db()
    return report


@transaction.atomic
def investment_report_review(
    *, actor: Actor, report: InvestmentReport, accept: bool, comment: str = ""
) -> InvestmentReport:
    report = InvestmentReport.objects.select_for_update().get(pk=report.pk)
    _require_desk(actor, report.project)
    if report.state != ReportState.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be reviewed."))
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ValidationError({"comment": _("Say why the report is returned.")})
    report.state = ReportState.ACCEPTED if accept else ReportState.RETURNED
    report.reviewed_by, report.reviewed_at = person_of(actor), timezone.now()
    report.review_comment = comment
    report.save()
    _restate_year(report.project, report.year)
    return report


def year_completed(project: Project, year: int) -> Decimal:
    total = (
        InvestmentReport.objects.filter(project=project, year=year)
        .exclude(state=ReportState.RETURNED)
        .aggregate(s=Sum("amount"))["s"]
    )
    return total or Decimal(0)


@transaction.atomic
def batch_event_create(
    *, actor: Actor, name: str, date: dt.date, venue: str = "", office: Unit | None = None
) -> BatchEvent:
    """A "three batches" event of ``office`` (by default the actor's own)."""
    scope = scope_of(actor)
    office = scope.require_office(office or scope.office, _(DESK_ONLY))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Name the event.")})
    return BatchEvent.objects.create(
        office=office, name=name, date=date, venue=(venue or "").strip()
    )


@transaction.atomic
def batch_add(*, actor: Actor, event: BatchEvent, project: Project, batch: str) -> BatchEntry:
    event = BatchEvent.objects.select_related("office").get(pk=event.pk)
    scope_of(actor).require_manage(event.office, _(DESK_ONLY))
    _require_desk(actor, Project.objects.get(pk=project.pk))
    entry, _created = BatchEntry.objects.update_or_create(
        event=event, project=project, defaults={"batch": batch}
    )
    return entry


@transaction.atomic
def problem_raise(
    *,
    actor: Actor,
    project: Project,
    kind: str,
    title: str,
    lead_unit: Unit,
    deadline: dt.date,
    meeting: Meeting | None = None,
    co_units: Any = (),
    leader: Person | None = None,
) -> Problem:
    """A problem the project raised becomes a task for a unit, tracked by the
    weekly loop and its warnings."""
    project = Project.objects.get(pk=project.pk)
    _require_desk(actor, project)
    today = timezone.localdate()
    task: Task = work.task_create(
        actor=actor,
        title=title,
        lead_unit=lead_unit,
        co_units=co_units,
        leader=leader or project.leader,
        start_date=min(today, deadline),
        deadline=deadline,
        meeting=meeting,
        source="onsite" if meeting is not None else "project",
        description=_("A problem of the project %(project)s (%(code)s).")
        % {"project": project.name, "code": project.code},
    )
    return Problem.objects.create(project=project, task=task, kind=kind)


ACTUAL_FIELD = {
    "signed": "signed_on",
    "started": "started_on",
    "producing": "produced_on",
    "capacity": "capacity_on",
}


def apply_move(project: Project, move: stages.Move, target: str, on: dt.date) -> None:
    """What a checked move does to the project's row (not saved): the actual
    date of the stage reached (kept if set), those of the stages a move back
    passes cleared, the pause, the stage and the version."""
    if move.kind in (stages.BACKWARD,):
        for stage in move.passed:
            if stage in ACTUAL_FIELD:
                setattr(project, ACTUAL_FIELD[stage], None)
    if target in ACTUAL_FIELD and move.kind in (stages.FORWARD, stages.SKIP, stages.RESUME):
        if getattr(project, ACTUAL_FIELD[target]) is None:
            setattr(project, ACTUAL_FIELD[target], on)
    project.paused_from = (move.paused_from or "") if move.kind == stages.PAUSE else ""
    project.stage, project.stage_on = target, on
    project.version += 1


@transaction.atomic
def stage_move(
    *,
    actor: Actor,
    project: Project,
    target: str,
    on: dt.date,
    reason: str = "",
    evidence: Any = None,
    today: dt.date | None = None,
    version: int | None = None,
) -> StageMove:
    """Move a project to another stage on a date, with its evidence. Moving
    back, skipping a stage or resuming elsewhere needs a reason; every move is
    kept (duban/lib/stages.py decides what is allowed). With ``version`` (the
    project as the mover read it), a project changed since is refused."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    _require_desk(actor, project)
    if version is not None and project.version != version:
        raise work.ConflictError(_("Someone else changed this project since you read it."))
    try:
        move = stages.check_move(
            project.stage,
            target,
            on=on,
            last_move_on=project.stage_on,
            signed_on=project.signed_on,
            reason=reason or "",
            today=today or timezone.localdate(),
            paused_from=project.paused_from or None,
        )
    except stages.StageError as error:
        text, params = stages.message(error.code, _stage_params(error.params))
        raise ValidationError({"target": _(text) % params}) from None
    checked = attachment_rules.check(evidence) if evidence else None
    before = project.stage
    apply_move(project, move, target, on)
    project.save()
    record = StageMove(
        project=project,
        from_stage=before,
        to_stage=target,
        kind=move.kind,
        on=on,
        reason=move.reason,
        actor=person_of(actor),
    )
    if checked is not None:
        record.evidence_name = checked.name
        record.evidence.save(checked.name, checked.file, save=False)
    record.save()
    return record


def _stage_params(params: dict[str, Any]) -> dict[str, Any]:
    """Stage names in the reader's language inside a refusal."""
    named = dict(params)
    for key in ("stage", "current", "target", "paused_from"):
        if named.get(key) in stages.STAGES:
            named[key] = _(stages.label(named[key]))
    if "kind" in named and f"move.{named['kind']}" in stages.MESSAGES:
        named["kind"] = _(stages.MESSAGES[f"move.{named['kind']}"])
    return named
