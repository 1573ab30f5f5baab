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
from typing import Any, NamedTuple

from django.db.models import Exists, OuterRef, Q

from duban.lib import periods
from duban.org.models import Unit
from duban.org.scope import scope_of
from duban.projects.models import InvestmentPlan, Problem, Project
from duban.projects.queries import visible_projects
from duban.projects.scan import LIVE
from duban.work.models import Task, not_stopped_before
from duban.work.queries import visible_tasks


class Found(NamedTuple):
    """A task asking for an investment figure a project's monthly report
    holds, as ids (what the burden keeps)."""

    task_id: int
    unit_id: int  # the task's lead unit
    project_ids: list[int]
    same_project: bool  # linked or named (1), else the same unit's projects (2)


@dataclass
class TwiceAsked:
    """A found task with its unit and projects, to show."""

    task: Task
    unit: Unit
    projects: list[Project]
    same_project: bool


ASKS_INVESTMENT = Q(metric__icontains="投资") | Q(metric__icontains="invest")
IN_MONEY = Q(metric_unit="") | Q(metric_unit__endswith="元") | Q(metric_unit__icontains="yuan")


def _names(titles: tuple[str, ...], project: Project) -> bool:
    """The task's title (or English title) names the project (its name or code)."""
    titles = tuple(t for t in titles if t)
    names = [n for n in (project.name, project.name_en, project.code) if n]
    return any(name.lower() in title.lower() for title in titles for name in names)


def found(person: Any, weeks: list[periods.Period]) -> list[Found]:
    """The tasks running in the range that ask for an investment figure a
    project's monthly investment report already holds (the rule: this module's
    docstring), the certain ones first. Three reads whatever the number of
    tasks and projects, of the columns the rule needs only."""
    scope = scope_of(person)
    start, end = weeks[0].start, weeks[-1].end
    tasks = list(
        visible_tasks(person)
        .filter(scope.unit_q("lead_unit"))
        .filter(is_parent=False, start_date__lte=end, deadline__gte=start)
        .filter(not_stopped_before(start))
        .filter(ASKS_INVESTMENT, IN_MONEY)
        .order_by("lead_unit__path", "sort_key", "id")
        .values_list("pk", "lead_unit_id", "title", "title_en")
    )
    if not tasks:
        return []
    linked: dict[int, set[int]] = defaultdict(set)
    for task_id, project_id in Problem.objects.filter(
        task_id__in=[t[0] for t in tasks]
    ).values_list("task_id", "project_id"):
        linked[task_id].add(project_id)
    years = sorted({start.year, end.year})
    owes = InvestmentPlan.objects.filter(project=OuterRef("pk"), year__in=years, amount__gt=0)
    projects = list(
        visible_projects(person)
        .filter(
            Q(unit_id__in=sorted({t[1] for t in tasks}))
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
    certain, possible = [], []
    for task_id, unit_id, title, title_en in tasks:
        unit_projects = by_unit.get(unit_id, [])
        same = [by_pk[p] for p in sorted(linked.get(task_id, ())) if p in by_pk]
        same += [p for p in unit_projects if p not in same and _names((title, title_en), p)]
        if same:
            certain.append(Found(task_id, unit_id, [p.pk for p in same], True))
        elif unit_projects:
            possible.append(Found(task_id, unit_id, [p.pk for p in unit_projects], False))
    return certain + possible


def load(person: Any, rows: list[Found]) -> list[TwiceAsked]:
    """The tasks of ``rows`` (those a page shows) with their units and the
    projects ``person`` may see, in two reads; a task no longer visible, or
    whose projects none are, is left out."""
    ids = {row.task_id for row in rows}
    tasks = visible_tasks(person).select_related("lead_unit").in_bulk(sorted(ids))
    projects = (
        visible_projects(person)
        .only("pk", "code", "name", "name_en", "unit_id")
        .in_bulk(sorted({p for row in rows for p in row.project_ids}))
    )
    shown = []
    for row in rows:
        task = tasks.get(row.task_id)
        seen = [projects[p] for p in row.project_ids if p in projects]
        if task is not None and seen:
            shown.append(TwiceAsked(task, task.lead_unit, seen, row.same_project))
    return shown


def twice_asked(person: Any, weeks: list[periods.Period]) -> list[TwiceAsked]:
    """``found``, with the tasks and projects loaded."""
    return load(person, found(person, weeks))
