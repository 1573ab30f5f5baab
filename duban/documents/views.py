"""Pages: upload a task list to a plan, look at what duban understood, settle
unknown names, import."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duban.assessment import services as assessment
from duban.assessment.review import month_review
from duban.lib import deadlines, taskbook
from duban.lib.ids import parse_id
from duban.org.http import (
    AuthedRequest,
    chosen_office,
    download,
    month_or_404,
    quarter_or_404,
    reads_may_lag,
)
from duban.org.models import Unit
from duban.org.scope import scope_of
from duban.projects.models import InvestmentReport, ReportState
from duban.projects.views import filtered_projects
from duban.supervision.models import SupervisionNotice
from duban.supervision.views import board_warnings
from duban.work import queries
from duban.work.queries import office_plans, visible_meetings
from duban.work.views import apply_errors, task_filters

from . import exports, importer
from .models import TaskImport

PREVIEW_ROWS = 500


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Task list (.xlsx)"),
        help_text=gettext_lazy(
            "The workbook as the office keeps it: a title row, a header with No. / Task / "
            "Measure / Lead unit / Co-units / Leader / Deadline (in Chinese or English), "
            "sections, merged cells."
        ),
    )


def _office(request: AuthedRequest) -> None:
    if not request.user.is_office:
        raise PermissionDenied(_("Only the supervision office can import task lists."))


@login_required
def import_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    _office(request)
    plan = get_object_or_404(office_plans(request.user), pk=pk)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record, _preview = importer.upload(
                actor=request.user, plan=plan, uploaded=form.cleaned_data["file"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return redirect("import_preview", pk=record.pk)
    return render(
        request,
        "documents/import_upload.html",
        {"form": form, "plan": plan, "imports": plan.imports.all()[:10]},
        status=400 if request.method == "POST" else 200,
    )


def _translate(pair: tuple[str, dict[str, Any]]) -> str:
    text, params = pair
    return _(text) % params


def _deadline_text(row: importer.Row) -> str:
    parsed = row.node.deadline
    if parsed is None:
        return ""
    if row.moved_from is not None:
        return _("moved to %(date)s") % {"date": row.deadline}
    text = _translate(deadlines.describe(parsed))
    extra = deadlines.note(parsed)
    if extra is None:
        return text
    note, params = extra
    params = {**params, "dates": _(", ").join(d.isoformat() for d in parsed.dates)}
    return _("%(text)s (%(note)s)") % {"text": text, "note": _(note) % params}


def _posted_mappings(request: AuthedRequest, unknown: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for i, name in enumerate(unknown):
        value = request.POST.get(f"map_{i}", "")
        if value == importer.NEW:
            found[name] = importer.NEW
        elif (unit_id := parse_id(value)) is not None:
            found[name] = unit_id
    return found


def _mappable(result: importer.Preview) -> list[str]:
    """The names the office settles in the preview, in the order of its
    fields: those matching no unit, then the collective ones (各园区)."""
    return sorted(result.unknown) + sorted(result.collective)


@login_required
def import_preview(request: AuthedRequest, pk: int) -> HttpResponse:
    _office(request)
    record = get_object_or_404(
        TaskImport.objects.select_related("plan").filter(plan__in=office_plans(request.user)),
        pk=pk,
    )
    status = 200
    if request.method == "POST" and record.applied_at is None:
        try:
            names = _mappable(importer.load(actor=request.user, record=record))
        except ValidationError as error:  # the stored list can no longer be read
            messages.error(request, " ".join(error.messages))
            return redirect("import_upload", pk=record.plan_id)
        mappings = {**record.mappings, **_posted_mappings(request, names)}
        place_id = parse_id(request.POST.get("unit_parent", ""))
        place = (
            importer.placements(scope_of(request.user), record.plan).filter(pk=place_id).first()
            if place_id is not None
            else None
        )
        sections = request.POST.get("sections") or None
        past = request.POST.get("past") or None
        if "apply" in request.POST:
            try:
                counts = importer.apply(
                    actor=request.user,
                    record=record,
                    mappings=mappings,
                    request=request,
                    parent=place,
                    sections=sections,
                    past=past,
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                status = 400
            else:
                messages.success(
                    request,
                    _(
                        "Imported: %(created)s tasks created, %(updated)s updated, "
                        "%(unchanged)s unchanged, %(units_created)s units created."
                    )
                    % counts,
                )
                return redirect("plan_detail", pk=record.plan_id)
        else:
            importer.choose(
                actor=request.user,
                record=record,
                mappings=mappings,
                parent=place,
                sections=sections,
                past=past,
            )
    try:
        result = importer.load(actor=request.user, record=record)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("import_upload", pk=record.plan_id)
    unknown = [
        (i, name, result.unknown.get(name, []), result.collective.get(name))
        for i, name in enumerate(_mappable(result))
    ]
    # A long list shows its first rows and every row with a problem: a page of
    # 12,000 rows helps nobody and takes seconds to draw.
    shown = [
        r
        for i, r in enumerate(result.rows)
        if i < PREVIEW_ROWS or r.status == "invalid" or r.node.problems
    ]
    rows = [
        {
            "row": r,
            "deadline": _deadline_text(r),
            "problems": [
                _translate(taskbook.message(p.code, p.params))
                for p in result.book.problems
                if p.row >= r.node.row and p.row <= r.node.last_row and p.code in r.node.problems
            ]
            + ([r.reason] if r.reason else []),
            "notes": r.notes,
        }
        for r in shown
    ]
    return render(
        request,
        "documents/import_preview.html",
        {
            "record": record,
            "result": result,
            "rows": rows,
            "unknown": unknown,
            "units": scope_of(request.user).units().filter(is_active=True).order_by("path"),
            "problems": [
                _translate(taskbook.message(p.code, p.params)) for p in result.book.problems
            ],
            "skipped": [
                _translate(taskbook.message(p.code, p.params)) for p in result.book.skipped
            ],
            "NEW": importer.NEW,
            "summary": result.summary(),
            "placements": importer.placements(scope_of(request.user), record.plan),
            "collective": sorted(result.collective.items()),
            "counts": {s: result.count(s) for s in ("new", "update", "same", "invalid")},
            "hidden": len(result.rows) - len(shown),
        },
        status=status,
    )


# --- exports -----------------------------------------------------------------------------


def _download(
    request: AuthedRequest, content: bytes, kind: str, name: str, *, what: str, **detail: Any
) -> HttpResponseBase:
    """Every export of these pages: handed out as a file (duban.org.http.download)
    and recorded in the security audit log, with the filter it was made from."""
    return download(
        request,
        content,
        name=name,
        content_type=kind,
        action="export",
        kind=what,
        query={key: value[:100] for key, value in list(request.GET.items())[:20]},
        **detail,
    )


def _organisation(office: Unit | None) -> str:
    """The issuing office's name on a document."""
    return exports._name(office) if office else _("Supervision office")


@login_required
@reads_may_lag
def export_tasks(request: AuthedRequest) -> HttpResponseBase:
    _form, filters = task_filters(request)
    tasks = list(
        queries.task_list(request.user, filters, timezone.localdate())
        .select_related("lead_unit", "leader")
        .prefetch_related("co_units")
    )
    name = exports.filename("tasks", "xlsx")
    content = exports.tasks_xlsx(tasks)
    return _download(request, content, exports.XLSX, name, what="tasks", rows=len(tasks))


@login_required
@reads_may_lag
def export_warnings(request: AuthedRequest) -> HttpResponseBase:
    _form, warnings = board_warnings(request)
    rows = list(
        warnings.select_related("task__lead_unit", "task__leader").order_by(
            "-level", "raised_at", "id"
        )
    )
    name = exports.filename("warnings", "xlsx")
    content = exports.warnings_xlsx(rows)
    return _download(request, content, exports.XLSX, name, what="warnings", rows=len(rows))


@login_required
@reads_may_lag
def export_ranking(request: AuthedRequest, quarter: str, ext: str) -> HttpResponseBase:
    if ext not in ("xlsx", "docx"):
        raise Http404(_("There is no such file."))
    office = chosen_office(request)
    standing = assessment.standing(quarter_or_404(quarter), office)
    name = exports.filename(f"assessment-{quarter}", ext)
    if ext == "docx":
        content, kind = exports.ranking_docx(standing, _organisation(office)), exports.DOCX
    else:
        content, kind = exports.ranking_xlsx(standing), exports.XLSX
    return _download(
        request,
        content,
        kind,
        name,
        what="ranking",
        quarter=quarter,
        office=office.pk,
        rows=len(standing.rows),
    )


@login_required
@reads_may_lag
def export_assignment(request: AuthedRequest, pk: int) -> HttpResponseBase:
    meeting = get_object_or_404(visible_meetings(request.user).select_related("office"), pk=pk)
    tasks = list(
        queries.visible_tasks(request.user)
        .filter(meeting=meeting)
        .select_related("lead_unit", "leader")
        .prefetch_related("co_units")
        .order_by("sort_key", "id")
    )
    name = exports.filename(f"meeting-{meeting.number or meeting.pk}", "docx")
    document = exports.assignment_docx(meeting, tasks, _organisation(meeting.office))
    return _download(
        request,
        document,
        exports.DOCX,
        name,
        what="assignment",
        meeting=meeting.pk,
        rows=len(tasks),
    )


@login_required
@reads_may_lag
def export_notice(request: AuthedRequest, pk: int) -> HttpResponseBase:
    notice = get_object_or_404(
        SupervisionNotice.objects.select_related("task", "unit", "office"),
        pk=pk,
        task__in=queries.visible_tasks(request.user),
    )
    name = exports.filename(f"notice-{notice.year}-{notice.number}", "docx")
    document = exports.notice_docx(notice, _organisation(notice.office))
    return _download(request, document, exports.DOCX, name, what="notice", notice=notice.pk)


@login_required
@reads_may_lag
def export_bulletin(request: AuthedRequest, month: str) -> HttpResponseBase:
    period = month_or_404(month)
    office = chosen_office(request)
    review = assessment.review_for(period, office)
    if not request.user.is_office and not review.is_published:
        raise Http404(_("This month's review is not published yet."))
    figures = (
        review.snapshot
        if review.is_published
        else month_review(period, assessment.office_tasks(office))
    )
    name = exports.filename(f"review-{period.label}", "docx")
    document = exports.bulletin_docx(review, figures, _organisation(office))
    return _download(
        request, document, exports.DOCX, name, what="bulletin", month=period.label, office=office.pk
    )


@login_required
@reads_may_lag
def export_projects(request: AuthedRequest) -> HttpResponseBase:
    _form, projects = filtered_projects(request)
    year = timezone.localdate().year
    completed = dict(
        InvestmentReport.objects.filter(project__in=projects, year=year)
        .exclude(state=ReportState.RETURNED)
        .values("project")
        .annotate(s=Sum("amount"))
        .values_list("project", "s")
    )
    rows = list(projects.order_by("code"))
    content = exports.projects_xlsx(rows, year, completed)
    name = exports.filename("projects", "xlsx")
    return _download(request, content, exports.XLSX, name, what="projects", rows=len(rows))
