"""Progress reports: the periods a unit may report for, filing, review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.lib import periods
from duban.org.scope import Actor, person_of, scope_of
from duban.work import filing, likeness

from .. import attachments as attachment_rules
from ..models import (
    FILED,
    EventKind,
    ProgressReport,
    ReportState,
    Task,
    TaskState,
)
from ..visibility import visible_tasks
from ..words import period_words
from ._common import ConflictError, _attach, lock_row, record_event, scope_first
from .progress import _leaf_recompute, official_report

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


@scope_first
@transaction.atomic
def report_save(
    *,
    actor: Actor,
    task: Task | int,
    period_label: str,
    text: str,
    percent: Any,
    value: Decimal | None = None,
    no_change: bool = False,
    submit: bool,
    files: Sequence[UploadedFile] = (),
    version: int,
    decrease_reason: str = "",
    at: dt.datetime | None = None,
    seconds_to_file: int | None = None,
) -> ProgressReport:
    """Create or update the unit's report for one period; ``submit`` files it.

    A returned report is edited and submitted again in place. A submitted or
    accepted report cannot be changed by the unit.

    ``version`` is the version of the period's report the person saw, 0 when
    they saw none: every write is checked against it, the first one too, so
    of two people who both opened the period's empty form only the first to
    save wins, and the second is told (ConflictError) with nothing of theirs
    written. The check runs under the task's row lock, which every write of
    its reports takes first; the one-report-per-period constraint backs it.

    A percent lower than the last accepted report's (of an earlier period)
    needs ``decrease_reason`` to be submitted. A submitted report is not the
    task's progress until the office accepts it (``report_review``).

    ``task`` may be given by its id (the busiest callers, the report page and
    the API, do): it is read once, among the tasks the actor sees, under the
    lock.

    ``seconds_to_file``: how long the form took, from its opening to this
    submission (the page reads it from the form's signed stamp,
    ``duban.work.filing``); kept on a submission when it is a time a form can
    take, else None. The API and the commands leave it out: not measured.
    """
    now = at or timezone.now()
    today = timezone.localdate(now)
    # ``task``: the task, or its id, read here once, under the lock.
    by_id = isinstance(task, int)
    locked: Task = lock_row(
        Task, task if isinstance(task, int) else task.pk, related=("lead_unit", "plan")
    )
    task = locked
    scope = scope_of(actor)
    if by_id and not scope.may_report_for(task.lead_unit_id):
        if not visible_tasks(actor).filter(pk=task.pk).exists():
            raise Task.DoesNotExist  # as if there were none: the caller's 404
    person = scope.require_report_for(
        task.lead_unit, _("Only a liaison of the lead unit can report on this task.")
    )
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
                % {"period": period_words(period)}
            }
        )
    pct = _parse_percent(percent)
    text = (text or "").strip()
    if no_change and not text:
        raise ValidationError({"text": _("Say briefly why nothing changed this period.")})
    if not text:
        raise ValidationError({"text": _("Describe the progress made in this period.")})
    # One read of the task's reports serves every check below, however many
    # the task has: this period's report, the last accepted one before it,
    # and the two latest filed ones of other periods (the formalism rule's
    # likeness), latest first. The task's row lock, taken above, is what
    # every write of its reports waits for.
    reports = _reports_to_check(task, period)
    # Going backwards is allowed, never silently: the office reads why.
    accepted = official_report(task, before=period.start, among=reports)
    lowered = accepted is not None and pct < accepted.percent
    decrease_reason = (decrease_reason or "").strip() if lowered else ""
    if lowered and submit and not decrease_reason:
        assert accepted is not None
        raise ValidationError(
            {
                "decrease_reason": _(
                    "This is lower than the last accepted report (%(percent)s%%, %(period)s): "
                    "say why."
                )
                % {"percent": accepted.percent, "period": period_words(accepted.period_label)}
            }
        )
    checked = attachment_rules.check_all(files, unit=task.lead_unit)

    report = next((r for r in reports if r.period_label == period.label), None)
    conflict = _("This report was changed by someone else; reload the page to see it.")
    if report is None:
        if version != 0:  # they saw a report for this period, and there is none
            raise ConflictError(conflict)
        report = ProgressReport(
            task=task,
            unit=task.lead_unit,
            cadence=task.cadence,
            period_label=period.label,
            period_start=period.start,
            period_end=period.end,
            author=person,
        )
    else:
        if report.state in (ReportState.SUBMITTED, ReportState.ACCEPTED):
            raise ValidationError(
                _("The report for %(period)s has already been submitted.")
                % {"period": period_words(period)}
            )
        if report.version != version:
            raise ConflictError(conflict)
        report.version += 1
    report.text = text
    report.no_change = no_change
    report.percent = pct
    report.value = value
    report.decrease_reason = decrease_reason
    report.author = person
    if submit:
        report.state = ReportState.SUBMITTED
        report.submitted_at = now
        report.first_submitted_at = report.first_submitted_at or now
        report.is_late = report_is_late(period, report.first_submitted_at, task.report_grace_days)
        report.seconds_to_file = filing.counted(seconds_to_file)
    else:
        report.state = ReportState.DRAFT
    # The formalism rule's fact: how alike the latest filed report is to the
    # one before it, worked out with the texts read above.
    latest = None
    if submit:
        filed = sorted(
            [r for r in reports if r.state in FILED and r.pk != report.pk] + [report],
            key=lambda r: r.period_start,
            reverse=True,
        )
        latest = filed[0]
        ratio = likeness.of_latest(filed)
        if latest is report:
            report.likeness = ratio
        elif latest.likeness != ratio:
            ProgressReport.objects.filter(pk=latest.pk).update(likeness=ratio)
    # The percent, the period and the one-report-per-period rule were checked
    # above (and the database enforces them): skip full_clean's lookups of the
    # foreign keys and unique constraints on this, the busiest write.
    report.full_clean(
        exclude=["task", "unit", "author"], validate_unique=False, validate_constraints=False
    )
    try:
        # No savepoint of its own: should the lock not hold and the
        # one-report-per-period constraint refuse the row, the ConflictError
        # leaves this function's transaction, which rolls back whole.
        report.save()
    except IntegrityError:
        raise ConflictError(conflict) from None
    _attach(task, checked, person, report=report)
    if submit:
        record_event(
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
            **(
                {"accepted": str(accepted.percent), "reason": decrease_reason[:500]}
                if lowered and accepted is not None
                else {}
            ),
        )
        # Not the task's progress yet: awaiting review (models.awaiting_review).
    return report


def _reports_to_check(task: Task, period: periods.Period) -> list[ProgressReport]:
    """At most four of ``task``'s reports, latest first (``-period_start,
    -id``): the one for ``period``, the last accepted one of an earlier period
    (``official_report``'s choice) and the two latest filed ones of other
    periods, in one query, written out: built by the ORM, its three parts
    cost more than reading all of a year's reports."""
    table = connection.ops.quote_name(ProgressReport._meta.db_table)
    latest = "ORDER BY period_start DESC, id DESC"
    sql = (
        f"SELECT * FROM {table} WHERE task_id = %s AND (period_label = %s"  # noqa: S608 (the table's name, quoted)
        f" OR id IN (SELECT id FROM {table} WHERE task_id = %s AND state = %s"
        f" AND period_start < %s {latest} LIMIT 1)"
        f" OR id IN (SELECT id FROM {table} WHERE task_id = %s AND state IN (%s, %s)"
        f" AND period_label <> %s {latest} LIMIT 2)) {latest}"
    )
    start = connection.ops.adapt_datefield_value(period.start)
    filed = [state.value for state in FILED]
    params = [task.pk, period.label, task.pk, ReportState.ACCEPTED.value, start]
    return list(ProgressReport.objects.raw(sql, [*params, task.pk, *filed, period.label]))


def report_due_date(period: periods.Period, grace: int) -> dt.date:
    """A period's report is due ``grace`` days after it ends (``Plan.report_grace_days``)."""
    return period.end + dt.timedelta(days=grace)


def report_is_late(period: periods.Period, submitted_at: dt.datetime, grace: int) -> bool:
    return timezone.localdate(submitted_at) > report_due_date(period, grace)


@transaction.atomic
def report_review(
    *,
    actor: Actor,
    report: ProgressReport,
    accept: bool,
    comment: str = "",
    at: dt.datetime | None = None,
) -> ProgressReport:
    report = lock_row(ProgressReport, report.pk, related=("task__lead_unit", "unit"))
    scope_of(actor).require_manage(
        report.task.lead_unit, _("Only the supervision office can review reports.")
    )
    if report.state != ReportState.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be reviewed."))
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ValidationError({"comment": _("Say why the report is returned.")})
    now = at or timezone.now()
    report.state = ReportState.ACCEPTED if accept else ReportState.RETURNED
    report.reviewed_by = person_of(actor)
    report.reviewed_at = now
    report.review_comment = comment
    if not accept:
        report.return_count += 1
    report.version += 1
    report.save()
    task = report.task
    record_event(
        task,
        EventKind.REPORT_ACCEPTED if accept else EventKind.REPORT_RETURNED,
        actor,
        unit=report.unit,
        at=now,
        text=comment,
        period=report.period_label,
        report=report.pk,
    )
    if accept:
        _leaf_recompute(task)  # the official progress, and the roll-up
    else:
        likeness.refresh(task.pk)  # the report before it is the latest again
        # The unit hears of it from the worker, which reads the event above.
    return report


# --- accepting several at once ----------------------------------------------------

# More than a page of the inbox (queries.REVIEW_PAGE) is not what a person ticked.
ACCEPT_MANY_LIMIT = 200


@dataclass
class SkippedReport:
    report: ProgressReport
    reason: str


@dataclass
class AcceptedMany:
    accepted: list[ProgressReport] = field(default_factory=list)
    skipped: list[SkippedReport] = field(default_factory=list)


@transaction.atomic
def reports_accept_many(
    *,
    actor: Actor,
    report_ids: Sequence[int],
    versions: Mapping[int, int],
    at: dt.datetime | None = None,
) -> AcceptedMany:
    """Accept each of ``report_ids``, each by :func:`report_review` (the same
    checks of scope and state), if it is still the version the person saw
    (``versions``: report id -> version).

    An outcome per report, not all-or-nothing: of the reports an office person
    ticked, one decided meanwhile by a colleague, or filed again by the unit
    after a return, is skipped and said why, and the others are accepted (each
    in its own savepoint, so a skipped one leaves nothing half-written). What
    is not a matter of one report refuses the whole batch and writes nothing:
    an actor who may not review, or a report outside their scope.
    """
    scope = scope_of(actor)
    message = _("Only the supervision office can review reports.")
    if not scope.manages:
        raise PermissionDenied(message)
    ids = list(dict.fromkeys(report_ids))
    if not ids:
        raise ValidationError(_("Tick the reports to accept."))
    if len(ids) > ACCEPT_MANY_LIMIT:
        raise ValidationError(
            _("At most %(limit)d reports can be accepted at once.") % {"limit": ACCEPT_MANY_LIMIT}
        )
    found = ProgressReport.objects.select_related("task__lead_unit", "unit").in_bulk(ids)
    if len(found) != len(ids):
        raise ValidationError(_("Some of these reports do not exist."))
    # Every report's scope before any is written: one outside refuses them all.
    scope.require_manage_all((r.task.lead_unit for r in found.values()), message)
    outcome = AcceptedMany()
    now = at or timezone.now()
    for pk in ids:
        report = lock_row(ProgressReport, pk)
        report.unit = found[pk].unit  # for the caller's words, without a query per report
        if report.state != ReportState.SUBMITTED:
            reason = _("it was reviewed meanwhile (%(state)s)") % {
                "state": report.get_state_display()
            }
            outcome.skipped.append(SkippedReport(report, reason))
        elif report.version != versions.get(pk):
            reason = _("it was filed again since you loaded the page")
            outcome.skipped.append(SkippedReport(report, reason))
        else:
            try:
                done = report_review(actor=actor, report=report, accept=True, at=now)
            except ValidationError as error:  # its savepoint is rolled back
                outcome.skipped.append(SkippedReport(report, " ".join(error.messages)))
            else:
                done.unit = report.unit
                outcome.accepted.append(done)
    return outcome
