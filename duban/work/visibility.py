"""Which tasks a person sees: the one definition, below the services (which
check it when a write names a task by its id) and the queries (which read
every list through it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

from duban.lib.lookups import among
from duban.org.scope import scope_of

from .models import Task


def visible_tasks(person: Any, states: Sequence[str] = ()) -> QuerySet[Task]:
    """Every task ``person`` may see (the scope's rule, ``duban.org.scope``),
    of ``states`` only when given.

    Office staff and leaders see the tasks led by a unit of the subtrees they
    belong to; a liaison sees tasks where one of their units is lead or co-unit.
    """
    scope = scope_of(person)
    tasks = Task.objects.all()
    of_states = Q(state__in=list(states)) if states else Q()
    if scope.everything:
        return tasks.filter(of_states) if scope.is_signed_in else tasks.none()
    if scope.subtree:
        return tasks.filter(scope.unit_q("lead_unit"), of_states)
    if not scope.unit_ids:
        return tasks.none()
    return tasks.filter(among("pk", _of_units(sorted(scope.unit_ids), states)))


def _of_units(units: list[int], states: Sequence[str]) -> QuerySet[Any]:
    """The ids of the tasks led by one of ``units`` or with one of them as a
    co-unit (of ``states`` when given): the union of two index lookups, each
    starting from the units. An OR of the two, or an EXISTS per task, had
    PostgreSQL walk every task of the province (a hashed subplan per row, 60-
    70 ms for a liaison's inbox), and SQLite without statistics every open one.
    The states go inside each branch, so neither walks the state's index.
    Callers match ids against it with ``among`` (``duban.lib.lookups``): as
    ``IN``, PostgreSQL without statistics joined it to every open warning."""
    led = Task.objects.filter(lead_unit_id__in=units)
    co = Task.co_units.through.objects.filter(unit_id__in=units)
    if states:
        led = led.filter(state__in=list(states))
        co = co.filter(task__state__in=list(states))
    return led.order_by().values("pk").union(co.order_by().values("task_id"))


def visible_q(person: Any, through: str = "task") -> Q:
    """The rows (reports, requests, warnings...) whose task ``person`` sees, as
    a filter; ``through``: the path from the row to its task ("task",
    "warning__task"). For a scope of everything there is nothing to filter: a
    subquery over every task would lead the planner to walk all of them and
    each one's rows (5 s for the office's count of reports to review at
    province scale, against 20 ms by the state index)."""
    scope = scope_of(person)
    if scope.everything:
        return Q() if scope.is_signed_in else Q(pk__in=[])
    if scope.subtree or not scope.unit_ids:
        return Q(**{f"{through}__in": visible_tasks(person)})
    return among(through, _of_units(sorted(scope.unit_ids), ()))
