"""The quarter's ranking page, and the office's adjustments, lock and reopen."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.lib import periods
from duban.org.http import AuthedRequest
from duban.org.models import Unit
from duban.work.views import apply_errors

from . import services
from .explain import line_text
from .forms import AdjustmentForm, ReopenForm, ReviewForm
from .models import Category, MonthlyReview
from .review import month_review


def _quarter(label: str) -> periods.Quarter:
    try:
        return periods.quarter_from_label(label)
    except ValueError:
        raise Http404(_("There is no such quarter.")) from None


@login_required
def assessment_home(request: AuthedRequest) -> HttpResponse:
    """The last ended quarter: the one the office ranks and locks."""
    quarter = periods.quarter_containing(timezone.localdate()).previous()
    return redirect("assessment_detail", quarter=quarter.label)


@login_required
def assessment_detail(request: AuthedRequest, quarter: str) -> HttpResponse:
    q = _quarter(quarter)
    current = periods.quarter_containing(timezone.localdate())
    if q > current:
        raise Http404(_("This quarter has not begun."))
    standing = services.standing(q)
    categories = [
        (
            Category(category).label,
            [(row, [line_text(line) for line in row.lines]) for row in rows],
        )
        for category, rows in standing.by_category.items()
    ]
    choices, cursor = [], current
    for _i in range(6):
        choices.append(cursor)
        cursor = cursor.previous()
    return render(
        request,
        "assessment/detail.html",
        {
            "standing": standing,
            "quarter": q,
            "categories": categories,
            "choices": choices,
            "ended": q < current,
            "events": (
                standing.assessment.events.select_related("actor")[:20]
                if standing.assessment.pk
                else []
            ),
            "reopen_form": ReopenForm(),
        },
    )


@login_required
def adjustment_edit(request: AuthedRequest, quarter: str, unit: int) -> HttpResponse:
    q = _quarter(quarter)
    target = get_object_or_404(Unit, pk=unit)
    assessment = services.assessment_for(q)
    existing = assessment.adjustments.filter(unit=target).first() if assessment.pk else None
    initial = {"points": existing.points, "reason": existing.reason} if existing else {}
    form = AdjustmentForm(request.POST or None, initial=initial)
    if not request.user.is_office:
        raise PermissionDenied(_("Only the supervision office can change the assessment."))
    if request.method == "POST" and form.is_valid():
        try:
            services.adjustment_set(actor=request.user, quarter=q, unit=target, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Adjustment saved."))
            return redirect("assessment_detail", quarter=q.label)
    return render(
        request,
        "work/simple_form.html",
        {
            "form": form,
            "title": _("Adjust the score of %(unit)s, %(quarter)s")
            % {"unit": target, "quarter": q.label},
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def assessment_lock(request: AuthedRequest, quarter: str) -> HttpResponse:
    q = _quarter(quarter)
    try:
        services.lock(actor=request.user, quarter=q)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The quarter is locked: its scores no longer change."))
    return redirect("assessment_detail", quarter=q.label)


@login_required
@require_POST
def assessment_reopen(request: AuthedRequest, quarter: str) -> HttpResponse:
    q = _quarter(quarter)
    try:
        services.reopen(actor=request.user, quarter=q, reason=request.POST.get("reason", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The quarter is open again; the reopening is recorded."))
    return redirect("assessment_detail", quarter=q.label)


# --- the monthly review ------------------------------------------------------------------


def _month(label: str) -> periods.Period:
    try:
        month = periods.period_from_label(label)
    except ValueError:
        raise Http404(_("There is no such month.")) from None
    if month.cadence != periods.MONTHLY or month.start > timezone.localdate():
        raise Http404(_("There is no such month."))
    return month


@login_required
def review_list(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    month = periods.period_containing(today, periods.MONTHLY)
    reviews = {r.month: r for r in MonthlyReview.objects.all()}
    months = []
    for _i in range(12):
        review = reviews.get(month.label)
        if request.user.is_office or (review and review.is_published):
            months.append((month, review))
        month = month.previous()
    return render(request, "assessment/review_list.html", {"months": months})


@login_required
def review_detail(request: AuthedRequest, month: str) -> HttpResponse:
    period = _month(month)
    review = services.review_for(period)
    if not request.user.is_office and not review.is_published:
        raise Http404(_("This month's review is not published yet."))
    form = ReviewForm(request.POST or None, initial={"remarks": review.remarks})
    if request.method == "POST":
        if not request.user.is_office:
            raise PermissionDenied(_("Only the supervision office can write the monthly review."))
        if form.is_valid():
            try:
                review = services.review_save(
                    actor=request.user,
                    month=period,
                    remarks=form.cleaned_data["remarks"],
                    publish="publish" in request.POST,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _("The review is published; the units have been told.")
                    if "publish" in request.POST
                    else _("Remarks saved."),
                )
                return redirect("review_detail", month=period.label)
    if review.is_published:
        figures = review.snapshot
    else:
        figures = month_review(period)
    return render(
        request,
        "assessment/review_detail.html",
        {
            "month": period,
            "review": review,
            "figures": figures,
            "form": form,
            "ended": period.end < timezone.localdate(),
        },
        status=400 if request.method == "POST" else 200,
    )
