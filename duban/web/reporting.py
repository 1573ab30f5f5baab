"""The reporting burden page (报送负担), beside the reporting page: it reads
tasks, projects, indicators and notices (``duban.assessment.burden``), so it
is a page of several apps, not of the work alone."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from duban.assessment import asked_twice, burden
from duban.lib import periods
from duban.org.http import AuthedRequest
from duban.org.paging import unit_rows
from duban.work.words import period_words

# The tasks that ask a figure twice: the first this many, and how many more.
TWICE_SHOWN = 50


@login_required
def reporting_burden(request: AuthedRequest) -> HttpResponse:
    """Per unit: what the office asked of it over a range of weeks, what it
    filed, how long its reports took; and the figures asked twice."""
    today = timezone.localdate()
    weeks = burden.chosen_weeks(request.GET.get("from"), request.GET.get("to"), today)
    found = burden.reporting_burden(request.user, weeks)
    rows = unit_rows(request, found.rows, unit_of=lambda row: row.unit_id)
    # Each week in words once, for every row's cells.
    words = [period_words(week) for week in found.weeks]
    shown = [(row, list(zip(words, row.by_week, strict=True))) for row in rows.rows]
    burden.with_units(rows.rows)
    return render(
        request,
        "work/reporting_burden.html",
        {
            "burden": found,
            "rows": rows,
            "shown": shown,
            "twice": asked_twice.load(request.user, found.twice[:TWICE_SHOWN]),
            "twice_more": max(len(found.twice) - TWICE_SHOWN, 0),
            "max_weeks": burden.MAX_WEEKS,
            "this_week": periods.period_containing(today, periods.WEEKLY).label,
            "scan_minutes": settings.DUBAN_SCAN_EVERY_MINUTES,
        },
    )


@login_required
@require_POST
def burden_recount(request: AuthedRequest) -> HttpResponse:
    """The office's "count now" on the reporting burden."""
    burden.recount(actor=request.user)
    messages.success(request, _("Counted again from the record just now."))
    return redirect("reporting_burden")
