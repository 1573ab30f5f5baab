"""Many tasks at once (an imported task list): the same checks as assigning a
task by hand, written in bulk, a level of the tree at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from duban.lib import periods
from duban.org.models import Person, Unit
from duban.org.scope import Actor, person_of, scope_of

from ..models import EventKind, Plan, Task, TaskEvent, TaskState
from .progress import _plan_recompute, _rollup_from
from .tasks import _validate_dates


@dataclass
class NewTask:
    """One task to create. ``parent`` is the key of another NewTask of the same
    call, or a Task that already exists, or None for a top-level task."""

    key: Hashable
    title: str
    lead_unit: Unit
    start_date: dt.date
    deadline: dt.date
    parent: Hashable | Task | None = None
    serial: str = ""
    description: str = ""
    co_units: Sequence[Unit] = field(default_factory=list)
    leader: Person | None = None
    cadence: str = periods.WEEKLY
    import_key: str = ""
    source: str = "plan"
    section: str = ""  # the plan's heading it sits under (Task.section)
    deadline_note: str = ""  # the deadline as the list wrote it, when words (Task.deadline_note)
    # Closed history (an import's past rows, by the office's choice): written
    # closed at 100 %, with an event saying so; it owes nothing and warns of nothing.
    closed: bool = False


@transaction.atomic
def tasks_create_in_bulk(
    *, actor: Actor, plan: Plan, new: Sequence[NewTask]
) -> dict[Hashable, Task]:
    """Create ``new`` in ``plan`` (parents before their children, or in any
    order: they are written a level of the tree at a time), with their history
    rows, co-units and "assigned" events, then roll progress up once.

    Checks as ``task_create`` does, all before anything is written: the actor
    manages the plan's office and every lead and co-operating unit; a deadline
    is not before its start."""
    scope = scope_of(actor)
    message = _("Only the supervision office can assign tasks.")
    scope.require_manage(plan.owner_unit, message)
    scope.require_manage_all(
        {u.pk: u for row in new for u in [row.lead_unit, *row.co_units]}.values(), message
    )
    for row in new:
        _validate_dates(row.start_date, row.deadline)
        if isinstance(row.parent, Task):
            scope.require_covers(row.parent.lead_unit)
    by_key = {row.key: row for row in new}
    children = {
        row.parent for row in new if row.parent is not None and not isinstance(row.parent, Task)
    }

    def depth(row: NewTask) -> int:
        d = 0
        while row.parent is not None and not isinstance(row.parent, Task):
            row = by_key[row.parent]
            d += 1
        return d

    made: dict[Hashable, Task] = {}
    now = timezone.now()
    who = person_of(actor)
    for level in sorted({depth(row) for row in new}):
        rows = [row for row in new if depth(row) == level]
        objs = []
        for row in rows:
            parent = row.parent if isinstance(row.parent, Task) else made.get(row.parent)
            if parent is not None and not parent.is_parent:
                Task.objects.filter(pk=parent.pk).update(is_parent=True)
                parent.is_parent = True
            objs.append(
                Task(
                    plan=plan,
                    parent=parent,
                    serial=row.serial,
                    sort_key=Task.make_sort_key(row.serial),
                    title=row.title,
                    description=row.description,
                    source=row.source,
                    lead_unit=row.lead_unit,
                    leader=row.leader,
                    start_date=row.start_date,
                    original_deadline=row.deadline,
                    deadline=row.deadline,
                    cadence=row.cadence,
                    weight=Decimal(1),
                    created_by=who,
                    import_key=row.import_key,
                    section=row.section,
                    deadline_note=row.deadline_note,
                    is_parent=row.key in children,
                    **(
                        {"state": TaskState.CLOSED, "closed_at": now, "progress": Decimal(100)}
                        if row.closed
                        else {}
                    ),
                )
            )
        written = bulk_create_with_history(
            objs, Task, batch_size=500, default_user=who, default_change_reason="created"
        )
        links, events = [], []
        for row, task in zip(rows, written, strict=True):
            made[row.key] = task
            links += [
                Task.co_units.through(task_id=task.pk, unit_id=unit.pk)
                for unit in {u.pk: u for u in row.co_units}.values()
                if unit.pk != task.lead_unit_id
            ]
            events.append(
                TaskEvent(
                    task=task,
                    kind=EventKind.CREATED,
                    actor=who,
                    unit=task.lead_unit,
                    at=now,
                    data={"meeting": "", "imported": True},
                )
            )
            if row.closed:
                events.append(
                    TaskEvent(
                        task=task,
                        kind=EventKind.CLOSED,
                        actor=who,
                        unit=task.lead_unit,
                        at=now,
                        text=_(
                            "Imported as closed history: its deadline, %(deadline)s, had passed."
                        )
                        % {"deadline": task.deadline.isoformat()},
                        data={"imported": True, "history": True},
                    )
                )
        Task.co_units.through.objects.bulk_create(links, batch_size=1000)
        TaskEvent.objects.bulk_create(events, batch_size=1000)
    # New tasks are at 0 %: the tasks that already existed and received new
    # children, and the plan, follow.
    new_ids = {task.pk for task in made.values()}
    joined = {t.parent_id for t in made.values() if t.parent_id and t.parent_id not in new_ids}
    for parent_id in sorted(joined):
        _rollup_from(Task.objects.get(pk=parent_id))
    _plan_recompute(plan)
    return made
