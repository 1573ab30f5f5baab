"""The Monday digest: to each unit's liaisons (and its chat robots) how the
unit stands, and to each leader how the tasks they answer for stand.

A fixed number of aggregate queries, grouped by unit and by leader.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from duban.lib import periods, rules
from duban.org.models import Person, Role, Unit
from duban.supervision.models import SupervisionNotice, TaskWarning
from duban.work.models import OPEN_STATES, ProgressReport, ReportState, Task

from .fanout import Message, liaisons_of, send
from .models import Kind

FIELDS = ("open", "owed", "overdue", "red", "yellow", "reminder", "notices")


def _figures(group: str, today: dt.date, last_week: periods.Period) -> dict[int, dict[str, int]]:
    """Figures per unit (group="lead_unit_id") or per leader (group="leader_id")."""
    figures: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    filed = ProgressReport.objects.filter(
        task=OuterRef("pk"),
        period_label=last_week.label,
        state__in=(ReportState.SUBMITTED, ReportState.ACCEPTED),
    )
    open_tasks = Task.objects.filter(state__in=OPEN_STATES, **{f"{group}__isnull": False})
    rows = (
        open_tasks.values(group)
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(deadline__lt=today)),
            owed=Count(
                "id",
                filter=Q(
                    cadence=periods.WEEKLY,
                    is_parent=False,
                    close_requested_at__isnull=True,
                    start_date__lte=last_week.end,
                    deadline__gte=last_week.start,
                )
                & ~Q(Exists(filed)),
            ),
        )
        .values_list(group, "open", "overdue", "owed")
    )
    for key, n_open, overdue, owed in rows:
        figures[key].update(open=n_open, overdue=overdue, owed=owed)
    task_group = "unit_id" if group == "lead_unit_id" else "task__leader_id"
    warnings = (
        TaskWarning.objects.filter(cleared_at__isnull=True, withdrawn_at__isnull=True)
        .values(task_group)
        .annotate(
            red=Count("id", filter=Q(level__gte=rules.RED)),
            yellow=Count("id", filter=Q(level__in=(rules.YELLOW, rules.NOTICE))),
            reminder=Count("id", filter=Q(level=rules.REMINDER)),
        )
        .values_list(task_group, "red", "yellow", "reminder")
    )
    for key, red, yellow, reminder in warnings:
        if key is not None:
            figures[key].update(red=red, yellow=yellow, reminder=reminder)
    notice_group = "unit_id" if group == "lead_unit_id" else "task__leader_id"
    for key, n in (
        SupervisionNotice.objects.filter(answered_at__isnull=True)
        .values(notice_group)
        .annotate(n=Count("id"))
        .values_list(notice_group, "n")
    ):
        if key is not None:
            figures[key]["notices"] = n
    return figures


def weekly_digest(*, now: dt.datetime | None = None) -> int:
    """Queue this week's digest; return how many in-app messages were new.
    Safe to run twice: the keys name the week."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    this_week = periods.period_containing(today, periods.WEEKLY)
    last_week = periods.period_containing(this_week.start - dt.timedelta(days=1), periods.WEEKLY)
    key = f"digest:{this_week.label}"  # a liaison of two units gets one digest for each
    messages: list[Message] = []
    by_unit = {k: v for k, v in _figures("lead_unit_id", today, last_week).items() if v["open"]}
    names = dict(Unit.objects.filter(pk__in=by_unit).values_list("id", "name"))
    names_en = dict(Unit.objects.filter(pk__in=by_unit).values_list("id", "name_en"))
    liaisons = liaisons_of(by_unit)
    for unit_id, figures in sorted(by_unit.items()):
        data: dict[str, Any] = {
            **figures,
            "week": last_week.label,
            "scope": names.get(unit_id, ""),
            "scope_en": names_en.get(unit_id, ""),
        }
        messages.append(
            Message(
                kind=Kind.DIGEST,
                key=f"{key}:u{unit_id}",
                data=data,
                people=liaisons.get(unit_id, set()),
                units={unit_id},
            )
        )
    by_leader = {k: v for k, v in _figures("leader_id", today, last_week).items() if v["open"]}
    leaders = Person.objects.filter(pk__in=by_leader, role=Role.LEADER, is_active=True)
    for person in leaders:
        data = {
            **by_leader[person.pk],
            "week": last_week.label,
            "leader": str(person),
        }
        messages.append(
            Message(kind=Kind.DIGEST, key=f"{key}:leader", data=data, people={person.pk})
        )
    return send(messages, now=now)
