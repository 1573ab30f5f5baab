"""Task pages: inbox, lists, the task page and the actions taken on it.

Views stay thin: fetch through a scoped query (404 when out of scope), check
the role (403 with a reason), call one service, redirect. A service's
ValidationError re-renders the page with the typed input kept.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.http import require_POST

from duban.lib.ids import parse_id
from duban.org.http import AuthedRequest, download, id_or_404, next_or

from . import filing, queries, services
from .attachments import SHOWN_INLINE
from .forms import (
    CloseDecisionForm,
    DecisionForm,
    ReportForm,
    ReviewForm,
    TaskFilterForm,
    TaskForm,
)
from .models import (
    Attachment,
    CloseRequest,
    DeadlineChange,
    Instruction,
    Milestone,
    ProgressReport,
    ReportState,
    Task,
)
from .permissions import can_act_for_task, can_manage
from .words import period_words

TASK_PAGE_RELATED = ("lead_unit", "leader", "plan", "meeting", "parent", "claimed_by")


def get_task(request: AuthedRequest, pk: int, related: tuple[str, ...] = TASK_PAGE_RELATED) -> Task:
    """The task if the person may see it, else 404. ``related``: what the page shows
    (compiling a six-table join costs more CPU than the query itself)."""
    return get_object_or_404(queries.visible_tasks(request.user).select_related(*related), pk=pk)


def _back(request: AuthedRequest, default: str) -> HttpResponse:
    """Redirect to ``next`` when it is a path on this site, else to ``default``."""
    # Not redirect(): it would try a ``next`` of "tasks" as the name of a URL.
    return HttpResponseRedirect(next_or(request, default))


def _task_choices(request: AuthedRequest) -> dict[str, Any]:
    """What a task form offers: the units, tasks and plans of the person's scope."""
    return {
        "units": queries.visible_units(request.user),
        "tasks": queries.visible_tasks(request.user),
        "plans": queries.office_plans(request.user),
    }


def _require_office(request: AuthedRequest) -> None:
    if not can_manage(request.user):
        raise PermissionDenied(_("Only the supervision office can do this."))


def apply_errors(form: Any, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, by field where it names one."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for e in errors:
                form.add_error(target, e)
    else:
        for message in error.messages:
            form.add_error(None, message)


def task_filters(request: AuthedRequest) -> tuple[Any, queries.TaskFilters]:
    """The task list's filters from the query string (the list and its export share them)."""
    form = TaskFilterForm(
        request.GET or None,
        units=queries.visible_units(request.user),
        plans=queries.visible_plans(request.user),
        meetings=queries.visible_meetings(request.user),
    )
    filters = queries.TaskFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = queries.TaskFilters(
            plan=data["plan"].pk if data["plan"] else None,
            unit=data["unit"].pk if data["unit"] else None,
            leader=data["leader"].pk if data["leader"] else None,
            state=data["state"] or "",
            meeting=data["meeting"].pk if data["meeting"] else None,
            due=data["due"] or "",
            q=data["q"] or "",
            sort=data["sort"] or "serial",
            include_closed=data["closed"],
        )
    return form, filters


@login_required
def task_create(request: AuthedRequest) -> HttpResponse:
    _require_office(request)
    initial: dict[str, Any] = {"start_date": timezone.localdate()}
    meeting = None
    if request.GET.get("meeting"):
        meeting = get_object_or_404(
            queries.visible_meetings(request.user), pk=id_or_404(request.GET["meeting"])
        )
        initial["source"] = "meeting"
        initial["start_date"] = meeting.date
    if plan := parse_id(request.GET.get("plan")):  # a suggestion: a bad one is ignored
        initial["plan"] = plan
    if request.GET.get("parent"):
        parent = get_object_or_404(
            queries.visible_tasks(request.user), pk=id_or_404(request.GET["parent"])
        )
        initial.update(
            parent=parent.pk,
            plan=parent.plan_id,
            lead_unit=parent.lead_unit_id,
            leader=parent.leader_id,
            cadence=parent.cadence,
        )
    form = TaskForm(request.POST or None, initial=initial, **_task_choices(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            task = services.task_create(
                actor=request.user,
                meeting=meeting,
                plan=data["plan"],
                parent=data["parent"],
                serial=data["serial"],
                title=data["title"],
                title_en=data["title_en"],
                description=data["description"],
                source=data["source"],
                lead_unit=data["lead_unit"],
                co_units=data["co_units"],
                leader=data["leader"],
                start_date=data["start_date"],
                deadline=data["deadline"],
                cadence=data["cadence"],
                metric=data["metric"],
                metric_unit=data["metric_unit"],
                target_value=data["target_value"],
                weight=data["weight"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Task assigned to %(unit)s.") % {"unit": task.lead_unit})
            if meeting:
                return redirect("meeting_detail", pk=meeting.pk)
            return redirect("task_detail", pk=task.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "work/task_form.html", {"form": form, "meeting": meeting}, status=status)


@login_required
def task_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_office(request)
    task = get_task(request, pk)
    form = TaskForm(request.POST or None, instance=task, editing=True, **_task_choices(request))
    conflict = False
    if request.method == "POST":
        # Validate against a fresh copy so the form never mutates ``task``.
        if form.is_valid():
            data = form.cleaned_data
            changes = {name: data[name] for name in services.EDITABLE_FIELDS if name in data}
            try:
                services.task_update(
                    actor=request.user,
                    task=task,
                    version=data.get("version") or 0,
                    co_units=list(data["co_units"]),
                    **changes,
                )
            except services.ConflictError as error:
                conflict = True
                apply_errors(form, error)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Task saved."))
                return redirect("task_detail", pk=task.pk)
    status = 409 if conflict else (400 if request.method == "POST" else 200)
    return render(
        request,
        "work/task_form.html",
        {"form": form, "task": task, "conflict": conflict},
        status=status,
    )


@login_required
@require_POST
def task_claim(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    try:
        services.task_claim(actor=request.user, task=task)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Task claimed."))
    return _back(request, f"/tasks/{task.pk}/")


def _report_form_state(
    request: AuthedRequest, task: Task, today: Any, reports: list[ProgressReport]
) -> tuple[list[tuple[str, str]], ProgressReport | None, ProgressReport | None]:
    """The report form's periods (those without a report, or with a draft or a
    returned one; all of them when ``reports`` is not read), the report for the
    chosen period and the last one that counts."""
    by_label = {r.period_label: r for r in reports}
    choices = [
        (p.label, period_words(p))
        for p in reversed(services.report_period_choices(task, today))
        if p.label not in by_label
        or by_label[p.label].state in (ReportState.DRAFT, ReportState.RETURNED)
    ]
    existing = by_label.get(choices_label(request, choices))
    last = next((r for r in reports if r.counts), None)
    return choices, existing, last


def choices_label(request: AuthedRequest, choices: list[tuple[str, str]]) -> str:
    """The period the report form is for: the one asked for, else the latest open."""
    return (
        request.POST.get("period")
        or request.GET.get("period")
        or (choices[0][0] if choices else "")
    )


@login_required
def report_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """File (or save as draft) the report for one period.

    The busiest write path. A submission goes straight to the service, which
    reads the task once, under its lock, with its reports, and checks
    everything. The page reads the task and its reports itself only to show
    the form: at first, or again with what was typed and why it was refused.
    """
    today = timezone.localdate()
    form: ReportForm | None = None
    conflict = False
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, periods=None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = services.report_save(
                    actor=request.user,
                    task=pk,
                    period_label=data["period"],
                    text=data["text"],
                    percent=data["percent"],
                    value=data["value"],
                    no_change=data["no_change"],
                    decrease_reason=data["decrease_reason"],
                    submit="submit" in request.POST,
                    files=data["attachments"],
                    version=data.get("version") or 0,
                    seconds_to_file=filing.seconds_to_file(
                        data["opened"], person=request.user, task_id=pk
                    ),
                )
            except Task.DoesNotExist:
                raise Http404 from None
            except ValidationError as error:
                conflict = isinstance(error, services.ConflictError)
                apply_errors(form, error)
            else:
                if report.state == ReportState.SUBMITTED:
                    messages.success(
                        request,
                        _("Report for %(period)s submitted.")
                        % {"period": period_words(report.period_label)},
                    )
                    return redirect("task_detail", pk=pk)
                messages.success(request, _("Draft saved."))
                return redirect(f"{request.path}?period={report.period_label}")
    task = get_task(request, pk, related=("lead_unit",))
    if not can_act_for_task(request.user, task):
        raise PermissionDenied(_("Only a liaison of the lead unit can report on this task."))
    # One query for the task's reports serves the open periods, the report
    # being edited and the last one filed.
    reports = list(task.reports.order_by("-period_start"))
    choices, existing, last = _report_form_state(request, task, today, reports)
    if form is None:
        # The version the person sees, 0 for a period without a report: a save
        # from this page is checked against it, a new report's first save too.
        # The form's opening, signed: on submission, the time the report took to file.
        initial: dict[str, Any] = {
            "period": choices_label(request, choices),
            "version": 0,
            "opened": filing.opened_stamp(person=request.user, task_id=task.pk),
        }
        if existing:
            initial.update(
                text=existing.text,
                percent=existing.percent,
                value=existing.value,
                no_change=existing.no_change,
                version=existing.version,
            )
        elif last:
            # A new report starts from the last one: less typing for the unit.
            initial.update(percent=last.percent, value=last.value)
        form = ReportForm(periods=choices, initial=initial)
    else:
        form.offer(choices)
    status = 409 if conflict else (400 if request.method == "POST" else 200)
    return render(
        request,
        "work/report_form.html",
        {
            "task": task,
            "form": form,
            "existing": existing,
            "last": last,
            "max_upload": settings.DUBAN_MAX_UPLOAD_BYTES,
            "max_files": settings.DUBAN_MAX_UPLOAD_FILES,
        },
        status=status,
    )


@login_required
@require_POST
def report_review(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_office(request)
    report = get_object_or_404(
        ProgressReport.objects.filter(task__in=queries.visible_tasks(request.user)), pk=pk
    )
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.report_review(
                actor=request.user,
                report=report,
                accept=form.cleaned_data["decision"] == "accept",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            words = {"unit": report.unit.display_short, "period": _period_words(report)}
            if form.cleaned_data["decision"] == "accept":
                messages.success(request, _("Accepted %(unit)s's report for %(period)s.") % words)
            else:
                messages.success(request, _("Returned %(unit)s's report for %(period)s.") % words)
    else:
        messages.error(request, _("Choose accept or return."))
    return _back(request, f"/tasks/{report.task_id}/")


def _period_words(report: ProgressReport) -> str:
    return period_words(report.period_label)


def _report_list(reports: list[Any]) -> str:
    """``经发部 第48周（11月23日—29日）、招商局 2026年11月``: the reports a banner names."""
    return pgettext("between the items of a list", "; ").join(
        f"{r.unit.display_short} {_period_words(r)}" for r in reports
    )


@login_required
@require_POST
def reports_accept_many(request: AuthedRequest) -> HttpResponse:
    """Accept the reports ticked in the office's inbox (``report``, each with the
    ``version-<id>`` the page showed): those decided or filed again meanwhile
    are skipped and named, the others accepted (services.reports_accept_many).
    An id outside the person's scope is a 404 and nothing is accepted."""
    _require_office(request)
    ids = [id_or_404(raw) for raw in request.POST.getlist("report")]
    versions: dict[int, int] = {}
    for pk in ids:
        seen = parse_id(request.POST.get(f"version-{pk}", ""))
        if seen is not None:
            versions[pk] = seen
    visible = ProgressReport.objects.filter(task__in=queries.visible_tasks(request.user))
    if visible.filter(pk__in=ids).count() != len(set(ids)):
        raise Http404(_("This link names nothing that exists."))
    back = next_or(request, "/inbox/#to-review")
    try:
        outcome = services.reports_accept_many(
            actor=request.user, report_ids=ids, versions=versions
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(back)
    if outcome.accepted:
        count = len(outcome.accepted)
        messages.success(
            request,
            ngettext(
                "Accepted %(count)d report: %(reports)s.",
                "Accepted %(count)d reports: %(reports)s.",
                count,
            )
            % {"count": count, "reports": _report_list(outcome.accepted)},
        )
    for skipped in outcome.skipped:
        messages.warning(
            request,
            _("Skipped %(unit)s's report for %(period)s: %(reason)s.")
            % {
                "unit": skipped.report.unit.display_short,
                "period": _period_words(skipped.report),
                "reason": skipped.reason,
            },
        )
    return HttpResponseRedirect(back)


@login_required
@require_POST
def deadline_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_office(request)
    change = get_object_or_404(
        DeadlineChange.objects.filter(task__in=queries.visible_tasks(request.user)), pk=pk
    )
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.deadline_change_decide(
                actor=request.user,
                change=change,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Decision saved."))
    return _back(request, f"/tasks/{change.task_id}/")


@login_required
@require_POST
def close_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    _require_office(request)
    close = get_object_or_404(
        CloseRequest.objects.filter(task__in=queries.visible_tasks(request.user)), pk=pk
    )
    form = CloseDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.close_request_decide(
                actor=request.user,
                request=close,
                accept=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
                set_complete=form.cleaned_data["set_complete"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Decision saved."))
    return _back(request, f"/tasks/{close.task_id}/")


@login_required
@require_POST
def instruction_read(request: AuthedRequest, pk: int) -> HttpResponse:
    instruction = get_object_or_404(
        Instruction.objects.filter(task__in=queries.visible_tasks(request.user)), pk=pk
    )
    services.instruction_mark_read(actor=request.user, instruction=instruction)
    return _back(request, f"/tasks/{instruction.task_id}/")


def _hand_out(request: AuthedRequest, pk: int, *, show: bool) -> HttpResponseBase:
    attachment = get_object_or_404(
        Attachment.objects.filter(task__in=queries.visible_tasks(request.user)), pk=pk
    )
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404(_("This file is no longer stored.")) from None
    return download(
        request,
        handle,
        name=attachment.original_name,
        content_type=attachment.content_type,
        action="attachment.downloaded",
        target=attachment,
        # The type the upload was checked as (work.attachments.ALLOWED), never
        # what a browser would guess from the content.
        inline=show and attachment.content_type in SHOWN_INLINE,
        task=attachment.task_id,
        size=attachment.size,
    )


@login_required
def attachment_download(request: AuthedRequest, pk: int) -> HttpResponseBase:
    # Saved, never shown in a tab of this site, whatever its type (a PDF or an
    # image too): see duban.org.http.download.
    return _hand_out(request, pk, show=False)


@login_required
def attachment_view(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """A PDF or an image opened in the browser's own viewer (a new tab from the
    inbox), still sandboxed and recorded; any other type is saved, as by
    attachment_download."""
    return _hand_out(request, pk, show=True)


@login_required
@require_POST
def milestone_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    milestone = get_object_or_404(
        Milestone.objects.filter(task__in=queries.visible_tasks(request.user)), pk=pk
    )
    if not can_manage(request.user):
        raise PermissionDenied(_("Only the supervision office can set milestones."))
    services.milestone_delete(actor=request.user, milestone=milestone)
    return redirect("task_detail", pk=milestone.task_id)
