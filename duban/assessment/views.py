"""The quarter's ranking page, and the office's adjustments, lock and reopen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.lib import periods
from duban.org.http import AuthedRequest, chosen_office, month_or_404, office_query, quarter_or_404
from duban.org.paging import search_text, unit_rows
from duban.org.scope import office_members, scope_of
from duban.work.views import apply_errors

from . import services
from .explain import line_text
from .forms import AdjustmentForm, ReopenForm, ReviewForm
from .models import Category, MonthlyReview

# The ranking's first units of each category; the units not ranked, named.
CATEGORY_SHOWN = 30
IDLE_SHOWN = 50


# Each list of the monthly review shows its first this many; the bulletin holds all.
REVIEW_SHOWN = 30


def _first(value: Any) -> Any:
    return value[:REVIEW_SHOWN] if isinstance(value, list) else value


@login_required
def assessment_home(request: AuthedRequest) -> HttpResponse:
    """The quarter the office ranks (``services.ranked_quarter``), as the cockpit shows."""
    office = chosen_office(request)
    quarter = services.ranked_quarter(timezone.localdate(), office)
    target = reverse("assessment_detail", kwargs={"quarter": quarter.label})
    return redirect(target + office_query(request, office))


def _office_context(request: AuthedRequest, office: Any) -> dict[str, Any]:
    """Which office's record the page shows, and the others the person may open."""
    offices = list(scope_of(request.user).offices()[:50])
    return {
        "office": office,
        "offices": offices if len(offices) > 1 else [],
        "office_query": office_query(request, office),
    }


@login_required
def assessment_detail(request: AuthedRequest, quarter: str) -> HttpResponse:
    q = quarter_or_404(quarter)
    current = periods.quarter_containing(timezone.localdate())
    if q > current:
        raise Http404(_("This quarter has not begun."))
    office = chosen_office(request)
    standing = services.standing(q, office)
    # A province ranks thousands of units: each category shows its first
    # CATEGORY_SHOWN (the top of the ranking) with a link to all of it, a
    # page at a time; the search finds a unit in every category.
    chosen = request.GET.get("category")
    if chosen not in standing.by_category:
        chosen = None
    categories = []
    for category, rows in standing.by_category.items():
        if chosen and category != chosen:
            continue
        shown = unit_rows(
            request,
            rows,
            unit_of=lambda row: row.unit_id,
            per_page=None if chosen else CATEGORY_SHOWN,
            paged=bool(chosen),
        )
        if shown.q and not shown.found:
            continue
        services.with_units(list(shown.rows))
        every = urlencode([(k, v) for k, v in shown.kept if k != "category"] + [("q", shown.q)])
        categories.append(
            {
                "category": category,
                "label": Category(category).label,
                "rows": [(row, [line_text(line) for line in row.lines]) for row in shown.rows],
                "shown": shown,
                "all_of_it": f"?{every}&category={category}#ranking",
            }
        )
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
            "chosen": chosen,
            "searched": search_text(request),
            "idle_shown": (
                standing.idle_units(IDLE_SHOWN) if not (chosen or search_text(request)) else []
            ),
            "idle_more": max(len(standing.idle) - IDLE_SHOWN, 0),
            "choices": choices,
            "ended": q < current,
            "events": (
                standing.assessment.events.select_related("actor")[:20]
                if standing.assessment.pk
                else []
            ),
            "reopen_form": ReopenForm(),
            "scan_minutes": settings.DUBAN_SCAN_EVERY_MINUTES,
            **_office_context(request, office),
        },
    )


@login_required
def adjustment_edit(request: AuthedRequest, quarter: str, unit: int) -> HttpResponse:
    q = quarter_or_404(quarter)
    office = chosen_office(request)
    target = get_object_or_404(office_members(office), pk=unit)
    assessment = services.assessment_for(q, office)
    existing = assessment.adjustments.filter(unit=target).first() if assessment.pk else None
    initial = {"points": existing.points, "reason": existing.reason} if existing else {}
    form = AdjustmentForm(request.POST or None, initial=initial)
    if not request.user.is_office:
        raise PermissionDenied(_("Only the supervision office can change the assessment."))
    if request.method == "POST" and form.is_valid():
        try:
            services.adjustment_set(
                actor=request.user, quarter=q, office=office, unit=target, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Adjustment saved."))
            return _to_quarter(request, q, office)
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


def _quarter_action(
    request: AuthedRequest, quarter: str, act: Callable[[periods.Quarter, Any], Any], done: str
) -> HttpResponse:
    """One of the office's writes to a quarter (``act(quarter, office)``):
    its refusal or ``done`` said, and back to the quarter's page."""
    q = quarter_or_404(quarter)
    office = chosen_office(request)
    try:
        act(q, office)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return _to_quarter(request, q, office)


@login_required
@require_POST
def assessment_lock(request: AuthedRequest, quarter: str) -> HttpResponse:
    return _quarter_action(
        request,
        quarter,
        lambda q, office: services.lock(
            actor=request.user, quarter=q, office=office, request=request
        ),
        _("The quarter is locked: its scores no longer change."),
    )


@login_required
@require_POST
def assessment_recount(request: AuthedRequest, quarter: str) -> HttpResponse:
    return _quarter_action(
        request,
        quarter,
        lambda q, office: services.recount(actor=request.user, quarter=q, office=office),
        _("Counted again from the record just now."),
    )


def _to_quarter(request: AuthedRequest, q: periods.Quarter, office: Any) -> HttpResponse:
    target = reverse("assessment_detail", kwargs={"quarter": q.label})
    return redirect(target + office_query(request, office))


@login_required
@require_POST
def assessment_reopen(request: AuthedRequest, quarter: str) -> HttpResponse:
    return _quarter_action(
        request,
        quarter,
        lambda q, office: services.reopen(
            actor=request.user,
            quarter=q,
            office=office,
            reason=request.POST.get("reason", ""),
            request=request,
        ),
        _("The quarter is open again; the reopening is recorded."),
    )


# --- the monthly review ------------------------------------------------------------------


@login_required
def review_list(request: AuthedRequest) -> HttpResponse:
    today = timezone.localdate()
    month = periods.period_containing(today, periods.MONTHLY)
    office = chosen_office(request)
    reviews = {r.month: r for r in MonthlyReview.objects.filter(office=office)}
    months = []
    for _i in range(12):
        review = reviews.get(month.label)
        if request.user.is_office or (review and review.is_published):
            months.append((month, review))
        month = month.previous()
    return render(
        request,
        "assessment/review_list.html",
        {"months": months, **_office_context(request, office)},
    )


@login_required
def review_detail(request: AuthedRequest, month: str) -> HttpResponse:
    period = month_or_404(month)
    office = chosen_office(request)
    review = services.review_for(period, office)
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
                    office=office,
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
                target = reverse("review_detail", kwargs={"month": period.label})
                return redirect(target + office_query(request, office))
    figures, counted_at = services.review_figures(review, period)
    return render(
        request,
        "assessment/review_detail.html",
        {
            "month": period,
            "review": review,
            "figures": {key: _first(value) for key, value in figures.items()},
            "more": {
                key: len(value) - REVIEW_SHOWN
                for key, value in figures.items()
                if isinstance(value, list) and len(value) > REVIEW_SHOWN
            },
            "form": form,
            "ended": period.end < timezone.localdate(),
            "counted_at": None if review.is_published else counted_at,
            "scan_minutes": settings.DUBAN_SCAN_EVERY_MINUTES,
            **_office_context(request, office),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def review_recount(request: AuthedRequest, month: str) -> HttpResponse:
    """The office's "count now" on a draft review."""
    period = month_or_404(month)
    office = chosen_office(request)
    try:
        services.recount_review(actor=request.user, month=period, office=office)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Counted again from the record just now."))
    target = reverse("review_detail", kwargs={"month": period.label})
    return redirect(target + office_query(request, office))
