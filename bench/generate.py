"""Generate a supervision office at city (or province) scale, fast.

    .venv/bin/python bench/generate.py                      # city: 100 units, 2,000 tasks,
                                                            # 60,000 reports, fresh SQLite
    .venv/bin/python bench/generate.py --factor 0.1         # a tenth of that
    .venv/bin/python bench/generate.py --scale province     # 5,000 units, 50,000 tasks,
                                                            # 2,000,000 reports (minutes)
    DATABASE_URL=postgres://... bench/generate.py --flush   # into PostgreSQL instead
    .venv/bin/python bench/generate.py --extend             # migrate older data, add what it
                                                            # lacks (projects, indicators,
                                                            # standing snapshots)

The SQLite file is ``<data dir>/duban.sqlite3``; the data dir is ``--data-dir``,
else ``$DUBAN_DATA_DIR``, else ``/tmp/duban-bench/<scale>``. It is deleted and
rebuilt. With ``DATABASE_URL`` the database is migrated and must be empty
(``--flush`` empties it first).

This is a generator, not a user path: rows go in with ``bulk_create`` in
batches, but what it writes is what the services would have written: unit
paths and depths as ``duban.org.services._path_for``, ``sort_key`` from
``Task.make_sort_key``, ``is_parent`` on tasks with measures, progress rolled
up from the measures to the plan, period labels from ``duban.lib.periods``,
one report per task and period, ``is_late`` against the grace period, a
TaskEvent for every step (assigned, claimed, submitted, accepted, returned,
deadline moved, closing requested, closed, instruction) and a simple-history
row per object (one "+" row carrying the final state, a simplification: the
services write one row per save). Every user's password is ``bench-pass``.

Then the key projects (city 300, province 5,000) over the stages, with a
StageMove per step from the reserve as ``services.stage_move`` records them,
this year's InvestmentPlan and the monthly InvestmentReports of the ended
months (``year_to_date`` as ``services._restate_year`` keeps it); four key
indicators with a target for every district and park this year and their
monthly actuals; the warning scan, as the hourly job runs it, with each
warning dated back to when an hourly scan would have raised it (``--no-scan``
leaves none); and the quarter's standing snapshot (what the cockpit's ranking
reads) of today and of last Monday, through ``assessment.services.snapshot``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import random
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import benchlib

BATCH = 2000
CHUNK_TASKS = 500  # leaves whose reports are written per transaction
CURRENT_SHARE = 0.58  # open tasks with a report (or draft) for the current period


@dataclass(frozen=True)
class Scale:
    units: int
    people: int
    tasks: int
    reports: int
    plans: int
    meetings: int
    office: int
    leaders: int
    projects: int = 0  # key projects (with stage moves, this year's plan and reports)


SCALES = {
    "city": Scale(
        units=100,
        people=200,
        tasks=2_000,
        reports=60_000,
        plans=4,
        meetings=40,
        office=10,
        leaders=12,
        projects=300,
    ),
    "province": Scale(
        units=5_000,
        people=10_000,
        tasks=50_000,
        reports=2_000_000,
        plans=40,
        meetings=200,
        office=60,
        leaders=80,
        projects=5_000,
    ),
}


def scaled(scale: Scale, factor: float) -> Scale:
    if factor == 1:
        return scale

    def f(n: int, low: int) -> int:
        return max(low, round(n * factor))

    return Scale(
        units=f(scale.units, 5),
        people=f(scale.people, 10),
        tasks=f(scale.tasks, 20),
        reports=f(scale.reports, 100),
        plans=f(scale.plans, 1),
        meetings=f(scale.meetings, 4),
        office=f(scale.office, 2),
        leaders=f(scale.leaders, 2),
        projects=f(scale.projects, 10),
    )


# --- names ------------------------------------------------------------------

DEPARTMENTS = (
    "发展改革局 经济发展局 财政局 自然资源和规划局 住房和城乡建设局 生态环境局 交通运输局 "
    "商务局 科技创新局 教育局 卫生健康局 应急管理局 市场监督管理局 行政审批局 "
    "人力资源和社会保障局 农业农村局 水务局 城市管理局 文化旅游局 统计局 审计局 民政局 "
    "司法局 公安分局 税务局 退役军人事务局 国有资产监督管理局 投资促进局 数据资源管理局 "
    "党政办公室 组织人事部 宣传统战部 纪工委监察室 政法委 社会事业局 工业和信息化局 "
    "医疗保障局 安全生产监督管理局 规划建设局 档案馆"
).split()
CENTERS = (
    "政务服务中心 大数据中心 招商服务中心 公共资源交易中心 城市运行管理中心 "
    "建设工程质量安全监督站 不动产登记中心 企业服务中心 人才服务中心 土地储备中心"
).split()
PARKS = "高新技术产业园 综合保税区 生物医药产业园 智能制造产业园 现代物流园 数字经济产业园".split()
DISTRICTS = (
    "东城街道 西城街道 南湖街道 北山街道 滨江街道 新城街道 龙泉镇 白沙镇 青石镇 金桥镇"
).split()
COMPANIES = "城市建设投资集团 产业投资集团 交通建设集团 水务集团 文旅集团".split()
LEADING_GROUPS = "优化营商环境工作领导小组 重大项目建设领导小组 安全生产委员会".split()
SUB_UNITS = "党政办 经济发展办 社会事务办 城建中心 综合执法队 社区服务中心 招商办 财政所".split()

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建国志红飞鹏辉斌宇浩凯"

VERBS = "加快推进 全力推动 持续优化 深入实施 统筹推进 着力提升 健全完善 抓好落实".split()
OBJECTS = (
    "重点项目建设 营商环境改革 招商引资工作 城市更新行动 数字政府建设 老旧小区改造 "
    "生态环境治理 安全生产专项整治 科技型企业培育 公共服务设施建设 产业链精准招商 "
    "土地要素保障 民生实事项目 交通基础设施建设 农村人居环境整治 一网通办改革 "
    "污水处理提质增效 重大项目集中开工 消费提振行动 高标准农田建设"
).split()
STEPS = (
    "完成实施方案编制 完成立项审批 完成用地报批 实现开工建设 完成主体工程 完成竣工验收 "
    "建立工作台账 组织专项督查 完成年度目标任务 完成阶段性评估"
).split()
MEETING_PHRASES = (
    "研究解决{}推进中的堵点问题",
    "牵头协调{}相关事项",
    "报送{}进展情况及下步打算",
    "对{}开展专项督查",
    "制定{}工作方案",
)
DONE = (
    "本期完成{}相关工作，召开专题推进会{}次，协调解决问题{}个。",
    "本期{}按计划推进，完成现场踏勘和方案比选，形成阶段成果{}项，落实资金{}万元。",
    "本期围绕{}开展调研{}次，梳理问题清单，已整改{}项。",
)
NEXT = (
    "下步将加快办理相关手续，确保按期完成。",
    "下步将加强与相关单位对接，推动问题尽快解决。",
    "下步将压实责任，倒排工期，挂图作战。",
)
RETURN_COMMENTS = ("请补充具体数据和佐证材料。", "进展描述过于笼统，请细化。", "请说明滞后原因。")

PROJECT_PREFIXES = "年产10万吨 年产5万台套 年产20万件 新建 扩建 二期 三期 一期".split()
PROJECT_KINDS = "产业园 生产基地 研发中心 智能工厂 产业化 综合体 示范基地".split()
FIRM_PLACES = "华北 华东 西部 北方 中原 东方 长城 黄河 天山 丝路".split()
FIRM_WORDS = "科技 实业 新能源 智造 材料 生物 装备 能源".split()
# The stage a project stands in (its main-line stage reached, or paused/cancelled).
STAGE_MIX = (
    ("reserve", 0.14),
    ("signed", 0.20),
    ("started", 0.36),
    ("producing", 0.18),
    ("capacity", 0.07),
    ("paused", 0.03),
    ("cancelled", 0.02),
)
LEVEL_MIX = (("provincial", 0.1), ("municipal", 0.3), ("zone", 0.45), ("reserve", 0.15))
# code, name, English name, measure, cumulative, annual target of a first-level unit
INDICATORS = (
    ("bench-fixed-asset", "固定资产投资", "Fixed-asset investment", "万元", True, 800_000),
    ("bench-output", "规上工业总产值", "Industrial output", "万元", True, 1_500_000),
    ("bench-new-firms", "新增市场主体", "New market entities", "家", True, 3_000),
    ("bench-rd", "研发投入强度", "R&D intensity", "%", False, 3),
)


@dataclass
class Node:
    """A task being built, with what the generator decided for it."""

    task: Any
    level: int
    children: list[Node] = field(default_factory=list)
    closing: bool = False  # a close request is pending
    pending_move: bool = False
    progress: Decimal = Decimal("0")
    latest_value: Decimal | None = None


@contextmanager
def explicit_timestamps() -> Iterator[None]:
    """Let bulk_create store the historical times the generator sets, instead of now."""
    from duban.work import models as w

    fields = [
        w.Plan._meta.get_field("created_at"),
        w.Meeting._meta.get_field("created_at"),
        w.Task._meta.get_field("created_at"),
        w.Task._meta.get_field("updated_at"),
        w.ProgressReport._meta.get_field("created_at"),
        w.DeadlineChange._meta.get_field("requested_at"),
        w.CloseRequest._meta.get_field("requested_at"),
        w.Instruction._meta.get_field("created_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]  # type: ignore[union-attr]
    for f in fields:
        f.auto_now = f.auto_now_add = False  # type: ignore[union-attr]
    try:
        yield
    finally:
        for f, now, now_add in saved:
            f.auto_now, f.auto_now_add = now, now_add  # type: ignore[union-attr]


def batches(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class FastInsert:
    """INSERT model instances with one ``executemany``, ids assigned here.

    For the three big tables (reports, their events, their history): there
    ``bulk_create`` spends four fifths of its time preparing every value
    through the ORM's compiler. Values are converted as Django's backends do
    (SQLite: datetimes as naive UTC text, dates and decimals as text; JSON via
    the field), so what lands in the table is the same; ``--orm`` uses
    ``bulk_create`` instead, for comparison.
    """

    def __init__(self, model: Any) -> None:
        from django.db import connection

        self.model = model
        self.fields = list(model._meta.concrete_fields)
        qn = connection.ops.quote_name
        columns = ", ".join(qn(f.column) for f in self.fields)
        marks = ", ".join(["%s"] * len(self.fields))
        self.sql = f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ({marks})"
        self.convert = [_converter(f, connection) for f in self.fields]
        pk = model._meta.pk
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX({qn(pk.column)}) FROM {qn(model._meta.db_table)}")
            self.next_id = (cursor.fetchone()[0] or 0) + 1

    def insert(self, objs: Sequence[Any]) -> None:
        from django.db import connection

        rows = []
        for obj in objs:
            obj.pk = self.next_id
            self.next_id += 1
            rows.append(
                tuple(
                    convert(getattr(obj, f.attname))
                    for f, convert in zip(self.fields, self.convert, strict=True)
                )
            )
        with connection.cursor() as cursor:
            for batch in batches(rows, BATCH):
                cursor.executemany(self.sql, batch)

    @staticmethod
    def reset_sequences(models: Sequence[Any]) -> None:
        """PostgreSQL: move the id sequences past the ids assigned here."""
        from django.core.management.color import no_style
        from django.db import connection

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), list(models)):
                cursor.execute(sql)


def _converter(field: Any, connection: Any) -> Any:
    kind = field.get_internal_type()
    if kind == "JSONField":
        return lambda v: field.get_db_prep_save(v, connection)
    if connection.vendor != "sqlite":
        return lambda v: v  # psycopg adapts dates, aware datetimes and decimals itself
    if kind == "DateTimeField":
        return lambda v: None if v is None else str(v.astimezone(dt.UTC).replace(tzinfo=None))
    if kind in ("DateField", "DecimalField"):
        return lambda v: None if v is None else str(v)
    return lambda v: v


class Generator:
    def __init__(self, scale: Scale, seed: int, orm: bool = False) -> None:
        from django.utils import timezone

        self.s = scale
        self.orm = orm
        self.fast: dict[Any, FastInsert] = {}
        self.seed = seed
        self.scan = True  # run the warning scan at the end (--no-scan: leave none)
        self.rng = random.Random(seed)
        self.now = timezone.now()
        self.tz = timezone.get_current_timezone()
        self.today = timezone.localdate(self.now)
        self.timings: list[tuple[str, float]] = []
        self.counts: dict[str, int] = defaultdict(int)

    # --- helpers ---------------------------------------------------------------

    def at(self, day: dt.date, hour: int | None = None) -> dt.datetime:
        """A moment on ``day`` in office hours, never in the future."""
        if hour is None:
            hour = self.rng.randint(8, 18)
        moment = dt.datetime.combine(
            day, dt.time(hour, self.rng.randint(0, 59), self.rng.randint(0, 59)), tzinfo=self.tz
        )
        return self.clip(moment)

    def clip(self, moment: dt.datetime) -> dt.datetime:
        latest = self.now - dt.timedelta(minutes=5)
        return moment if moment <= latest else latest

    def person_name(self) -> str:
        return self.rng.choice(SURNAMES) + "".join(
            self.rng.choice(GIVEN) for _ in range(self.rng.randint(1, 2))
        )

    def pick_unit(self) -> Any:
        return self.rng.choices(self.units, cum_weights=self.cum_weights)[0]

    def liaison(self, unit: Any) -> Any:
        return self.rng.choice(self.liaisons[unit.pk])

    def insert(self, model: Any, objs: Sequence[Any]) -> None:
        if self.orm:
            model.objects.bulk_create(objs, batch_size=BATCH)
            return
        if model not in self.fast:
            self.fast[model] = FastInsert(model)
        self.fast[model].insert(objs)

    def history(
        self, model: Any, objs: Sequence[Any], dates: Iterable[Any], users: Any, fast: bool = False
    ) -> None:
        """One "+" simple-history row per object, dated when it was created (as
        simple-history's bulk_history_create writes it)."""
        if fast and not self.orm:
            historical = model.history.model
            tracked = [f.attname for f in historical.tracked_fields]
            rows = [
                historical(
                    history_date=date,
                    history_user_id=user.pk if user else None,
                    history_change_reason="",
                    history_type="+",
                    **{name: getattr(obj, name) for name in tracked},
                )
                for obj, date, user in zip(objs, dates, users, strict=True)
            ]
            self.insert(historical, rows)
        else:
            for obj, date, user in zip(objs, dates, users, strict=True):
                obj._history_date = date
                obj._history_user = user
            model.history.bulk_history_create(objs, batch_size=BATCH)
        self.counts[f"history of {model.__name__}"] += len(objs)

    # --- the office --------------------------------------------------------------

    def make_units(self) -> None:
        from duban.org.models import Unit
        from duban.org.services import _path_for

        specs = unit_specs(self.s.units)
        units: list[Any] = []
        depth_of: list[int] = []
        for level in sorted({d for *_, d in specs}):
            objs = []
            for index, (name, short, kind, parent, depth) in enumerate(specs):
                if depth != level:
                    continue
                unit = Unit(
                    code=f"B{index + 1:05d}",
                    name=name,
                    short_name=short,
                    kind=kind,
                    parent=units[parent] if parent is not None else None,
                    position=index,
                )
                objs.append((index, unit))
            Unit.objects.bulk_create([u for _, u in objs], batch_size=BATCH)
            for _, unit in objs:
                unit.path, unit.depth = _path_for(unit)
            Unit.objects.bulk_update([u for _, u in objs], ["path", "depth"], batch_size=BATCH)
            for index, unit in objs:
                while len(units) <= index:
                    units.append(None)
                    depth_of.append(0)
                units[index] = unit
                depth_of[index] = level
        self.units = units
        self.root = units[0]
        # A few departments carry most of the load, the committee itself little;
        # the units further down (streets, a province's city departments) a share each.
        first_level = sum(1 for d in depth_of if d == 1)
        self.unit_weights = [
            0.3 if i == 0 else 1 / i**0.7 if depth_of[i] == 1 else 0.3 / first_level**0.7
            for i in range(len(units))
        ]
        self.cum_weights = list(itertools.accumulate(self.unit_weights))
        # Leading groups (领导小组) count member units from anywhere in the tree.
        members = []
        for group in (u for u in units if u.kind == "leading_group"):
            others = [u for u in units[1:] if u.kind != "leading_group" and u.pk != group.pk]
            for member in self.rng.sample(others, min(len(others), self.rng.randint(5, 12))):
                members.append(Unit.member_units.through(from_unit=group, to_unit=member))
        Unit.member_units.through.objects.bulk_create(members, batch_size=BATCH)
        self.counts["leading-group memberships"] = len(members)
        start = self.at(self.today - dt.timedelta(days=400), 9)
        self.history(Unit, units, [start] * len(units), [None] * len(units))
        self.counts["units"] = len(units)

    def make_people(self) -> None:
        from django.contrib.auth.hashers import make_password

        from duban.org.models import Membership, Person, Role

        password = make_password(benchlib.PASSWORD)  # hashed once, shared: it is slow
        people: list[tuple[Any, Any]] = []  # (person, unit or None)

        def add(username: str, role: str, unit: Any, title: str) -> None:
            person = Person(
                username=username,
                role=role,
                full_name=self.person_name(),
                title=title,
                password=password,
                is_staff=role == Role.ADMIN,
                is_superuser=role == Role.ADMIN,
            )
            people.append((person, unit))

        for n, unit in enumerate(self.units, start=1):
            add(f"bench-liaison-{n}", Role.LIAISON, unit, "联络员")
        for n in range(1, self.s.office + 1):
            add(f"bench-office-{n}", Role.OFFICE, self.root, "督查室干事")
        for n in range(1, self.s.leaders + 1):
            add(f"bench-leader-{n}", Role.LEADER, self.root, "管委会副主任")
        add("bench-admin", Role.ADMIN, None, "系统管理员")
        busy = sorted(range(1, len(self.units)), key=lambda i: -self.unit_weights[i])
        for n in range(1, max(0, self.s.people - len(people)) + 1):
            unit = self.units[busy[(n - 1) % len(busy)]]
            add(f"bench-deputy-{n}", Role.LIAISON, unit, "联络员")
        Person.objects.bulk_create([p for p, _ in people], batch_size=BATCH)
        Membership.objects.bulk_create(
            [Membership(person=p, unit=u, is_primary=True) for p, u in people if u is not None],
            batch_size=BATCH,
        )
        self.liaisons: dict[int, list[Any]] = defaultdict(list)
        for person, unit in people:
            if person.role == Role.LIAISON:
                self.liaisons[unit.pk].append(person)
        self.office = [p for p, _ in people if p.role == Role.OFFICE]
        self.leaders = [p for p, _ in people if p.role == Role.LEADER]
        self.counts["people"] = len(people)

    def make_plans_and_meetings(self) -> None:
        from duban.work.models import Meeting, MeetingKind, Plan

        y, today = self.today.year, self.today
        templates = [
            (f"{y}年度重点工作任务", today - dt.timedelta(days=320), dt.date(y, 12, 31)),
            (f"{y}年重大项目建设攻坚行动", today - dt.timedelta(days=290), dt.date(y, 12, 31)),
            (
                f"优化营商环境三年行动（{y - 1}—{y + 1}年）",
                today - dt.timedelta(days=360),
                today + dt.timedelta(days=220),
            ),
            (
                f"{y - 1}—{y}年度民生实事项目",
                today - dt.timedelta(days=364),
                today - dt.timedelta(days=14),
            ),
        ]
        plans, self.plan_windows = [], {}
        for k in range(self.s.plans):
            title, start, end = templates[k % len(templates)]
            if k >= len(templates):
                title += f"（第{k // len(templates) + 1}批）"
            plan = Plan(
                title=title,
                year=end.year,
                owner_unit=self.root,
                description="经管委会研究确定，由督查室跟踪督办。",
                created_at=self.at(start - dt.timedelta(days=7), 10),
            )
            plans.append(plan)
            self.plan_windows[id(plan)] = (start, end)
        Plan.objects.bulk_create(plans)
        self.plans = plans

        # Weekly meetings on Mondays through the past year (the newest this week);
        # a province also holds monthly reviews, on-site and joint meetings.
        monday = today - dt.timedelta(days=today.weekday())
        mondays = [monday - dt.timedelta(weeks=k) for k in range(52)]
        weekly = min(self.s.meetings, 52)
        weekly_dates = [mondays[0], *sorted(self.rng.sample(mondays[1:], weekly - 1), reverse=True)]
        kinds = [(MeetingKind.WEEKLY, d) for d in weekly_dates]
        rest = self.s.meetings - weekly
        monthly = min(rest, 12)
        kinds += [(MeetingKind.MONTHLY, mondays[4 * k + 1]) for k in range(monthly)]
        rest -= monthly
        for k in range(rest):
            kind = MeetingKind.ONSITE if k % 2 else MeetingKind.JOINT
            kinds.append((kind, today - dt.timedelta(days=self.rng.randint(1, 360))))
        numbers: dict[str, int] = defaultdict(int)
        meetings = []
        for kind, date in sorted(kinds, key=lambda kd: kd[1]):
            numbers[kind] += 1
            meetings.append(
                Meeting(
                    office=self.root,
                    kind=kind,
                    number=numbers[kind],
                    date=date,
                    chair="管委会主任",
                    location="管委会第一会议室",
                    created_at=self.at(date, 17),
                )
            )
        Meeting.objects.bulk_create(meetings)
        self.meetings = meetings
        self.latest_meeting = max(meetings, key=lambda m: (m.kind == MeetingKind.WEEKLY, m.date))
        self.history(Plan, plans, [p.created_at for p in plans], [self.office[0]] * len(plans))
        self.history(
            Meeting, meetings, [m.created_at for m in meetings], [self.office[0]] * len(meetings)
        )
        self.counts["plans"], self.counts["meetings"] = len(plans), len(meetings)

    # --- tasks -------------------------------------------------------------------

    def new_task(self, *, serial: str, title: str, start: dt.date, deadline: dt.date, **kw: Any):
        from duban.work.models import Task

        deadline = max(deadline, start + dt.timedelta(days=14))
        metric = {}
        if self.rng.random() < 0.2:
            name, unit, target = self.rng.choice(
                [("完成投资", "亿元", 50), ("新增市场主体", "家", 500), ("完成改造", "户", 3000)]
            )
            metric = dict(
                metric=name,
                metric_unit=unit,
                target_value=Decimal(self.rng.randint(target // 10, target)),
            )
        created = self.at(start, 10 if kw.get("meeting") is None else 17)
        return Task(
            serial=serial,
            sort_key=Task.make_sort_key(serial),
            title=title,
            description=f"围绕{title}，明确责任分工和时间节点，按期报送进展。",
            start_date=start,
            original_deadline=deadline,
            deadline=deadline,
            cadence="monthly" if self.rng.random() < 0.05 else "weekly",
            weight=Decimal(2 if self.rng.random() < 0.2 else 1),
            leader=self.rng.choice(self.leaders),
            created_by=self.rng.choice(self.office),
            created_at=created,
            updated_at=created,
            **metric,
            **kw,
        )

    def make_tasks(self) -> None:
        nodes: list[Node] = []
        # Plans hold most tasks; leaders' instructions and documents, then meetings.
        plan_budget = round(self.s.tasks * 0.7)
        per_plan = [plan_budget // len(self.plans)] * len(self.plans)
        per_plan[0] += plan_budget - sum(per_plan)
        for plan, budget in zip(self.plans, per_plan, strict=True):
            nodes += self.plan_tree(plan, budget)
        nodes += self.standing_tasks(round(self.s.tasks * 0.15))
        nodes += self.meeting_tasks(self.s.tasks - len(nodes))
        self.decide_states(nodes)
        self.save_tasks(nodes)
        self.nodes = nodes

    def plan_tree(self, plan: Any, budget: int) -> list[Node]:
        start, end = self.plan_windows[id(plan)]
        rng = self.rng
        nodes: list[Node] = []

        def leaf_dates() -> tuple[dt.date, dt.date]:
            s = start + dt.timedelta(days=rng.randint(0, 14))
            return s, end - dt.timedelta(days=rng.choice((0, 0, 0, 30, 60, 90)))

        i = 0
        while budget > 0:
            i += 1
            unit, leader = self.pick_unit(), rng.choice(self.leaders)
            obj = rng.choice(OBJECTS)
            top = Node(
                self.new_task(
                    plan=plan,
                    serial=str(i),
                    title=f"{rng.choice(VERBS)}{obj}",
                    lead_unit=unit,
                    start=start,
                    deadline=end,
                    source="plan",
                ),
                0,
            )
            top.task.leader = leader
            nodes.append(top)
            budget -= 1
            if budget < 2 or rng.random() < 0.15:
                top.task.start_date, top.task.deadline = leaf_dates()
                top.task.original_deadline = top.task.deadline
                continue
            for j in range(1, min(budget, rng.randint(2, 6)) + 1):
                s, d = leaf_dates()
                measure = Node(
                    self.new_task(
                        plan=plan,
                        serial=f"{i}.{j}",
                        title=f"{obj}：{rng.choice(STEPS)}",
                        lead_unit=unit if rng.random() < 0.5 else self.pick_unit(),
                        start=s,
                        deadline=d,
                        source="plan",
                    ),
                    1,
                )
                measure.task.leader = leader
                top.children.append(measure)
                nodes.append(measure)
                budget -= 1
                if budget >= 3 and rng.random() < 0.1:
                    for k in range(1, rng.randint(2, 3) + 1):
                        s, d = leaf_dates()
                        sub = Node(
                            self.new_task(
                                plan=plan,
                                serial=f"{i}.{j}.{k}",
                                title=f"{obj}：{rng.choice(STEPS)}（{k}）",
                                lead_unit=measure.task.lead_unit,
                                start=s,
                                deadline=d,
                                source="plan",
                            ),
                            2,
                        )
                        sub.task.leader = leader
                        measure.children.append(sub)
                        nodes.append(sub)
                        budget -= 1
        return nodes

    def standing_tasks(self, total: int) -> list[Node]:
        """Leaders' instructions and documents: long tasks begun months ago."""
        rng, nodes = self.rng, []
        for n in range(1, total + 1):
            source = "instruction" if n % 2 else "document"
            start = self.today - dt.timedelta(days=rng.randint(270, 364))
            obj = rng.choice(OBJECTS)
            if n % 2:
                title = f"落实领导批示：{rng.choice(VERBS)}{obj}"
            else:
                title = f"贯彻落实上级文件精神，{obj}"
            task = self.new_task(
                serial=f"{'P' if n % 2 else 'W'}{n:04d}",
                title=title,
                lead_unit=self.pick_unit(),
                start=start,
                deadline=start + dt.timedelta(days=rng.randint(300, 540)),
                source=source,
            )
            nodes.append(Node(task, 0))
        return nodes

    def meeting_tasks(self, total: int) -> list[Node]:
        rng = self.rng
        weights = [rng.uniform(0.5, 1.5) for _ in self.meetings]
        counts = [int(total * w / sum(weights)) for w in weights]
        for k in range(total - sum(counts)):
            counts[k % len(counts)] += 1
        nodes = []
        for meeting, count in zip(self.meetings, counts, strict=True):
            for n in range(1, count + 1):
                days = rng.choices((30, 90, 180, 270, 365), weights=(1, 2, 3, 3, 3))[0]
                task = self.new_task(
                    meeting=meeting,
                    serial=f"{meeting.number}-{n}",
                    title=rng.choice(MEETING_PHRASES).format(rng.choice(OBJECTS)),
                    lead_unit=self.pick_unit(),
                    start=meeting.date,
                    deadline=meeting.date + dt.timedelta(days=days),
                    source="meeting",
                )
                nodes.append(Node(task, 0))
        return nodes

    def decide_states(self, nodes: list[Node]) -> None:
        """Claimed, closed, overdue, closing, deadline moved: as a year of work leaves them."""
        from duban.work.models import TaskState

        rng, today = self.rng, self.today
        for node in nodes:
            t = node.task
            if node.children:
                continue
            age = (today - t.start_date).days
            fresh = t.meeting is self.latest_meeting or age < 7
            if fresh and rng.random() < 0.7:
                continue  # awaiting claim
            t.claimed_by = self.liaison(t.lead_unit)
            t.claimed_at = max(
                t.created_at, self.at(t.start_date + dt.timedelta(days=rng.randint(0, min(3, age))))
            )
            t.state = TaskState.IN_PROGRESS
            t.version = 2
            if age > 40 and rng.random() < 0.08:
                # An approved deadline change, earlier in the task's life.
                t.original_deadline = max(
                    t.start_date + dt.timedelta(days=14),
                    t.deadline - dt.timedelta(days=rng.choice((30, 60))),
                )
                if t.original_deadline < t.deadline:
                    t.deadline_moves = 1
                    t.version += 1
            r = rng.random()
            if t.deadline < today:
                if r < 0.78:
                    if rng.random() < 0.8:
                        day = t.deadline - dt.timedelta(days=rng.randint(0, 20))
                    else:
                        day = t.deadline + dt.timedelta(
                            days=rng.randint(1, max(1, min(30, (today - t.deadline).days)))
                        )
                    self.close(t, day)
                elif r < 0.82:
                    node.closing = True
            elif r < 0.05 and age > 45:
                self.close(t, t.start_date + dt.timedelta(days=rng.randint(30, age - 1)))
            elif r < 0.09 and age > 30:
                node.closing = True
            if node.closing:
                t.state = TaskState.CLOSING
                t.version += 1
                asked = self.clip(self.now - dt.timedelta(hours=rng.randint(2, 72)))
                t.close_requested_at = max(asked, t.claimed_at + dt.timedelta(hours=1))
            elif t.state == TaskState.IN_PROGRESS and rng.random() < 0.02:
                node.pending_move = True
        # Parents follow their measures, deepest first.
        for node in sorted((n for n in nodes if n.children), key=lambda n: -n.level):
            t, kids = node.task, [c.task for c in node.children]
            t.is_parent = True
            t.start_date = min(k.start_date for k in kids)
            t.deadline = t.original_deadline = max(k.deadline for k in kids)
            claimed = [k for k in kids if k.claimed_at]
            if claimed:
                t.state = TaskState.IN_PROGRESS
                t.claimed_at = min(k.claimed_at for k in claimed)
                t.claimed_by = self.liaison(t.lead_unit)
                t.version = 2
            if all(k.state == TaskState.CLOSED for k in kids):
                self.close(t, max(timezone_day(k.closed_at, self.tz) for k in kids))

    def close(self, task: Any, day: dt.date) -> None:
        from duban.work.models import TaskState

        day = min(max(day, task.start_date + dt.timedelta(days=7)), self.today)
        task.closed_at = max(self.at(day), task.claimed_at + dt.timedelta(hours=2))
        # The unit asked a few days before (reporting stops then), with evidence.
        asked = task.closed_at - dt.timedelta(hours=self.rng.randint(4, 120))
        task.close_requested_at = max(asked, task.claimed_at + dt.timedelta(hours=1))
        task.state = TaskState.CLOSED
        task.version += 2  # closing requested, closed
        task.updated_at = task.closed_at

    def save_tasks(self, nodes: list[Node]) -> None:
        from duban.work.models import Task

        for level in sorted({n.level for n in nodes}):
            level_nodes = [n for n in nodes if n.level == level]
            for node in level_nodes:
                for child in node.children:
                    child.task.parent = node.task
            Task.objects.bulk_create([n.task for n in level_nodes], batch_size=BATCH)
        tasks = [n.task for n in nodes]
        self.counts["tasks"] = len(tasks)
        self.counts["of which parents"] = sum(1 for t in tasks if t.is_parent)
        through = Task.co_units.through
        co = []
        for t in tasks:
            if self.rng.random() < 0.25:
                others = {self.pick_unit().pk for _ in range(self.rng.randint(1, 3))}
                co += [through(task_id=t.pk, unit_id=u) for u in others if u != t.lead_unit_id]
        through.objects.bulk_create(co, batch_size=BATCH)
        self.counts["co-unit links"] = len(co)
        self.history(Task, tasks, [t.created_at for t in tasks], [t.created_by for t in tasks])

    def make_task_events(self) -> None:
        """Assigned, claimed, deadline moved, closing, closed, instructions: events and rows."""
        from duban.work.models import (
            CloseRequest,
            DeadlineChange,
            EventKind,
            Instruction,
            RequestState,
            TaskEvent,
        )

        rng, now = self.rng, self.now
        events, changes, closes, instructions = [], [], [], []

        def event(task: Any, kind: str, actor: Any, at: dt.datetime, **kw: Any) -> None:
            text = kw.pop("text", "")
            unit = kw.pop("unit", None)
            events.append(
                TaskEvent(task=task, kind=kind, actor=actor, unit=unit, at=at, text=text, data=kw)
            )

        for node in self.nodes:
            t = node.task
            lead = t.lead_unit
            event(
                t,
                EventKind.CREATED,
                t.created_by,
                t.created_at,
                unit=lead,
                meeting=str(t.meeting) if t.meeting else "",
            )
            if t.claimed_at:
                event(t, EventKind.CLAIMED, t.claimed_by, t.claimed_at, unit=lead)
            if t.deadline_moves:
                asked = self.clip(t.claimed_at + dt.timedelta(days=rng.randint(7, 30)))
                decided = self.clip(asked + dt.timedelta(days=1))
                reason = "受审批进度影响，需调整完成时限。"
                office = rng.choice(self.office)
                changes.append(
                    DeadlineChange(
                        task=t,
                        requested_by=t.claimed_by,
                        requested_at=asked,
                        old_deadline=t.original_deadline,
                        new_deadline=t.deadline,
                        reason=reason,
                        state=RequestState.APPROVED,
                        decided_by=office,
                        decided_at=decided,
                    )
                )
                old, new = str(t.original_deadline), str(t.deadline)
                event(
                    t,
                    EventKind.DEADLINE_REQUESTED,
                    t.claimed_by,
                    asked,
                    unit=lead,
                    text=reason,
                    old=old,
                    new=new,
                )
                event(t, EventKind.DEADLINE_APPROVED, office, decided, old=old, new=new)
            if node.pending_move:
                asked = self.clip(now - dt.timedelta(hours=rng.randint(2, 96)))
                new_deadline = t.deadline + dt.timedelta(days=30)
                changes.append(
                    DeadlineChange(
                        task=t,
                        requested_by=t.claimed_by,
                        requested_at=asked,
                        old_deadline=t.deadline,
                        new_deadline=new_deadline,
                        reason="需协调外部单位，申请延期一个月。",
                    )
                )
                event(
                    t,
                    EventKind.DEADLINE_REQUESTED,
                    t.claimed_by,
                    asked,
                    unit=lead,
                    text="需协调外部单位，申请延期一个月。",
                    old=str(t.deadline),
                    new=str(new_deadline),
                )
            if t.closed_at or node.closing:
                summary = "各项工作已按要求完成，相关佐证材料已上传。"
                asked = t.close_requested_at
                office = rng.choice(self.office)
                closes.append(
                    CloseRequest(
                        task=t,
                        requested_by=t.claimed_by,
                        requested_at=asked,
                        summary=summary,
                        state=RequestState.APPROVED if t.closed_at else RequestState.PENDING,
                        decided_by=office if t.closed_at else None,
                        decided_at=t.closed_at,
                    )
                )
                event(t, EventKind.CLOSE_REQUESTED, t.claimed_by, asked, unit=lead, text=summary)
                if t.closed_at:
                    event(t, EventKind.CLOSED, office, t.closed_at)
            if t.leader and rng.random() < 0.04:
                when = self.at(t.start_date + dt.timedelta(days=rng.randint(0, 60)))
                text = "请加大推进力度，确保按期完成。"
                read = rng.random() < 0.75
                instructions.append(
                    Instruction(
                        task=t,
                        leader=t.leader,
                        text=text,
                        created_at=when,
                        read_at=self.clip(when + dt.timedelta(days=1)) if read else None,
                    )
                )
                event(t, EventKind.INSTRUCTION, t.leader, when, text=text)
        DeadlineChange.objects.bulk_create(changes, batch_size=BATCH)
        CloseRequest.objects.bulk_create(closes, batch_size=BATCH)
        Instruction.objects.bulk_create(instructions, batch_size=BATCH)
        TaskEvent.objects.bulk_create(events, batch_size=BATCH)
        self.counts["deadline changes"] = len(changes)
        self.counts["close requests"] = len(closes)
        self.counts["instructions"] = len(instructions)
        self.counts["task events"] += len(events)

    # --- reports -------------------------------------------------------------------

    def report_slots(self, t: Any) -> tuple[list[Any], Any | None]:
        """The ended periods the unit may report for (services.report_period_choices:
        from the start, to the deadline, not after it asked to close), and the
        current period while the task is in progress."""
        from duban.work.models import TaskState
        from duban.work.services import report_period_choices

        if t.is_parent or t.state == TaskState.ASSIGNED:
            return [], None
        choices = report_period_choices(t, self.today)
        ended = [p for p in choices if p.end < self.today]
        current = None
        if t.state == TaskState.IN_PROGRESS and choices and choices[-1].end >= self.today:
            current = choices[-1]
        return ended, current

    def make_reports(self) -> None:
        leaves = [n for n in self.nodes if not n.task.is_parent]
        ended = current = 0
        for node in leaves:
            owed, now_period = self.report_slots(node.task)
            ended += len(owed)
            current += now_period is not None
        # Open tasks file for the current period half the time; the rest of the
        # target is spread over the ended periods (the remainder goes missing).
        fill = max(0.0, min(1.0, (self.s.reports - CURRENT_SHARE * current) / max(1, ended)))
        print(
            f"  report slots: {ended:,} ended periods, {current:,} current; "
            f"filing {fill:.0%} of the ended ones",
            flush=True,
        )
        step = max(1, len(leaves) // CHUNK_TASKS // 10)
        for n, chunk in enumerate(batches(leaves, CHUNK_TASKS), start=1):
            self.report_chunk(chunk, fill)
            if n % step == 0:
                print(f"    {self.counts['reports']:>12,} reports", flush=True)

    def report_chunk(self, nodes: Sequence[Node], fill: float) -> None:
        from django.db import connection, transaction

        from duban.lib import periods
        from duban.work import services
        from duban.work.models import (
            EventKind,
            ProgressReport,
            ReportState,
            TaskEvent,
            default_grace,
        )

        rng, now = self.rng, self.now
        reports: list[Any] = []
        steps: list[tuple[Any, list[tuple[str, Any, dt.datetime, dict[str, Any]]]]] = []
        for node in nodes:
            t = node.task
            owed, current = self.report_slots(t)
            filed = [p for p in owed if rng.random() < fill]
            if current is not None and rng.random() < CURRENT_SHARE:
                filed.append(current)
            speed = rng.uniform(0.75, 1.15)
            pct = 0.0
            liaison = t.claimed_by
            for period in filed:
                is_current = period.end >= self.today
                frac = periods.time_elapsed_fraction(t.start_date, t.deadline, period.end)
                pct = max(pct, min(100.0, round(100 * frac * speed + rng.uniform(-3, 3))))
                if t.closed_at and period is filed[-1]:
                    pct = 100.0
                percent = Decimal(f"{pct:.1f}")
                value = None
                if t.target_value:
                    value = (t.target_value * percent / 100).quantize(Decimal("0.01"))
                no_change = rng.random() < 0.05
                if no_change:
                    text = "本期无新进展，原因：等待上级部门审批。"
                else:
                    text = rng.choice(DONE).format(
                        rng.choice(OBJECTS), rng.randint(1, 5), rng.randint(1, 300)
                    ) + rng.choice(NEXT)
                report = ProgressReport(
                    task=t,
                    unit=t.lead_unit,
                    cadence=t.cadence,
                    period_label=period.label,
                    period_start=period.start,
                    period_end=period.end,
                    text=text,
                    no_change=no_change,
                    percent=percent,
                    value=value,
                    author=liaison,
                )
                events: list[tuple[str, Any, dt.datetime, dict[str, Any]]] = []
                if is_current:
                    first = self.at(self.today - dt.timedelta(days=rng.randint(0, 2)))
                    first = max(first, self.at(period.start))
                    if rng.random() < 0.12:  # a draft, not yet submitted
                        report.state = ReportState.DRAFT
                        report.created_at = first
                        reports.append(report)
                        steps.append((report, events))
                        continue
                elif rng.random() < 0.88:  # on time: the last day or the grace day
                    first = self.at(period.end + dt.timedelta(days=rng.randint(0, 1)))
                else:
                    first = self.at(period.end + dt.timedelta(days=rng.randint(2, 12)))
                if t.closed_at:  # a closed task takes no more reports
                    first = min(first, t.closed_at - dt.timedelta(minutes=30))
                first = max(first, t.claimed_at + dt.timedelta(minutes=5))
                report.created_at = report.first_submitted_at = report.submitted_at = first
                # The generated plans set no grace of their own: the installation's.
                report.is_late = services.report_is_late(period, first, default_grace())
                report.state = ReportState.SUBMITTED
                events.append((EventKind.REPORT_SUBMITTED, liaison, first, {}))
                reviewer = rng.choice(self.office)
                age = now - first
                r = rng.random()
                if t.closed_at:  # verified before closing
                    accept, returned = True, False
                elif age < dt.timedelta(days=4):
                    accept = r < 0.3
                    returned = 0.3 <= r < 0.35
                else:
                    accept = r < 0.985
                    returned = not accept and r < 0.988
                    if r >= 0.988:  # returned once, then resubmitted and accepted
                        back = self.clip(first + dt.timedelta(hours=rng.randint(4, 48)))
                        again = self.clip(back + dt.timedelta(hours=rng.randint(2, 48)))
                        events.append(
                            (
                                EventKind.REPORT_RETURNED,
                                reviewer,
                                back,
                                {"comment": rng.choice(RETURN_COMMENTS)},
                            )
                        )
                        events.append((EventKind.REPORT_SUBMITTED, liaison, again, {}))
                        report.submitted_at = again
                        report.return_count = 1
                        report.version = 3
                        accept = True
                if accept or returned:
                    delay = dt.timedelta(hours=rng.randint(1, 72))
                    reviewed = self.clip(report.submitted_at + delay)
                    report.reviewed_by, report.reviewed_at = reviewer, reviewed
                    if returned:
                        report.state = ReportState.RETURNED
                        report.review_comment = rng.choice(RETURN_COMMENTS)
                        report.return_count += 1
                        events.append(
                            (
                                EventKind.REPORT_RETURNED,
                                reviewer,
                                reviewed,
                                {"comment": report.review_comment},
                            )
                        )
                    else:
                        report.state = ReportState.ACCEPTED
                        events.append((EventKind.REPORT_ACCEPTED, reviewer, reviewed, {}))
                    report.version += 1
                reports.append(report)
                steps.append((report, events))
            # What _leaf_recompute leaves on the task: the latest counted report.
            mine = reports[-len(filed) :] if filed else []
            counted = [r for r in mine if r.counts]
            latest = max(counted, key=lambda r: r.period_start, default=None)
            node.progress = Decimal("100") if t.closed_at else (latest.percent if latest else 0)
            node.latest_value = latest.value if latest else None

        with transaction.atomic():
            self.insert(ProgressReport, reports)
            events_out = []
            for report, events in steps:
                for kind, actor, at, extra in events:
                    data: dict[str, Any] = {"period": report.period_label, "report": report.pk}
                    text = ""
                    if kind == EventKind.REPORT_SUBMITTED:
                        data.update(percent=str(report.percent), late=report.is_late)
                        text = report.text[:500]
                    else:
                        text = extra.get("comment", "")
                    events_out.append(
                        TaskEvent(
                            task=report.task,
                            kind=kind,
                            actor=actor,
                            unit=report.unit,
                            at=at,
                            text=text,
                            data=data,
                        )
                    )
            self.insert(TaskEvent, events_out)
            self.history(
                ProgressReport,
                reports,
                [r.first_submitted_at or r.created_at for r in reports],
                [r.author for r in reports],
                fast=True,
            )
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE work_task SET progress = %s, latest_value = %s WHERE id = %s",
                    [(n.progress, n.latest_value, n.task.pk) for n in nodes],
                )
        self.counts["reports"] += len(reports)
        self.counts["task events"] += len(events_out)
        for r in reports:
            self.counts[f"reports {r.state}"] += 1
            self.counts["reports late"] += r.is_late

    def roll_up(self) -> None:
        """Parents from their measures, deepest first, then plans: as services._rollup_from."""
        from django.db import connection

        from duban.work.models import Plan

        def mean(nodes: Sequence[Node]) -> Decimal:
            weights = sum(n.task.weight for n in nodes)
            if not weights:
                return Decimal("0")
            total = sum(n.task.weight * n.progress for n in nodes)
            return (total / weights).quantize(Decimal("0.1"))

        parents = sorted((n for n in self.nodes if n.children), key=lambda n: -n.level)
        for node in parents:
            node.progress = Decimal("100") if node.task.closed_at else mean(node.children)
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE work_task SET progress = %s WHERE id = %s",
                [(n.progress, n.task.pk) for n in parents],
            )
        for plan in self.plans:
            top = [n for n in self.nodes if n.level == 0 and n.task.plan is plan]
            Plan.objects.filter(pk=plan.pk).update(progress=mean(top))

    # --- key projects, indicators, the standing -------------------------------------

    def load_office(self) -> None:
        """Units, their weights and people, read back from the database: the
        project step works the same on fresh data and on an older dataset."""
        from duban.org.models import Person, Role, Unit

        self.units = list(Unit.objects.order_by("position", "id"))
        self.root = self.units[0]
        first_level = sum(1 for u in self.units if u.depth == 1)
        self.unit_weights = [
            0.3 if i == 0 else 1 / i**0.7 if u.depth == 1 else 0.3 / first_level**0.7
            for i, u in enumerate(self.units)
        ]
        self.cum_weights = list(itertools.accumulate(self.unit_weights))
        self.liaisons = defaultdict(list)
        people = Person.objects.filter(role=Role.LIAISON).order_by("id")
        for person_id, unit_id in people.values_list("id", "memberships__unit"):
            if unit_id is not None:
                self.liaisons[unit_id].append(Person(pk=person_id))
        self.office = list(Person.objects.filter(role=Role.OFFICE).order_by("id"))
        self.leaders = list(Person.objects.filter(role=Role.LEADER).order_by("id"))

    def ended_months(self) -> list[int]:
        """This year's months that have ended (what monthly figures are owed for)."""
        return list(range(1, self.today.month))

    def month_filed(self, month: int) -> dt.datetime:
        """When a month's figure came in: within the first ten days of the next."""
        first = dt.date(self.today.year + month // 12, month % 12 + 1, 1)
        return self.at(first + dt.timedelta(days=self.rng.randint(0, 9)))

    def make_projects(self) -> None:
        """Key projects over the stages, each with its stage moves (reserve
        onwards, a step at a time, as services.stage_move records them), this
        year's investment plan and the monthly reports of the ended months."""
        from django.db import transaction

        from duban.projects.models import (
            Industry,
            InvestmentPlan,
            InvestmentReport,
            Project,
            ReportState,
            StageMove,
        )
        from duban.projects.services import ACTUAL_FIELD

        rng, today, year = self.rng, self.today, self.today.year
        industries = list(Industry.objects.filter(is_active=True).order_by("position"))
        parks = [u for u in self.units if u.kind == "park"]
        districts = [u for u in self.units if u.kind == "district"]
        main_line = ["reserve", "signed", "started", "producing", "capacity"]
        stages, stage_weights = zip(*STAGE_MIX, strict=True)
        levels, level_weights = zip(*LEVEL_MIX, strict=True)
        projects, moves_of = [], []
        for n in range(1, self.s.projects + 1):
            industry = rng.choice(industries)
            where = rng.choice(parks) if parks and rng.random() < 0.5 else rng.choice(districts)
            unit = where if rng.random() < 0.5 else self.pick_unit()
            stage = rng.choices(stages, weights=stage_weights)[0]
            if stage == "paused":
                reached = rng.choice(("signed", "started"))
            elif stage == "cancelled":
                reached = rng.choice(("reserve", "signed"))
            else:
                reached = stage
            steps = main_line[1 : main_line.index(reached) + 1]
            created = today - dt.timedelta(days=rng.randint(20, 720))
            off_line = 1 if stage in ("paused", "cancelled") else 0
            span = (today - created).days
            days = sorted(
                created + dt.timedelta(days=rng.randint(1, span))
                for _ in range(len(steps) + off_line)
            )
            total = Decimal(rng.randint(2_000, 300_000) * 10_000)  # 0.2 to 30 亿元
            project = Project(
                code=f"BP{n:05d}",
                name=f"{rng.choice(PROJECT_PREFIXES)}{industry.name}{rng.choice(PROJECT_KINDS)}项目",
                level=rng.choices(levels, weights=level_weights)[0],
                industry=industry,
                chain=f"{industry.name}产业链",
                chain_owner=rng.random() < 0.1,
                investor=f"{rng.choice(FIRM_PLACES)}{rng.choice(FIRM_WORDS)}"
                f"{rng.choice(('集团', '股份', '科技'))}有限公司",
                park=where if where.kind == "park" else None,
                district=where if where.kind == "district" else rng.choice(districts),
                unit=unit,
                leader=rng.choice(self.leaders),
                total_investment=total,
                created_at=self.at(created),
                planned_sign=created + dt.timedelta(days=rng.randint(30, 120)),
            )
            project.planned_start = project.planned_sign + dt.timedelta(days=rng.randint(30, 150))
            project.planned_production = project.planned_start + dt.timedelta(
                days=rng.randint(240, 540)
            )
            project.planned_capacity = project.planned_production + dt.timedelta(
                days=rng.randint(90, 365)
            )
            moves = []
            before = "reserve"
            actor = rng.choice(self.office)
            for target, day in zip(steps, days, strict=False):
                moves.append((before, target, StageMove.Kind.FORWARD, day, actor))
                setattr(project, ACTUAL_FIELD[target], day)
                before = target
            if off_line:
                kind = StageMove.Kind.PAUSE if stage == "paused" else StageMove.Kind.CANCEL
                moves.append((before, stage, kind, days[-1], actor))
                project.paused_from = before if stage == "paused" else ""
            project.stage = stage
            project.stage_on = moves[-1][3] if moves else None
            project.version = 1 + len(moves)
            if project.started_on:
                project.construction_start = project.started_on
                project.construction_end = project.planned_production
            projects.append(project)
            moves_of.append(moves)
        with transaction.atomic():
            Project.objects.bulk_create(projects, batch_size=BATCH)
            moves = [
                StageMove(
                    project=p,
                    from_stage=a,
                    to_stage=b,
                    kind=kind,
                    on=day,
                    reason="" if kind == StageMove.Kind.FORWARD else "企业资金链紧张，暂缓建设。",
                    actor=actor,
                    at=self.at(day),
                )
                for p, ms in zip(projects, moves_of, strict=True)
                for a, b, kind, day, actor in ms
            ]
            StageMove.objects.bulk_create(moves, batch_size=BATCH)
            self.history(
                Project,
                projects,
                [p.created_at for p in projects],
                [self.office[0]] * len(projects),
            )

        plans, reports = [], []
        for project in projects:
            start = timezone_day(project.created_at, self.tz)
            first_month = start.month if start.year == year else 1
            share = Decimal(rng.randint(10, 40)) / 100
            amount = (project.total_investment * share / 10_000).quantize(Decimal(1)) * 10_000
            plans.append(
                InvestmentPlan(project=project, year=year, amount=amount, first_month=first_month)
            )
            stopped = project.stage in ("paused", "cancelled") and project.stage_on
            months = [m for m in self.ended_months() if m >= first_month]
            if stopped and project.stage_on.year == year:
                months = [m for m in months if m < project.stage_on.month]
            elif stopped:
                months = []
            per_month = amount / (13 - first_month)
            pace = rng.uniform(0.6, 1.2)
            running = Decimal(0)
            for month in months:
                if rng.random() < 0.03:  # not filed
                    continue
                value = Decimal(round(float(per_month) * pace * rng.uniform(0.6, 1.4) / 10_000))
                report = InvestmentReport(
                    project=project,
                    year=year,
                    month=month,
                    amount=value * 10_000,
                    unit=project.unit,
                    author=self.liaison(project.unit),
                    submitted_at=self.month_filed(month),
                    note="",
                )
                r = rng.random()
                latest = month == months[-1]
                if latest and r < 0.6:
                    report.state = ReportState.SUBMITTED
                elif r < 0.01:
                    report.state = ReportState.RETURNED
                    report.review_comment = rng.choice(RETURN_COMMENTS)
                else:
                    report.state = ReportState.ACCEPTED
                if report.state != ReportState.SUBMITTED:
                    report.reviewed_by = rng.choice(self.office)
                    report.reviewed_at = self.clip(
                        report.submitted_at + dt.timedelta(hours=rng.randint(1, 72))
                    )
                if report.state != ReportState.RETURNED:
                    running += report.amount
                report.year_to_date = running  # as services._restate_year keeps it
                reports.append(report)
        with transaction.atomic():
            InvestmentPlan.objects.bulk_create(plans, batch_size=BATCH)
            InvestmentReport.objects.bulk_create(reports, batch_size=BATCH)
            self.history(
                InvestmentReport,
                reports,
                [r.submitted_at for r in reports],
                [r.author for r in reports],
            )
        self.counts["projects"] = len(projects)
        for project in projects:
            self.counts[f"projects {project.stage}"] += 1
        self.counts["stage moves"] = len(moves)
        self.counts["investment plans"] = len(plans)
        self.counts["investment reports"] = len(reports)

    def make_indicators(self) -> None:
        """Four key indicators, a target this year for every district and park,
        and their monthly figures for the ended months (a few missing)."""
        from django.db import transaction

        from duban.projects.models import Indicator, IndicatorActual, IndicatorTarget

        rng, year = self.rng, self.today.year
        units = [u for u in self.units if u.kind in ("district", "park") and u.is_active]
        with transaction.atomic():
            indicators = Indicator.objects.bulk_create(
                [
                    Indicator(
                        office=self.root,
                        code=code,
                        name=name,
                        name_en=name_en,
                        measure=measure,
                        cumulative=cumulative,
                        position=k,
                    )
                    for k, (code, name, name_en, measure, cumulative, _top) in enumerate(INDICATORS)
                ]
            )
            targets, actuals = [], []
            for indicator, (*_, top) in zip(indicators, INDICATORS, strict=True):
                for unit in units:
                    if indicator.cumulative:  # a sub-district or sub-park a twentieth
                        size = top if unit.depth <= 1 else top / 20
                        value = Decimal(max(1, round(size * rng.uniform(0.5, 1.5))))
                    else:  # a rate
                        value = Decimal(f"{top * rng.uniform(0.7, 1.3):.2f}")
                    target = IndicatorTarget(
                        indicator=indicator, unit=unit, year=year, target=value
                    )
                    targets.append(target)
                    pace = rng.uniform(0.7, 1.15)
                    for month in self.ended_months():
                        if rng.random() < 0.03:
                            continue
                        if indicator.cumulative:
                            figure = value / 12 * Decimal(pace * rng.uniform(0.6, 1.4))
                        else:
                            figure = value * Decimal(pace * rng.uniform(0.9, 1.1))
                        actuals.append(
                            IndicatorActual(
                                target=target,
                                month=month,
                                value=figure.quantize(Decimal("0.01")),
                                author=self.liaison(unit),
                                submitted_at=self.month_filed(month),
                            )
                        )
            IndicatorTarget.objects.bulk_create(targets, batch_size=BATCH)
            IndicatorActual.objects.bulk_create(actuals, batch_size=BATCH)
        self.counts["indicators"] = len(indicators)
        self.counts["indicator targets"] = len(targets)
        self.counts["indicator actuals"] = len(actuals)

    def add_projects(self, only_missing: bool = False) -> None:
        """Key projects and indicators (with ``only_missing``: only when there are none)."""
        from django.db import connection

        from duban.projects.models import IndicatorTarget, Project

        t = self.timings
        self.rng = random.Random(f"{self.seed}:projects")  # the same on fresh and older data
        self.load_office()
        wrote = False
        if not (only_missing and Project.objects.exists()):
            with benchlib.timed("key projects, stage moves, investment", t):
                self.make_projects()
            wrote = True
        if not (only_missing and IndicatorTarget.objects.exists()):
            with benchlib.timed("indicators, targets, monthly actuals", t):
                self.make_indicators()
            wrote = True
        if wrote and only_missing and connection.vendor == "postgresql":
            with benchlib.timed("ANALYZE (projects and indicators)", t):
                with connection.cursor() as cursor:
                    for table in (
                        "projects_project",
                        "projects_stagemove",
                        "projects_investmentplan",
                        "projects_investmentreport",
                        "projects_indicatortarget",
                        "projects_indicatoractual",
                    ):
                        cursor.execute(f"ANALYZE {table}")

    def add_likeness(self) -> None:
        """What the services store when a report is filed (the formalism rule's
        fact: the latest filed report's likeness to the one before), for the
        reports written here in bulk."""
        from duban.work.likeness import backfill
        from duban.work.models import OPEN_STATES, ProgressReport, Task

        with benchlib.timed("report likeness (work.likeness)", self.timings):
            backfill(Task, ProgressReport, tuple(OPEN_STATES))

    def add_warnings(self, only_missing: bool = False) -> bool:
        """The warning scan, as the hourly job runs it (``supervision.scan.scan``),
        then each warning dated back to when an hourly scan would have raised it
        (an overdue task the night after its deadline, the others within the last
        three weeks, never before the task was created), so the cockpit as of a
        past day has warnings to show."""
        from django.db import connection, transaction

        from duban.lib import rules
        from duban.supervision.models import TaskWarning, WarningEvent
        from duban.supervision.scan import scan

        if only_missing and TaskWarning.objects.exists():
            return False
        with benchlib.timed("warning scan (supervision.scan)", self.timings):
            result = scan(today=self.today)
        rng = random.Random(f"{self.seed}:warnings")
        with benchlib.timed("warnings dated back", self.timings), transaction.atomic():
            warnings = list(
                TaskWarning.objects.filter(cleared_at__isnull=True)
                .select_related("task")
                .only("id", "rule", "facts", "raised_at", "changed_at", "task__created_at")
                .order_by("id")
            )
            events = {
                e.warning_id: e
                for e in WarningEvent.objects.filter(kind=WarningEvent.Kind.RAISED).only(
                    "id", "warning_id", "at"
                )
            }
            for warning in warnings:
                deadline = warning.facts.get("deadline")
                if warning.rule == rules.OVERDUE and deadline:
                    day = dt.date.fromisoformat(deadline) + dt.timedelta(days=1)
                else:
                    day = self.today - dt.timedelta(days=rng.randint(0, 20))
                moment = dt.datetime.combine(day, dt.time(1, rng.randint(0, 59)), tzinfo=self.tz)
                moment = self.clip(max(moment, warning.task.created_at + dt.timedelta(hours=1)))
                warning.raised_at = warning.changed_at = moment
                if warning.pk in events:
                    events[warning.pk].at = moment
            # One executemany each: bulk_update's CASE over 13,000 rows takes 40 s on SQLite.
            at = _converter(TaskWarning._meta.get_field("raised_at"), connection)
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE supervision_taskwarning SET raised_at = %s, changed_at = %s "
                    "WHERE id = %s",
                    [(at(w.raised_at), at(w.raised_at), w.pk) for w in warnings],
                )
                cursor.executemany(
                    "UPDATE supervision_warningevent SET at = %s WHERE id = %s",
                    [(at(e.at), e.pk) for e in events.values()],
                )
        self.counts["warnings"] = len(result.raised)
        for warning in result.raised:
            self.counts[f"warnings {warning.rule}"] += 1
        return True

    def add_snapshots(self, only_missing: bool = False) -> None:
        """The standing snapshots the cockpit's ranking reads, as the hourly scan
        leaves them (``assessment.services.snapshot``): today's, and last
        Monday's, which the cockpit as of that day reads."""
        from django.db import transaction

        from duban.assessment.models import StandingSnapshot
        from duban.assessment.services import snapshot
        from duban.lib import periods

        last_monday = self.today - dt.timedelta(days=self.today.weekday() or 7)
        for label, day in (("today", self.today), ("last Monday", last_monday)):
            quarter = periods.quarter_containing(day)
            done = StandingSnapshot.objects.filter(quarter=quarter.label, day=day)
            if only_missing and done.exists():
                continue
            with benchlib.timed(f"standing snapshot, {label} ({day})", self.timings):
                with transaction.atomic():
                    found = snapshot(today=day)
            self.counts[f"standing snapshot rows, {label}"] = sum(len(s.rows) for s in found)

    def run(self) -> None:
        from django.db import connection, transaction

        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous=OFF")
                cursor.execute("PRAGMA cache_size=-262144")
        t = self.timings
        with explicit_timestamps():
            with benchlib.timed("units", t), transaction.atomic():
                self.make_units()
            with benchlib.timed("people and memberships", t), transaction.atomic():
                self.make_people()
            with benchlib.timed("plans and meetings", t), transaction.atomic():
                self.make_plans_and_meetings()
            with benchlib.timed("tasks, co-units", t), transaction.atomic():
                self.make_tasks()
            with benchlib.timed("task events, requests, instructions", t), transaction.atomic():
                self.make_task_events()
            with benchlib.timed("reports, their events and history", t):
                self.make_reports()
            with benchlib.timed("roll-up to parents and plans", t), transaction.atomic():
                self.roll_up()
                if connection.vendor == "postgresql" and self.fast:
                    FastInsert.reset_sequences(list(self.fast))
        if self.s.projects:
            self.add_projects()
        self.add_likeness()
        if connection.vendor == "postgresql":
            # Autovacuum would; a SQLite file in use has no statistics, so none here.
            with benchlib.timed("ANALYZE", t), connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        if self.scan:
            self.add_warnings()
        self.add_snapshots()

    def extend(self) -> None:
        """Bring an older dataset up to date: what it lacks of the above, nothing else."""
        from django.db import connection

        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size=-262144")
        if self.s.projects:
            self.add_projects(only_missing=True)
        scanned = self.scan and self.add_warnings(only_missing=True)
        self.add_snapshots(only_missing=not scanned)  # the standing counts the warnings


def unit_specs(n: int) -> list[tuple[str, str, str, int | None, int]]:
    """(name, short name, kind, parent index, depth) for ``n`` units in one tree:
    the committee; departments, centers, parks, districts and companies under it;
    the districts and parks subdivided as far as ``n`` needs."""
    specs: list[tuple[str, str, str, int | None, int]] = [
        ("开发区管理委员会", "管委会", "committee", None, 0)
    ]
    first = min(n - 1, 85 if n <= 200 else 100)
    mix = [
        ("department", DEPARTMENTS, 0.5),
        ("center", CENTERS, 0.18),
        ("park", PARKS, 0.12),
        ("district", DISTRICTS, 0.12),
        ("company", COMPANIES, 0.06),
        ("leading_group", LEADING_GROUPS, 0.02),
    ]
    counts = [max(1, round(first * share)) for *_, share in mix]
    counts[0] += first - sum(counts)
    for (kind, names, _), count in zip(mix, counts, strict=True):
        for k in range(count):
            name = names[k % len(names)]
            if k >= len(names):
                name = f"{name}（{k // len(names) + 1}）"
            specs.append((name, "", kind, 0, 1))
    frontier = [i for i, s in enumerate(specs) if s[2] in ("park", "district")]
    while len(specs) < n:
        per = min(40, -(-(n - len(specs)) // len(frontier)))
        below = []
        for parent in frontier:
            base = specs[parent][0]
            for k in range(per):
                if len(specs) >= n:
                    break
                name = f"{base}{SUB_UNITS[k % len(SUB_UNITS)]}"
                if k >= len(SUB_UNITS):
                    name += f"（{k // len(SUB_UNITS) + 1}）"
                kind = "district" if k % 4 == 3 else "other"
                below.append(len(specs))
                specs.append((name, "", kind, parent, specs[parent][4] + 1))
        frontier = below
    return specs


def timezone_day(moment: dt.datetime, tz: Any) -> dt.date:
    return moment.astimezone(tz).date()


def reset_database(data_dir: Path, flush: bool) -> None:
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{connection.settings_dict['NAME']}{suffix}").unlink(missing_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    from duban.org.models import Unit

    if Unit.objects.exists():
        if not flush:
            sys.exit("The database is not empty; pass --flush to empty it first.")
        call_command("flush", interactive=False, verbosity=0)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="city")
    parser.add_argument("--factor", type=float, default=1.0, help="multiply every figure")
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--flush", action="store_true", help="empty a non-empty database")
    parser.add_argument(
        "--orm", action="store_true", help="bulk_create everything (slower; for comparison)"
    )
    parser.add_argument(
        "--extend",
        action="store_true",
        help="migrate the existing data and add only what it lacks (projects, indicators, "
        "the standing snapshots)",
    )
    parser.add_argument(
        "--no-scan", action="store_true", help="leave the data without warnings (no scan)"
    )
    args = parser.parse_args(argv)
    name = args.scale if args.factor == 1 else f"{args.scale}-x{args.factor:g}"
    data_dir = args.data_dir or benchlib.default_data_dir(name)
    scale = scaled(SCALES[args.scale], args.factor)
    benchlib.configure(data_dir)
    print(f"generate {name}: {benchlib.describe_database()}")
    print(f"  target: {scale}")
    started = time.perf_counter()
    if args.extend:
        extend(name, data_dir, scale, args.seed, started, scan=not args.no_scan)
        return
    with benchlib.timed("migrate (fresh database)"):
        reset_database(data_dir, args.flush)
    generator = Generator(replace(scale), args.seed, orm=args.orm)
    generator.scan = not args.no_scan
    generator.run()
    total = time.perf_counter() - started
    print("  rows:")
    for key, value in generator.counts.items():
        print(f"    {key:<40} {value:>12,}")
    print(f"  total {total:.1f} s")
    (data_dir / "bench.json").write_text(
        json.dumps(
            {
                "scale": name,
                "database": benchlib.describe_database(),
                "generated_on": str(generator.today),
                "seconds": round(total, 1),
                "counts": generator.counts,
            },
            ensure_ascii=False,
            indent=2,
        )
    )


def extend(
    name: str, data_dir: Path, scale: Scale, seed: int, started: float, scan: bool = True
) -> None:
    """``--extend``: migrate the data as it is, add what it lacks, note it in bench.json."""
    from django.core.management import call_command

    from duban.org.models import Unit

    with benchlib.timed("migrate (the data as it is)"):
        call_command("migrate", interactive=False, verbosity=0)
    if not Unit.objects.exists():
        sys.exit("No generated data to extend: run generate.py without --extend.")
    generator = Generator(replace(scale), seed)
    generator.scan = scan
    generator.extend()
    total = time.perf_counter() - started
    print("  rows added:" if generator.counts else "  nothing was missing")
    for key, value in generator.counts.items():
        print(f"    {key:<40} {value:>12,}")
    print(f"  total {total:.1f} s")
    info_file = data_dir / "bench.json"
    info = json.loads(info_file.read_text()) if info_file.exists() else {"scale": name}
    if generator.counts:
        info.setdefault("counts", {}).update(generator.counts)
        info["extended_on"] = str(generator.today)
        info["extend_seconds"] = round(total, 1)
    data_dir.mkdir(parents=True, exist_ok=True)
    info_file.write_text(json.dumps(info, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
