"""What every group of API operations shares: the person asking, and a task
read through their scope (404 outside it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from duban.org.models import Person
from duban.supervision.queries import with_warning_level
from duban.work import queries
from duban.work.models import Task


def caller(request: HttpRequest) -> Person:
    return request.user  # type: ignore[return-value]


def scoped_tasks(person: Person) -> Any:
    return with_warning_level(
        queries.visible_tasks(person).select_related("lead_unit").prefetch_related("co_units")
    )


def scoped_task(person: Person, pk: int) -> Task:
    return get_object_or_404(scoped_tasks(person), pk=pk)
