"""Read-only figures for dashboards: a quarter's standing (the ranking) and
the cockpit's panels, each worked out by the same code as the pages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from duban.assessment import services as assessment
from duban.cockpit.charts import overview
from duban.lib import periods
from duban.org.scope import scope_of

from .common import caller
from .schemas import Day, FiguresOut, Id, StandingOut, Text

router = Router(tags=["figures"])
FIRST_DAY = dt.date(2000, 1, 1)  # no office kept its record in duban before


class StandingQuery(Schema):
    office: Id | None = None


@router.get(
    "/assessment/{quarter}",
    response=StandingOut,
    summary="A quarter's standing (2026Q3): each unit's rank and points",
    description="For the caller's office, or `office=ID` among the offices they may read.",
)
def standing(request: HttpRequest, quarter: Text, query: Query[StandingQuery]) -> Any:
    try:
        q = periods.quarter_from_label(quarter)
    except ValueError:
        raise Http404 from None
    if q > periods.quarter_containing(timezone.localdate()):
        raise Http404
    scope = scope_of(caller(request))
    office = (
        scope.offices().filter(pk=query.office).first()
        if query.office is not None
        else scope.office
    )
    if office is None:
        raise Http404
    found = assessment.standing(q, office)
    return {
        "quarter": q.label,
        "office_id": office.pk,
        "locked": found.assessment.is_locked,
        "as_of": found.as_of,
        "counted_at": found.counted_at,
        "rows": [
            {
                "unit_id": row.unit_id,
                "unit": str(row.unit),
                "category": row.category,
                "rank": row.rank,
                "total": row.total,
                "facts": row.facts,
            }
            for row in assessment.with_units(found.rows)
        ],
    }


class FiguresQuery(Schema):
    as_of: Day | None = None


@router.get(
    "/cockpit",
    response=FiguresOut,
    summary="The cockpit's figures for the caller, today or as of a past day",
)
def figures(request: HttpRequest, query: Query[FiguresQuery]) -> Any:
    if query.as_of and query.as_of > timezone.localdate():
        raise HttpError(400, _("That day has not come yet."))
    if query.as_of and query.as_of < FIRST_DAY:
        raise HttpError(400, _("There is no record before %(day)s.") % {"day": FIRST_DAY})
    found = overview(caller(request), query.as_of)
    return {
        "at": min(found["at"].end, timezone.now()),
        "totals": found["totals"],
        "charts": found["charts"],
    }
