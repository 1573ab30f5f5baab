"""Project pages: the library (list with filters), a project's whole story,
keeping it, stage moves, investment plan and monthly reports, problems."""

from __future__ import annotations

import calendar
import datetime as dt
import uuid
from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q, Sum
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from duban.lib import cohorts, investment, periods
from duban.lib.ids import parse_id
from duban.lib.lookups import mentions
from duban.org.http import AuthedRequest, download
from duban.org.paging import unit_page
from duban.org.scope import scope_of
from duban.work.attachments import ALLOWED
from duban.work.queries import visible_meetings
from duban.work.services import ConflictError
from duban.work.views import apply_errors

from . import batches, explain, indicators, services
from . import importer as project_importer
from .forms import (
    ActualForm,
    BatchEntryForm,
    BatchEventForm,
    IndicatorForm,
    InvestmentPlanForm,
    InvestmentReportForm,
    ProblemForm,
    ProjectFilterForm,
    ProjectForm,
    StageMoveForm,
    TargetForm,
)
from .models import (
    BatchEntry,
    InvestmentReport,
    Project,
    ReportState,
    Stage,
    StageMove,
)
from .queries import (
    can_report_for,
    visible_events,
    visible_indicators,
    visible_projects,
    visible_targets,
)


def _desk(request: AuthedRequest) -> None:
    if not request.user.is_office:
        raise PermissionDenied(_(services.DESK_ONLY))


def filtered_projects(request: AuthedRequest) -> tuple[ProjectFilterForm, Any]:
    form = ProjectFilterForm(request.GET or None, units=scope_of(request.user).units())
    projects = visible_projects(request.user).select_related(
        "industry", "unit", "park", "district", "leader"
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            projects = projects.filter(mentions(q, "name", "code", "investor"))
        for name in ("stage", "level"):
            if data[name]:
                projects = projects.filter(**{name: data[name]})
        for name in ("industry", "park", "district"):
            if data[name]:
                projects = projects.filter(**{name: data[name]})
    return form, projects


@login_required
def project_list(request: AuthedRequest) -> HttpResponse:
    form, projects = filtered_projects(request)
    year = timezone.localdate().year
    totals = projects.aggregate(n=Sum("total_investment"))
    funnel = {stage: 0 for stage in Stage.values}
    for stage, n in (
        projects.order_by().values("stage").annotate(n=Count("id")).values_list("stage", "n")
    ):
        funnel[stage] = n
    page = Paginator(
        projects.annotate(
            light=Max("warnings__level", filter=Q(warnings__cleared_at__isnull=True))
        ).order_by("code"),
        50,
    ).get_page(request.GET.get("page"))
    completed = dict(
        InvestmentReport.objects.filter(project__in=[p.pk for p in page.object_list], year=year)
        .exclude(state=ReportState.RETURNED)
        .values("project")
        .annotate(s=Sum("amount"))
        .values_list("project", "s")
    )
    for project in page.object_list:
        project.completed = completed.get(project.pk)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "projects/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "total": totals["n"],
            "funnel": [(Stage(s).label, s, funnel[s]) for s in Stage.values],
            "year": year,
        },
    )


@login_required
def project_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(
        visible_projects(request.user).select_related(
            "industry", "unit", "park", "district", "leader"
        ),
        pk=pk,
    )
    today = timezone.localdate()
    reports = list(project.reports.select_related("author").order_by("-year", "-month"))
    plans = list(project.plans.all())
    problems = list(project.problems.select_related("task", "task__lead_unit"))
    return render(
        request,
        "projects/detail.html",
        {
            "project": project,
            "moves": project.moves.select_related("actor"),
            "plans": plans,
            "reports": reports,
            "problems": problems,
            "warnings": [
                w
                for p in problems
                for w in p.task.warnings.filter(cleared_at__isnull=True, withdrawn_at__isnull=True)
            ],
            "history": project.history.select_related("history_user")[:20],
            "project_warnings": [
                (
                    w,
                    explain.rule_label(w.rule),
                    explain.reason(w.rule, w.facts),
                    explain.remedy(w.rule),
                )
                for w in project.warnings.filter(cleared_at__isnull=True)
            ],
            "rates": _rates(project, today),
            "curve": _curve(project, today),
            "can_report": can_report_for(request.user, project),
            "problem_form": ProblemForm(
                units=scope_of(request.user).units(), meetings=visible_meetings(request.user)
            ),
            "today": today,
        },
    )


@login_required
def project_edit(request: AuthedRequest, pk: int | None = None) -> HttpResponse:
    _desk(request)
    project = get_object_or_404(visible_projects(request.user), pk=pk) if pk else None
    form = ProjectForm(
        request.POST or None,
        units=scope_of(request.user).units(),
        instance=project,
        initial={"version": project.version} if project else None,
    )
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            if project is None:
                project = services.project_create(actor=request.user, **data)
            else:
                data.pop("code", None)
                project = services.project_update(
                    actor=request.user,
                    project=project,
                    version=form.cleaned_data["version"] or 0,
                    **data,
                )
        except ConflictError as error:
            form.add_error(None, str(error))
            return render(
                request,
                "work/simple_form.html",
                {"form": form, "title": _("Edit the project")},
                status=409,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Project saved."))
            return redirect("project_detail", pk=project.pk)
    title = _("Edit %(project)s") % {"project": project} if project else _("New project")
    return render(
        request,
        "work/simple_form.html",
        {"form": form, "title": title},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def investment_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    _desk(request)
    project = get_object_or_404(visible_projects(request.user), pk=pk)
    form = InvestmentPlanForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            services.investment_plan_set(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Investment plan saved."))
            return redirect("project_detail", pk=project.pk)
    return render(
        request,
        "work/simple_form.html",
        {"form": form, "title": _("Annual investment plan: %(p)s") % {"p": project}},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def investment_report(request: AuthedRequest, pk: int) -> HttpResponse:
    project = get_object_or_404(visible_projects(request.user), pk=pk)
    if not can_report_for(request.user, project):
        raise PermissionDenied(
            _("Only a liaison of the responsible unit can report this project's investment.")
        )
    today = timezone.localdate()
    last = today.replace(day=1) - dt.timedelta(days=1)
    form = InvestmentReportForm(
        request.POST or None, initial={"year": last.year, "month": last.month}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.investment_report_file(
                actor=request.user, project=project, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Investment reported."))
            return redirect("project_detail", pk=project.pk)
    return render(
        request,
        "work/simple_form.html",
        {"form": form, "title": _("Report investment: %(p)s") % {"p": project}},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def investment_review(request: AuthedRequest, pk: int) -> HttpResponse:
    _desk(request)
    report = get_object_or_404(
        InvestmentReport.objects.filter(project__in=visible_projects(request.user)), pk=pk
    )
    try:
        services.investment_report_review(
            actor=request.user,
            report=report,
            accept=request.POST.get("decision") == "accept",
            comment=request.POST.get("comment", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("project_detail", pk=report.project_id)


@login_required
@require_POST
def problem_raise(request: AuthedRequest, pk: int) -> HttpResponse:
    _desk(request)
    project = get_object_or_404(visible_projects(request.user), pk=pk)
    form = ProblemForm(
        request.POST, units=scope_of(request.user).units(), meetings=visible_meetings(request.user)
    )
    if form.is_valid():
        try:
            problem = services.problem_raise(
                actor=request.user, project=project, **form.cleaned_data
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The problem is now a task for %(unit)s.") % {"unit": problem.task.lead_unit},
            )
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("project_detail", pk=project.pk)


@login_required
def stage_move(request: AuthedRequest, pk: int) -> HttpResponse:
    _desk(request)
    project = get_object_or_404(visible_projects(request.user), pk=pk)
    form = StageMoveForm(
        request.POST or None, request.FILES or None, initial={"on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.stage_move(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Stage recorded."))
            return redirect("project_detail", pk=project.pk)
    return render(
        request,
        "projects/stage_form.html",
        {"form": form, "project": project},
        status=400 if request.method == "POST" else 200,
    )


# --- "three batches" events ---------------------------------------------------------------


@login_required
def batch_list(request: AuthedRequest) -> HttpResponse:
    form = BatchEventForm(request.POST or None)
    if request.method == "POST":
        _desk(request)
        if form.is_valid():
            try:
                event = services.batch_event_create(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                return redirect("batch_detail", pk=event.pk)
    return render(
        request,
        "projects/batch_list.html",
        {"events": visible_events(request.user).annotate(n=Count("entries")), "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def batch_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    event = get_object_or_404(visible_events(request.user), pk=pk)
    projects = visible_projects(request.user)
    today = timezone.localdate()
    as_of = today
    if request.GET.get("as_of"):
        try:
            as_of = dt.date.fromisoformat(request.GET["as_of"])
        except ValueError:
            messages.error(request, _("Write the date as 2026-09-30."))
    as_of = min(max(as_of, event.date), today)
    key = request.GET.get("by", "")
    form = BatchEntryForm(request.POST or None, projects=visible_projects(request.user))
    if request.method == "POST":
        _desk(request)
        if form.is_valid():
            services.batch_add(actor=request.user, event=event, **form.cleaned_data)
            return redirect("batch_detail", pk=event.pk)
    figures = batches.cohort(event, projects, as_of)
    groups = batches.breakdown(event, projects, as_of, key) if key in cohorts.KEYS else {}
    entries = (
        BatchEntry.objects.filter(event=event, project__in=projects)
        .select_related("project", "project__industry", "project__park", "project__district")
        .order_by("batch", "project__code")
    )
    return render(
        request,
        "projects/batch_detail.html",
        {
            "event": event,
            "cohort": figures,
            "groups": groups,
            "key": key,
            "keys": [
                ("park", _("Park")),
                ("district", _("District or county")),
                ("industry", _("Industry")),
            ],
            "entries": entries,
            "as_of": as_of,
            "form": form,
            "rate_labels": {
                "sign": _("Fulfilment rate: started since signing"),
                "start": _("Start rate: actually started"),
                "produce": _("Production rate: in production"),
            },
        },
        status=400 if request.method == "POST" else 200,
    )


def _rates(project: Project, today: dt.date) -> dict[str, Any] | None:
    """This year's completion against the plan and the time-proportional plan."""

    plan = project.plans.filter(year=today.year).first()
    if plan is None:
        return None
    done = services.year_completed(project, today.year)
    due = investment.time_proportional_plan(
        plan.amount, today.year, today, start=plan.first_month, end=plan.last_month
    )
    return {
        "year": today.year,
        "plan": plan.amount,
        "done": done,
        "due": due,
        "rate": investment.completion_rate(done, plan.amount),
        "rate_due": investment.completion_rate(done, due),
        "behind": investment.behind(done, due),
    }


# --- key indicators ------------------------------------------------------------------------


@login_required
def indicator_list(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        year = periods.year_from_label(request.GET.get("year") or str(today.year))
    except ValueError:
        year = today.year
    indicator_form = IndicatorForm(request.POST if "define" in request.POST else None)
    target_form = TargetForm(
        request.POST if "set_target" in request.POST else None,
        initial={"year": year},
        units=scope_of(request.user).units(),
        indicators=visible_indicators(request.user),
    )
    if request.method == "POST":
        _desk(request)
        form: Any = indicator_form if "define" in request.POST else target_form
        if form.is_valid():
            try:
                if form is indicator_form:
                    indicators.indicator_create(actor=request.user, **form.cleaned_data)
                else:
                    indicators.target_set(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(f"{request.path}?year={year}")
    targets = visible_targets(request.user).filter(year=year)
    chosen = {"indicator": request.GET.get("indicator", ""), "unit": request.GET.get("unit", "")}
    if (indicator_id := parse_id(chosen["indicator"])) is not None:
        targets = targets.filter(indicator_id=indicator_id)
    if (unit_id := parse_id(chosen["unit"])) is not None:
        targets = targets.filter(unit_id=unit_id)
    shown = unit_page(request, targets.order_by("indicator__position", "unit__path", "id"))
    chosen["q"] = shown.q
    on_page = indicators.progress(targets.filter(pk__in=[t.pk for t in shown.rows]), today)
    return render(
        request,
        "projects/indicators.html",
        {
            "rows": [
                (p, explain.reason(p.finding.rule, p.finding.facts) if p.finding else "")
                for p in on_page
            ],
            "shown": shown,
            "year": year,
            "indicator_form": indicator_form,
            "target_form": target_form,
            "defined": visible_indicators(request.user),
            "chosen": chosen,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def indicator_report(request: AuthedRequest, pk: int) -> HttpResponse:
    target = get_object_or_404(visible_targets(request.user).select_related("indicator"), pk=pk)
    if not scope_of(request.user).may_report_for(target.unit_id):
        raise PermissionDenied(_("Only a liaison of the unit can report its indicators."))
    today = timezone.localdate()
    form = ActualForm(request.POST or None, initial={"month": max(today.month - 1, 1)})
    if request.method == "POST" and form.is_valid():
        try:
            indicators.actual_report(actor=request.user, target=target, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Figure reported."))
            return redirect(f"{redirect('indicator_list').url}?year={target.year}")
    return render(
        request,
        "work/simple_form.html",
        {
            "form": form,
            "title": _("Report %(indicator)s for %(unit)s, %(year)s")
            % {"indicator": target.indicator, "unit": target.unit, "year": target.year},
        },
        status=400 if request.method == "POST" else 200,
    )


# --- importing a project list ---------------------------------------------------------------


class ProjectUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Project list (.xlsx)"),
        help_text=gettext_lazy(
            "One project per row, with columns such as code, name, level, industry, chain, "
            "chain owner, investor, total investment, park, district, responsible unit, "
            "leader, planned start (headers in Chinese or English, amounts in 10k yuan)."
        ),
    )


@login_required
def project_import(request: AuthedRequest) -> HttpResponse:
    """Upload, preview, confirm. The uploaded file waits in storage under a
    signed name between the preview and the confirmation."""
    _desk(request)
    form = ProjectUploadForm(request.POST or None, request.FILES or None)
    preview = None
    token = ""
    status = 200
    today = timezone.localdate()
    if request.method == "POST" and "token" in request.POST:
        try:
            name = signing.loads(request.POST["token"], salt="project-import", max_age=3600)
            with default_storage.open(name, "rb") as handle:
                data = handle.read()
            preview = project_importer.read(data, today, scope=scope_of(request.user))
            counts = project_importer.apply(actor=request.user, preview=preview, request=request)
        except (signing.BadSignature, FileNotFoundError):
            messages.error(request, _("The uploaded list has expired; upload it again."))
            return redirect("project_import")
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            token, status = request.POST["token"], 400
        else:
            default_storage.delete(name)
            messages.success(
                request,
                _("Imported: %(created)s projects created, %(updated)s updated.") % counts,
            )
            return redirect("project_list")
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        try:
            preview = project_importer.read(data, today, scope=scope_of(request.user))
        except ValidationError as error:
            apply_errors(form, ValidationError({"file": error.messages}))
            status = 400
        else:
            name = default_storage.save(
                f"imports/projects/{uuid.uuid4().hex}.xlsx", ContentFile(data)
            )
            token = signing.dumps(name, salt="project-import")
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "projects/import.html",
        {"form": form, "preview": preview, "token": token},
        status=status,
    )


def _curve(project: Project, today: dt.date) -> dict[str, Any] | None:
    """This year's cumulative investment, planned (time-proportional, by month
    end) against reported, as an SVG polyline pair drawn on the server."""

    plan = project.plans.filter(year=today.year).first()
    if plan is None:
        return None
    reported = {
        r.month: r.year_to_date
        for r in project.reports.filter(year=today.year).exclude(state=ReportState.RETURNED)
    }
    planned, actual = [], []
    running = None
    for month in range(1, 13):
        end = dt.date(today.year, month, calendar.monthrange(today.year, month)[1])
        planned.append(
            investment.time_proportional_plan(
                plan.amount, today.year, end, start=plan.first_month, end=plan.last_month
            )
        )
        if month in reported:
            running = reported[month]
        actual.append(running if reported and month <= max(reported) else None)
    top = max([plan.amount, *[a for a in actual if a is not None]]) or 1
    width, height = 600, 200

    def point(index: int, value: Any) -> str:
        x = 40 + index * (width - 60) / 11
        y = height - 20 - float(value) / float(top) * (height - 40)
        return f"{x:.1f},{y:.1f}"

    return {
        "planned": " ".join(point(i, v) for i, v in enumerate(planned)),
        "actual": " ".join(point(i, v) for i, v in enumerate(actual) if v is not None),
        "months": [(40 + i * (width - 60) / 11, i + 1) for i in range(12)],
        "top": top,
        "width": width,
        "height": height,
    }


@login_required
def stage_evidence(request: AuthedRequest, pk: int) -> HttpResponseBase:
    """The file a stage move was recorded with, for those who see the project:
    handed out like an attachment (saved, sandboxed, recorded), never from the
    uploads' folder itself."""
    move = get_object_or_404(
        StageMove.objects.filter(project__in=visible_projects(request.user)).exclude(evidence=""),
        pk=pk,
    )
    try:
        handle = move.evidence.open("rb")
    except FileNotFoundError:
        raise Http404(_("This file is no longer stored.")) from None
    name = move.evidence_name or PurePosixPath(move.evidence.name or "evidence").name
    kind = ALLOWED.get(PurePosixPath(name).suffix.lower(), ("application/octet-stream",))[0]
    return download(
        request,
        handle,
        name=name,
        content_type=kind,
        action="attachment.downloaded",
        target=move,
        project=move.project_id,
        size=move.evidence.size,
    )
