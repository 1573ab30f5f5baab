"""The warning board: every active warning the person may see, why, since when."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from duban.org.http import AuthedRequest
from duban.org.models import Unit
from duban.work.queries import visible_tasks, visible_units

from .forms import BoardFilterForm
from .models import Level, TaskWarning


@login_required
def warning_board(request: AuthedRequest) -> HttpResponse:
    form = BoardFilterForm(request.GET or None, units=visible_units(request.user))
    warnings = TaskWarning.objects.filter(
        cleared_at__isnull=True, task__in=visible_tasks(request.user)
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["level"]:
            warnings = warnings.filter(level=int(data["level"]))
        if data["rule"]:
            warnings = warnings.filter(rule=data["rule"])
        if data["unit"]:
            warnings = warnings.filter(unit=data["unit"])
        if data["leader"]:
            warnings = warnings.filter(task__leader=data["leader"])
        if data["plan"]:
            warnings = warnings.filter(task__plan=data["plan"])
    by_unit_rows = (
        warnings.values("unit")
        .annotate(
            total=Count("id"),
            red=Count("id", filter=Q(level=Level.RED)),
            yellow=Count("id", filter=Q(level__in=[Level.YELLOW, Level.NOTICE])),
            reminder=Count("id", filter=Q(level=Level.REMINDER)),
        )
        .order_by("-red", "-yellow", "-total")
    )
    names = Unit.objects.in_bulk([row["unit"] for row in by_unit_rows])
    by_unit = [{**row, "unit": names[row["unit"]]} for row in by_unit_rows]
    page = Paginator(
        warnings.select_related("task", "task__lead_unit", "task__leader").order_by(
            "-level", "raised_at", "id"
        ),
        50,
    ).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/board.html",
        {
            "form": form,
            "page": page,
            "by_unit": by_unit,
            "today": timezone.localdate(),
            "query": query.urlencode(),
        },
    )
