"""The demo's key projects, two "three batches" events and the key indicators,
dated relative to today: eight projects written through the services (the
on-site meeting's problems are theirs), the rest of the library drawn in bulk
(``library.py``)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db.models import Min
from django.utils import timezone

from duban.org.models import Person, Unit
from duban.projects import indicators, services
from duban.projects.models import IndicatorActual, Industry, InvestmentReport, Project, StageMove
from duban.projects.seed import seed_industries
from duban.work import services as work

from . import library

WAN = Decimal(10_000)

# code, name, English name, industry, investor, chain owner, total (万元),
# responsible unit, park, district, leader, stage path (stage, months ago)
PROJECTS = [
    (
        "XM-2026-001",
        "氢能产业园一期",
        "Hydrogen industrial park, phase I",
        "hydrogen",
        "洛阳氢能科技有限公司",
        True,
        120000,
        "LYHT-JFB",
        "LYHT-ZZY",
        "LYHT-XDZ",
        "leader",
        [("signed", 10), ("started", 7)],
    ),
    (
        "XM-2026-002",
        "工业机器人整机制造基地",
        "Industrial robot assembly base",
        "robots",
        "中信重工开诚智能装备有限公司",
        True,
        85000,
        "LYHT-JFB",
        "LYHT-ZZY",
        "",
        "leader",
        [("signed", 10), ("started", 6), ("producing", 1)],
    ),
    (
        "XM-2026-003",
        "高端轴承智能制造项目",
        "High-end bearing smart factory",
        "equipment",
        "洛阳LYC轴承有限公司",
        False,
        46000,
        "LYHT-ZSB",
        "LYHT-ZZY",
        "LYHT-FLZ",
        "chen.jing",
        [("signed", 4)],
    ),
    (
        "XM-2026-004",
        "钛合金新材料项目",
        "Titanium alloy materials",
        "new-materials",
        "洛阳双瑞精铸钛业有限公司",
        False,
        32000,
        "LYHT-JFB",
        "LYHT-XCY",
        "",
        "leader",
        [("signed", 8), ("started", 4)],
    ),
    (
        "XM-2026-005",
        "生物医药中试基地",
        "Biomedicine pilot plant",
        "biomedicine",
        "普莱柯生物工程股份有限公司",
        False,
        28000,
        "LYHT-ZSB",
        "LYHT-SYY",
        "LYHT-SQT",
        "chen.jing",
        [("signed", 4)],
    ),
    (
        "XM-2026-006",
        "大数据产业园数据中心",
        "Data centre of the big data park",
        "big-data",
        "洛阳高新区发展集团有限公司",
        False,
        60000,
        "LYHT-FZJT",
        "",
        "LYHT-XDZ",
        "zhao.weidong",
        [("signed", 12), ("started", 10), ("producing", 4), ("capacity", 1)],
    ),
    (
        "XM-2026-007",
        "光伏组件扩产项目",
        "Solar module expansion",
        "new-energy",
        "洛阳阿特斯光伏科技有限公司",
        False,
        52000,
        "LYHT-JFB",
        "LYHT-XCY",
        "",
        "leader",
        [],
    ),
    (
        "XM-2026-008",
        "节能装备研发中心",
        "Energy-saving equipment R&D centre",
        "energy-saving",
        "中国一拖集团有限公司",
        True,
        15000,
        "LYHT-ZSB",
        "LYHT-ZZY",
        "",
        "zhao.weidong",
        [("signed", 6), ("paused", 2)],
    ),
]


def _months_ago(today: dt.date, months: int) -> dt.date:
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, min(today.day, 28))


def load(now: dt.datetime, seed: int = 80) -> None:
    seed_industries()  # present after migrating; restored if the tables were flushed
    today = now.date()
    office = Person.objects.get(username="office")
    units = {u.code: u for u in Unit.objects.all()}
    made: dict[str, Project] = {}
    for (
        code,
        name,
        name_en,
        industry,
        investor,
        owner,
        total,
        unit,
        park,
        district,
        leader,
        path,
    ) in PROJECTS:
        first = path[0][1] if path else 0
        project = services.project_create(
            actor=office,
            code=code,
            name=name,
            name_en=name_en,
            industry=Industry.objects.get(code=industry),
            investor=investor,
            chain_owner=owner,
            unit=units[unit],
            park=units.get(park),
            district=units.get(district),
            leader=Person.objects.get(username=leader),
            total_investment=Decimal(total) * WAN,
            planned_sign=_months_ago(today, first + 1) if path else _months_ago(today, -1),
            planned_start=_months_ago(today, max(first - 3, 0)) if path else _months_ago(today, -4),
            address="洛阳市高新区",
        )
        for stage, months in path:
            reason = "投资方资金未到位，暂缓建设" if stage == "paused" else ""
            services.stage_move(
                actor=office,
                project=project,
                target=stage,
                on=_months_ago(today, months),
                reason=reason,
                today=today,
            )
        made[code] = project
        # Projects under construction: this year's plan and the months reported
        # so far (the last one missing for two of them).
        if not path or path[-1][0] in ("signed", "paused"):
            continue
        services.investment_plan_set(
            actor=office, project=project, year=today.year, amount=Decimal(total) * WAN / 4
        )
        liaison = Person.objects.filter(role="liaison", memberships__unit=units[unit]).first()
        if liaison is None:
            continue
        last = today.month - 1 if code in ("XM-2026-001", "XM-2026-004") else today.month
        for month in range(1, last):
            share = Decimal("0.018") if code != "XM-2026-004" else Decimal("0.008")
            services.investment_report_file(
                actor=liaison,
                project=project,
                year=today.year,
                month=month,
                amount=(Decimal(total) * WAN * share).quantize(Decimal("0.01")),
                note="按进度完成投资",
                today=today,
            )
    # Two "three batches" events, ten and four months ago; the hand-written
    # projects that were signed or started on those days are in them.
    dates = [_months_ago(today, 10), _months_ago(today, 4)]
    events = []
    for number, day in enumerate(dates):
        nth = "第二次" if number and dates[0].year == day.year else "第一次"
        events.append(
            services.batch_event_create(
                actor=office,
                name=f"{day.year}年{nth}“三个一批”活动",
                date=day,
                venue="洛阳高新区管委会" if number == 0 else "装备制造产业园",
            )
        )
    taken: dict[tuple[int, str], int] = {}
    for code, event, batch in [
        ("XM-2026-001", 0, "sign"),
        ("XM-2026-002", 0, "sign"),
        ("XM-2026-006", 0, "start"),
        ("XM-2026-003", 1, "sign"),
        ("XM-2026-004", 1, "start"),
    ]:
        services.batch_add(actor=office, event=events[event], project=made[code], batch=batch)
        taken[(event, batch)] = taken.get((event, batch), 0) + 1
    rng = random.Random(f"projects {seed}")  # noqa: S311 (a demo, not a secret)
    shelf = library.Library(rng=rng, now=now, events=dates, first=len(PROJECTS) + 1)
    drawn = shelf.draw(library.HOW_MANY - len(PROJECTS), taken)
    shelf.write(drawn, office)
    for item in drawn:
        if item.batch is not None:
            event, batch = item.batch
            services.batch_add(actor=office, event=events[event], project=item.project, batch=batch)

    onsite = work.meeting_create(
        actor=office,
        date=today - dt.timedelta(days=5),
        kind="onsite",
        title="氢能产业园一期现场办公会",
        chair="李志强",
        location="氢能产业园一期施工现场",
    )
    services.problem_raise(
        actor=office,
        project=made["XM-2026-001"],
        kind="power",
        title="协调氢能产业园一期施工用电增容",
        lead_unit=units["LYHT-GJB"],
        deadline=today + dt.timedelta(days=20),
        meeting=onsite,
    )
    services.problem_raise(
        actor=office,
        project=made["XM-2026-001"],
        kind="land",
        title="完成氢能产业园一期剩余12亩用地征迁",
        lead_unit=units["LYHT-XDZ"],
        deadline=today - dt.timedelta(days=3),
        meeting=onsite,
    )
    _indicators(office, units, today)
    _place_in_time(now)


def _place_in_time(now: dt.datetime) -> None:
    """The projects were entered in one go; give each row the moment it would
    have been written (a stage move on its day, a month's figures early in
    the next month), so the cockpit as of a past date shows the past."""

    def moment(day: dt.date, hour: int = 10) -> dt.datetime:
        return min(timezone.make_aware(dt.datetime.combine(day, dt.time(hour))), now)

    def early_next_month(year: int, month: int) -> dt.datetime:
        return moment(dt.date(year + month // 12, month % 12 + 1, 5))

    # The library drawn in bulk was written in its place already.
    codes = [row[0] for row in PROJECTS]
    firsts = dict(
        StageMove.objects.filter(project__code__in=codes)
        .values("project")
        .annotate(on=Min("on"))
        .values_list("project", "on")
    )
    for project in Project.objects.filter(code__in=codes):
        first = firsts.get(project.pk, now.date() - dt.timedelta(days=60))
        project.created_at = moment(first - dt.timedelta(days=14), 9)
        project.save(update_fields=["created_at"])
    for move in StageMove.objects.filter(project__code__in=codes):
        move.at = moment(move.on)
        move.save(update_fields=["at"])
    for report in InvestmentReport.objects.filter(project__code__in=codes):
        report.submitted_at = early_next_month(report.year, report.month)
        report.save(update_fields=["submitted_at"])
    for actual in IndicatorActual.objects.select_related("target"):
        actual.submitted_at = early_next_month(actual.target.year, actual.month)
        actual.save(update_fields=["submitted_at"])


def _indicators(office: Person, units: dict[str, Unit], today: dt.date) -> None:
    fai = indicators.indicator_create(
        actor=office,
        code="fai",
        name="固定资产投资",
        name_en="Fixed-asset investment",
        measure="亿元",
    )
    output = indicators.indicator_create(
        actor=office,
        code="output",
        name="规上工业增加值",
        name_en="Industrial value added",
        measure="亿元",
    )
    firms = indicators.indicator_create(
        actor=office,
        code="hitech",
        name="新认定高新技术企业",
        name_en="New high-tech enterprises",
        measure="家",
    )
    plan = {
        "LYHT-ZZY": (Decimal(48), Decimal(60), Decimal(20)),
        "LYHT-XCY": (Decimal(30), Decimal(35), Decimal(12)),
        "LYHT-SYY": (Decimal(24), Decimal(18), Decimal(10)),
        "LYHT-XDZ": (Decimal(12), Decimal(8), Decimal(3)),
    }
    pace = {
        "LYHT-ZZY": Decimal("1.02"),
        "LYHT-XCY": Decimal("0.93"),
        "LYHT-SYY": Decimal("0.70"),
        "LYHT-XDZ": Decimal("0.98"),
    }
    for code, targets in plan.items():
        unit = units[code]
        liaison = Person.objects.filter(role="liaison", memberships__unit=unit).first()
        for indicator, target in zip((fai, output, firms), targets, strict=True):
            row = indicators.target_set(
                actor=office, indicator=indicator, unit=unit, year=today.year, target=target
            )
            if liaison is None:
                continue
            for month in range(1, today.month):
                value = (target / 12 * pace[code]).quantize(Decimal("0.01"))
                indicators.actual_report(
                    actor=liaison, target=row, month=month, value=value, today=today
                )
