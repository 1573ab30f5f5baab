"""What the office hands out: lists as .xlsx and official documents as .docx,
built from the same scoped reads as the pages (a person exports only what
they may see), in the reader's language."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from duban.assessment.explain import line_text
from duban.assessment.models import Category
from duban.assessment.services import Standing, with_units
from duban.audit import actions
from duban.audit.models import AuditEvent
from duban.supervision.explain import warning_reason
from duban.work.models import Meeting, Task, deadline_shown
from duban.work.words import period_words

from .official import OfficialDocument, format_date
from .sheets import Column, Sheet, write_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _en() -> bool:
    return get_language() == "en"


def _title(task: Task) -> str:
    return task.title_en if _en() and task.title_en else task.title


def _name(unit: Any) -> str:
    if unit is None:
        return ""
    return unit.name_en if _en() and unit.name_en else unit.name


def _as_of() -> str:
    return _("Data as of %(at)s.") % {"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")}


def tasks_xlsx(tasks: Iterable[Task]) -> bytes:
    columns = [
        Column("serial", _("No."), width=8),
        Column("title", _("Task"), width=40),
        Column("lead", _("Lead unit"), width=20),
        Column("co", _("Co-units"), width=24),
        Column("leader", _("Leader"), width=10),
        Column("start", _("Start"), kind="date"),
        Column("deadline", _("Deadline"), kind="date"),
        Column("original", _("Original deadline"), kind="date"),
        Column("moves", _("Deadline moves"), kind="int"),
        Column("state", _("State"), width=10),
        Column("progress", _("Progress"), kind="percent"),
    ]
    rows = (
        {
            "serial": t.serial,
            "title": _title(t),
            "lead": _name(t.lead_unit),
            "co": _(", ").join(_name(u) for u in t.co_units.all()),
            "leader": str(t.leader) if t.leader else "",
            "start": t.start_date,
            "deadline": deadline_shown(t.deadline),
            "original": deadline_shown(t.original_deadline),
            "moves": t.deadline_moves,
            "state": t.get_state_display(),
            "progress": t.progress / 100,
        }
        for t in tasks
    )
    return write_workbook(
        [Sheet(_("Tasks"), columns, rows, heading=_("Task list"), notes=[_as_of()])]
    )


def warnings_xlsx(warnings: Iterable[Any]) -> bytes:
    today = timezone.localdate()  # the board's warnings stand: their days count to today
    columns = [
        Column("level", _("Level"), width=10),
        Column("rule", _("Rule"), width=22),
        Column("serial", _("No."), width=8),
        Column("task", _("Task"), width=36),
        Column("unit", _("Lead unit"), width=20),
        Column("leader", _("Leader"), width=10),
        Column("reason", _("Why"), width=50),
        Column("since", _("Since"), kind="datetime"),
    ]
    rows = (
        {
            "level": w.get_level_display(),
            "rule": w.get_rule_display(),
            "serial": w.task.serial,
            "task": _title(w.task),
            "unit": _name(w.task.lead_unit),
            "leader": str(w.task.leader) if w.task.leader else "",
            "reason": warning_reason(w, today),
            "since": timezone.localtime(w.raised_at),
        }
        for w in warnings
    )
    return write_workbook(
        [Sheet(_("Warnings"), columns, rows, heading=_("Warning board"), notes=[_as_of()])]
    )


def _ranking_rows(standing: Standing) -> list[tuple[str, list[list[object]]]]:
    out = []
    for category, rows in standing.by_category.items():
        out.append(
            (
                str(Category(category).label),
                [
                    [
                        row.rank,
                        _name(row.unit),
                        row.total,
                        "；".join(line_text(x) for x in row.lines),
                    ]
                    for row in with_units(rows)
                ],
            )
        )
    return out


def ranking_xlsx(standing: Standing) -> bytes:
    heading = _("Quarterly assessment %(q)s") % {"q": standing.quarter.label}
    state = (
        _("Locked; scores as of %(d)s.") % {"d": standing.as_of}
        if standing.assessment.is_locked
        else _("Not locked; scores as of %(d)s.") % {"d": standing.as_of}
    )
    columns = [
        Column("rank", _("Rank"), kind="int", width=6),
        Column("unit", _("Unit"), width=28),
        Column("score", _("Score"), kind="decimal", width=8),
        Column("lines", _("How it is made"), width=70),
    ]
    sheets = [
        Sheet(label, columns, rows, heading=f"{heading} · {label}", notes=[state])
        for label, rows in _ranking_rows(standing)
    ]
    if not sheets:
        sheets = [Sheet(heading, columns, [], heading=heading, notes=[state])]
    return write_workbook(sheets)


def ranking_docx(standing: Standing, organisation: str) -> bytes:
    doc = OfficialDocument(get_language() or "zh-hans")
    doc.title(_("Quarterly assessment %(q)s: the ranking") % {"q": standing.quarter.label})
    doc.paragraph(
        _(
            "Scores from the record under rules %(v)s: tasks closed on time %(a)s points, "
            "reports on time %(b)s, reports accepted first time %(c)s, less deductions for "
            "warnings, supervision notices and deadline changes."
        )
        % {
            "v": standing.assessment.rules_version,
            "a": standing.weights.closed_on_time,
            "b": standing.weights.reports_on_time,
            "c": standing.weights.first_time,
        }
    )
    for label, rows in _ranking_rows(standing):
        doc.heading(1, label)
        doc.table(
            [_("Rank"), _("Unit"), _("Score"), _("How it is made")],
            [[r[0], r[1], r[2], r[3]] for r in rows],
            widths_mm=[14, 40, 18, 84],
        )
    doc.signature(
        organisation, standing.as_of if standing.assessment.is_locked else timezone.localdate()
    )
    return doc.to_bytes()


def assignment_docx(meeting: Meeting, tasks: list[Task], organisation: str) -> bytes:
    """The weekly assignment sheet (交办单) of a meeting: what each unit must do by when."""
    doc = OfficialDocument(get_language() or "zh-hans")
    doc.number(
        _("Assignment sheet of meeting No. %(n)s") % {"n": meeting.number}
        if meeting.number
        else str(meeting)
    )
    doc.title(_("Tasks assigned at %(meeting)s") % {"meeting": meeting})
    doc.addressee(_("The units concerned"))
    doc.paragraph(
        _(
            "The meeting on %(date)s assigned the tasks below. Lead units claim them in duban, "
            "report progress every period and finish them by the deadline; co-units support them."
        )
        % {"date": format_date(meeting.date, get_language() or "zh-hans")}
    )
    doc.table(
        [_("No."), _("Task"), _("Lead unit"), _("Co-units"), _("Leader"), _("Deadline")],
        [
            [
                t.serial,
                _title(t),
                _name(t.lead_unit),
                _(", ").join(_name(u) for u in t.co_units.all()),
                str(t.leader) if t.leader else "",
                str(deadline_shown(t.deadline)),
            ]
            for t in tasks
        ],
        widths_mm=[12, 56, 26, 26, 14, 22],
    )
    doc.signature(organisation, meeting.date)
    return doc.to_bytes()


def filename(stem: str, ext: str) -> str:
    return f"{stem}-{timezone.localdate():%Y%m%d}.{ext}"


def notice_docx(notice: Any, organisation: str) -> bytes:
    """A supervision notice (督办单): to the lead unit, what it must answer and by when."""
    language = get_language() or "zh-hans"
    task = notice.task
    doc = OfficialDocument(language)
    doc.number(str(notice))
    doc.title(_("Supervision notice"))
    doc.addressee(_name(notice.unit))
    doc.paragraph(
        _(
            "On the task “%(serial)s %(task)s” (deadline %(deadline)s, progress %(progress)s%%), "
            "the supervision office asks your unit:"
        )
        % {
            "serial": task.serial,
            "task": _title(task),
            "deadline": format_date(task.deadline, language)
            if not task.is_long_term
            else deadline_shown(task.deadline),
            "progress": task.progress,
        }
    )
    for line in notice.reason.splitlines():
        if line.strip():
            doc.paragraph(line.strip())
    doc.paragraph(
        _(
            "Answer in writing in duban (the task's page, Supervision notices) by %(date)s. "
            "An unanswered notice turns the task's warning red."
        )
        % {"date": format_date(notice.answer_by, language)}
    )
    if notice.is_answered:
        doc.heading(1, _("The unit's answer"))
        doc.paragraph(notice.answer)
    doc.signature(organisation, timezone.localdate(notice.issued_at))
    return doc.to_bytes()


def bulletin_docx(review: Any, figures: dict[str, Any], organisation: str) -> bytes:
    """The monthly review bulletin (月点评通报) from a review's figures and remarks."""
    language = get_language() or "zh-hans"

    def pick(row: dict[str, Any], key: str) -> str:
        return str(row.get(f"{key}_en") or row[key]) if _en() else str(row[key])

    doc = OfficialDocument(language)
    doc.title(_("Monthly review %(m)s") % {"m": period_words(review.month)})
    doc.addressee(_("The units concerned"))
    if review.remarks:
        doc.heading(1, _("The office's remarks"))
        for line in review.remarks.splitlines():
            if line.strip():
                doc.paragraph(line.strip())
    doc.heading(1, _("Finished on time"))
    if figures["finished"]:
        doc.table(
            [_("Unit"), _("Closed"), _("On time")],
            [[pick(r, "unit"), r["closed"], r["on_time"]] for r in figures["finished"]],
        )
    else:
        doc.paragraph(_("No task was closed this month."))
    doc.heading(1, _("Units with warnings"))
    if figures["warned"]:
        doc.table(
            [_("Unit"), _("Red"), _("Yellow")],
            [[pick(r, "unit"), r["red"], r["yellow"]] for r in figures["warned"]],
        )
    else:
        doc.paragraph(_("No warning this month."))
    doc.heading(1, _("Overdue at the month's end"))
    if figures["overdue"]:
        doc.table(
            [_("No."), _("Task"), _("Lead unit"), _("Deadline"), _("Days late")],
            [
                [t["serial"], pick(t, "title"), pick(t, "unit"), t["deadline"], t["days"]]
                for t in figures["overdue"]
            ],
        )
    else:
        doc.paragraph(_("Nothing overdue."))
    doc.heading(1, _("Notable progress"))
    for t in figures["progress"]:
        doc.paragraph(
            f"{t['serial']} {pick(t, 'title')}（{pick(t, 'unit')}）：+{t['gain']} → {t['percent']}%"
        )
    if not figures["progress"]:
        doc.paragraph(_("No progress reported this month."))
    doc.heading(1, _("Leaders' instructions"))
    for i in figures["instructions"]:
        doc.paragraph(
            f"{i['serial']} {pick(i, 'title')}：{i['text']}（{i['leader']}，{i['date']}）"
        )
    if not figures["instructions"]:
        doc.paragraph(_("No instruction this month."))
    published = review.published_at or timezone.now()
    doc.signature(organisation, timezone.localdate(published))
    return doc.to_bytes()


def projects_xlsx(projects: Iterable[Any], year: int, completed: dict[int, Any]) -> bytes:
    """The project list, money in 万元."""

    wan = Decimal(10_000)
    columns = [
        Column("code", _("Code"), width=12),
        Column("name", _("Project"), width=36),
        Column("level", _("Level"), width=14),
        Column("industry", _("Industry"), width=12),
        Column("investor", _("Investor"), width=28),
        Column("stage", _("Stage"), width=10),
        Column("unit", _("Responsible unit"), width=20),
        Column("park", _("Park"), width=18),
        Column("district", _("District or county"), width=14),
        Column("total", _("Total investment (10k yuan)"), kind="decimal"),
        Column("done", _("Done in %(year)s (10k yuan)") % {"year": year}, kind="decimal"),
        Column("planned_start", _("Planned start"), kind="date"),
        Column("started_on", _("Started"), kind="date"),
        Column("produced_on", _("In production"), kind="date"),
    ]
    rows = (
        {
            "code": p.code,
            "name": str(p),
            "level": p.get_level_display(),
            "industry": str(p.industry),
            "investor": p.investor,
            "stage": p.get_stage_display(),
            "unit": _name(p.unit),
            "park": _name(p.park),
            "district": _name(p.district),
            "total": p.total_investment / wan,
            "done": (completed.get(p.pk) or 0) / wan,
            "planned_start": p.planned_start,
            "started_on": p.started_on,
            "produced_on": p.produced_on,
        }
        for p in projects
    )
    return write_workbook(
        [Sheet(_("Projects"), columns, rows, heading=_("Key projects"), notes=[_as_of()])]
    )


def audit_xlsx(events: Iterable[AuditEvent], filter_text: str = "") -> bytes:
    """The security audit log's rows (streamed: one row in memory at a time),
    each as its page shows it, times in local time to the second."""
    columns = [
        Column("id", _("No."), kind="int"),
        Column("at", _("When"), width=20),
        Column("who", _("Who"), width=16),
        Column("address", _("From"), width=16),
        Column("agent", _("Browser or program"), width=30),
        Column("action", _("What"), width=22),
        Column("target", _("On what"), width=16),
        Column("outcome", _("Outcome"), width=10),
        Column("detail", _("Detail"), width=50),
    ]
    rows = (
        {
            "id": e.id,
            "at": timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            "who": e.actor,
            "address": e.address or "",
            "agent": e.user_agent,
            "action": actions.label(e.action),
            "target": actions.target(e),
            "outcome": actions.outcome(e.outcome),
            "detail": actions.describe(e),
        }
        for e in events
    )
    notes = [_as_of()]
    if filter_text:
        notes.insert(0, _("Filter: %(filter)s") % {"filter": filter_text})
    return write_workbook(
        [Sheet(_("Audit log"), columns, rows, heading=_("Security audit log"), notes=notes)]
    )
