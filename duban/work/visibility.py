"""Which tasks a person sees: the one definition, below the services (which
check it when a write names a task by its id) and the queries (which read
every list through it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q, QuerySet

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
    # Led by one of the units, or one of its co-units: two index lookups
    # (the lead unit's, the co-units' by unit) SQLite ORs together, where an
    # EXISTS per task had it walk every open task without statistics. The
    # states go inside each branch: beside the OR, SQLite without statistics
    # walked the state's index instead (36,000 open tasks at province, 24 ms
    # against 5).
    units = sorted(scope.unit_ids)
    co = Task.co_units.through.objects.filter(unit_id__in=units).values("task_id")
    return tasks.filter((Q(lead_unit_id__in=units) & of_states) | (Q(pk__in=co) & of_states))


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
    return Q(**{f"{through}__in": visible_tasks(person)})
