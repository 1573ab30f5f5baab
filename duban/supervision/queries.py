"""What the supervision record adds to the pages built on tasks: the level of
a task's warnings for the lists' light, and what waits in an inbox (warnings
and notices for a unit, appeals for the office)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest

from duban.lib import rules
from duban.org.scope import scope_of
from duban.work.models import Task
from duban.work.queries import visible_q

from .models import SupervisionNotice, TaskWarning, WarningAppeal


def with_warning_level(tasks: QuerySet[Task]) -> QuerySet[Task]:
    """``warning_level`` on each task: the highest level among its active
    warnings (None: none), read by ``duban.lib.rules.light`` for the light."""
    return tasks.annotate(
        warning_level=Subquery(
            TaskWarning.objects.filter(
                task_id=OuterRef("pk"), cleared_at__isnull=True, withdrawn_at__isnull=True
            )
            .order_by("-level")
            .values("level")[:1]
        )
    )


def with_light_level(tasks: QuerySet[Task], today: dt.date) -> QuerySet[Task]:
    """``light_level`` on each task: ``rules.light_level`` in SQL (the worst
    active warning, red once the deadline has passed), for counting lights in
    aggregate queries; ``warning_level`` comes with it."""
    return with_warning_level(tasks).annotate(
        # max(warning level or 0, RED if overdue else 0), as rules.light_level.
        light_level=Greatest(
            Coalesce("warning_level", Value(0)),
            Case(When(Q(deadline__lt=today), then=Value(rules.RED)), default=Value(0)),
        )
    )


def light_counts(level: str = "light_level") -> dict[str, Q]:
    """Filters on ``light_level`` for counting the open tasks of each light:
    red, yellow, and green with a reminder (``rules.light``'s bands)."""
    return {
        "red": Q(**{f"{level}__gte": rules.RED}),
        "yellow": Q(**{f"{level}__gte": rules.YELLOW, f"{level}__lt": rules.RED}),
        "reminder": Q(**{level: rules.REMINDER}),
    }


def active_warnings(person: Any) -> QuerySet[TaskWarning]:
    """The active warnings (neither cleared nor withdrawn) on the tasks the person sees."""
    return TaskWarning.objects.filter(
        visible_q(person), cleared_at__isnull=True, withdrawn_at__isnull=True
    )


@dataclass
class Waiting:
    """The supervision part of a person's inbox."""

    warnings: list[TaskWarning] = field(default_factory=list)
    notices: list[SupervisionNotice] = field(default_factory=list)
    appeals: list[WarningAppeal] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.supervision_total()

    def supervision_total(self) -> int:
        # Warnings are shown, not counted: a unit clears them by working.
        return len(self.notices) + len(self.appeals)


def waiting(person: Any) -> Waiting:
    box = Waiting()
    if person.is_liaison:
        units = sorted(scope_of(person).unit_ids)
        box.notices = list(
            SupervisionNotice.objects.filter(unit_id__in=units, answered_at__isnull=True)
            .select_related("task")
            .order_by("answer_by", "id")
        )
        box.warnings = list(
            TaskWarning.objects.filter(
                unit_id__in=units, cleared_at__isnull=True, withdrawn_at__isnull=True
            )
            .select_related("task", "task__lead_unit")
            .order_by("-level", "raised_at")[:50]
        )
    if person.is_office:
        box.appeals = list(
            WarningAppeal.objects.filter(visible_q(person, "warning__task"), state="pending")
            .select_related("warning", "warning__task", "warning__unit", "filed_by")
            .order_by("filed_at")
        )
    return box


def waiting_count(person: Any) -> int:
    """The supervision part of the number on the inbox link."""
    count = 0
    if person.is_liaison:
        units = sorted(scope_of(person).unit_ids)
        if units:
            count += SupervisionNotice.objects.filter(
                unit_id__in=units, answered_at__isnull=True
            ).count()
    elif person.is_office:
        count += WarningAppeal.objects.filter(
            visible_q(person, "warning__task"), state="pending"
        ).count()
    return count
