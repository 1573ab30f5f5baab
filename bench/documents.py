"""Time the task-list import and the quarterly assessment, in-process, on generated data.

    .venv/bin/python bench/documents.py                     # import into a copy of the city
                                                            # data; assessment on city and province
    .venv/bin/python bench/documents.py --measures 2000     # a smaller task list
    .venv/bin/python bench/documents.py --no-province       # city only
    .venv/bin/python bench/documents.py --analyze --no-import  # the assessment with statistics
    .venv/bin/python bench/documents.py --profile           # cProfile preview, apply, assessment

**The import.** A task list workbook as offices keep it is written with
openpyxl: a merged title row; a two-row merged header (序号 / 重点任务 /
具体措施 / 责任分工 over 牵头单位 and 配合单位 / 责任领导 / 完成时限 / 备注);
``--sections`` section rows merged across; tasks merged down over
``--per-task`` measures, ``--measures`` measures in all; unit names taken from
the database's units (several to a cell, separated by 、 and ；, sometimes
ending in 等), leaders' names from its leaders, deadlines as lists write
them ("2026年6月底前", "三季度末", "长期坚持", "每季度", "9月30日前", real date
cells). Then, in a fresh process (so that memory figures are the reader's):

a. ``taskbook.read_taskbook``: wall and CPU time of the first read, median of
   ``--read-repeat`` more, peak memory under ``tracemalloc`` (a separate read:
   tracing slows it) and the growth of the process's peak RSS
   (``ru_maxrss``) over the first read;
b. ``importer.preview`` into a fresh plan: time and SQL queries (matching the
   units, the leaders, the earlier imports of the plan); then the preview page
   the office looks at (``GET /imports/<id>/``: it reads the stored workbook
   again, previews and renders every row);
c. ``importer.apply`` (which reads and previews again inside its
   transaction): time, queries (by kind and table), tasks created;
d. the same workbook uploaded again: read + preview (every row must be
   "same") and apply (must create 0: the import is idempotent).

Target: the import preview (reading and previewing) under 5 s.

The import writes: on SQLite it runs in a copy of the data (``--work-dir``,
made afresh with SQLite's backup API each run), never in ``--data-dir``; with
``DATABASE_URL`` it runs in a transaction that is rolled back at the end.
Queries are counted with ``connection.execute_wrapper`` (an import runs more
than the 9,000 that ``CaptureQueriesContext`` keeps).

**The assessment.** ``assessment.services.standing(quarter)`` for the last
ended quarter and the current one, and ``assessment.review.month_review`` for
the last full month, at city and at province scale (each dataset read in its
own process, nothing written): first (cold) time, wall and CPU median of
``--repeat``, queries under ``CaptureQueriesContext``, units ranked; then the
assessment and review pages as the office (one request after a warm-up; their
query count also depends on the inbox badge the session keeps for 30 s).
Targets: the standing under 10 s at province scale, and the same number of
queries at both scales. The generated SQLite files carry no planner
statistics (nor would a server's, nothing runs ANALYZE); ``--analyze`` runs
ANALYZE first, in a copy and in a transaction rolled back at the end.

Data: ``--data-dir`` (city, default /tmp/duban-bench/city) and
``--province-dir`` (default /tmp/duban-bench/province), as bench/generate.py
writes them, only read. A dataset whose schema is behind the migrations is
read from a migrated copy under ``--work-dir`` (default /tmp/duban-bench-docs:
copies, the workbook, profiles), made once and kept while the source is
unchanged; a missing city dataset is generated there. With ``DATABASE_URL``
the city data is that database and ``--province-url`` names the province one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import random
import re
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import benchlib

HERE = Path(__file__).resolve().parent
WORK_ROOT = Path(os.environ.get("DUBAN_DOCS_BENCH_ROOT", "/tmp/duban-bench-docs"))
PREVIEW_TARGET_S, STANDING_TARGET_S = 5.0, 10.0
PLAN_TITLE = "基准测试导入（bench documents）"


# --- set-up -------------------------------------------------------------------------------


def configure(data_dir: Path, work_dir: Path) -> None:
    """``benchlib.configure``, with static and media files under ``work_dir``: the
    datasets may belong to other runs, nothing is written into them."""
    env = benchlib.bench_env(data_dir)
    env["STATIC_ROOT"] = str(work_dir / "static")
    env["MEDIA_ROOT"] = str(work_dir / "media")
    os.environ.pop("DEBUG", None)
    os.environ.update(env)
    if str(benchlib.ROOT) not in sys.path:
        sys.path.insert(0, str(benchlib.ROOT))
    import django

    django.setup()


def ensure_static() -> None:
    from django.conf import settings
    from django.core.management import call_command

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)


def dataset(data_dir: Path) -> dict[str, Any] | None:
    """What bench/generate.py wrote in ``data_dir``, if it is all there: its
    bench.json, and a database holding at least the units and tasks it lists."""
    db, info = data_dir / "duban.sqlite3", data_dir / "bench.json"
    if not db.exists() or not info.exists():
        return None
    meta = json.loads(info.read_text())
    try:
        with closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True)) as con:
            units = con.execute("SELECT count(*) FROM org_unit").fetchone()[0]
            tasks = con.execute("SELECT count(*) FROM work_task").fetchone()[0]
    except sqlite3.Error:
        return None
    counts = meta.get("counts", {})
    if units < counts.get("units", 1) or tasks < counts.get("tasks", 1):
        return None
    return {**meta, "units": units, "tasks": tasks}


def copy_sqlite(source: Path, target_dir: Path) -> float:
    """A consistent copy of the dataset's database (SQLite's online backup)."""
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / "duban.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    started = time.perf_counter()
    src = sqlite3.connect(f"file:{source / 'duban.sqlite3'}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    if (source / "bench.json").exists():
        (target_dir / "bench.json").write_text((source / "bench.json").read_text())
    return time.perf_counter() - started


class Queries:
    """Counts the queries run (and their time) through ``execute_wrapper``,
    by statement kind and table."""

    VERB = re.compile(r"\s*(SELECT|INSERT INTO|UPDATE|DELETE FROM|SAVEPOINT|RELEASE SAVEPOINT)\b")
    TABLE = re.compile(r'\bFROM\s+"?(\w+)"?')

    @classmethod
    def shape(cls, sql: str) -> str:
        """ "SELECT work_task", "UPDATE work_plan", "SAVEPOINT", ...: what a statement is."""
        verb = cls.VERB.match(sql)
        if verb is None:
            return sql.split(None, 1)[0].upper() if sql.strip() else "?"
        if verb[1] in ("SAVEPOINT", "RELEASE SAVEPOINT"):
            return verb[1]
        if verb[1] == "SELECT":
            table = cls.TABLE.search(sql)
            return f"SELECT {table[1]}" if table else "SELECT (no table: a check constraint)"
        rest = sql[verb.end() :].split(None, 1)
        return f"{verb[1].split()[0]} {rest[0].strip(chr(34)) if rest else ''}"

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self.shapes: Counter[str] = Counter()

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1
            self.shapes[self.shape(sql)] += 1

    def __enter__(self) -> Queries:
        from django.db import connection

        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._wrapper.__exit__(*exc)


def note(text: str) -> None:
    """Progress, on stderr (stdout carries the child's JSON)."""
    print(f"  {text}", file=sys.stderr, flush=True)


# --- the workbook -------------------------------------------------------------------------

SECTION_TITLES = (
    "提升自主创新能力 优化营商环境 扩大有效投资 推动产业转型升级 深化改革开放 "
    "推进城市更新 加强生态环境保护 保障和改善民生 统筹发展和安全 加强政府自身建设"
).split()
VERBS = "加快推进 全力推动 持续优化 深入实施 统筹推进 着力提升 健全完善 抓好落实".split()
OBJECTS = (
    "重点项目建设 营商环境改革 招商引资工作 城市更新行动 数字政府建设 老旧小区改造 "
    "生态环境治理 安全生产专项整治 科技型企业培育 公共服务设施建设 产业链精准招商 "
    "土地要素保障 民生实事项目 交通基础设施建设 农村人居环境整治 一网通办改革"
).split()
STEPS = (
    "完成实施方案编制 完成立项审批 完成用地报批 实现开工建设 完成主体工程 完成竣工验收 "
    "建立工作台账 组织专项督查 完成年度目标任务 完成阶段性评估 出台配套政策 开展绩效评价"
).split()
NOTES = ("已列入省定目标", "市重点项目", "需财政资金保障", "上年结转任务")
CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1..99 in Chinese numerals: 十一, 二十, 九十九."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_DIGITS[ones]
    return (CN_DIGITS[tens] if tens > 1 else "") + "十" + (CN_DIGITS[ones] if ones else "")


def deadline_cell(rng: random.Random, year: int) -> object:
    """A 完成时限 cell in one of the forms lists use."""
    month = rng.randint(3, 12)
    pick = rng.random()
    if pick < 0.35:
        return f"{year}年{month}月底前"
    if pick < 0.55:
        return f"{'一二三四'[rng.randint(1, 4) - 1]}季度末"
    if pick < 0.65:
        return "长期坚持"
    if pick < 0.75:
        return "每季度"
    if pick < 0.95:
        last = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)).day
        return dt.datetime(year, month, rng.choice((15, last)))
    return f"{month}月{rng.choice((10, 20, 30 if month != 2 else 28))}日前"


def write_workbook(
    path: Path,
    *,
    units: list[str],
    leaders: list[str],
    year: int,
    measures: int,
    sections: int,
    per_task: int,
    seed: int,
) -> dict[str, Any]:
    """The task list as an office keeps it (see the module's docstring)."""
    import openpyxl
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.cell_range import MultiCellRange
    from openpyxl.worksheet.merge import MergedCellRange

    rng = random.Random(seed)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务分解"
    ws.append([f"{year}年重点任务分解表"])
    ws.append(["序号", "重点任务", "具体措施", "责任分工", None, "责任领导", "完成时限", "备注"])
    ws.append([None, None, None, "牵头单位", "配合单位", None, None, None])
    merges = ["A1:H1", "A2:A3", "B2:B3", "C2:C3", "D2:E2", "F2:F3", "G2:G3", "H2:H3"]

    def merge(top: int, left: int, bottom: int, right: int) -> None:
        merges.append(f"{get_column_letter(left)}{top}:{get_column_letter(right)}{bottom}")

    tasks = -(-measures // per_task)
    per_section = -(-tasks // sections)
    serial = written = 0
    row = 3  # the last row written (ws.max_row scans every cell: quadratic)
    for s in range(sections):
        if written >= measures:
            break
        ws.append([f"{cn_number(s + 1)}、{SECTION_TITLES[s % len(SECTION_TITLES)]}"])
        row += 1
        merge(row, 1, row, 8)
        for t in range(per_section):
            count = min(per_task, measures - written)
            if count <= 0:
                break
            numbering = f"（{cn_number(t + 1)}）" if t < 99 else f"{t + 1}."
            task_title = f"{numbering}{rng.choice(VERBS)}{rng.choice(OBJECTS)}"
            leader = rng.choice(leaders) if leaders and rng.random() < 0.9 else None
            first = row + 1
            for m in range(count):
                serial += 1
                lead = [rng.choice(units)]
                if rng.random() < 0.15:  # two lead units: the second becomes a co-unit
                    lead.append(rng.choice(units))
                co = rng.sample(units, k=min(len(units), rng.choice((0, 1, 2, 2, 3, 4))))
                co_text = ""
                for k, name in enumerate(co):
                    co_text += ("、" if rng.random() < 0.7 else "；") if k else ""
                    co_text += name
                if co_text and rng.random() < 0.1:
                    co_text += "等"
                ws.append(
                    [
                        serial,
                        task_title if m == 0 else None,
                        f"{m + 1}.{rng.choice(VERBS)}{rng.choice(OBJECTS)}，{rng.choice(STEPS)}",
                        "、".join(lead),
                        co_text or None,
                        leader if m == 0 else None,
                        deadline_cell(rng, year),
                        rng.choice(NOTES) if rng.random() < 0.1 else None,
                    ]
                )
                row += 1
            written += count
            if count > 1:
                merge(first, 2, row, 2)
                merge(first, 6, row, 6)
            ws.cell(first, 2).alignment = Alignment(vertical="center", wrap_text=True)
    ws.append([])
    ws.append(["注：本表由基准测试生成。"])
    # ws.merge_cells() checks each new range against every earlier one (quadratic:
    # 30 s for 5,000 ranges); add them all at once, as openpyxl's reader does.
    ranges = []
    for cells in merges:
        merged = MergedCellRange(ws, cells)
        ws._clean_merge_range(merged)
        ranges.append(merged)
    ws.merged_cells = MultiCellRange(ranges)
    for column, width in zip("ABCDEFGH", (6, 30, 40, 20, 30, 10, 16, 12), strict=True):
        ws.column_dimensions[column].width = width
    wb.save(path)
    return {
        "rows": row + 2,
        "merged": len(ws.merged_cells.ranges),
        "measures": written,
        "kib": path.stat().st_size / 1024,
    }


def part_workbook(args: argparse.Namespace) -> dict[str, Any]:
    from django.utils import timezone

    from duban.org.models import Person, Role, Unit

    units = list(
        Unit.objects.filter(is_active=True, parent__isnull=False)
        .order_by("path")
        .values_list("name", flat=True)
    )
    leaders = sorted(
        {p.full_name or p.username for p in Person.objects.filter(role=Role.LEADER, is_active=True)}
    )
    started = time.perf_counter()
    info = write_workbook(
        args.workbook,
        units=units,
        leaders=leaders,
        year=timezone.localdate().year,
        measures=args.measures,
        sections=args.sections,
        per_task=args.per_task,
        seed=args.seed,
    )
    return {**info, "units": len(units), "leaders": len(leaders), "seconds": _since(started)}


# --- the import ---------------------------------------------------------------------------


def _since(started: float) -> float:
    return time.perf_counter() - started


def _maxrss_kib() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux


def _vmrss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _new_record(plan: Any, office: Any, data: bytes, name: str) -> Any:
    """What importer.upload stores, without reading the file again."""
    from django.core.files.base import ContentFile

    from duban.documents.models import TaskImport

    record = TaskImport(plan=plan, filename=name, uploaded_by=office)
    record.file.save(name, ContentFile(data), save=False)
    record.save()
    return record


def _profile(label: str, work_dir: Path, call: Any) -> Any:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    started = time.perf_counter()
    result = profiler.runcall(call)
    note(f"{label}: {_since(started):.1f} s under cProfile")
    out = work_dir / f"profile-{label}.pstats"
    profiler.dump_stats(out)
    stats = pstats.Stats(profiler, stream=sys.stderr)
    print(f"\n--- {label}: by own time ({out}) ---", file=sys.stderr)
    stats.sort_stats("tottime").print_stats(25)
    print(f"\n--- {label}: cumulative, duban's code ---", file=sys.stderr)
    stats.sort_stats("cumulative").print_stats(r"duban/", 30)
    return result


class Clock:
    """Wall and CPU seconds of a block."""

    def __enter__(self) -> Clock:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def part_import(args: argparse.Namespace) -> dict[str, Any]:
    import tracemalloc

    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from duban.documents import importer
    from duban.lib import taskbook
    from duban.org.models import Person, Role
    from duban.work import services as work
    from duban.work.models import Task

    data = args.workbook.read_bytes()
    office = Person.objects.filter(role=Role.OFFICE, is_active=True).order_by("username").first()
    assert office is not None, "no office staff in the data: run bench/generate.py"
    year = timezone.localdate().year
    out: dict[str, Any] = {"database": benchlib.describe_database(), "kib": len(data) / 1024}

    # (a) reading: the first read in a fresh process, then repeats, then traced.
    gc.collect()
    rss_before, vm_before = _maxrss_kib(), _vmrss_kib()
    with Clock() as c:
        book = taskbook.read_taskbook(data, plan_year=year)
    out["read_first_s"], out["read_first_cpu_s"] = c.wall, c.cpu
    out["read_maxrss_delta_mib"] = (_maxrss_kib() - rss_before) / 1024
    out["read_rss_before_mib"] = vm_before / 1024
    out["read_rss_after_mib"] = _vmrss_kib() / 1024
    levels = Counter(node.level for node in book.nodes)
    out["nodes"] = dict(levels, total=len(book.nodes))
    out["problems"] = [(p.row, p.code) for p in book.problems[:10]]
    out["problem_count"] = len(book.problems)
    times, cpu = [], []
    for _ in range(args.read_repeat):
        with Clock() as c:
            taskbook.read_taskbook(data, plan_year=year)
        times.append(c.wall)
        cpu.append(c.cpu)
    out["read_median_s"], out["read_median_cpu_s"] = benchlib.median(times), benchlib.median(cpu)
    gc.collect()
    tracemalloc.start()
    with Clock() as c:
        taskbook.read_taskbook(data, plan_year=year)
    out["read_traced_s"] = c.wall
    out["read_tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
    tracemalloc.stop()
    gc.collect()
    note(f"read: {out['read_first_s']:.2f} s, {len(book.nodes):,} nodes")

    rollback = connection.vendor != "sqlite" and not args.keep
    with transaction.atomic() if rollback else _nothing():
        plan = work.plan_create(
            title=f"{PLAN_TITLE} {timezone.now():%H:%M:%S}", year=year, actor=office
        )
        # (b) the preview against the database.
        with Queries() as q, Clock() as c:
            if args.profile:
                preview = _profile(
                    "preview", args.work_dir, lambda: importer.preview(book, plan, {})
                )
            else:
                preview = importer.preview(book, plan, {})
        out["preview_s"], out["preview_cpu_s"] = c.wall, c.cpu
        out["preview_queries"], out["preview_sql_s"] = q.count, q.seconds
        out["preview_status"] = {s: preview.count(s) for s in ("new", "update", "same", "invalid")}
        out["matched_names"], out["unknown_names"] = len(preview.matched), len(preview.unknown)
        out["unknown_leaders"] = len(preview.unknown_leaders)
        if preview.blocked or preview.count("invalid"):
            sys.exit(
                f"the list cannot be imported: {len(preview.unknown)} unknown names, "
                f"{preview.count('invalid')} invalid rows, problems {out['problems']}"
            )
        note(f"preview: {out['preview_s']:.2f} s, {q.count} queries")

        # (b+) the page the office looks at before importing.
        record = _new_record(plan, office, data, args.workbook.name)
        if not args.no_pages:
            ensure_static()
            client = Client()
            client.force_login(office)
            url = reverse("import_preview", args=[record.pk])
            with Queries() as q, Clock() as c:
                response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            out["page_s"], out["page_cpu_s"] = c.wall, c.cpu
            out["page_queries"], out["page_kib"] = q.count, len(response.content) / 1024
            note(f"preview page: {out['page_s']:.2f} s, {out['page_kib']:,.0f} KiB")

        # (c) apply, timing the read + preview it does again inside.
        loads: list[float] = []
        load = importer.load

        def timed_load(record: Any) -> Any:
            started = time.perf_counter()
            try:
                return load(record)
            finally:
                loads.append(_since(started))

        def apply_record(record: Any) -> dict[str, int]:
            return importer.apply(actor=office, record=record, mappings={})

        importer.load = timed_load  # type: ignore[assignment]
        note("apply ...")
        with Queries() as q, Clock() as c:
            if args.profile:
                counts = _profile("apply", args.work_dir, lambda: apply_record(record))
            else:
                counts = apply_record(record)
        out["apply_s"], out["apply_cpu_s"] = c.wall, c.cpu
        out["apply_load_s"] = sum(loads)
        out["apply_queries"], out["apply_sql_s"] = q.count, q.seconds
        out["apply_counts"] = counts
        out["apply_top_queries"] = q.shapes.most_common(12)
        out["tasks_in_plan"] = Task.objects.filter(plan=plan).count()
        note(f"apply: {out['apply_s']:.1f} s, {q.count:,} queries, {counts}")

        # (d) the same workbook again: read + preview, then apply.
        again = _new_record(plan, office, data, args.workbook.name)
        loads.clear()
        with Queries() as q, Clock() as c:
            second = importer.load(again)
        out["again_preview_s"], out["again_preview_cpu_s"] = c.wall, c.cpu
        out["again_preview_queries"] = q.count
        out["again_status"] = {s: second.count(s) for s in ("new", "update", "same", "invalid")}
        loads.clear()
        with Queries() as q, Clock() as c:
            out["again_counts"] = apply_record(again)
        out["again_apply_s"], out["again_apply_cpu_s"] = c.wall, c.cpu
        out["again_apply_load_s"] = sum(loads)
        out["again_apply_queries"] = q.count
        out["tasks_in_plan_after"] = Task.objects.filter(plan=plan).count()
        importer.load = load  # type: ignore[assignment]
        note(f"again: {out['again_counts']}")
        if rollback:
            transaction.set_rollback(True)
    out["rolled_back"] = rollback
    return out


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


# --- the assessment -----------------------------------------------------------------------


def part_assessment(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection, transaction

    out: dict[str, Any] = {}
    if not args.analyze:
        return _assessment(args, out)
    with transaction.atomic():  # statistics for the planner, dropped again at the end
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        out["analyze_s"] = _since(started)
        note(f"ANALYZE: {out['analyze_s']:.1f} s")
        _assessment(args, out)
        transaction.set_rollback(True)
    return out


def _assessment(args: argparse.Namespace, out: dict[str, Any]) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from duban.assessment import services
    from duban.assessment.review import month_review
    from duban.lib import periods
    from duban.org.models import Person, Role, Unit
    from duban.org.scope import top_office
    from duban.work.models import ProgressReport, Task

    today = timezone.localdate()
    current = periods.quarter_containing(today)
    last = current.previous()
    month = periods.period_containing(today, periods.MONTHLY).previous()
    subjects: list[tuple[str, Callable[[], Any]]] = [
        (
            f"standing({last.label}), last ended quarter",
            lambda: services.standing(last, top_office()),
        ),
        (
            f"standing({current.label}), current quarter",
            lambda: services.standing(current, top_office()),
        ),
        (f"month_review({month.label}), last full month", lambda: month_review(month)),
    ]
    results = []
    for name, call in subjects:
        started = time.perf_counter()
        value = call()
        cold = _since(started)
        with CaptureQueriesContext(connection) as ctx:
            call()
        times, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            call()
            times.append(_since(started))
            cpu.append(time.process_time() - started_cpu)
        row = {
            "name": name,
            "cold_s": cold,
            "median_s": benchlib.median(times),
            "cpu_s": benchlib.median(cpu),
            "queries": len(ctx.captured_queries),
        }
        if isinstance(value, services.Standing):
            row["ranked"] = len(value.rows)
            row["idle"] = len(value.idle)
            row["categories"] = {k: len(v) for k, v in value.by_category.items()}
        else:
            row["sections"] = {k: len(v) for k, v in value.items() if isinstance(v, list)}
        results.append(row)
        note(f"{name}: {cold:.2f} s cold, {row['median_s']:.2f} s median, {row['queries']} queries")
        if args.profile:
            _profile(name.split("(")[0], args.work_dir, call)
    pages = []
    if not args.no_pages:
        ensure_static()
        office = Person.objects.filter(role=Role.OFFICE).order_by("username").first()
        assert office is not None, "no office staff in the data"
        client = Client()
        client.force_login(office)
        for name, url in [
            ("assessment page, last quarter", f"/assessment/{last.label}/"),
            ("monthly review page, last month", f"/reviews/{month.label}/"),
        ]:
            client.get(url)  # warm-up
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = _since(started)
            assert response.status_code == 200, (url, response.status_code)
            pages.append(
                {
                    "name": name,
                    "url": url,
                    "s": elapsed,
                    "queries": len(ctx.captured_queries),
                    "kib": len(response.content) / 1024,
                }
            )
    out.update(
        {
            "database": benchlib.describe_database(),
            "today": str(today),
            "units": Unit.objects.count(),
            "assessed": len(services.assessed_units()),
            "tasks": Task.objects.count(),
            "reports": ProgressReport.objects.count(),
            "results": results,
            "pages": pages,
        }
    )
    return out


# --- running the parts --------------------------------------------------------------------


def child(part: str, data_dir: Path, args: argparse.Namespace, *extra: str, url: str = "") -> Any:
    """Run one part in its own process (a database and a memory figure of its own)."""
    env = dict(os.environ)
    if url:
        env["DATABASE_URL"] = url
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--part",
        part,
        "--data-dir",
        str(data_dir),
        "--work-dir",
        str(args.work_dir),
        "--workbook",
        str(args.workbook),
        "--repeat",
        str(args.repeat),
        "--read-repeat",
        str(args.read_repeat),
        "--measures",
        str(args.measures),
        "--sections",
        str(args.sections),
        "--per-task",
        str(args.per_task),
        "--seed",
        str(args.seed),
        *extra,
    ]
    done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _django(data_dir: Path, *command: str, quiet: bool = True) -> int:
    """``python -m django <command>`` on ``data_dir``'s database; the exit status."""
    env = benchlib.bench_env(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "django", *command],
        env=env,
        cwd=benchlib.ROOT,
        stdout=subprocess.DEVNULL if quiet else None,
        stderr=subprocess.DEVNULL if quiet else None,
    ).returncode


def current(source: Path, args: argparse.Namespace, copy: bool = False) -> Path:
    """``source`` if its schema is current (and no ``copy`` is asked for); else a
    copy under --work-dir, migrated (made once, reused while the source is
    unchanged). Datasets generated before the latest migrations are read this
    way without writing to them."""
    if source.parent == args.work_dir:
        copy = False  # already ours
    if os.environ.get("DATABASE_URL"):
        return source
    if not copy and _django(source, "migrate", "--check") == 0:
        return source
    target = args.work_dir / source.name
    db = source / "duban.sqlite3"
    stamp = {"source": str(db), "size": db.stat().st_size, "mtime": db.stat().st_mtime}
    marker = target / "copied-from.json"
    fresh = marker.exists() and json.loads(marker.read_text()) == stamp
    if not fresh:
        why = "to run ANALYZE on" if copy else "predates the latest migrations"
        print(f"  {source} {why}: copying it to {target} ...", flush=True)
        marker.unlink(missing_ok=True)
        seconds = copy_sqlite(source, target)
        print(f"  copied in {seconds:.0f} s", flush=True)
    if _django(target, "migrate", "--check") != 0:
        started = time.perf_counter()
        if _django(target, "migrate", "--no-input", "--verbosity", "0", quiet=False) != 0:
            sys.exit(f"migrating {target} failed")
        print(f"  migrated {target} in {_since(started):.0f} s", flush=True)
    marker.write_text(json.dumps(stamp))
    return target


def city_data(args: argparse.Namespace) -> Path:
    """The city dataset: --data-dir if generate.py's output is there (a migrated
    copy if it predates the schema), else one generated under --work-dir."""
    if os.environ.get("DATABASE_URL"):
        return args.data_dir
    if dataset(args.data_dir):
        return current(args.data_dir, args)
    own = args.work_dir / "city-generated"
    if not dataset(own):
        print(f"  no city data in {args.data_dir}: generating it in {own} ...", flush=True)
        subprocess.run(
            [sys.executable, str(HERE / "generate.py"), "--data-dir", str(own)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return own


def report_import(w: dict[str, Any], r: dict[str, Any]) -> None:
    nodes = r["nodes"]
    print(
        f"\nimport: {r['database']}; workbook {w['rows']:,} rows, {w['merged']:,} merged ranges, "
        f"{r['kib']:,.0f} KiB; {nodes.get('section', 0)} sections, {nodes.get('task', 0):,} "
        f"tasks, {nodes.get('measure', 0):,} measures; {w['units']} unit names, "
        f"{w['leaders']} leaders"
    )
    created = r["apply_counts"]["created"]
    rows: list[list[object]] = [
        ["a. read_taskbook, first read", r["read_first_s"], r["read_first_cpu_s"], "-", "-"],
        ["   read_taskbook, median", r["read_median_s"], r["read_median_cpu_s"], "-", "-"],
        [
            "b. importer.preview, fresh plan",
            r["preview_s"],
            r["preview_cpu_s"],
            r["preview_queries"],
            "-",
        ],
        [
            "   a + b: the import preview",
            r["read_median_s"] + r["preview_s"],
            r["read_median_cpu_s"] + r["preview_cpu_s"],
            r["preview_queries"],
            "-",
        ],
    ]
    if "page_s" in r:
        rows.append(
            [
                "   preview page GET /imports/<id>/",
                r["page_s"],
                r["page_cpu_s"],
                r["page_queries"],
                "-",
            ]
        )
    rows += [
        ["c. importer.apply", r["apply_s"], r["apply_cpu_s"], r["apply_queries"], created],
        ["   of which its read + preview", r["apply_load_s"], "-", "-", "-"],
        [
            "d. again: read + preview",
            r["again_preview_s"],
            r["again_preview_cpu_s"],
            r["again_preview_queries"],
            "-",
        ],
        [
            "   again: importer.apply",
            r["again_apply_s"],
            r["again_apply_cpu_s"],
            r["again_apply_queries"],
            r["again_counts"]["created"],
        ],
    ]
    print(benchlib.table(["step", "wall s", "CPU s", "queries", "created"], _seconds(rows)))
    print(
        f"memory of the first read: peak RSS +{r['read_maxrss_delta_mib']:.0f} MiB "
        f"(RSS {r['read_rss_before_mib']:.0f} → {r['read_rss_after_mib']:.0f} MiB); "
        f"tracemalloc peak {r['read_tracemalloc_peak_mib']:.0f} MiB "
        f"(that read took {r['read_traced_s']:.1f} s traced)"
    )
    if "page_s" in r:
        print(f"preview page: {r['page_kib']:,.0f} KiB of HTML")
    print(
        f"preview: {r['preview_status']}, {r['matched_names']} names matched, "
        f"{r['unknown_names']} unknown, {r['unknown_leaders']} leaders unknown"
    )
    write_s = r["apply_s"] - r["apply_load_s"]
    print(
        f"apply: {r['apply_counts']}; {r['tasks_in_plan']:,} tasks in the plan; "
        f"{r['apply_queries'] / max(1, created):.1f} queries and "
        f"{1000 * write_s / max(1, created):.1f} ms per task written; "
        f"SQL (execute) {r['apply_sql_s']:.1f} s of {r['apply_s']:.1f} s"
    )
    print("  statements: " + ", ".join(f"{k} ×{n:,}" for k, n in r["apply_top_queries"]))
    idempotent = (
        r["again_counts"]["created"] == 0 and r["tasks_in_plan_after"] == r["tasks_in_plan"]
    )
    print(
        f"again: preview {r['again_status']}; apply {r['again_counts']}: "
        + ("idempotent (0 created)" if idempotent else "NOT IDEMPOTENT")
    )
    preview = r["read_median_s"] + r["preview_s"]
    print(
        f"import preview (read + preview) {preview:.1f} s: "
        + (f"under {PREVIEW_TARGET_S:.0f} s" if preview < PREVIEW_TARGET_S else "OVER target")
        + (f"; the page {r['page_s']:.1f} s" if "page_s" in r else "")
        + ("; rolled back (PostgreSQL)" if r["rolled_back"] else "")
    )


def _seconds(rows: list[list[object]]) -> list[list[object]]:
    return [[row[0], *(f"{v:.2f}" if isinstance(v, float) else v for v in row[1:])] for row in rows]


def report_assessment(runs: dict[str, dict[str, Any]]) -> None:
    for scale, r in runs.items():
        analyzed = f"; after ANALYZE ({r['analyze_s']:.0f} s)" if "analyze_s" in r else ""
        print(
            f"\nassessment, {scale}: {r['database']}; today {r['today']}; {r['units']:,} units "
            f"({r['assessed']:,} assessed), {r['tasks']:,} tasks, {r['reports']:,} reports"
            + analyzed
        )
        rows = [
            [
                x["name"],
                x["cold_s"],
                x["median_s"],
                x["cpu_s"],
                x["queries"],
                x.get("ranked", "-"),
                x.get("idle", "-"),
            ]
            for x in r["results"]
        ] + [
            [f"{p['name']} ({p['kib']:,.0f} KiB)", "-", p["s"], "-", p["queries"], "-", "-"]
            for p in r["pages"]
        ]
        print(
            benchlib.table(
                ["", "cold s", "median s", "CPU s", "queries", "ranked", "idle"], _seconds(rows)
            )
        )
    if len(runs) == 2:
        city, province = runs["city"], runs["province"]
        print("\ncity → province:")
        rows = []
        for a, b in zip(
            city["results"] + city["pages"], province["results"] + province["pages"], strict=True
        ):
            ta, tb = a.get("median_s", a.get("s")), b.get("median_s", b.get("s"))
            rows.append(
                [
                    a["name"],
                    f"{ta:.2f}",
                    f"{tb:.2f}",
                    f"{tb / ta:.0f}x" if ta else "-",
                    f"{a['queries']} / {b['queries']}",
                ]
            )
        print(benchlib.table(["", "city s", "province s", "ratio", "queries"], rows))
        same = all(
            a["queries"] == b["queries"]
            for a, b in zip(city["results"], province["results"], strict=True)
        )
        print(
            "queries of standing and month_review: "
            + ("the same at both scales (bounded)" if same else "DIFFER between the scales")
            + " (a page's count also depends on the inbox badge the session keeps for 30 s)"
        )
        worst = max(x["median_s"] for x in province["results"][:2])
        print(
            f"standing at province scale {worst:.1f} s: "
            + (f"under {STANDING_TARGET_S:.0f} s" if worst < STANDING_TARGET_S else "OVER target")
        )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=benchlib.default_data_dir("city"))
    parser.add_argument("--province-dir", type=Path, default=benchlib.BENCH_ROOT / "province")
    parser.add_argument("--province-url", default="", help="with DATABASE_URL: the province one")
    parser.add_argument("--no-province", action="store_true")
    parser.add_argument("--work-dir", type=Path, default=WORK_ROOT, help="copies, files, profiles")
    parser.add_argument("--measures", type=int, default=10_000)
    parser.add_argument("--sections", type=int, default=10)
    parser.add_argument("--per-task", type=int, default=4, help="measures per task")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each assessment")
    parser.add_argument("--read-repeat", type=int, default=3, help="timed reads after the first")
    parser.add_argument("--no-import", action="store_true")
    parser.add_argument("--no-assessment", action="store_true")
    parser.add_argument("--no-pages", action="store_true", help="skip the pages")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile preview, apply and the assessment"
    )
    parser.add_argument(
        "--analyze",
        action="store_true",
        help="run ANALYZE before the assessment (SQLite: in a copy; rolled back after)",
    )
    parser.add_argument("--keep", action="store_true", help="PostgreSQL: commit the import")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    parser.add_argument("--workbook", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--part", choices=("workbook", "import", "assessment"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    args.work_dir.mkdir(parents=True, exist_ok=True)
    if args.workbook is None:
        args.workbook = args.work_dir / f"taskbook-{args.measures}.xlsx"
    if args.part:
        configure(args.data_dir, args.work_dir)
        part = {"workbook": part_workbook, "import": part_import, "assessment": part_assessment}
        print(json.dumps(part[args.part](args), ensure_ascii=False, default=str))
        return

    postgres = bool(os.environ.get("DATABASE_URL"))
    city = city_data(args)
    flags = [*(["--no-pages"] * args.no_pages), *(["--profile"] * args.profile)]
    analyze = ["--analyze"] * args.analyze
    figures: dict[str, Any] = {}
    if not postgres:
        print(f"documents bench: city data {city}, work in {args.work_dir}", flush=True)
    else:
        print(f"documents bench: {os.environ['DATABASE_URL'].rsplit('@', 1)[-1]}", flush=True)
    if not args.no_import:
        target = city
        if not postgres:
            target = args.work_dir / "import"
            seconds = copy_sqlite(city, target)
            print(f"  copied the city database to {target} in {seconds:.1f} s", flush=True)
        workbook = child("workbook", target, args)
        print(
            f"  wrote {args.workbook} ({workbook['kib']:,.0f} KiB) in {workbook['seconds']:.1f} s",
            flush=True,
        )
        figures["workbook"] = workbook
        figures["import"] = child("import", target, args, *flags, *(["--keep"] * args.keep))
    if not args.no_assessment:
        if args.analyze and not postgres:
            city = current(city, args, copy=True)
        runs = {"city": child("assessment", city, args, *flags, *analyze)}
        if not args.no_province:
            if postgres and args.province_url:
                runs["province"] = child(
                    "assessment", args.province_dir, args, *flags, *analyze, url=args.province_url
                )
            elif not postgres and dataset(args.province_dir):
                province = current(args.province_dir, args, copy=args.analyze)
                runs["province"] = child("assessment", province, args, *flags, *analyze)
            else:
                print(
                    f"  no province data ({args.province_url or args.province_dir}): generate it "
                    "with bench/generate.py --scale province (about 7 min, 2.4 GB)",
                    flush=True,
                )
        figures["assessment"] = runs
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, default=str))
        return
    if "import" in figures:
        report_import(figures["workbook"], figures["import"])
    if "assessment" in figures:
        report_assessment(figures["assessment"])


if __name__ == "__main__":
    main()
