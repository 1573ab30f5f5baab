"""Importing a task list: preview (what duban understood, matched against
units and people and against tasks already imported), then apply it all in
one transaction or nothing.

The preview reads the stored workbook again each time (read_taskbook is
pure), so the mapping of unknown unit names can change between looks
without keeping half-parsed state anywhere.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.lib import deadlines, periods
from duban.org.models import Person, Role, Unit, UnitKind
from duban.org.services import unit_create
from duban.work import services as work
from duban.work.models import Plan, Task
from duban.work.permissions import can_manage

from . import taskbook
from .models import TaskImport

NEW = "new"


@dataclass
class Row:
    node: taskbook.Node
    depth: int
    lead: Unit | None
    co: list[Unit]
    leader: Person | None
    deadline: dt.date | None
    cadence: str
    existing: Task | None
    status: str  # "new", "update", "same", "invalid"
    changes: list[str] = field(default_factory=list)


@dataclass
class Preview:
    book: taskbook.TaskBook
    rows: list[Row]
    matched: dict[str, Unit]  # name as written → unit
    unknown: dict[str, list[Unit]]  # name → suggestions
    unknown_leaders: list[str]
    mapped_new: list[str]  # names the office chose to create as units
    # The year the list's title names, when it is not the plan's year: the
    # deadlines without a year were read as the plan's.
    other_year: int | None = None

    @property
    def blocked(self) -> bool:
        return bool(self.book.problems or self.unknown)

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


def _units_by_name() -> tuple[dict[str, Unit], list[tuple[str, Unit]]]:
    """Every name a unit goes by (name, short name, aliases) → the unit, and
    the list of (name, unit) to suggest from."""
    names: dict[str, Unit] = {}
    pairs: list[tuple[str, Unit]] = []
    for unit in Unit.objects.filter(is_active=True).order_by("path"):
        for name in [unit.name, unit.short_name, *unit.alias_list]:
            name = (name or "").strip()
            if name:
                names.setdefault(name, unit)
                pairs.append((name, unit))
    return names, pairs


def _suggest(name: str, pairs: list[tuple[str, Unit]]) -> list[Unit]:
    found: list[Unit] = []
    close = difflib.get_close_matches(name, [p[0] for p in pairs], n=6, cutoff=0.5)
    by_name = dict(pairs)
    for text in close:
        if by_name[text] not in found:
            found.append(by_name[text])
    for text, unit in pairs:  # names that contain each other: 发改委 / 市发改委
        if (name in text or text in name) and unit not in found:
            found.append(unit)
    return found[:5]


def _cadence(parsed: deadlines.ParsedDeadline | None) -> str:
    if parsed is not None and parsed.recurrence == deadlines.WEEKLY:
        return periods.WEEKLY
    if parsed is not None and parsed.recurrence in (
        deadlines.MONTHLY,
        deadlines.QUARTERLY,
        deadlines.HALF_YEARLY,
        deadlines.YEARLY,
    ):
        return periods.MONTHLY
    return periods.WEEKLY


def read(data: bytes, plan: Plan) -> taskbook.TaskBook:
    return taskbook.read_taskbook(data, plan_year=plan.year)


def preview(book: taskbook.TaskBook, plan: Plan, mappings: dict[str, Any]) -> Preview:
    names, pairs = _units_by_name()
    by_id = {
        u.pk: u for u in Unit.objects.filter(pk__in=[v for v in mappings.values() if v != NEW])
    }
    matched: dict[str, Unit] = {}
    unknown: dict[str, list[Unit]] = {}
    mapped_new: list[str] = []
    written = {name for node in book.nodes for name in [*node.lead_units, *node.co_units]}
    for name in sorted(written):
        if name in names:
            matched[name] = names[name]
        elif mappings.get(name) == NEW:
            mapped_new.append(name)
        elif mappings.get(name) in by_id:
            matched[name] = by_id[mappings[name]]
        else:
            unknown[name] = _suggest(name, pairs)
    leaders = {p.full_name: p for p in Person.objects.filter(role=Role.LEADER, is_active=True)} | {
        p.username: p for p in Person.objects.filter(role=Role.LEADER, is_active=True)
    }
    unknown_leaders = sorted({n.leader for n in book.nodes if n.leader and n.leader not in leaders})
    existing = {
        t.import_key: t
        for t in Task.objects.filter(
            plan=plan, import_key__in=[n.external_key for n in book.nodes]
        ).prefetch_related("co_units")
    }
    depth: dict[int, int] = {}
    rows = []
    for node in book.nodes:
        depth[node.index] = 0 if node.parent is None else depth[node.parent] + 1
        lead = matched.get(node.lead_units[0]) if node.lead_units else None
        co = [matched[n] for n in [*node.lead_units[1:], *node.co_units] if n in matched]
        parsed = node.deadline
        row = Row(
            node=node,
            depth=depth[node.index],
            lead=lead,
            co=[u for u in dict.fromkeys(co) if u != lead],
            leader=leaders.get(node.leader) if node.leader else None,
            deadline=parsed.date if parsed is not None else None,
            cadence=_cadence(parsed),
            existing=existing.get(node.external_key),
            status="new",
        )
        if (
            not node.valid
            or row.lead is None
            and not (node.lead_units and node.lead_units[0] in mapped_new)
        ):
            row.status = "invalid"
        elif row.existing is not None:
            row.changes = _changes(row)
            row.status = "update" if row.changes else "same"
        rows.append(row)
    years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", book.title)]
    other_year = years[0] if years and plan.year and years[0] != plan.year else None
    return Preview(book, rows, matched, unknown, unknown_leaders, mapped_new, other_year)


def _changes(row: Row) -> list[str]:
    task = row.existing
    assert task is not None
    changes = []
    if task.title != row.node.title:
        changes.append("title")
    if task.serial != row.node.serial:
        changes.append("serial")
    if row.lead is not None and task.lead_unit_id != row.lead.pk:
        changes.append("lead_unit")
    if {u.pk for u in task.co_units.all()} != {u.pk for u in row.co}:
        changes.append("co_units")
    if row.leader is not None and task.leader_id != row.leader.pk:
        changes.append("leader")
    if row.deadline is not None and task.deadline != row.deadline:
        changes.append("deadline")  # shown, not applied: deadlines move by request
    return changes


def upload(*, actor: Person, plan: Plan, uploaded: Any) -> tuple[TaskImport, Preview]:
    """Store an uploaded workbook and read it; a file that is no task list is
    refused with the reason and nothing is stored."""
    if not can_manage(actor):
        raise PermissionDenied(_("Only the supervision office can import task lists."))
    data = uploaded.read()
    try:
        book = read(data, plan)
    except taskbook.WorkbookError as error:
        text, params = taskbook.message(error.code, error.params)
        raise ValidationError({"file": _(text) % params}) from None
    from django.core.files.base import ContentFile

    record = TaskImport(plan=plan, filename=uploaded.name[:255], uploaded_by=actor)
    record.file.save(uploaded.name, ContentFile(data), save=False)
    record.save()
    return record, preview(book, plan, {})


def load(record: TaskImport) -> Preview:
    with record.file.open("rb") as handle:
        data = handle.read()
    return preview(read(data, record.plan), record.plan, record.mappings)


def _start(plan: Plan, deadline: dt.date, today: dt.date) -> dt.date:
    """A plan's tasks run from the start of its year (or today for an undated
    plan), never after their deadline."""
    start = dt.date(plan.year, 1, 1) if plan.year else today
    return min(start, deadline)


@transaction.atomic
def apply(*, actor: Person, record: TaskImport, mappings: dict[str, Any]) -> dict[str, int]:
    """Write the whole list, or nothing. Rows already imported are updated
    where the list changed them (deadlines excepted); nothing is duplicated."""
    if not can_manage(actor):
        raise PermissionDenied(_("Only the supervision office can import task lists."))
    record = TaskImport.objects.select_for_update().get(pk=record.pk)
    record.mappings = {k: v for k, v in mappings.items() if v}
    result = load(record)
    if result.blocked or any(r.status == "invalid" for r in result.rows):
        raise ValidationError(
            _("The list cannot be imported yet: fix the rows and names shown, then try again.")
        )
    today = timezone.localdate()
    plan = record.plan
    created_units: dict[str, Unit] = {}
    for name in result.mapped_new:
        created_units[name] = unit_create(
            code=f"IMP-{record.pk}-{len(created_units) + 1}", name=name, kind=UnitKind.OTHER
        )
    counts = {"created": 0, "updated": 0, "unchanged": 0, "units_created": len(created_units)}
    tasks: dict[int, Task] = {}
    for row in result.rows:
        node = row.node
        lead = row.lead or created_units[node.lead_units[0]]
        co = row.co + [created_units[n] for n in node.co_units if n in created_units]
        parent = tasks.get(node.parent) if node.parent is not None else None
        if row.existing is not None:
            task = row.existing
            edits: dict[str, Any] = {}
            if "title" in row.changes:
                edits["title"] = node.title
            if "serial" in row.changes:
                edits["serial"] = node.serial
            if "lead_unit" in row.changes:
                edits["lead_unit"] = lead
            if "leader" in row.changes:
                edits["leader"] = row.leader
            if edits or "co_units" in row.changes:
                task = work.task_update(
                    actor=actor,
                    task=task,
                    version=task.version,
                    co_units=co if "co_units" in row.changes else None,
                    **edits,
                )
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
            tasks[node.index] = task
            continue
        deadline = row.deadline
        if deadline is None:  # an ongoing task with no date: the end of the plan year
            deadline = dt.date(plan.year or today.year, 12, 31)
        task = work.task_create(
            actor=actor,
            title=node.title,
            lead_unit=lead,
            co_units=co,
            leader=row.leader,
            start_date=_start(plan, deadline, today),
            deadline=deadline,
            plan=plan,
            parent=parent,
            serial=node.serial,
            description=node.notes,
            cadence=row.cadence,
        )
        Task.objects.filter(pk=task.pk).update(import_key=node.external_key)
        tasks[node.index] = task
        counts["created"] += 1
    record.applied_at, record.applied_by, record.result = timezone.now(), actor, counts
    record.save(update_fields=["mappings", "applied_at", "applied_by", "result"])
    return counts
