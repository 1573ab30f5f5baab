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

from duban.lib import periods
from duban.org.models import Person, Role, Unit
from duban.supervision.models import SupervisionNotice
from duban.supervision.queries import light_counts, with_light_level
from duban.work.models import FILED, OPEN_STATES, ProgressReport, Task, owes_for, stopped_on

from .fanout import Message, liaisons_of, send
from .models import Kind

FIELDS = ("open", "owed", "overdue", "red", "yellow", "reminder", "notices")


def _figures(group: str, today: dt.date, last_week: periods.Period) -> dict[int, dict[str, int]]:
    """Figures per unit (group="lead_unit_id") or per leader (group="leader_id"),
    each read by its one definition: the open tasks by light
    (``supervision.queries.with_light_level``, as the lists and the cockpit), the
    reports last week's tasks owed (``owes_for``, whatever became of the task
    since) and are not filed (``FILED``)."""
    figures: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
    open_tasks = with_light_level(
        Task.objects.filter(state__in=OPEN_STATES, **{f"{group}__isnull": False}), today
    )
    rows = (
        open_tasks.values(group)
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(deadline__lt=today)),
            **{name: Count("id", filter=band) for name, band in light_counts().items()},
        )
        .values_list(group, "open", "overdue", "red", "yellow", "reminder")
    )
    for key, n_open, overdue, red, yellow, reminder in rows:
        figures[key].update(open=n_open, overdue=overdue, red=red, yellow=yellow, reminder=reminder)
    filed = ProgressReport.objects.filter(
        task=OuterRef("pk"), period_label=last_week.label, state__in=FILED
    )
    owed = (
        Task.objects.filter(**{f"{group}__isnull": False})
        .annotate(stopped_on=stopped_on())
        .filter(owes_for(last_week))
        .exclude(Exists(filed))
        .values(group)
        .annotate(n=Count("id"))
        .values_list(group, "n")
    )
    for key, n in owed:
        figures[key]["owed"] = n
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
