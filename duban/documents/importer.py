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

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.audit import log as audit
from duban.audit.models import Outcome
from duban.lib import deadlines, periods, taskbook
from duban.org.models import Person, Role, Unit, UnitKind
from duban.org.scope import Actor, Scope, person_of, scope_of
from duban.org.services import unit_create
from duban.work import services as work
from duban.work.models import Plan, Task

from .models import TaskImport

NEW = "new"
TITLE_MAX = Task._meta.get_field("title").max_length or 300


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
    reason: str = ""  # why a row that read well still cannot be imported


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
        return bool(
            self.book.problems or self.unknown or any(r.status == "invalid" for r in self.rows)
        )

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)


def _units_by_name(scope: Scope) -> tuple[dict[str, Unit], list[tuple[str, Unit]]]:
    """Every name a unit of the importer's scope goes by (name, short name,
    aliases) → the unit, and the list of (name, unit) to suggest from."""
    names: dict[str, Unit] = {}
    pairs: list[tuple[str, Unit]] = []
    for unit in scope.units().filter(is_active=True).order_by("path"):
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
    """The workbook as a task list, within the deployment's import limits
    (DUBAN_IMPORT_MAX_*: checked before openpyxl loads anything)."""
    limits = taskbook.Limits.from_settings(settings)
    return taskbook.read_taskbook(data, plan_year=plan.year, limits=limits)


def preview(
    book: taskbook.TaskBook, plan: Plan, mappings: dict[str, Any], *, scope: Scope
) -> Preview:
    """What the list would do, read against the units of ``scope`` (the
    importer's): a name is matched, or mapped, only to a unit they act in."""
    names, pairs = _units_by_name(scope)
    by_id = {
        u.pk: u for u in scope.units().filter(pk__in=[v for v in mappings.values() if v != NEW])
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
        if len(node.title) > TITLE_MAX:
            row.status = "invalid"
            row.reason = _(
                "The text is %(n)s characters long; a task's title holds at most %(max)s. "
                "Shorten it in the workbook."
            ) % {"n": len(node.title), "max": TITLE_MAX}
        elif (
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


def _require_importer(actor: Actor, plan: Plan) -> Scope:
    scope = scope_of(actor)
    scope.require_manage(plan.owner_unit, _("Only the supervision office can import task lists."))
    return scope


def upload(*, actor: Actor, plan: Plan, uploaded: Any) -> tuple[TaskImport, Preview]:
    """Store an uploaded workbook and read it; a file that is no task list is
    refused with the reason and nothing is stored."""
    scope = _require_importer(actor, plan)
    data = uploaded.read()
    try:
        book = read(data, plan)
    except taskbook.WorkbookError as error:
        text, params = taskbook.message(error.code, error.params)
        raise ValidationError({"file": _(text) % params}) from None

    record = TaskImport(plan=plan, filename=uploaded.name[:255], uploaded_by=person_of(actor))
    record.file.save(uploaded.name, ContentFile(data), save=False)
    record.save()
    return record, preview(book, plan, {}, scope=scope)


def load(*, actor: Actor, record: TaskImport) -> Preview:
    """The stored workbook read again, as the importer sees it; a
    ValidationError when it no longer can be (the limits were lowered, its
    time ran out on a busy server, or the nightly upkeep removed it)."""
    scope = _require_importer(actor, record.plan)
    try:
        with record.file.open("rb") as handle:
            book = read(handle.read(), record.plan)
    except FileNotFoundError:
        raise ValidationError(_("The uploaded list has expired; upload it again.")) from None
    except taskbook.WorkbookError as error:
        text, params = taskbook.message(error.code, error.params)
        raise ValidationError(_(text) % params) from None
    return preview(book, record.plan, record.mappings, scope=scope)


def _create_new(
    actor: Actor,
    plan: Plan,
    result: Preview,
    created_units: dict[str, Unit],
    tasks: dict[int, Task],
    today: dt.date,
) -> int:
    """The rows not imported before, through the work app's bulk service (the
    same checks as assigning a task by hand)."""
    new = [row for row in result.rows if row.existing is None]
    if not new:
        return 0
    rows = []
    for row in new:
        node = row.node
        deadline = row.deadline or dt.date(plan.year or today.year, 12, 31)
        parent: Any = None
        if node.parent is not None:
            parent = tasks.get(node.parent, node.parent)  # kept from before, or new
        rows.append(
            work.NewTask(
                key=node.index,
                parent=parent,
                serial=node.serial,
                title=node.title,
                description=node.notes,
                lead_unit=row.lead or created_units[node.lead_units[0]],
                co_units=row.co + [created_units[n] for n in node.co_units if n in created_units],
                leader=row.leader,
                start_date=_start(plan, deadline, today),
                deadline=deadline,
                cadence=row.cadence,
                import_key=node.external_key,
            )
        )
    tasks.update(work.tasks_create_in_bulk(actor=actor, plan=plan, new=rows))  # type: ignore[arg-type]
    return len(new)


def _start(plan: Plan, deadline: dt.date, today: dt.date) -> dt.date:
    """A plan's tasks run from the start of its year (or today for an undated
    plan), never after their deadline."""
    start = dt.date(plan.year, 1, 1) if plan.year else today
    return min(start, deadline)


def apply(
    *, actor: Actor, record: TaskImport, mappings: dict[str, Any], request: Any = None
) -> dict[str, int]:
    """Write the whole list, or nothing. Rows already imported are updated
    where the list changed them (deadlines excepted); nothing is duplicated.
    Units are matched inside the importer's scope and new ones are created
    under their office, so every task lands where its importer sees it.
    Recorded in the security audit log either way: done, with the counts (in
    the same transaction), or refused (after the refused work was undone)."""
    try:
        return _apply(actor=actor, record=record, mappings=mappings, request=request)
    except ValidationError as error:
        audit.record(
            "import.refused",
            request=request,
            actor=actor,
            outcome=Outcome.REFUSED,
            target=record,
            kind="tasks",
            plan=record.plan_id,
            file=record.filename,
            problems=len(error.messages),
        )
        raise


@transaction.atomic
def _apply(
    *, actor: Actor, record: TaskImport, mappings: dict[str, Any], request: Any
) -> dict[str, int]:
    record = TaskImport.objects.select_for_update().select_related("plan").get(pk=record.pk)
    scope = _require_importer(actor, record.plan)
    record.mappings = {k: v for k, v in mappings.items() if v}
    result = load(actor=actor, record=record)
    if result.blocked or any(r.status == "invalid" for r in result.rows):
        raise ValidationError(
            _("The list cannot be imported yet: fix the rows and names shown, then try again.")
        )
    today = timezone.localdate()
    plan = record.plan
    created_units: dict[str, Unit] = {}
    for name in result.mapped_new:
        created_units[name] = unit_create(
            actor=actor,
            code=f"IMP-{record.pk}-{len(created_units) + 1}",
            name=name,
            kind=UnitKind.OTHER,
            parent=scope.office,
        )
    counts = {"created": 0, "updated": 0, "unchanged": 0, "units_created": len(created_units)}
    tasks: dict[int, Task] = {}
    # Rows imported before: update what the list changed, one by one (few).
    for row in result.rows:
        if row.existing is None:
            continue
        node = row.node
        lead = row.lead or created_units[node.lead_units[0]]
        co = row.co + [created_units[n] for n in node.co_units if n in created_units]
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
    # New rows: written in bulk, a level of the tree at a time (parents first),
    # with their history rows, co-units and "assigned" events.
    counts["created"] = _create_new(actor, plan, result, created_units, tasks, today)
    record.applied_at, record.applied_by = timezone.now(), person_of(actor)
    record.result = counts
    record.save(update_fields=["mappings", "applied_at", "applied_by", "result"])
    audit.record(
        "import.done",
        request=request,
        actor=actor,
        target=record,
        kind="tasks",
        plan=plan.pk,
        file=record.filename,
        rows=len(result.rows),
        detail=counts,
    )
    return counts
