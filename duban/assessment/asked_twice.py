"""The same figure asked twice (最多报一次): the tasks whose reports ask for an
investment figure that a project's monthly investment report already gives,
so that the office can ask once.

A task asks for an investment figure when its metric names
investment (投资, "invest") and its unit of measure is money (ending in 元,
or "yuan") or not given. Such a task, running in the range, repeats a
project's monthly investment report when a project that owes those reports
(``burden``: a project neither paused nor cancelled, with an
investment plan above zero for a year of the range) is

1. *the same project*: the task is one of the project's problems
   (``projects.Problem``), or the task's lead unit is the project's
   responsible unit and the task's title names the project (its name or
   code); or, failing that,
2. *possibly the same figure*: the task's lead unit is the responsible unit
   of projects that report monthly (the task may be asking for their sum).

Each such task is listed once, with the projects and which of the two it is.

Everything through the scoped queries: a liaison sees their own unit's
tasks, beside the projects they may see.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q

from duban.lib import periods
from duban.org.models import Unit
from duban.org.scope import scope_of
from duban.projects.models import InvestmentPlan, Problem, Project
from duban.projects.queries import visible_projects
from duban.projects.scan import LIVE
from duban.work.models import Task, not_stopped_before
from duban.work.queries import visible_tasks


@dataclass
class TwiceAsked:
    """A task that asks for an investment figure a project's monthly report holds."""

    task: Task
    unit: Unit
    projects: list[Project]
    same_project: bool  # linked or named (1), else the same unit's projects (2)


ASKS_INVESTMENT = Q(metric__icontains="投资") | Q(metric__icontains="invest")
IN_MONEY = Q(metric_unit="") | Q(metric_unit__endswith="元") | Q(metric_unit__icontains="yuan")


def _names(task: Task, project: Project) -> bool:
    """The task's title names the project (its name or code)."""
    titles = [t for t in (task.title, task.title_en) if t]
    names = [n for n in (project.name, project.name_en, project.code) if n]
    return any(name.lower() in title.lower() for title in titles for name in names)


def twice_asked(person: Any, weeks: list[periods.Period]) -> list[TwiceAsked]:
    """The tasks running in the range that ask for an investment figure a
    project's monthly investment report already holds (the rule: this module's
    docstring). Three reads whatever the number of tasks and projects."""
    scope = scope_of(person)
    start, end = weeks[0].start, weeks[-1].end
    tasks = list(
        visible_tasks(person)
        .filter(scope.unit_q("lead_unit"))
        .filter(is_parent=False, start_date__lte=end, deadline__gte=start)
        .filter(not_stopped_before(start))
        .filter(ASKS_INVESTMENT, IN_MONEY)
        .select_related("lead_unit")
        .order_by("lead_unit__path", "sort_key", "id")
    )
    if not tasks:
        return []
    linked: dict[int, set[int]] = defaultdict(set)
    for task_id, project_id in Problem.objects.filter(
        task_id__in=[t.pk for t in tasks]
    ).values_list("task_id", "project_id"):
        linked[task_id].add(project_id)
    years = sorted({start.year, end.year})
    owes = InvestmentPlan.objects.filter(project=OuterRef("pk"), year__in=years, amount__gt=0)
    projects = list(
        visible_projects(person)
        .filter(
            Q(unit_id__in=sorted({t.lead_unit_id for t in tasks}))
            | Q(pk__in=sorted({p for ids in linked.values() for p in ids})),
            Exists(owes),
            stage__in=LIVE,
        )
        .only("pk", "code", "name", "name_en", "unit_id")
        .order_by("code")
    )
    by_pk = {p.pk: p for p in projects}
    by_unit: dict[int, list[Project]] = defaultdict(list)
    for project in projects:
        by_unit[project.unit_id].append(project)
    found = []
    for task in tasks:
        unit_projects = by_unit.get(task.lead_unit_id, [])
        same = [by_pk[p] for p in sorted(linked.get(task.pk, ())) if p in by_pk]
        same += [p for p in unit_projects if p not in same and _names(task, p)]
        if same:
            found.append(TwiceAsked(task, task.lead_unit, same, same_project=True))
        elif unit_projects:
            found.append(TwiceAsked(task, task.lead_unit, unit_projects, same_project=False))
    # The certain ones first.
    found.sort(key=lambda t: not t.same_project)
    return found
