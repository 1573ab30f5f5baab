"""Importing a project list from Excel: the same robustness as the task
import (broken files refused with the reason, a preview, names matched, all
rows or none), for a flat list with one project per row."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from duban.audit import log as audit
from duban.audit.models import Outcome
from duban.lib import deadlines, investment, taskbook, workbooks
from duban.org.models import Person, Role, Unit, UnitKind
from duban.org.scope import Actor, Scope, scope_of

from . import services
from .models import Industry, Level, Project
from .queries import project_in_scope

MAX_ROWS = 20_000

# Column names an office uses, by field (compared without spaces, brackets or case).
ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("项目编号", "编号", "项目代码", "code", "projectcode"),
    "name": ("项目名称", "名称", "项目", "name", "project"),
    "level": ("项目级别", "级别", "层级", "level"),
    "industry": ("产业", "所属产业", "产业类别", "行业", "industry"),
    "chain": ("产业链", "所属产业链", "chain"),
    "chain_owner": ("链主企业", "是否链主", "链主", "chainowner"),
    "investor": ("投资主体", "建设单位", "投资企业", "投资方", "investor"),
    "total": ("总投资", "总投资万元", "计划总投资", "totalinvestment"),
    "park": ("所属园区", "园区", "park"),
    "district": ("县区", "所在县区", "乡镇", "所在乡镇", "district"),
    "unit": ("责任单位", "牵头单位", "责任部门", "responsibleunit"),
    "leader": ("责任领导", "分包领导", "分管领导", "leader"),
    "planned_start": ("计划开工", "计划开工时间", "plannedstart"),
    "planned_production": ("计划投产", "计划投产时间", "plannedproduction"),
    "address": ("建设地点", "地址", "项目地址", "address"),
}
REQUIRED = ("name", "industry", "investor", "total", "unit")
LEVELS = {
    "省重点": Level.PROVINCIAL,
    "省级": Level.PROVINCIAL,
    "市重点": Level.MUNICIPAL,
    "市级": Level.MUNICIPAL,
    "区重点": Level.ZONE,
    "区级": Level.ZONE,
    "储备": Level.RESERVE,
}
MESSAGES = {
    "no_header": gettext_noop(
        "No header row found in the first 10 rows: the list needs at least the columns "
        "name, industry, investor, total investment and responsible unit (in Chinese or "
        "English)."
    ),
    "missing": gettext_noop("Row %(row)s: %(column)s is empty."),
    "unknown_industry": gettext_noop(
        "Row %(row)s: the industry “%(name)s” is not in the list (%(known)s); add it in "
        "Administration or correct the row."
    ),
    "unknown_unit": gettext_noop("Row %(row)s: no unit is called “%(name)s”%(hint)s."),
    "not_a_park": gettext_noop("Row %(row)s: “%(name)s” is not a park."),
    "not_a_district": gettext_noop("Row %(row)s: “%(name)s” is not a district or town."),
    "bad_amount": gettext_noop("Row %(row)s: total investment: %(reason)s"),
    "bad_date": gettext_noop("Row %(row)s: %(column)s “%(text)s” cannot be read as a date."),
    "duplicate_code": gettext_noop("Row %(row)s repeats the code %(code)s of row %(first)s."),
    "code_outside": gettext_noop(
        "Row %(row)s: the code %(code)s is a project outside the units you work for."
    ),
}


@dataclass
class Row:
    row: int
    values: dict[str, Any] = field(default_factory=dict)
    existing: Project | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        if self.problems:
            return "invalid"
        return "update" if self.existing else "new"


@dataclass
class Preview:
    rows: list[Row]
    header_row: int

    @property
    def blocked(self) -> bool:
        return any(r.problems for r in self.rows) or not self.rows

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)


def _say(which: str, /, **params: Any) -> str:
    return _(MESSAGES[which]) % params


def _key(value: object) -> str:
    return taskbook._header_key(value)


_INDEX = {_key(alias): name for name, aliases in ALIASES.items() for alias in aliases}


def _header(opened: workbooks.Workbook, sheet: Any) -> tuple[int, dict[str, int]]:
    for number, values in enumerate(opened.rows(sheet, max_row=10), start=1):
        found: dict[str, int] = {}
        for index, value in enumerate(values, start=1):
            name = _INDEX.get(_key(value))
            if name and name not in found:
                found[name] = index
        if all(name in found for name in ("name", "unit")):
            return number, found
    raise ValidationError(_say("no_header"))


def _date(value: object, year: int) -> dt.date:
    return deadlines.parse_deadline(value, plan_year=year).date or dt.date(year, 12, 31)


def read(data: bytes, today: dt.date, *, scope: Scope) -> Preview:
    """What the list says, checked against the units of ``scope`` (the
    importer's), the people, industries and projects already kept; raises
    ValidationError for a file that is no list.

    The workbook is checked before openpyxl loads it (what it unpacks to, its
    cells counted from the XML, every sheet's filled rows within
    :data:`MAX_ROWS`: duban.lib.workbooks), then read in read-only mode, down
    to the last row that holds a value and as wide as the last known column,
    within the time the settings allow."""
    limits = workbooks.Limits.from_settings(settings)
    try:
        with workbooks.open_workbook(data, limits=limits, max_rows=MAX_ROWS, above=10) as opened:
            return _read(opened, today, scope=scope)
    except workbooks.WorkbookError as error:
        said, params = taskbook.message(error.code, error.params)
        raise ValidationError(_(said) % params) from None


def _read(opened: workbooks.Workbook, today: dt.date, *, scope: Scope) -> Preview:
    sheet = opened.book.active
    scan = opened.scans.get(getattr(sheet, "title", None) or "")
    if scan is None:  # no sheet, or a chart sheet
        raise workbooks.WorkbookError("no_sheet")
    header_row, columns = _header(opened, sheet)
    units: dict[str, Unit] = {}
    for unit in scope.units().filter(is_active=True):
        for name in (unit.name, unit.short_name, *unit.alias_list):
            if name:
                units.setdefault(name.strip(), unit)
    industries: dict[str, Industry] = {}
    for industry in Industry.objects.filter(is_active=True):
        for name in (
            industry.name,
            industry.name_en,
            industry.code,
            *industry.aliases.splitlines(),
        ):
            if name.strip():
                industries.setdefault(name.strip().lower(), industry)
    leaders = {p.full_name: p for p in Person.objects.filter(role=Role.LEADER, is_active=True)}
    existing = {p.code: p for p in Project.objects.select_related("unit", "district", "park")}
    rows: list[Row] = []
    codes: dict[str, int] = {}
    labels = {
        "name": _("Project"),
        "industry": _("Industry"),
        "investor": _("Investor"),
        "total": _("Total investment"),
        "unit": _("Responsible unit"),
    }
    listed = opened.rows(
        sheet, min_row=header_row + 1, max_row=scan.last_row, max_col=max(columns.values())
    )
    for number, values in enumerate(listed, start=header_row + 1):
        cells = {
            name: values[i - 1] if i - 1 < len(values) else None for name, i in columns.items()
        }
        text: dict[str, str] = {name: taskbook._text(v) for name, v in cells.items()}
        if not any(text.values()):
            continue
        if text.get("name", "").startswith(("注", "备注", "说明")) and not text.get("unit"):
            continue
        row = Row(number)
        row.values["name"] = text.get("name", "")
        for name in REQUIRED:
            if name in ("industry", "investor", "total") and name not in columns:
                continue
            if not text.get(name):
                row.problems.append(_say("missing", row=number, column=labels[name]))
        code = text.get("code") or ""
        if code:
            if code in codes:
                row.problems.append(
                    _say("duplicate_code", row=number, code=code, first=codes[code])
                )
            codes.setdefault(code, number)
            row.existing = existing.get(code)
            if row.existing is not None and not project_in_scope(scope, row.existing):
                row.problems.append(_say("code_outside", row=number, code=code))
        row.values["code"] = code or f"IMP-{today:%Y%m%d}-{number}"
        industry_name = text.get("industry", "")
        if industry_name:
            matched: Industry | None = industries.get(industry_name.lower())
            if matched is None:
                row.problems.append(
                    _say(
                        "unknown_industry",
                        row=number,
                        name=industry_name,
                        known=_(", ").join(str(i) for i in Industry.objects.filter(is_active=True)),
                    )
                )
            row.values["industry"] = matched
        for name, kind, code_name in (
            ("unit", None, "unknown_unit"),
            ("park", UnitKind.PARK, "not_a_park"),
            ("district", UnitKind.DISTRICT, "not_a_district"),
        ):
            written = text.get(name, "")
            if not written:
                continue
            found: Unit | None = units.get(written)
            if found is None:
                close = difflib.get_close_matches(written, list(units), n=2, cutoff=0.5)
                hint = (
                    _("; did you mean %(names)s?") % {"names": _(", ").join(close)} if close else ""
                )
                row.problems.append(_say("unknown_unit", row=number, name=written, hint=hint))
            elif kind and found.kind != kind:
                row.problems.append(_say(code_name, row=number, name=written))
            row.values[name] = found
        if text.get("total"):
            try:
                row.values["total_investment"] = investment.parse_amount(cells["total"], unit="wan")
            except investment.InvestmentError as error:
                reason, params = investment.message(error.code, error.params)
                row.problems.append(_say("bad_amount", row=number, reason=_(reason) % params))
        for name in ("planned_start", "planned_production"):
            if text.get(name):
                try:
                    row.values[name] = _date(cells[name], today.year)
                except deadlines.DeadlineError:
                    row.problems.append(_say("bad_date", row=number, column=name, text=text[name]))
        level = text.get("level", "")
        row.values["level"] = next(
            (value for key, value in LEVELS.items() if key in level), Level.ZONE
        )
        row.values["chain"] = text.get("chain", "")
        row.values["chain_owner"] = text.get("chain_owner", "") in ("是", "√", "yes", "Y", "y", "1")
        row.values["investor"] = text.get("investor", "")
        row.values["address"] = text.get("address", "")
        row.values["leader"] = leaders.get(text.get("leader", ""))
        rows.append(row)
    return Preview(rows, header_row)


def apply(*, actor: Actor, preview: Preview, request: Any = None) -> dict[str, int]:
    """Write every row, or none (each through the project services, which
    check the actor's scope for each project). Recorded in the security audit
    log: done with the counts, in the same transaction, or refused after the
    refused work was undone."""
    try:
        return _apply(actor=actor, preview=preview, request=request)
    except ValidationError as error:
        audit.record(
            "import.refused",
            request=request,
            actor=actor,
            outcome=Outcome.REFUSED,
            kind="projects",
            rows=len(preview.rows),
            problems=len(error.messages),
        )
        raise


@transaction.atomic
def _apply(*, actor: Actor, preview: Preview, request: Any) -> dict[str, int]:
    if not scope_of(actor).manages:
        raise PermissionDenied(_(services.DESK_ONLY))
    if preview.blocked:
        raise ValidationError(
            _("The list cannot be imported yet: fix the rows shown, then try again.")
        )
    counts = {"created": 0, "updated": 0}
    for row in preview.rows:
        fields = {k: v for k, v in row.values.items() if k not in ("code",)}
        fields.setdefault("total_investment", Decimal(0))
        if row.existing is not None:
            current = Project.objects.get(pk=row.existing.pk)
            services.project_update(actor=actor, project=current, version=current.version, **fields)
            counts["updated"] += 1
        else:
            services.project_create(actor=actor, code=row.values["code"], **fields)
            counts["created"] += 1
    audit.record(
        "import.done",
        request=request,
        actor=actor,
        kind="projects",
        rows=len(preview.rows),
        detail=counts,
    )
    return counts
