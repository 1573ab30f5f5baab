"""Time the warning scan on generated data, at city and province scale.

    .venv/bin/python bench/scan.py                        # city and province, SQLite
    .venv/bin/python bench/scan.py --scale city           # one scale
    .venv/bin/python bench/scan.py --scale city --data-dir DIR
    DATABASE_URL=postgres://u@host:port/duban_bench bench/scan.py   # PostgreSQL

For each scale the generated data (``bench/generate.py``) is reused when it is
there and matches the scale (units and tasks as generated), else generated:
SQLite in ``/tmp/duban-bench/<scale>`` (``--data-dir`` for one scale);
PostgreSQL in the database ``<name>_<scale>`` of ``DATABASE_URL``'s server
(``duban_bench_city``, ``duban_bench_province``). The province takes minutes.

The scan runs on a copy, never on the generated data: a copy of the SQLite
file (``<data dir>-scan/``) or ``CREATE DATABASE <name>_<scale>_scan TEMPLATE
<name>_<scale>``, deleted afterwards (``--keep-copy`` keeps it). On the copy,
in a child process with production settings: every warning, warning event and
appeal is deleted, the planner's statistics brought up to date (``ANALYZE``,
as the nightly upkeep does), then

1. the first scan, from no warnings;
2. the same scan again at once, nothing changed (``--repeat`` times, median):
   it must write nothing (the ScanResult must not be ``changed``);
3. a small change: reports filed through ``services.report_save`` for
   ``--share`` (1 %) of the open tasks, first those the scan found missing a
   report (the missing period), then others (the current period), each by a
   liaison of the lead unit; then the scan again;
4. the scan of the next day (``scan(today=tomorrow)``): what the first scan
   after midnight does; facts that count days hold dates, so it writes only
   the warnings whose level or cause changed.

For each: wall and CPU seconds (CPU of this process: with SQLite that includes
the SQL, with PostgreSQL not), the time of the SQL statements as
``CaptureQueriesContext`` records them (with SQLite, rows fetched after the
first are not in it); the floor (``bench/floor.py``: one SQL statement that
answers the same question, what the database alone costs) on the same data
and day, warm median of 3, and the ratio scan/floor, with a line if its
findings are not the active warnings the scan left; SQL queries (SELECTs and
writes apart: the SELECTs are a fixed number, the writes go in batches, so
they follow what changed); the rows written, counted in the tables after the
scan (warnings inserted, updated, cleared; warning events); open tasks,
warnings raised, escalated, eased, cleared and updated; with both scales, the
ratio province/city. Aims (issue 15): a no-change rescan of the province
within 1.5x of the floor, its first scan under 2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import benchlib

HERE = Path(__file__).resolve().parent
SCALES = ("city", "province")
WRITES = ("INSERT", "UPDATE", "DELETE")


# --- the data, in the parent process ------------------------------------------------

PROGRESS = sys.stdout  # stderr with --json


def say(text: str) -> None:
    print(text, file=PROGRESS, flush=True)


def expected(scale: str) -> tuple[int, int]:
    """(units, tasks) that generate.py writes at ``scale``."""
    from generate import SCALES as SIZES

    size = SIZES[scale]
    return size.units, size.tasks


def usable(scale: str, counts: tuple[int, int, int] | None, regenerate: bool) -> bool:
    """Is the data there as generate.py wrote it? (bench/load.py adds a plan of
    its own: then the data is generated again, so that figures compare.)"""
    if regenerate:
        return False
    if counts is None or not counts[2]:
        say("  no generated data")
        return False
    units, tasks = expected(scale)
    if counts[:2] != (units, tasks):
        say(
            f"  {counts[0]:,} units and {counts[1]:,} tasks, not {units:,} and {tasks:,} "
            "as generated (bench/load.py adds its own plan)"
        )
        return False
    return True


def generate(scale: str, data_dir: Path, env: dict[str, str], flush: bool = False) -> None:
    say(f"  generating {scale} in {data_dir} (province: minutes) ...")
    command = [sys.executable, str(HERE / "generate.py"), "--scale", scale]
    command += ["--data-dir", str(data_dir), *(["--flush"] * flush)]
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL)


def sqlite_counts(path: Path) -> tuple[int, int, int] | None:
    """(units, tasks, reports) in a generated SQLite file, or None if unreadable."""
    if not path.exists():
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return tuple(  # type: ignore[return-value]
                db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
                for table in ("org_unit", "work_task", "work_progressreport")
            )
    except sqlite3.Error:
        return None


def sqlite_copy(scale: str, data_dir: Path | None, regenerate: bool) -> Path:
    """Reuse or generate the SQLite data of ``scale``; return a fresh copy's directory."""
    source = data_dir or benchlib.BENCH_ROOT / scale
    db = source / "duban.sqlite3"
    counts = sqlite_counts(db)
    if not usable(scale, counts, regenerate):
        generate(scale, source, dict(os.environ))
    else:
        say(f"  reusing {db} ({counts[1]:,} tasks, {counts[2]:,} reports)")
    copy = source.with_name(source.name + "-scan")
    shutil.rmtree(copy, ignore_errors=True)
    copy.mkdir(parents=True)
    started = time.perf_counter()
    for suffix in ("", "-wal"):  # a WAL left by a crashed writer holds committed pages
        if Path(f"{db}{suffix}").exists():
            shutil.copyfile(f"{db}{suffix}", copy / f"duban.sqlite3{suffix}")
    say(f"  copied to {copy} in {time.perf_counter() - started:.1f} s")
    return copy


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def pg_admin(url: str) -> Any:
    import psycopg

    return psycopg.connect(with_database(url, "postgres"), autocommit=True)


def pg_counts(url: str) -> tuple[int, int, int] | None:
    import psycopg

    try:
        with psycopg.connect(url) as db:
            return tuple(  # type: ignore[return-value]
                db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
                for table in ("org_unit", "work_task", "work_progressreport")
            )
    except psycopg.Error:
        return None


def pg_copy(scale: str, url: str, regenerate: bool) -> str:
    """Reuse or generate ``<name>_<scale>``; return the URL of a fresh copy of it."""
    from psycopg import sql

    base = urlsplit(url).path.lstrip("/") or "duban_bench"
    source, copy = f"{base}_{scale}", f"{base}_{scale}_scan"
    source_url = with_database(url, source)
    with pg_admin(url) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [source]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(source)))
    counts = pg_counts(source_url)
    if not usable(scale, counts, regenerate):
        env = dict(os.environ, DATABASE_URL=source_url)
        generate(scale, benchlib.BENCH_ROOT / f"pg-{source}", env, flush=True)
    else:
        say(f"  reusing {source} ({counts[1]:,} tasks, {counts[2]:,} reports)")
    started = time.perf_counter()
    with pg_admin(url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(copy)))
        admin.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(copy), sql.Identifier(source)
            )
        )
    say(f"  copied to {copy} in {time.perf_counter() - started:.1f} s")
    return with_database(url, copy)


def pg_drop(url: str) -> None:
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    with pg_admin(url) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def run_scale(scale: str, args: argparse.Namespace) -> dict[str, Any]:
    """Copy the data of ``scale``, measure in a child process, drop the copy."""
    say(f"\n{scale}:")
    url = os.environ.get("DATABASE_URL")
    env = dict(os.environ)
    if url:
        copy_url = pg_copy(scale, url, args.regenerate)
        env["DATABASE_URL"] = copy_url
        copy_dir = benchlib.BENCH_ROOT / f"pg-{scale}-scan"
    else:
        copy_dir = sqlite_copy(scale, args.data_dir, args.regenerate)
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(copy_dir)]
    command += ["--share", str(args.share), "--repeat", str(args.repeat)]
    command += ["--seed", str(args.seed)]
    try:
        out = subprocess.run(command, check=True, env=env, stdout=subprocess.PIPE, text=True)
    finally:
        if not args.keep_copy:
            if url:
                pg_drop(copy_url)
            shutil.rmtree(copy_dir, ignore_errors=True)
    figures = json.loads(out.stdout)
    figures["scale"] = scale
    return figures


# --- the measurement, in the child process, on the copy ---------------------------


def written_since(start: dt.datetime) -> dict[str, int]:
    """The rows a scan that began at ``start`` wrote, counted in the tables:
    warnings inserted, updated (their level or facts) and cleared, events."""
    from duban.supervision.models import TaskWarning, WarningEvent

    return {
        "inserted": TaskWarning.objects.filter(raised_at__gte=start).count(),
        "updated": TaskWarning.objects.filter(raised_at__lt=start, changed_at__gte=start).count(),
        "cleared": TaskWarning.objects.filter(cleared_at__gte=start).count(),
        "events": WarningEvent.objects.filter(at__gte=start).count(),
    }


def floor_of(today: dt.date, repeat: int) -> dict[str, Any]:
    """The floor statement (bench/floor.py) on the same data and day, and
    whether its findings are the active warnings the scan left."""
    import floor
    from django.db import connection

    from duban.supervision.models import TaskWarning

    connection.ensure_connection()
    run = floor.timed(connection.connection, connection.vendor, today, repeat)
    active = set(
        TaskWarning.objects.filter(cleared_at__isnull=True).values_list("task_id", "rule", "level")
    )
    found = set(run.pop("rows"))
    run["same_as_scan"] = found == active
    run["only_floor"], run["only_scan"] = len(found - active), len(active - found)
    return run


def timed_scan(
    label: str, runs: int = 1, today: dt.date | None = None, floor_repeat: int = 3
) -> dict[str, Any]:
    """Scan ``runs`` times; the figures of the median run, its queries and the
    rows it wrote counted; then the floor on the same day."""
    import gc

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from duban.supervision.scan import scan

    samples = []
    for _ in range(runs):
        gc.collect()
        began = timezone.now()
        start, start_cpu = time.perf_counter(), time.process_time()
        with CaptureQueriesContext(connection) as ctx:
            result = scan(today=today)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
        samples.append((seconds, cpu, result, list(ctx.captured_queries), written_since(began)))
    seconds, cpu, result, queries, written = sorted(samples, key=lambda s: s[0])[len(samples) // 2]
    if getattr(result, "written", None):  # the scan's own count (from issue 15) must agree
        assert result.written == written, (result.written, written)
    kinds = Counter(_verb(q["sql"]) for q in queries)
    writes = sum(kinds[k] for k in WRITES)
    raised = Counter(w.rule for w in result.raised)
    floor = floor_of(today or timezone.localdate(), floor_repeat)
    return {
        "label": label,
        "seconds": seconds,
        "all_seconds": [s[0] for s in samples],
        "cpu_seconds": cpu,
        "sql_seconds": sum(float(q["time"]) for q in queries),
        "queries": len(queries),
        "reads": kinds["SELECT"],
        "writes": writes,
        "written": written,
        "floor": floor,
        "tasks": result.tasks,
        "raised": len(result.raised),
        "raised_by_rule": dict(sorted(raised.items())),
        "escalated": len(result.escalated),
        "eased": len(result.eased),
        "cleared": len(result.cleared),
        "updated": result.updated,
        "changed": result.changed,
        "slowest": [
            (float(q["time"]), " ".join(q["sql"].split())[:160])
            for q in sorted(queries, key=lambda q: -float(q["time"]))[:4]
        ],
    }


def _verb(sql: str) -> str:
    """SELECT, INSERT, UPDATE...; a statement with a WITH clause (PostgreSQL's
    warnings and their events raised in one) counts as what it writes."""
    verb = sql.lstrip().split(None, 1)[0].upper()
    if verb == "WITH":
        for write in WRITES:
            if f"{write} " in sql.upper():
                return write
    return verb


def reset_warnings() -> int:
    from duban.supervision.models import TaskWarning, WarningAppeal, WarningEvent

    WarningAppeal.objects.all().delete()
    WarningEvent.objects.all().delete()
    return TaskWarning.objects.all().delete()[0]


def file_some_reports(share: float, seed: int) -> dict[str, Any]:
    """File reports for ``share`` of the open tasks, through the services, as
    their lead units' liaisons: first the missing periods the scan flagged,
    then the current period of other tasks in progress (skipping those
    already filed for it)."""
    import random

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from duban.lib import periods, rules
    from duban.org.models import Person, Role
    from duban.supervision.models import TaskWarning
    from duban.work import services
    from duban.work.models import OPEN_STATES, ReportState, Task, TaskState

    rng = random.Random(seed)
    today = timezone.localdate()
    wanted = math.ceil(share * Task.objects.filter(state__in=OPEN_STATES).count())
    leaves = Task.objects.filter(state=TaskState.IN_PROGRESS, is_parent=False)
    flagged = dict(
        TaskWarning.objects.filter(
            cleared_at__isnull=True, rule=rules.INACTION_REPORT, task__in=leaves
        ).values_list("task_id", "facts__period")
    )
    others = sorted(set(leaves.values_list("id", flat=True)) - set(flagged))
    candidates = rng.sample(sorted(flagged), len(flagged)) + rng.sample(others, len(others))
    liaisons: dict[int, Any] = {}
    done: Counter[str] = Counter()
    start = time.perf_counter()
    for task_id in candidates:
        if done["missing period"] + done["current period"] >= wanted:
            break
        task = Task.objects.get(pk=task_id)
        label = flagged.get(task_id) or periods.period_containing(today, task.cadence).label
        filed = task.reports.filter(period_label=label).first()
        if filed and filed.state in (ReportState.SUBMITTED, ReportState.ACCEPTED):
            continue
        if task.lead_unit_id not in liaisons:
            liaisons[task.lead_unit_id] = (
                Person.objects.filter(role=Role.LIAISON, memberships__unit=task.lead_unit_id)
                .order_by("id")
                .first()
            )
        try:
            services.report_save(
                actor=liaisons[task.lead_unit_id],
                task=task,
                period_label=label,
                text=f"基准测试补报：{label}期间推进现场协调，解决堵点问题，完成阶段性目标。",
                percent=min(100, int(task.progress) + 5),
                submit=True,
                version=filed.version if filed else 0,
            )
        except ValidationError:
            done["refused"] += 1
            continue
        done["missing period" if task_id in flagged else "current period"] += 1
    return {
        "tasks": wanted,
        "filed": done["missing period"] + done["current period"],
        "how": dict(done),
        "seconds": time.perf_counter() - start,
    }


def measure(share: float, repeat: int, seed: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.utils import timezone

    from duban.work.models import OPEN_STATES, ProgressReport, Task

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)  # the data may predate one
    migrated = time.perf_counter() - started
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:  # the planner's statistics, as the nightly upkeep
        cursor.execute("ANALYZE")
    analyzed = time.perf_counter() - started
    deleted = reset_warnings()
    reports = ProgressReport.objects.count()
    first = timed_scan("first scan (no warnings)")
    again = timed_scan("rescan, nothing changed", repeat)
    assert not again["changed"], "a rescan with nothing changed wrote something"
    change = file_some_reports(share, seed)
    after = timed_scan("rescan after the change")
    # The first scan after midnight: the facts of overdue, slow and near-due
    # warnings count days, so they change every day.
    tomorrow = timed_scan(
        "next day's scan (today + 1)", today=timezone.localdate() + dt.timedelta(1)
    )
    return {
        "database": benchlib.describe_database(),
        "tasks": Task.objects.count(),
        "open_tasks": Task.objects.filter(state__in=OPEN_STATES).count(),
        "reports": reports,
        "migrate_seconds": migrated,
        "analyze_seconds": analyzed,
        "deleted_warnings": deleted,
        "change": change,
        "runs": [first, again, after, tomorrow],
    }


# --- output -----------------------------------------------------------------------


def report(results: list[dict[str, Any]], show_queries: bool) -> None:
    for r in results:
        c = r["change"]
        print(
            f"\n{r['scale']}: {r['database']}: {r['tasks']:,} tasks ({r['open_tasks']:,} open), "
            f"{r['reports']:,} reports; change: {c['filed']} reports filed for "
            f"{c['tasks']} tasks ({', '.join(f'{k} {v}' for k, v in c['how'].items())}; "
            f"{c['seconds']:.1f} s through the services); migrating the copy took "
            f"{r['migrate_seconds']:.1f} s"
        )
        rows = []
        sqlite = r["database"].startswith("SQLite")
        for run in r["runs"]:
            w, fl = run["written"], run["floor"]
            rows.append(
                [
                    run["label"],
                    _sec(run["seconds"]),
                    _sec(run["cpu_seconds"]),
                    _sec(run["sql_seconds"]),
                    _sec(fl["seconds"]),
                    _sec(fl["cpu_seconds"]),
                    f"{run['seconds'] / fl['seconds']:.2f}x",
                    # With PostgreSQL the floor's CPU is only this process's wait.
                    f"{run['cpu_seconds'] / fl['cpu_seconds']:.2f}x" if sqlite else "-",
                    f"{run['reads']} + {run['writes']}",
                    f"{w['inserted']} / {w['updated']} / {w['cleared']} / {w['events']}",
                    run["raised"],
                    run["escalated"],
                    run["eased"],
                    run["cleared"],
                    run["updated"],
                ]
            )
        print(
            benchlib.table(
                [
                    "",
                    "s",
                    "CPU s",
                    "SQL s",
                    "floor s",
                    "floor CPU s",
                    "scan/floor",
                    "CPU",
                    "queries",
                    "rows: ins. / upd. / clr. / events",
                    "raised",
                    "escal.",
                    "eased",
                    "cleared",
                    "updated",
                ],
                rows,
            )
        )
        for run in r["runs"]:
            fl = run["floor"]
            if not fl["same_as_scan"]:
                print(
                    f"  the floor's findings are NOT the active warnings after {run['label']}: "
                    f"{fl['only_floor']} only in the floor, {fl['only_scan']} only in the scan"
                )
        print(
            f"  {r['open_tasks']:,} open tasks; floor runs (s): "
            + "; ".join(
                ", ".join(f"{s:.3f}" for s in run["floor"]["all_seconds"]) for run in r["runs"]
            )
            + f"; ANALYZE took {r['analyze_seconds']:.1f} s"
        )
        again = r["runs"][1]
        for run in r["runs"]:
            if run["raised"]:
                rules = ", ".join(f"{k} {v:,}" for k, v in run["raised_by_rule"].items())
                print(f"  raised by rule, {run['label']}: {rules}")
        if len(again["all_seconds"]) > 1:
            print("  no-change rescans: " + ", ".join(f"{s:.3f}" for s in again["all_seconds"]))
        if show_queries:
            for run in r["runs"]:
                print(f"  slowest queries, {run['label']}:")
                for ms, text in run["slowest"]:
                    print(f"    {ms * 1000:8.1f} ms  {text}")
    if len(results) == 2:
        city, province = results
        print(
            f"\nprovince / city: {province['open_tasks']:,} / {city['open_tasks']:,} open tasks "
            f"= {province['open_tasks'] / city['open_tasks']:.1f}x"
        )
        rows = []
        for a, b in zip(city["runs"], province["runs"], strict=True):
            rows.append(
                [
                    a["label"],
                    _sec(a["seconds"]),
                    _sec(b["seconds"]),
                    f"{b['seconds'] / a['seconds']:.1f}x",
                    _sec(a["cpu_seconds"]),
                    _sec(b["cpu_seconds"]),
                    f"{b['cpu_seconds'] / a['cpu_seconds']:.1f}x",
                    f"{a['reads']} + {a['writes']}",
                    f"{b['reads']} + {b['writes']}",
                ]
            )
        print(
            benchlib.table(
                [
                    "",
                    "city s",
                    "province s",
                    "ratio",
                    "city CPU s",
                    "province CPU s",
                    "ratio",
                    "city queries",
                    "province queries",
                ],
                rows,
            )
        )
        same = all(
            a["reads"] == b["reads"] for a, b in zip(city["runs"], province["runs"], strict=True)
        )
        print(
            "queries (SELECTs + writes): SELECTs "
            + ("the same at both scales" if same else "DIFFER between the scales")
            + "; writes go in batches, so they follow the warnings written"
        )


def _sec(value: float) -> str:
    return f"{value:7.3f}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=(*SCALES, "both"), default="both")
    parser.add_argument(
        "--data-dir", type=Path, help="SQLite data of the one --scale (default /tmp/duban-bench/…)"
    )
    parser.add_argument("--share", type=float, default=0.01, help="open tasks given a report")
    parser.add_argument("--repeat", type=int, default=3, help="no-change rescans (median)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--regenerate", action="store_true", help="generate even if present")
    parser.add_argument("--keep-copy", action="store_true", help="keep the copy scanned")
    parser.add_argument("--show-queries", action="store_true", help="the slowest SQL of each")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:  # the child: measure on the copy, print JSON
        benchlib.configure(args.measure)
        print(json.dumps(measure(args.share, args.repeat, args.seed), ensure_ascii=False))
        return
    scales = SCALES if args.scale == "both" else (args.scale,)
    if args.data_dir and len(scales) > 1:
        parser.error("--data-dir goes with one --scale")
    if args.data_dir and os.environ.get("DATABASE_URL"):
        parser.error("--data-dir is for SQLite; DATABASE_URL names the PostgreSQL databases")
    if args.json:
        global PROGRESS
        PROGRESS = sys.stderr
    results = [run_scale(scale, args) for scale in scales]
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return
    report(results, args.show_queries)


if __name__ == "__main__":
    main()
