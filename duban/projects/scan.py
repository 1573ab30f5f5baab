"""The project scan: the project rules for every project that is not paused or
cancelled, set-based (three reads, then bulk writes), idempotent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from duban.lib import project_rules

from .models import InvestmentPlan, InvestmentReport, Project, ProjectWarning, ReportState, Stage


@dataclass
class ProjectScanResult:
    projects: int = 0
    raised: list[ProjectWarning] = field(default_factory=list)
    changed: int = 0
    cleared: int = 0


def _facts(today: dt.date) -> list[project_rules.ProjectFacts]:
    year = today.year
    plans = {
        p.project_id: p for p in InvestmentPlan.objects.filter(year=year, project__stage__in=LIVE)
    }
    months: dict[int, set[int]] = {}
    ytd: dict[int, Decimal] = {}
    latest = dict(
        InvestmentReport.objects.filter(year=year)
        .exclude(state=ReportState.RETURNED)
        .values("project")
        .annotate(m=Max("month"))
        .values_list("project", "m")
    )
    for project_id, month, total in (
        InvestmentReport.objects.filter(year=year)
        .exclude(state=ReportState.RETURNED)
        .values_list("project_id", "month", "year_to_date")
    ):
        months.setdefault(project_id, set()).add(month)
        if latest.get(project_id) == month:
            ytd[project_id] = total
    found = []
    for pid, stage, planned_start, started_on in Project.objects.filter(stage__in=LIVE).values_list(
        "id", "stage", "planned_start", "started_on"
    ):
        plan = plans.get(pid)
        found.append(
            project_rules.ProjectFacts(
                id=pid,
                stage=stage,
                planned_start=planned_start,
                started_on=started_on,
                year=year,
                annual_plan=plan.amount if plan else Decimal(0),
                ytd=ytd.get(pid, Decimal(0)),
                reported_months=frozenset(months.get(pid, set())),
                plan_start_month=plan.first_month if plan else 1,
                plan_end_month=plan.last_month if plan else 12,
            )
        )
    return found


LIVE = [s for s in Stage.values if s not in (Stage.PAUSED, Stage.CANCELLED)]


@transaction.atomic
def scan_projects(*, today: dt.date | None = None) -> ProjectScanResult:
    now = timezone.now()
    today = today or timezone.localdate(now)
    facts = _facts(today)
    wanted = {
        (f.id, finding.rule): finding for f in facts for finding in project_rules.evaluate(f, today)
    }
    result = ProjectScanResult(projects=len(facts))
    active = {
        (w.project_id, w.rule): w for w in ProjectWarning.objects.filter(cleared_at__isnull=True)
    }
    gone = [w.pk for key, w in active.items() if key not in wanted]
    if gone:
        result.cleared = ProjectWarning.objects.filter(pk__in=gone).update(cleared_at=now)
    changed = []
    for key, warning in active.items():
        finding = wanted.get(key)
        if finding is not None and (finding.level, finding.facts) != (warning.level, warning.facts):
            warning.level, warning.facts, warning.changed_at = finding.level, finding.facts, now
            changed.append(warning)
    if changed:
        ProjectWarning.objects.bulk_update(changed, ["level", "facts", "changed_at"])
    result.changed = len(changed)
    new = [
        ProjectWarning(
            project_id=pid, rule=rule, level=f.level, facts=f.facts, raised_at=now, changed_at=now
        )
        for (pid, rule), f in wanted.items()
        if (pid, rule) not in active
    ]
    if new:
        ProjectWarning.objects.bulk_create(new, batch_size=500)
    result.raised = new
    return result
