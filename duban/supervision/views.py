"""The warning board: every active warning the person may see, why, since when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.lib import periods
from duban.org.http import AuthedRequest
from duban.org.models import Unit
from duban.org.paging import page_of, unit_rows
from duban.work.queries import office_plans, visible_plans, visible_q, visible_tasks, visible_units
from duban.work.views import apply_errors

from . import history, services
from .forms import (
    BoardFilterForm,
    PlanWarningSettingsForm,
)
from .models import Level, TaskWarning, WarningAppeal
from .queries import active_warnings


def _weekly_trend(person: Any, weeks: int) -> list[dict[str, Any]]:
    """Warnings standing at the end of each of the last ``weeks`` ISO weeks, red
    and yellow, at the level each had then (``supervision.history``, the reader
    the cockpit's "as of" uses too), in one aggregate query."""
    today = timezone.localdate()
    ends = []
    period = periods.period_containing(today, periods.WEEKLY)
    for _i in range(weeks):
        ends.append(period)
        period = period.previous()
    ends.reverse()
    aggregates = {}
    levels = {}
    for i, week in enumerate(ends):
        moment = min(
            timezone.now(),
            dt.datetime.combine(
                week.end + dt.timedelta(days=1), dt.time(), tzinfo=timezone.get_current_timezone()
            ),
        )
        active = history.standing_at(moment)
        levels[f"then{i}"] = history.level_at(moment)
        aggregates[f"red{i}"] = Count("id", filter=active & Q(**{f"then{i}": Level.RED}))
        aggregates[f"yellow{i}"] = Count(
            "id", filter=active & Q(**{f"then{i}__in": [Level.YELLOW, Level.NOTICE]})
        )
    counts = (
        TaskWarning.objects.filter(visible_q(person)).annotate(**levels).aggregate(**aggregates)
    )
    peak = max([counts[k] for k in counts] + [1])
    return [
        {
            "week": week.label,
            "red": counts[f"red{i}"],
            "yellow": counts[f"yellow{i}"],
            "red_pct": round(100 * counts[f"red{i}"] / peak),
            "yellow_pct": round(100 * counts[f"yellow{i}"] / peak),
        }
        for i, week in enumerate(ends)
    ]


def board_warnings(request: AuthedRequest) -> tuple[BoardFilterForm, Any]:
    """The active warnings the person may see, filtered as the query string says."""
    form = BoardFilterForm(
        request.GET or None, units=visible_units(request.user), plans=visible_plans(request.user)
    )
    warnings = active_warnings(request.user)
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
    return form, warnings


# The board's "by unit" card: this many units a page, the most red first.
BY_UNIT_SHOWN = 20


@login_required
def warning_board(request: AuthedRequest) -> HttpResponse:
    form, warnings = board_warnings(request)
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
    # Every unit with a warning is counted; a page of them is shown, the most red first.
    counted = list(by_unit_rows)
    shown = unit_rows(
        request,
        counted,
        lambda row: row["unit"],
        per_page=BY_UNIT_SHOWN,
        param="units_page",
    )
    names = Unit.objects.in_bulk([row["unit"] for row in shown.rows])
    by_unit = [{**row, "unit": names[row["unit"]]} for row in shown.rows]
    trend = _weekly_trend(request.user, weeks=8)
    page = page_of(
        warnings.select_related("task", "task__lead_unit", "task__leader").order_by(
            "-level", "raised_at", "id"
        ),
        request.GET.get("page"),
        50,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/board.html",
        {
            "form": form,
            "page": page,
            "by_unit": by_unit,
            "by_unit_page": shown,
            "today": timezone.localdate(),
            "query": query.urlencode(),
            "trend": trend,
        },
    )


@login_required
@require_POST
def appeal_decide(request: AuthedRequest, pk: int) -> HttpResponse:
    appeal = get_object_or_404(
        WarningAppeal.objects.filter(warning__task__in=visible_tasks(request.user)), pk=pk
    )
    decision = request.POST.get("decision")
    if decision not in ("withdraw", "uphold"):
        messages.error(request, _("Choose to withdraw the warning or to uphold it."))
    else:
        try:
            services.appeal_decide(
                actor=request.user,
                appeal=appeal,
                withdraw=decision == "withdraw",
                comment=request.POST.get("comment", ""),
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Decision saved."))
    return redirect("task_detail", pk=appeal.warning.task_id)


@login_required
def plan_warning_settings(request: AuthedRequest, pk: int) -> HttpResponse:
    if not request.user.is_office:
        raise PermissionDenied(_("Only the supervision office can change warning settings."))
    plan = get_object_or_404(office_plans(request.user), pk=pk)
    form = PlanWarningSettingsForm(
        request.POST or None, initial=PlanWarningSettingsForm.initial_for(plan.warning_settings)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.plan_warning_settings_update(
                actor=request.user, plan=plan, settings=form.settings()
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Warning settings saved; the next scan applies them."))
            return redirect("plan_detail", pk=plan.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "work/simple_form.html",
        {"form": form, "title": _("Warning settings: %(plan)s") % {"plan": plan}},
        status=status,
    )
