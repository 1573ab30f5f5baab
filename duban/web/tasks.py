"""The pages that show tasks with their lights and warnings: the task list,
a meeting's tasks, and the task page with every action taken on it that shows
the page again with the typed input kept when it is refused. They compose the
work (tasks, reports, requests) and the supervision record (warnings, notices,
appeals), so they sit above both.

Views stay thin: fetch through a scoped query (404 when out of scope), call
one service (which checks who may act), redirect.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.lib.lookups import mentions
from duban.org.http import AuthedRequest
from duban.org.models import Membership
from duban.org.paging import search_text
from duban.supervision import services as supervision_services
from duban.supervision.forms import AppealForm, NoticeAnswerForm, NoticeForm
from duban.supervision.models import SupervisionNotice, TaskWarning
from duban.supervision.queries import with_warning_level
from duban.work import queries, services
from duban.work.forms import (
    CloseRequestForm,
    DeadlineRequestForm,
    DecisionForm,
    InstructionForm,
    MilestoneForm,
    ReportForm,
    ReviewForm,
    parent_choices,
)
from duban.work.models import ReportState, Task, TaskEvent, awaiting_review
from duban.work.permissions import can_act_for_task, can_instruct, can_manage
from duban.work.views import apply_errors, get_task, task_filters
from duban.work.words import period_words


@login_required
def task_list(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    form, filters = task_filters(request)
    tasks = with_warning_level(queries.task_list(request.user, filters, today))
    page = queries.task_page(tasks, request.GET.get("page"))
    for task in page.object_list:
        task.missing = queries.missing_count(task, today)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "work/task_list.html",
        {"form": form, "page": page, "today": today, "query": query.urlencode()},
    )


@login_required
def meeting_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(queries.visible_meetings(request.user), pk=pk)
    today = timezone.localdate()
    standing = queries.meeting_standing(meeting, request.user, today)
    # The task table shows each task's plan, meeting and missing reports: read
    # them the way the task list does, in a fixed number of queries.
    filters = queries.TaskFilters(meeting=meeting.pk, include_closed=True)
    assignments = list(with_warning_level(queries.task_list(request.user, filters, today)))
    for task in assignments:
        task.missing = queries.missing_count(task, today)  # type: ignore[attr-defined]
    return render(
        request,
        "work/meeting_detail.html",
        {
            "meeting": meeting,
            "standing": standing,
            "summary": standing.summary,
            "assignments": assignments,
            "today": today,
        },
    )


def page_context(request: AuthedRequest, task: Task, **forms: Any) -> dict[str, Any]:
    """Everything the task page shows; ``forms``: a bound form with its errors
    (``deadline_form=…``) after a refused action, so what was typed is kept, and
    the same form as ``refused``, whose reasons the page says first."""
    today = timezone.localdate()
    user = request.user
    calendar = queries.report_calendar(task, today)
    period_choices = [
        (row.period.label, period_words(row.period))
        for row in calendar
        if row.report is None or row.report.state in (ReportState.DRAFT, ReportState.RETURNED)
    ]
    children = list(
        task.children.select_related("lead_unit")
        .annotate(awaiting=awaiting_review())
        .order_by("sort_key", "id")
    )
    # The timeline names each actor's own unit (or role): their memberships
    # come in one query for all the events (duban.org.models.Person.own_unit).
    events = list(
        TaskEvent.objects.filter(task=task)
        .select_related("actor", "unit")
        .prefetch_related(
            Prefetch("actor__memberships", queryset=Membership.objects.select_related("unit"))
        )
        .order_by("-at", "-id")
    )
    # The official progress is the last accepted report's; the latest report
    # waiting for review is shown beside it (the calendar is newest first).
    awaiting = next(
        (r.report for r in calendar if r.report and r.report.state == ReportState.SUBMITTED),
        None,
    )
    context: dict[str, Any] = {
        "task": task,
        "today": today,
        "co_units": list(task.co_units.all()),
        "children": children,
        "ancestors": _ancestors(task),
        "calendar": calendar,
        "deadline_changes": list(
            task.deadline_changes.select_related("requested_by", "decided_by")
        ),
        "close_requests": list(
            task.close_requests.select_related("requested_by", "decided_by").prefetch_related(
                "attachments"
            )
        ),
        "instructions": list(task.instructions.select_related("leader")),
        "warnings": list(
            task.warnings.filter(cleared_at__isnull=True, withdrawn_at__isnull=True)
            .prefetch_related("appeals")
            .order_by("-level")
        ),
        "appeal_form": forms.get("appeal_form") or AppealForm(),
        "notices": list(task.notices.select_related("issued_by", "answered_by")),
        "notice_form": forms.get("notice_form") or NoticeForm(),
        "answer_form": forms.get("answer_form") or NoticeAnswerForm(),
        "past_warnings": list(
            task.warnings.filter(Q(cleared_at__isnull=False) | Q(withdrawn_at__isnull=False))
            .prefetch_related("appeals")
            .order_by("-raised_at")[:20]
        ),
        "events": events,
        "awaiting": awaiting,
        # What closing records unless the office sets 100 % (close_request_decide).
        "last_reported": next((r.report for r in calendar if r.report and r.report.counts), None),
        "can_act": can_act_for_task(user, task),
        "can_manage": can_manage(user),
        "can_instruct": can_instruct(user),
        "missing": queries.missing_count(task, today),
        "report_form": forms.get("report_form")
        or (ReportForm(periods=period_choices) if period_choices else None),
        "deadline_form": forms.get("deadline_form") or DeadlineRequestForm(),
        "close_form": forms.get("close_form") or CloseRequestForm(),
        "instruction_form": forms.get("instruction_form") or InstructionForm(),
        "milestone_form": forms.get("milestone_form") or MilestoneForm(),
        "milestones": list(task.milestones.all()),
        "review_form": ReviewForm(),
        "decision_form": DecisionForm(),
        # The refused action's reasons, at the top: its form may be one the page
        # does not show (the notice already answered, the person not the one to act).
        "refused": forms.get("refused"),
    }
    # The light in the page title follows the active warnings, as in the lists.
    task.warning_level = max((w.level for w in context["warnings"]), default=None)  # type: ignore[attr-defined]
    return context


def _ancestors(task: Task) -> list[Task]:
    chain = []
    node = task.parent
    while node is not None:
        chain.append(node)
        node = node.parent
    return list(reversed(chain))


@login_required
def task_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    return render(request, "work/task_detail.html", page_context(request, task))


def _act(
    request: AuthedRequest,
    task: Task,
    form: Any,
    slot: str,
    call: Callable[[dict[str, Any]], Any],
    done: str | Callable[[Any], str],
) -> HttpResponse:
    """One action of the task page: the form's data to one service call, then
    back to the task page with ``done`` said; a refusal (the form's or the
    service's) shows the page again, the typed input kept in its ``slot``."""
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, done(result) if callable(done) else done)
            return redirect("task_detail", pk=task.pk)
    context = page_context(request, task, **{slot: form, "refused": form})
    return render(request, "work/task_detail.html", context, status=400)


@login_required
@require_POST
def deadline_request(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    return _act(
        request,
        task,
        DeadlineRequestForm(request.POST),
        "deadline_form",
        lambda data: services.deadline_change_request(actor=request.user, task=task, **data),
        _("Your request for a new deadline was sent to the office."),
    )


@login_required
@require_POST
def close_request(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    return _act(
        request,
        task,
        CloseRequestForm(request.POST, request.FILES),
        "close_form",
        lambda data: services.close_request_create(
            actor=request.user, task=task, summary=data["summary"], files=data["attachments"]
        ),
        _("Your request to close the task was sent to the office."),
    )


@login_required
@require_POST
def instruction_create(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    if not can_instruct(request.user):
        raise PermissionDenied(_("Only a leader can write an instruction."))
    return _act(
        request,
        task,
        InstructionForm(request.POST),
        "instruction_form",
        lambda data: services.instruction_create(actor=request.user, task=task, text=data["text"]),
        _("Instruction recorded; the lead unit sees it in its inbox."),
    )


@login_required
@require_POST
def milestone_add(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    if not can_manage(request.user):
        raise PermissionDenied(_("Only the supervision office can set milestones."))
    return _act(
        request,
        task,
        MilestoneForm(request.POST),
        "milestone_form",
        lambda data: services.milestone_set(actor=request.user, task=task, **data),
        _("Milestone saved; the next scan measures the task by it."),
    )


@login_required
@require_POST
def notice_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    task = get_task(request, pk)
    return _act(
        request,
        task,
        NoticeForm(request.POST),
        "notice_form",
        lambda data: supervision_services.notice_issue(actor=request.user, task=task, **data),
        lambda notice: (
            _("%(notice)s issued to %(unit)s.") % {"notice": notice, "unit": notice.unit}
        ),
    )


@login_required
@require_POST
def notice_answer(request: AuthedRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(
        SupervisionNotice.objects.filter(task__in=queries.visible_tasks(request.user)), pk=pk
    )
    return _act(
        request,
        notice.task,
        NoticeAnswerForm(request.POST),
        "answer_form",
        lambda data: supervision_services.notice_answer(
            actor=request.user, notice=notice, answer=data["answer"]
        ),
        _("Your answer was sent to the office."),
    )


@login_required
@require_POST
def appeal_file(request: AuthedRequest, pk: int) -> HttpResponse:
    warning = get_object_or_404(
        TaskWarning.objects.filter(task__in=queries.visible_tasks(request.user)), pk=pk
    )
    return _act(
        request,
        warning.task,
        AppealForm(request.POST),
        "appeal_form",
        lambda data: supervision_services.appeal_file(
            actor=request.user, warning=warning, reason=data["reason"]
        ),
        _("Your appeal was sent to the office."),
    )


# What the task chooser's search box is offered at most (duban/picker.js).
PICK_LIMIT = 30


@login_required
def task_pick(request: AuthedRequest) -> JsonResponse:
    """The tasks a new measure may go under (``forms.parent_choices`` of the
    person's), whose serial starts with, or title holds, what was typed: the
    latest made first, at most ``PICK_LIMIT``, for the parent chooser's search
    box (duban/picker.js)."""
    text = search_text(request)
    tasks = parent_choices(queries.visible_tasks(request.user))
    if text:
        tasks = tasks.filter(Q(serial__istartswith=text) | mentions(text, "title", "title_en"))
    found = list(tasks.select_related("plan").order_by("-id")[: PICK_LIMIT + 1])
    return JsonResponse(
        {
            "items": [
                {"id": t.pk, "name": str(t), "within": str(t.plan) if t.plan else ""}
                for t in found[:PICK_LIMIT]
            ],
            "more": len(found) > PICK_LIMIT,
        }
    )
