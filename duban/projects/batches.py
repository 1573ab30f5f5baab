"""The "three batches" events as cohorts: members read from the record in two
queries, counted by duban/lib/cohorts.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from duban.lib import cohorts

from .models import BatchEntry, BatchEvent, InvestmentReport, ReportState


def members(event: BatchEvent, projects: Any) -> list[cohorts.Member]:
    """The event's projects the person may see (`projects`: a scoped queryset)."""
    entries = list(
        BatchEntry.objects.filter(event=event, project__in=projects).select_related(
            "project__park", "project__district", "project__industry"
        )
    )
    done = dict(
        InvestmentReport.objects.filter(project__in=[e.project_id for e in entries])
        .exclude(state=ReportState.RETURNED)
        .values("project")
        .annotate(s=Sum("amount"))
        .values_list("project", "s")
    )
    found = []
    for entry in entries:
        p = entry.project
        found.append(
            cohorts.Member(
                project_id=p.pk,
                batch=entry.batch,
                stage_now=p.stage,
                signed_on=p.signed_on,
                started_on=p.started_on,
                produced_on=p.produced_on,
                park=str(p.park) if p.park else "",
                district=str(p.district) if p.district else "",
                industry=str(p.industry),
                planned_investment=p.total_investment,
                completed_investment=done.get(p.pk) or Decimal(0),
            )
        )
    return found


def cohort(event: BatchEvent, projects: Any, as_of: dt.date) -> cohorts.Cohort:
    return cohorts.follow(members(event, projects), event_on=event.date, as_of=as_of)


def breakdown(
    event: BatchEvent, projects: Any, as_of: dt.date, key: str
) -> dict[str, cohorts.Cohort]:
    return cohorts.by(members(event, projects), key, event_on=event.date, as_of=as_of)
