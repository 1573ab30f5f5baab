from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from duban.org.http import AuthedRequest, reads_may_lag
from duban.org.scope import scope_of
from duban.work import queries
from duban.work.models import Meeting

from .charts import overview


def cockpit_context(request: AuthedRequest) -> dict[str, Any]:
    """The overview for the person, as of ``?as_of=YYYY-MM-DD`` when given (a
    date that cannot be read is said so and today is shown)."""
    raw = request.GET.get("as_of", "").strip()
    as_of = None
    problem = ""
    if raw:
        try:
            as_of = dt.date.fromisoformat(raw)
        except ValueError:
            problem = _("“%(value)s” is not a date: showing today.") % {"value": raw}
        else:
            if as_of > timezone.localdate():
                problem = _("That day has not come yet: showing today.")
                as_of = None
    context = overview(request.user, as_of)
    context["as_of_problem"] = problem
    context["as_of_raw"] = raw
    return context


@login_required
@reads_may_lag
def cockpit(request: AuthedRequest) -> HttpResponse:
    context = cockpit_context(request)
    # "As of the last meeting", one click away.
    context["meetings"] = list(
        Meeting.objects.filter(office=scope_of(request.user).office, date__lt=timezone.localdate())
        .order_by("-date", "-id")
        .values_list("date", flat=True)[:1]
    )
    if request.user.is_liaison:
        context["inbox"] = queries.inbox(request.user, timezone.localdate())
        context["mine"] = {**context["totals"], "places": context["places"]}
    return render(request, "cockpit/overview.html", context)


# --- the big screen (大屏) for the meeting room -------------------------------------

# Seconds between pages on the big screen, and between reloads of its figures.
SCREEN_CYCLE = 20
SCREEN_REFRESH = 300
SCREEN_PAGE = 4  # panels at most on one page (2 × 2)


@login_required
@reads_may_lag
def cockpit_screen(request: AuthedRequest) -> HttpResponse:
    """The cockpit full-screen, dark, for the meeting room: the totals in big
    figures and the charts a page at a time. ``?cycle=0`` holds the first page,
    ``?cycle=N`` turns it every N seconds; ``?refresh=N`` reloads the figures."""
    context = cockpit_context(request)
    charts = context["charts"]
    shown = [c for c in charts if not c["empty"]]
    pages: list[list[dict[str, Any]]] = []
    start = 0
    for size in screen_pages(len(shown)):
        pages.append(shown[start : start + size])
        start += size
    now = _data_time(context)
    return render(
        request,
        "cockpit/screen.html",
        {
            **context,
            "pages": pages,
            "idle": [c for c in charts if c["empty"]],
            "generated_at": now,
            "screen": {
                "cycle": _seconds(request.GET.get("cycle"), SCREEN_CYCLE),
                "refresh": _seconds(request.GET.get("refresh"), SCREEN_REFRESH),
                "data": reverse("cockpit_data"),
                "generated_at": now.isoformat(),
                "charts": charts,
            },
        },
    )


@login_required
@reads_may_lag
@require_GET
@never_cache
def cockpit_data(request: AuthedRequest) -> JsonResponse:
    """The big screen's figures, refreshed in place: the same scoped overview."""
    context = cockpit_context(request)
    body: dict[str, Any] = {
        "totals": context["totals"],
        "charts": context["charts"],
        "generated_at": _data_time(context).isoformat(),
    }
    return JsonResponse(body)


def screen_pages(count: int, most: int = SCREEN_PAGE) -> list[int]:
    """How many panels go on each page: as few pages as will hold them, filled
    as evenly as can be (five charts make 3 + 2, not 4 + 1)."""
    if count <= 0:
        return []
    pages = -(-count // most)
    return [count // pages + (1 if i < count % pages else 0) for i in range(pages)]


def _seconds(value: str | None, default: int) -> int:
    """Whole seconds from the query string (0 turns the thing off), at most an hour."""
    try:
        return max(0, min(int(value), 3600)) if value else default
    except ValueError:
        return default


def _data_time(context: dict[str, Any]) -> dt.datetime:
    """When the figures stand: now, or the last minute of the past day shown."""
    at = context["at"]
    if at.past:
        return timezone.localtime(at.end - dt.timedelta(minutes=1))
    return timezone.localtime()
