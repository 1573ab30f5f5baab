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
from django.db.models import QuerySet
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
HEADINGS, AS_TASKS = "headings", "tasks"  # what section rows become (TaskImport.sections)
# What new rows whose deadline has passed become (TaskImport.past): imported
# as they are (overdue at once), moved to this year, or closed history.
KEEP, THIS_YEAR, HISTORY = "keep", "this_year", "history"

# Names a list writes for several units at once. "All parks / districts /
# towns" expand to every such unit of the office's that the importer sees;
# "the relevant units" names none and is left out. The office may map any of
# them to one unit instead, like an unknown name.
PARKS, DISTRICTS, TOWNS = "parks", "districts", "towns"
_EVERY = (
    (re.compile(r"^各(?:园区|产业园区?|开发区|功能区)$"), PARKS),
    (re.compile(r"^各(?:县区|区县|县市区|县（市、区）|县\(市、区\)|区)$"), DISTRICTS),
    (re.compile(r"^各(?:乡镇|乡镇（街道）|乡镇\(街道\)|乡镇街道|镇|街道)$"), TOWNS),
)
_RELEVANT = re.compile(r"^各?(?:有关|相关)?(?:单位|部门)$")
_TOWN_NAME = re.compile(r"(?:镇|乡|街道|街道办事处)$")


def collective(name: str) -> str | None:
    """PARKS, DISTRICTS, TOWNS, or "relevant" for a name that means several
    units at once ("各园区", "各有关单位"); None for a unit's name."""
    for pattern, kind in _EVERY:
        if pattern.match(name):
            return kind
    return "relevant" if _RELEVANT.match(name) and name not in ("单位", "部门") else None


def _of_kind(kind: str, units: list[Unit]) -> list[Unit]:
    if kind == PARKS:
        return [u for u in units if u.kind == UnitKind.PARK]
    if kind == TOWNS:
        return [u for u in units if _TOWN_NAME.search(u.name)]
    if kind == DISTRICTS:
        return [u for u in units if u.kind == UnitKind.DISTRICT and not _TOWN_NAME.search(u.name)]
    return []


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
    status: str  # "new", "update", "same", "invalid", "heading"
    changes: list[str] = field(default_factory=list)
    reason: str = ""  # why a row that read well still cannot be imported
    # Units to create for it (names the office chose "create" for): the lead
    # when ``lead`` is None, and co-units beside ``co``.
    new_lead: str = ""
    new_co: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was understood (a collective name)
    section: str = ""  # the heading it sits under, when section rows are headings
    parent: int | None = None  # the node it is imported under (None: top level)
    past: bool = False  # a new row whose deadline has already passed
    # The deadline the list wrote, when the office chose to move past ones to
    # this year (``deadline`` is then the moved one).
    moved_from: dt.date | None = None
    closed: bool = False  # imported as closed history


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
    # Collective names → the units they stand for ([]: left out).
    collective: dict[str, list[Unit]] = field(default_factory=dict)
    parent: Unit | None = None  # where new units go
    sections: str = HEADINGS
    past: str = KEEP

    def summary(self) -> dict[str, int]:
        """What the list holds as it will be imported: headings, tasks,
        measures and the units to create."""
        imported = [r for r in self.rows if r.status != "heading"]
        return {
            "headings": sum(1 for r in self.rows if r.status == "heading"),
            "sections": sum(1 for r in imported if r.node.level == taskbook.SECTION),
            "tasks": sum(1 for r in imported if r.node.level == taskbook.TASK),
            "measures": sum(1 for r in imported if r.node.level == taskbook.MEASURE),
            "new_units": len(self.mapped_new),
            "past": sum(1 for r in self.rows if r.past),
            "moved": sum(1 for r in self.rows if r.moved_from is not None),
            "closed": sum(1 for r in self.rows if r.closed),
            "long_term": sum(
                1 for r in imported if r.deadline == deadlines.LONG_TERM and r.existing is None
            ),
        }

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
    """How often a row reports: "每月" monthly, "每季度" quarterly, and "每半年" /
    "每年" quarterly too (the rarest cadence there is: never asked more often
    than the list says by more than that; its words stay on the task);
    weekly otherwise."""
    recurrence = parsed.recurrence if parsed is not None else None
    if recurrence == deadlines.MONTHLY:
        return periods.MONTHLY
    if recurrence in (deadlines.QUARTERLY, deadlines.HALF_YEARLY, deadlines.YEARLY):
        return periods.QUARTERLY
    return periods.WEEKLY


def _deadline(parsed: deadlines.ParsedDeadline | None) -> dt.date | None:
    """A row's deadline: the date read, none for a long-term row (长期坚持)."""
    if parsed is None:
        return None
    if parsed.kind == deadlines.ONGOING:
        return deadlines.LONG_TERM
    return parsed.date


def deadline_words(parsed: deadlines.ParsedDeadline | None) -> str:
    """The deadline as the list wrote it, kept on the task when it is words
    rather than a date ("每半年", "长期坚持", "6月底前完成初稿，9月底前完成")."""
    if parsed is None:
        return ""
    if parsed.kind in (deadlines.ONGOING, deadlines.RECURRING):
        return parsed.source[:100]
    return parsed.source[:100] if parsed.note_code == deadlines.SEVERAL_DATES else ""


def this_year(day: dt.date, today: dt.date) -> dt.date:
    """A past deadline moved to this year: the same day this year, or the
    year's last day when that one has passed too."""
    try:
        moved = day.replace(year=today.year)
    except ValueError:  # 29 February
        moved = dt.date(today.year, 2, 28)
    return moved if moved >= today else dt.date(today.year, 12, 31)


def read(data: bytes, plan: Plan) -> taskbook.TaskBook:
    """The workbook as a task list, within the deployment's import limits
    (DUBAN_IMPORT_MAX_*: checked before openpyxl loads anything)."""
    limits = taskbook.Limits.from_settings(settings)
    return taskbook.read_taskbook(data, plan_year=plan.year, limits=limits)


def placements(scope: Scope, plan: Plan) -> QuerySet[Unit]:
    """Where an import into ``plan`` may create units: the plan's office and
    the units below it that the importer keeps, so the office and its leaders
    see the new units and their tasks at once."""
    office = plan.owner_unit
    return scope.units().filter(is_active=True, path__startswith=office.path).order_by("path")


def preview(
    book: taskbook.TaskBook,
    plan: Plan,
    mappings: dict[str, Any],
    *,
    scope: Scope,
    parent: Unit | None = None,
    sections: str = HEADINGS,
    past: str = KEEP,
) -> Preview:
    """What the list would do, read against the units of ``scope`` (the
    importer's): a name is matched, or mapped, only to a unit they act in.
    ``past``: what new rows whose deadline has passed become (KEEP,
    THIS_YEAR or HISTORY)."""
    names, pairs = _units_by_name(scope)
    by_id = {
        u.pk: u for u in scope.units().filter(pk__in=[v for v in mappings.values() if v != NEW])
    }
    office_units = list(placements(scope, plan))
    matched: dict[str, Unit] = {}
    unknown: dict[str, list[Unit]] = {}
    mapped_new: list[str] = []
    groups: dict[str, list[Unit]] = {}
    written = {name for node in book.nodes for name in [*node.lead_units, *node.co_units]}
    for name in sorted(written):
        if mappings.get(name) == NEW:
            mapped_new.append(name)
        elif mappings.get(name) in by_id:
            matched[name] = by_id[mappings[name]]
        elif name in names:
            matched[name] = names[name]
        elif (kind := collective(name)) is not None:
            groups[name] = _of_kind(kind, office_units)
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
    today = timezone.localdate()
    depth: dict[int, int] = {}
    heading: dict[int, str] = {}  # section node → its heading text, when not a task
    rows = []
    for node in book.nodes:
        as_heading = (
            node.level == taskbook.SECTION
            and sections == HEADINGS
            and node.external_key not in existing
        )
        parent_index = node.parent if node.parent not in heading else None
        depth[node.index] = 0 if parent_index is None else depth[parent_index] + 1
        parsed = node.deadline
        row = Row(
            node=node,
            depth=depth[node.index],
            lead=None,
            co=[],
            leader=leaders.get(node.leader) if node.leader else None,
            deadline=_deadline(parsed),
            cadence=_cadence(parsed),
            existing=existing.get(node.external_key),
            status="new",
            section=heading.get(node.parent, "") if node.parent is not None else "",
            parent=parent_index,
        )
        rows.append(row)
        if as_heading:
            heading[node.index] = f"{node.serial}、{node.title}" if node.serial else node.title
            row.status, row.depth, row.leader, row.deadline = "heading", 0, None, None
            continue
        if node.level == taskbook.SECTION:
            # A top-level task of the office's own: its units are its
            # measures', not the first measure's, and its deadline their latest.
            row.lead = plan.owner_unit
        else:
            _place_units(row, node, matched, groups, set(mapped_new))
        row.past = row.existing is None and row.deadline is not None and row.deadline < today
        if len(node.title) > TITLE_MAX:
            row.status = "invalid"
            row.reason = _(
                "The text is %(n)s characters long; a task's title holds at most %(max)s. "
                "Shorten it in the workbook."
            ) % {"n": len(node.title), "max": TITLE_MAX}
        elif not node.valid:
            row.status = "invalid"
        elif row.lead is None and not row.new_lead:
            row.status = "invalid"
            row.reason = _lead_reason(node, unknown, groups)
        elif row.existing is not None:
            row.changes = _changes(row)
            row.status = "update" if row.changes else "same"
    _settle_past(rows, past, today)
    years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})(?!\d)", book.title)]
    other_year = years[0] if years and plan.year and years[0] != plan.year else None
    return Preview(
        book,
        rows,
        matched,
        unknown,
        unknown_leaders,
        mapped_new,
        other_year,
        collective=groups,
        parent=parent or plan.owner_unit,
        sections=sections,
        past=past,
    )


def _settle_past(rows: list[Row], past: str, today: dt.date) -> None:
    """The office's choice for new rows whose deadline has passed: moved to
    this year, or closed history, a row with all its measures (a task whose
    measures still run stays open and keeps its deadline)."""
    if past not in (THIS_YEAR, HISTORY):
        return
    children: dict[int, list[Row]] = {}
    for row in rows:
        if row.parent is not None:
            children.setdefault(row.parent, []).append(row)

    def all_past(row: Row) -> bool:
        return row.past and all(all_past(c) for c in children.get(row.node.index, []))

    for row in rows:
        if not row.past or row.status == "invalid":
            continue
        if past == THIS_YEAR:
            assert row.deadline is not None
            row.moved_from, row.deadline = row.deadline, this_year(row.deadline, today)
        elif all_past(row):
            row.closed = True


def _place_units(
    row: Row,
    node: taskbook.Node,
    matched: dict[str, Unit],
    groups: dict[str, list[Unit]],
    new: set[str],
) -> None:
    """The row's lead and co-units from the names written, as one ordered
    list: matched units, units to create, collective names expanded (a lead
    "各园区" is led by the first park, the others co-operate)."""

    def targets(names: list[str]) -> list[Unit | str]:
        found: list[Unit | str] = []
        for name in names:
            if name in matched:
                found.append(matched[name])
            elif name in new:
                found.append(name)
            elif name in groups:
                units = groups[name]
                if units:
                    row.notes.append(
                        _("“%(name)s”: %(units)s")
                        % {"name": name, "units": _(", ").join(str(u) for u in units)}
                    )
                else:
                    row.notes.append(
                        _("“%(name)s” names no unit of yours: left out.") % {"name": name}
                    )
                found += units
        return found

    leads = targets(node.lead_units)
    rest = [t for t in dict.fromkeys([*leads[1:], *targets(node.co_units)])]
    if leads:
        lead = leads[0]
        rest = [t for t in rest if t != lead]
        if isinstance(lead, Unit):
            row.lead = lead
        else:
            row.new_lead = lead
    row.co = [t for t in rest if isinstance(t, Unit)]
    row.new_co = [t for t in rest if isinstance(t, str)]


def _lead_reason(
    node: taskbook.Node, unknown: dict[str, list[Unit]], groups: dict[str, list[Unit]]
) -> str:
    """Why a row has no lead unit to import with, and what to do."""
    name = node.lead_units[0] if node.lead_units else ""
    if name in groups:
        return _(
            "The lead unit “%(name)s” names no unit of yours: choose the unit it means above."
        ) % {"name": name}
    if name in unknown:
        return _("The lead unit “%(name)s” matches no unit: choose one above or create it.") % {
            "name": name
        }
    return _("The row has no lead unit.")


def _changes(row: Row) -> list[str]:
    task = row.existing
    assert task is not None
    changes = []
    if task.title != row.node.title:
        changes.append("title")
    if task.serial != row.node.serial:
        changes.append("serial")
    if task.section != row.section:
        changes.append("section")
    if row.new_lead or row.lead is not None and task.lead_unit_id != row.lead.pk:
        changes.append("lead_unit")
    # Units still to create are not among the task's: a change by definition.
    if {u.pk for u in task.co_units.all()} != {u.pk for u in row.co} or row.new_co:
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
    return preview(
        book,
        record.plan,
        record.mappings,
        scope=scope,
        parent=record.unit_parent,
        sections=record.sections,
        past=record.past,
    )


def choose(
    *,
    actor: Actor,
    record: TaskImport,
    mappings: dict[str, Any],
    parent: Unit | None = None,
    sections: str | None = None,
    past: str | None = None,
) -> None:
    """Remember the office's choices for this import: how unknown names are
    settled, where new units go (a unit of the plan's office the importer
    keeps), what the section rows become and what past deadlines do."""
    scope = _require_importer(actor, record.plan)
    if parent is not None:
        _require_placement(scope, record.plan, parent)
    record.mappings = {k: v for k, v in mappings.items() if v}
    record.unit_parent = parent
    if sections in (HEADINGS, AS_TASKS):
        record.sections = sections
    if past in (KEEP, THIS_YEAR, HISTORY):
        record.past = past
    record.save(update_fields=["mappings", "unit_parent", "sections", "past"])


def _require_placement(scope: Scope, plan: Plan, parent: Unit) -> None:
    """New units go inside the importer's scope and inside the plan's office,
    so that the office and its leaders see them and their tasks."""
    scope.require_keep_units(parent)
    if not parent.path.startswith(plan.owner_unit.path):
        raise ValidationError(
            _("New units go under %(office)s or one of its units, not under %(unit)s.")
            % {"office": plan.owner_unit.name, "unit": parent.name}
        )


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
    new = [row for row in result.rows if row.existing is None and row.status != "heading"]
    if not new:
        return 0
    rows = []
    for row in new:
        node = row.node
        deadline = row.deadline or dt.date(plan.year or today.year, 12, 31)
        start = _start(plan, deadline, today)
        if row.moved_from is not None:  # moved to this year: it runs from this year's start
            start = min(max(start, dt.date(today.year, 1, 1)), deadline)
        parent: Any = None
        if row.parent is not None:
            parent = tasks.get(row.parent, row.parent)  # kept from before, or new
        rows.append(
            work.NewTask(
                key=node.index,
                parent=parent,
                serial=node.serial,
                title=node.title,
                description=node.notes,
                lead_unit=row.lead or created_units[row.new_lead],
                co_units=row.co + [created_units[n] for n in row.new_co],
                leader=row.leader,
                start_date=start,
                deadline=deadline,
                cadence=row.cadence,
                import_key=node.external_key,
                section=row.section,
                deadline_note=deadline_words(node.deadline),
                closed=row.closed,
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
    *,
    actor: Actor,
    record: TaskImport,
    mappings: dict[str, Any],
    request: Any = None,
    parent: Unit | None = None,
    sections: str | None = None,
    past: str | None = None,
) -> dict[str, int]:
    """Write the whole list, or nothing. Rows already imported are updated
    where the list changed them (deadlines excepted); nothing is duplicated.
    Units are matched inside the importer's scope and new ones are created
    under the plan's office (or the unit of it the office chose, ``parent``),
    inside the importer's scope, so every task lands where its importer and
    the office's leaders see it.
    Recorded in the security audit log either way: done, with the counts (in
    the same transaction), or refused (after the refused work was undone)."""
    try:
        return _apply(
            actor=actor,
            record=record,
            mappings=mappings,
            request=request,
            parent=parent,
            sections=sections,
            past=past,
        )
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
    *,
    actor: Actor,
    record: TaskImport,
    mappings: dict[str, Any],
    request: Any,
    parent: Unit | None,
    sections: str | None,
    past: str | None,
) -> dict[str, int]:
    record = (
        # Only the import's own row is locked: PostgreSQL refuses to lock the
        # nullable side of the outer join (the parent chosen for new units).
        TaskImport.objects.select_for_update(of=("self",))
        .select_related("plan__owner_unit", "unit_parent")
        .get(pk=record.pk)
    )
    scope = _require_importer(actor, record.plan)
    choose(
        actor=actor,
        record=record,
        mappings=mappings,
        parent=parent or record.unit_parent,
        sections=sections,
        past=past,
    )
    result = load(actor=actor, record=record)
    if result.blocked or any(r.status == "invalid" for r in result.rows):
        raise ValidationError(
            _("The list cannot be imported yet: fix the rows and names shown, then try again.")
        )
    today = timezone.localdate()
    plan = record.plan
    # Under the plan's office, not the actor's (scope.office is the office
    # above the actor's highest unit, which may lie outside what the plan's
    # office and leaders see): checked against the scope again here.
    place = record.unit_parent or plan.owner_unit
    _require_placement(scope, plan, place)
    created_units: dict[str, Unit] = {}
    for name in result.mapped_new:
        created_units[name] = unit_create(
            actor=actor,
            code=f"IMP-{record.pk}-{len(created_units) + 1}",
            name=name,
            kind=UnitKind.OTHER,
            parent=place,
        )
    counts = {"created": 0, "updated": 0, "unchanged": 0, "units_created": len(created_units)}
    tasks: dict[int, Task] = {}
    # Rows imported before: update what the list changed, one by one (few).
    for row in result.rows:
        if row.existing is None or row.status == "heading":
            continue
        node = row.node
        lead = row.lead or created_units[row.new_lead]
        co = row.co + [created_units[n] for n in row.new_co]
        task = row.existing
        edits: dict[str, Any] = {}
        if "title" in row.changes:
            edits["title"] = node.title
        if "serial" in row.changes:
            edits["serial"] = node.serial
        if "section" in row.changes:
            edits["section"] = row.section
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
    record.save(update_fields=["applied_at", "applied_by", "result"])
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
