"""Plans (task trees) and meetings (assignments and how earlier ones stand)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.lib import periods
from duban.lib.ids import parse_id
from duban.org.http import AuthedRequest
from duban.org.paging import unit_rows
from duban.org.scope import scope_of

from . import queries, reporting, services
from .forms import MeetingForm, PlanForm
from .models import Meeting, Task
from .views import _require_office, apply_errors


@login_required
def plan_list(request: AuthedRequest) -> HttpResponse:
    plans = (
        queries.visible_plans(request.user).select_related("owner_unit").order_by("-year", "-id")
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: {"total": 0, "closed": 0, "overdue": 0})
    today = timezone.localdate()
    for plan_id, state, deadline in (
        queries.visible_tasks(request.user)
        .filter(plan__isnull=False, is_parent=False)
        .values_list("plan_id", "state", "deadline")
    ):
        row = counts[plan_id]
        row["total"] += 1
        row["closed"] += state == "closed"
        row["overdue"] += state != "closed" and deadline < today
    rows = [(plan, counts.get(plan.pk)) for plan in plans]
    return render(request, "work/plan_list.html", {"rows": rows})


@login_required
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The plan's tree, a page of top-level tasks at a time with all their
    measures (a province's plan holds a thousand tasks and more)."""
    plan = get_object_or_404(queries.visible_plans(request.user), pk=pk)
    visible = queries.visible_tasks(request.user).filter(plan=plan)
    # The tree's shape from ids alone, in one query whatever its depth.
    skeleton = list(visible.order_by("sort_key", "id").values_list("pk", "parent_id", "section"))
    by_parent: dict[int | None, list[tuple[int, str]]] = defaultdict(list)
    ids = {pk for pk, _parent, _section in skeleton}
    for task_id, parent_id, section in skeleton:
        by_parent[parent_id if parent_id in ids else None].append((task_id, section))
    groups: list[list[tuple[int, int, str]]] = []
    current = ""

    def walk(parent: int, depth: int, into: list[tuple[int, int, str]]) -> None:
        for task_id, _section in by_parent.get(parent, []):
            into.append((task_id, depth, ""))
            walk(task_id, depth + 1, into)

    for task_id, section in by_parent.get(None, []):
        # An imported list's section rows are the plan's group headings: one
        # above the first top-level task of each.
        group = [(task_id, 0, section if section != current else "")]
        current = section
        walk(task_id, 1, group)
        groups.append(group)
    page = Paginator(groups, PLAN_TOPS_PAGE).get_page(request.GET.get("page"))
    shown = [row for group in page.object_list for row in group]
    tasks = visible.filter(pk__in=[task_id for task_id, _depth, _heading in shown]).select_related(
        "lead_unit", "leader"
    )
    loaded = {t.pk: t for t in tasks.prefetch_related("co_units")}
    rows: list[tuple[Task, int]] = []
    for task_id, depth, heading in shown:
        task = loaded[task_id]
        task.heading = heading  # type: ignore[attr-defined]
        rows.append((task, depth))
    return render(
        request,
        "work/plan_detail.html",
        {
            "plan": plan,
            "rows": rows,
            "page": page,
            "tasks_total": len(skeleton),
            "today": timezone.localdate(),
        },
    )


# The plan page: this many top-level tasks a page, each with all its measures.
PLAN_TOPS_PAGE = 25


@login_required
def plan_create(request: AuthedRequest) -> HttpResponse:
    _require_office(request)
    form = PlanForm(request.POST or None, units=queries.visible_units(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Plan created. Add its tasks and measures."))
            return redirect("plan_detail", pk=plan.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "work/simple_form.html", {"form": form, "title": _("New plan")}, status=status
    )


@login_required
def meeting_list(request: AuthedRequest) -> HttpResponse:
    meetings = queries.visible_meetings(request.user).order_by("-date", "-id")
    page = Paginator(meetings, 30).get_page(request.GET.get("page"))
    counts = dict(
        queries.visible_tasks(request.user)
        .filter(meeting__in=[m.pk for m in page.object_list])
        .values_list("meeting_id")
        .annotate(n=_count())
        .values_list("meeting_id", "n")
    )
    for meeting in page.object_list:
        meeting.assignment_count = counts.get(meeting.pk, 0)  # type: ignore[attr-defined]
    return render(request, "work/meeting_list.html", {"page": page})


def _count() -> Any:
    return Count("id")


@login_required
def meeting_create(request: AuthedRequest) -> HttpResponse:
    _require_office(request)
    office = scope_of(request.user).office
    last = (
        Meeting.objects.filter(office=office, kind="weekly", number__isnull=False)
        .order_by("-number")
        .first()
    )
    initial = {
        "date": timezone.localdate(),
        "number": (last.number + 1) if last and last.number else None,
    }
    form = MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Meeting recorded. Assign its tasks."))
            return redirect("meeting_detail", pk=meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "work/simple_form.html", {"form": form, "title": _("New meeting")}, status=status
    )


@login_required
def reporting_status(request: AuthedRequest) -> HttpResponse:
    """Who filed this period's reports, who filed late, who has not (报送情况)."""
    today = timezone.localdate()
    cadence = request.GET.get("cadence", periods.WEEKLY)
    if cadence not in periods.CADENCES:
        cadence = periods.WEEKLY
    # By default the last period whose due date has passed.
    default = periods.period_containing(today, cadence).previous()
    try:
        period = periods.period_from_label(request.GET.get("period", "") or default.label)
    except ValueError:
        period = default
    status = reporting.period_status(request.user, period, today)
    rows = unit_rows(request, status.rows, unit_of=lambda row: row.unit_id)
    reporting.with_units(rows.rows)
    unit_id = parse_id(request.GET.get("unit"))
    chosen = next((r for r in status.rows if r.unit_id == unit_id), None)
    missing = (
        reporting.not_filed_tasks(request.user, period, unit_id) if unit_id is not None else None
    )
    return render(
        request,
        "work/reporting_status.html",
        {
            "status": status,
            "rows": rows,
            "period": period,
            "previous": period.previous(),
            "next": period.next() if period.next().start <= today else None,
            "other_cadences": [c for c in periods.CADENCES if c != period.cadence],
            "missing": missing,
            "missing_unit": reporting.with_units([chosen])[0].unit if chosen else None,
            "today": today,
        },
    )
