"""The demo's second office: 辛店镇 runs its own supervision office under the
zone. Its office person (``office2``) holds the town's weekly meetings and
assigns tasks to the town's offices and villages; its liaison (``liaison3``)
claims and reports; the town keeps its own notice numbers.

Everything goes through the services, as the town's people, so the zone's
office sees the town's record (the tree puts it below) while the town sees
nothing of the zone's but what the zone assigned to the town itself.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from duban.org.models import Person, Unit
from duban.supervision import services as supervision
from duban.work import services
from duban.work.models import TaskState

# (title, lead, co-units, started days ago, deadline in days, claimed, percent reported)
TASKS: tuple[tuple[str, str, tuple[str, ...], int, int, bool, str | None], ...] = (
    ("辛店村人居环境整治提升，完成背街小巷硬化", "XDZ-XDC", ("XDZ-CJB",), 40, 30, True, "45"),
    ("镇区企业用工需求摸排，建立台账", "XDZ-JJB", (), 30, 20, True, "60"),
    ("高标准农田建设项目土地流转", "XDZ-CJB", ("XDZ-XDC",), 50, -5, True, "70"),
    ("规上工业企业入库培育，新增2家", "XDZ-JJB", ("XDZ-DZB",), 10, 80, False, None),
)


def load(now: dt.datetime) -> None:
    office = Person.objects.get(username="office2")
    town = Unit.objects.get(code="LYHT-XDZ")
    units = {u.code: u for u in Unit.objects.filter(path__startswith=town.path)}
    liaisons = {
        unit_id: person
        for person in Person.objects.filter(role="liaison", memberships__unit__in=units.values())
        for unit_id in person.unit_ids()
    }
    today = timezone.localdate(now)
    meeting = services.meeting_create(
        actor=office,
        office=town,
        date=today - dt.timedelta(days=today.weekday() + 7),
        number=12,
        title="辛店镇第12次重点工作周交办会",
        chair="赵刚",
    )
    for title, lead, co, started, due, claimed, percent in TASKS:
        start = today - dt.timedelta(days=started)
        at = timezone.make_aware(dt.datetime.combine(start, dt.time(9)))
        task = services.task_create(
            actor=office,
            title=title,
            lead_unit=units[lead],
            co_units=[units[code] for code in co],
            meeting=meeting,
            start_date=start,
            deadline=today + dt.timedelta(days=due),
            at=at,
        )
        liaison = liaisons.get(task.lead_unit_id)
        if not claimed or liaison is None:
            continue
        task = services.task_claim(actor=liaison, task=task, at=at + dt.timedelta(days=1))
        if percent is not None:
            period = services.report_period_choices(task, today)[-1]
            report = services.report_save(
                actor=liaison,
                task=task,
                period_label=period.label,
                text=f"{title}：按计划推进，本期完成{percent}%。",
                percent=percent,
                submit=True,
                version=0,  # the task was claimed just now: no report yet
                at=now - dt.timedelta(hours=3),
            )
            services.report_review(
                actor=office, report=report, accept=True, at=now - dt.timedelta(hours=1)
            )
    overdue = meeting.assignments.filter(deadline__lt=today, state=TaskState.IN_PROGRESS).first()
    if overdue is not None:
        # The town's own notice: 督办〔year〕1号 of 辛店镇, apart from the zone's numbers.
        supervision.notice_issue(
            actor=office,
            task=overdue,
            reason="土地流转已超期，请书面说明原因并明确完成时限。",
            answer_by=today + dt.timedelta(days=3),
            at=now - dt.timedelta(hours=2),
        )
