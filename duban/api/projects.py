"""Key projects and indicators through the API: the project library, stage
moves, monthly investment figures and the indicators' targets and figures.
Money is in yuan, as decimal strings."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from duban.projects import indicators, services
from duban.projects.models import IndicatorTarget, Stage
from duban.projects.queries import visible_projects, visible_targets

from . import cursor, versions
from .common import caller
from .idempotency import answer_once, render
from .schemas import (
    ActualIn,
    Id,
    InvestmentIn,
    InvestmentPlanIn,
    InvestmentPlanOut,
    InvestmentReportOut,
    ProjectOut,
    ProjectPage,
    StageIn,
    TargetOut,
    Text,
    Year,
)

router = Router(tags=["projects"])

Answer = tuple[int, type[Schema], Any]
ORDER = (cursor.Key("id"),)


class ProjectQuery(Schema):
    stage: Text = ""
    unit: Id | None = None
    cursor: Text | None = None
    page_size: int = 50


@router.get("/projects", response=ProjectPage, summary="The projects in your scope")
def project_list(request: HttpRequest, query: Query[ProjectQuery]) -> HttpResponse:
    if not 1 <= query.page_size <= 200:
        raise HttpError(400, _("page_size goes from 1 to 200."))
    rows = visible_projects(caller(request))
    if query.stage:
        rows = rows.filter(stage=query.stage)
    if query.unit is not None:
        rows = rows.filter(unit_id=query.unit)
    found, after = cursor.page(rows, "projects", ORDER, query.cursor, query.page_size)
    return render(200, ProjectPage, {"results": found, "next": after})


@router.get(
    "/projects/{project_id}",
    response={200: ProjectOut, 304: None},
    summary="One project, with its ETag (send it in If-Match when moving its stage)",
)
def project_read(request: HttpRequest, project_id: Id) -> Any:
    project = get_object_or_404(visible_projects(caller(request)), pk=project_id)
    return versions.read(request, "project", project, project, ProjectOut)


@router.get(
    "/projects/{project_id}/investment",
    response=list[InvestmentReportOut],
    summary="A project's monthly investment figures, the latest first",
)
def investment_list(request: HttpRequest, project_id: Id) -> Any:
    project = get_object_or_404(visible_projects(caller(request)), pk=project_id)
    return list(project.reports.order_by("-year", "-month"))


@router.post(
    "/projects/{project_id}/investment",
    response={201: InvestmentReportOut},
    summary="File (or correct) a month's investment figure (the responsible unit)",
)
def investment_file(request: HttpRequest, project_id: Id, data: InvestmentIn) -> HttpResponse:
    person = caller(request)
    project = get_object_or_404(visible_projects(person), pk=project_id)

    def file() -> Answer:
        report = services.investment_report_file(
            actor=person,
            project=project,
            year=data.year,
            month=data.month,
            amount=data.amount,
            note=data.note,
        )
        return 201, InvestmentReportOut, report

    return answer_once(request, file)


@router.get(
    "/projects/{project_id}/investment-plans",
    response=list[InvestmentPlanOut],
    summary="A project's planned investment, by year (in yuan)",
)
def investment_plan_list(request: HttpRequest, project_id: Id) -> Any:
    project = get_object_or_404(visible_projects(caller(request)), pk=project_id)
    return list(project.plans.order_by("-year"))


@router.post(
    "/projects/{project_id}/investment-plans",
    response=InvestmentPlanOut,
    summary="Set a year's planned investment (the office's project desk)",
)
def investment_plan_set(
    request: HttpRequest, project_id: Id, data: InvestmentPlanIn
) -> HttpResponse:
    person = caller(request)
    project = get_object_or_404(visible_projects(person), pk=project_id)

    def set_plan() -> Answer:
        plan = services.investment_plan_set(
            actor=person,
            project=project,
            year=data.year,
            amount=data.amount,
            first_month=data.first_month,
            last_month=data.last_month,
        )
        return 200, InvestmentPlanOut, plan

    return answer_once(request, set_plan)


@router.post(
    "/projects/{project_id}/stage",
    response=ProjectOut,
    summary="Move a project to another stage (the office or the responsible unit)",
    description="Stages: "
    + ", ".join(Stage.values)
    + ". Moving back or skipping needs a reason. With If-Match (the project's ETag), a project"
    " someone changed since you read it is refused with 412.",
)
def stage_move(request: HttpRequest, project_id: Id, data: StageIn) -> HttpResponse:
    person = caller(request)
    project = get_object_or_404(visible_projects(person), pk=project_id)
    version = versions.if_sent(request, "project", project)

    def move() -> Answer:
        services.stage_move(
            actor=person,
            project=project,
            target=data.target,
            on=data.on,
            reason=data.reason,
            version=version,
        )
        return 200, ProjectOut, visible_projects(person).get(pk=project.pk)

    return answer_once(request, move)


def _target(progress: indicators.Progress) -> dict[str, Any]:
    target = progress.target
    return {
        "id": target.pk,
        "indicator_id": target.indicator_id,
        "indicator": str(target.indicator),
        "measure": target.indicator.measure,
        "unit_id": target.unit_id,
        "year": target.year,
        "target": target.target,
        "actual": progress.actual,
        "months": progress.months,
        "rate": progress.rate,
        "due": progress.due,
    }


class TargetQuery(Schema):
    year: Year | None = None


@router.get(
    "/indicators/targets",
    response=list[TargetOut],
    tags=["indicators"],
    summary="The indicators' annual targets in your scope, with the figures so far",
)
def target_list(request: HttpRequest, query: Query[TargetQuery]) -> Any:
    today = timezone.localdate()
    targets = visible_targets(caller(request)).filter(year=query.year or today.year)
    return [_target(p) for p in indicators.progress(targets, today)]


@router.post(
    "/indicators/targets/{target_id}/actuals",
    response={201: TargetOut},
    tags=["indicators"],
    summary="Report a month's figure for a target (the unit's liaison)",
)
def actual_report(request: HttpRequest, target_id: Id, data: ActualIn) -> HttpResponse:
    person = caller(request)
    target = get_object_or_404(visible_targets(person), pk=target_id)

    def report() -> Answer:
        indicators.actual_report(actor=person, target=target, month=data.month, value=data.value)
        fresh = IndicatorTarget.objects.filter(pk=target.pk)
        return 201, TargetOut, _target(indicators.progress(fresh, timezone.localdate())[0])

    return answer_once(request, report)
