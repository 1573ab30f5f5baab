"""Time the leaders' cockpit (``duban.cockpit.charts.overview``) at city and province scale.

    .venv/bin/python bench/cockpit.py                       # city and province, SQLite
    .venv/bin/python bench/cockpit.py --scale city          # one scale
    .venv/bin/python bench/cockpit.py --scale city --data-dir DIR
    DATABASE_URL=postgres://u@127.0.0.1:port/duban_bench bench/cockpit.py   # PostgreSQL
    .venv/bin/python bench/cockpit.py --show-queries --profile               # and where it goes
    .venv/bin/python bench/cockpit.py --scale province --what-if 9           # the proposed fixes

For each scale the generated data (``bench/generate.py``) is reused when it is
there and matches the scale (units and tasks as generated), else generated:
SQLite in ``/tmp/duban-bench/<scale>`` (``--data-dir`` for one scale),
PostgreSQL in the database ``<name>_<scale>`` of ``DATABASE_URL``'s server.
Then ``generate.py --extend`` migrates it and adds what an older dataset
lacks (key projects, investment, indicators, the scan's warnings, the
standing snapshots; nothing when it is all there). The cockpit only reads,
so there is no copy: the runs write nothing but their sessions (and, on
SQLite, the planner statistics).

In a child process with production settings, after ``collectstatic`` and, on
SQLite, ``ANALYZE`` (the worker runs it nightly; without it SQLite plans the
big tables poorly), for three people: the office (``bench-office-1``, sees
everything), the leader leading the most open tasks (``bench-leader-<n>``)
and the liaison of the unit leading the most open tasks, it times

- ``overview(person)``: the function, today;
- ``overview(person, as_of=<last Monday>)``: the history path (the states
  from task events, the warnings' levels from warning events, the stages
  from stage moves, the figures filed before that day, that day's ranking);
- ``GET /cockpit/`` and ``GET /cockpit/?as_of=<last Monday>`` through
  ``django.test.Client`` after ``force_login`` (middleware, session, template);
- ``GET /cockpit/data.json`` (the big screen's refresh) when the URL exists;

one warm-up, then ``--repeat`` timed calls (median and p95 wall ms, median
CPU ms), then one more under ``CaptureQueriesContext``: SQL queries and their
total ms. With SQLite the CPU includes the SQL; with PostgreSQL it does not.
Then the office's overview panel by panel (each helper of ``charts`` timed
in place: ms and queries). With both scales: province / city ratios, and
whether the query counts are the same at both (bounded whatever the size).
Aims (the issue): under 150 ms at city scale, under 500 ms at province scale.
``--what-if N`` also times each overview with the changes proposed in
bench/README.md, applied in the measuring process only (the index they need
made in a transaction that is rolled back).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import benchlib
import scan
from scan import generate, pg_admin, pg_counts, sqlite_counts, usable, with_database

HERE = Path(__file__).resolve().parent
SCALES = ("city", "province")
AIM_MS = {"city": 150.0, "province": 500.0}
# The helpers of duban.cockpit.charts timed one by one in the panel breakdown
# (those that exist: the module is being worked on).
PANELS = (
    "_open_tasks",
    "_warnings",
    "_states",
    "_meetings",
    "_ranking",
    "_funnel",
    "_investment",
    "_indicators",
    "_leader_first",
)


def say(text: str) -> None:
    print(text, file=PROGRESS, flush=True)


PROGRESS = sys.stdout  # stderr with --json


# --- the data, in the parent process ------------------------------------------------


def extend(scale: str, data_dir: Path, env: dict[str, str]) -> None:
    """Migrate the data and add what it lacks (generate.py --extend), showing its steps."""
    command = [sys.executable, str(HERE / "generate.py"), "--scale", scale, "--extend"]
    command += ["--data-dir", str(data_dir)]
    out = subprocess.run(command, check=True, env=env, stdout=subprocess.PIPE, text=True)
    for line in out.stdout.splitlines()[2:]:  # after the header and the target
        say(f"  extend: {line.strip()}")


def sqlite_data(scale: str, data_dir: Path | None, regenerate: bool) -> Path:
    source = data_dir or benchlib.BENCH_ROOT / scale
    db = source / "duban.sqlite3"
    counts = sqlite_counts(db)
    if not usable(scale, counts, regenerate):
        generate(scale, source, dict(os.environ))
    else:
        say(f"  reusing {db} ({counts[1]:,} tasks, {counts[2]:,} reports)")
    extend(scale, source, dict(os.environ))
    return source


def pg_data(scale: str, url: str, regenerate: bool) -> tuple[str, Path]:
    from psycopg import sql

    base = urlsplit_path(url) or "duban_bench"
    name = f"{base}_{scale}"
    source_url = with_database(url, name)
    with pg_admin(url) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    data_dir = benchlib.BENCH_ROOT / f"pg-{name}"  # static files and bench.json
    env = dict(os.environ, DATABASE_URL=source_url)
    counts = pg_counts(source_url)
    if not usable(scale, counts, regenerate):
        generate(scale, data_dir, env, flush=True)
    else:
        say(f"  reusing {name} ({counts[1]:,} tasks, {counts[2]:,} reports)")
    extend(scale, data_dir, env)
    return source_url, data_dir


def urlsplit_path(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path.lstrip("/")


def run_scale(scale: str, args: argparse.Namespace) -> dict[str, Any]:
    """Bring the data of ``scale`` up to date, measure in a child process."""
    say(f"\n{scale}:")
    url = os.environ.get("DATABASE_URL")
    env = dict(os.environ)
    if url:
        env["DATABASE_URL"], data_dir = pg_data(scale, url, args.regenerate)
    else:
        data_dir = sqlite_data(scale, args.data_dir, args.regenerate)
    command = [sys.executable, str(Path(__file__).resolve()), "--measure", str(data_dir)]
    command += ["--repeat", str(args.repeat), "--panel-repeat", str(args.panel_repeat)]
    command += ["--profile"] * args.profile + ["--what-if", str(args.what_if)]
    say("  measuring (a child process, production settings) ...")
    out = subprocess.run(command, check=True, env=env, stdout=subprocess.PIPE, text=True)
    figures = json.loads(out.stdout)
    figures["scale"] = scale
    return figures


# --- the measurement, in the child process ------------------------------------------


def last_monday(today: dt.date) -> dt.date:
    """The latest Monday before today (a week ago when today is a Monday)."""
    return today - dt.timedelta(days=today.weekday() or 7)


def prepare() -> dict[str, float]:
    """collectstatic (the manifest storage needs it to render), and on SQLite ANALYZE."""
    from django.core.management import call_command
    from django.db import connection

    done = {}
    start = time.perf_counter()
    call_command("collectstatic", interactive=False, verbosity=0)
    done["collectstatic"] = time.perf_counter() - start
    if connection.vendor == "sqlite":
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        done["ANALYZE"] = time.perf_counter() - start
    return done


def people() -> list[tuple[str, Any]]:
    """The office, the leader leading the most open tasks, and the liaison of
    the unit leading the most open tasks (its first generated liaison)."""
    from django.db.models import Count, Q

    from duban.org.models import Person, Role, Unit
    from duban.work.models import OPEN_STATES

    office = Person.objects.filter(role=Role.OFFICE).order_by("id").first()
    leader = (
        Person.objects.filter(role=Role.LEADER)
        .annotate(n=Count("led_tasks", filter=Q(led_tasks__state__in=OPEN_STATES)))
        .order_by("-n", "id")
        .first()
    )
    busiest = (
        Unit.objects.annotate(n=Count("led_tasks", filter=Q(led_tasks__state__in=OPEN_STATES)))
        .order_by("-n", "path")
        .first()
    )
    liaisons = Person.objects.filter(role=Role.LIAISON, memberships__unit=busiest)
    liaison = (
        liaisons.filter(username__startswith="bench-liaison-").order_by("id").first()
        or liaisons.order_by("id").first()
    )
    assert office and leader and liaison, "no data: run bench/generate.py first"
    return [("office", office), ("leader", leader), ("liaison", liaison)]


def sample(call: Any, repeat: int) -> dict[str, Any]:
    """One warm-up, ``repeat`` timed calls, one more with its queries captured."""
    import gc

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    times, cpu = [], []
    for _ in range(repeat):
        gc.collect()
        start, start_cpu = time.perf_counter(), time.process_time()
        call()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    with CaptureQueriesContext(connection) as ctx:
        size = call()
    queries = ctx.captured_queries
    return {
        "median_ms": benchlib.median(times),
        "p95_ms": benchlib.percentile(times, 95),
        "min_ms": min(times),
        "cpu_ms": benchlib.median(cpu),
        "queries": len(queries),
        "sql_ms": sum(float(q["time"]) for q in queries) * 1000,
        "kib": (size or 0) / 1024,
        "slowest": [
            (float(q["time"]) * 1000, " ".join(q["sql"].split()))
            for q in sorted(queries, key=lambda q: -float(q["time"]))[:3]
        ],
    }


def fresh(person: Any) -> Any:
    """The person as a request would have it: units not yet read."""
    person.__dict__.pop("_unit_ids", None)
    return person


def figures_of(person: Any, as_of: dt.date | None) -> dict[str, Any]:
    """What the overview shows: for the record of what was measured."""
    from duban.cockpit.charts import overview

    result = overview(fresh(person), as_of)
    bars = {
        chart["id"]: sum(
            len(s.get("data") or []) for s in (chart.get("option") or {}).get("series", [])
        )
        for chart in result["charts"]
    }
    return {
        "totals": result["totals"],
        "charts": len(result["charts"]),
        "points": sum(bars.values()),
        "largest": max(bars.items(), key=lambda kv: kv[1], default=("", 0)),
        "json_kib": len(json.dumps(result["charts"], ensure_ascii=False, default=str)) / 1024,
    }


def measure_person(
    label: str, person: Any, as_of: dt.date, repeat: int, data_url: str | None
) -> list[dict[str, Any]]:
    from django.test import Client

    from duban.cockpit.charts import overview

    client = Client()
    client.force_login(person)

    def page(url: str) -> Any:
        def call() -> int:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            return len(response.content)

        return call

    def today() -> None:
        overview(fresh(person))

    def past() -> None:
        overview(fresh(person), as_of)

    cases: list[tuple[str, Any]] = [
        ("overview()", today),
        (f"overview(as_of={as_of:%m-%d})", past),
        ("GET /cockpit/", page("/cockpit/")),
        (f"GET /cockpit/?as_of={as_of}", page(f"/cockpit/?as_of={as_of}")),
    ]
    if data_url:
        cases.append((f"GET {data_url}", page(data_url)))
    rows = []
    for what, call in cases:
        say(f"    {label}: {what} ...")
        rows.append(
            {"person": label, "username": person.username, "what": what} | sample(call, repeat)
        )
    return rows


def panels(person: Any, as_of: dt.date | None, repeat: int) -> list[dict[str, Any]]:
    """The office's overview with every helper of ``charts`` timed in place
    (median of ``repeat`` runs; the queries of the last): what each panel costs."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from duban.cockpit import charts

    spent: dict[str, list[float]] = {}
    asked: dict[str, list[dict[str, Any]]] = {}
    originals = {name: getattr(charts, name) for name in PANELS if hasattr(charts, name)}

    def wrap(name: str, function: Any) -> Any:
        def timed(*args: Any, **kwargs: Any) -> Any:
            first = len(connection.queries_log)
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent.setdefault(name, []).append((time.perf_counter() - start) * 1000)
                asked[name] = list(connection.queries_log)[first:]

        return timed

    totals = []
    try:
        for name, function in originals.items():
            setattr(charts, name, wrap(name, function))
        for _ in range(repeat):
            spent.clear()
            reset_queries()
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                charts.overview(fresh(person), as_of)
                total = (time.perf_counter() - start) * 1000
            sql = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
            totals.append((total, {k: sum(v) for k, v in spent.items()}, len(ctx), sql))
    finally:
        for name, function in originals.items():
            setattr(charts, name, function)
    totals.sort(key=lambda t: t[0])
    total, per, count, sql = totals[len(totals) // 2]
    rows = []
    for name in originals:
        if name not in per:
            continue
        queries = asked.get(name, [])
        rows.append(
            {
                "panel": name,
                "ms": per[name],
                "queries": len(queries),
                "sql_ms": sum(float(q["time"]) for q in queries) * 1000,
                "slowest": [
                    (float(q["time"]) * 1000, " ".join(q["sql"].split()))
                    for q in sorted(queries, key=lambda q: -float(q["time"]))[:2]
                ],
            }
        )
    accounted = sum(r["ms"] for r in rows)
    rows.append(
        {
            "panel": "rest (count, names, assembling the options)",
            "ms": total - accounted,
            "queries": count - sum(r["queries"] for r in rows),
            "sql_ms": sql - sum(r["sql_ms"] for r in rows),
            "slowest": [],
        }
    )
    return [{"panel": "overview, in all", "ms": total, "queries": count, "sql_ms": sql}, *rows]


def profile(person: Any, as_of: dt.date | None) -> str:
    import cProfile
    import io
    import pstats

    from duban.cockpit.charts import overview

    overview(fresh(person), as_of)
    profiler = cProfile.Profile()
    profiler.enable()
    overview(fresh(person), as_of)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(30)
    stats.sort_stats("tottime").print_stats(15)
    return out.getvalue()


# --- what the proposed changes would give (--what-if) -------------------------------
#
# Not the application's code: the changes proposed in bench/README.md, applied
# in this process only, to measure them before anyone makes them. The index is
# created inside a transaction that is rolled back, so the data is left as it was.

WHAT_IF_INDEX = "CREATE INDEX bench_whatif_taskevent ON work_taskevent (kind, task_id, at)"


def proposed_states(open_tasks: Any, at: Any) -> dict[str, int]:
    """The open tasks' states at a past moment in one aggregate: not yet
    claimed then (``claimed_at``; a claim is never undone), closing (the
    latest close request or return before then was a request), else in
    progress. The close events are few; an index (kind, task, at) finds them."""
    from django.db.models import Count, F, Q, Window
    from django.db.models.functions import RowNumber

    from duban.work.models import EventKind, TaskEvent, TaskState

    if not at.past:
        return dict(open_tasks.values("state").annotate(n=Count("id")).values_list("state", "n"))
    closing = (
        TaskEvent.objects.filter(
            kind__in=[EventKind.CLOSE_REQUESTED, EventKind.CLOSE_RETURNED], at__lt=at.end
        )
        .annotate(
            n=Window(
                RowNumber(), partition_by=F("task_id"), order_by=[F("at").desc(), F("id").desc()]
            )
        )
        .filter(n=1, kind=EventKind.CLOSE_REQUESTED)
        .values("task_id")
    )
    claimed = Q(claimed_at__lt=at.end)
    got = open_tasks.aggregate(
        total=Count("id"),
        assigned=Count("id", filter=~claimed | Q(claimed_at__isnull=True)),
        closing=Count("id", filter=claimed & Q(pk__in=closing)),
    )
    counts = {
        TaskState.ASSIGNED.value: got["assigned"],
        TaskState.CLOSING.value: got["closing"],
        TaskState.IN_PROGRESS.value: got["total"] - got["assigned"] - got["closing"],
    }
    return {state: n for state, n in counts.items() if n}


def proposed_targets(original: Any) -> Any:
    """The indicator charts' targets: the units at the top level of what the
    person sees (a province's 22 first-level districts and parks, not their
    1,030 streets and sub-parks), in the same query."""
    from django.db.models import Subquery

    def visible_targets(person: Any) -> Any:
        targets = original(person)
        top = targets.order_by("unit__depth").values("unit__depth")[:1]
        return targets.filter(unit__depth=Subquery(top))

    return visible_targets


def what_if(subjects: list[tuple[str, Any]], as_of: dt.date, repeat: int) -> list[dict[str, Any]]:
    """Each person's overview as is, then with the proposed changes."""
    from django.db import connection, transaction

    from duban.cockpit import charts

    def timed_overview(person: Any, day: dt.date | None) -> dict[str, Any]:
        figures = sample(lambda: charts.overview(fresh(person), day) and None, repeat)
        figures["charts_kib"] = figures_of(person, day)["json_kib"]
        figures["states"] = charts._states(
            charts._open_tasks(fresh(person), charts.Moment.of(day)), charts.Moment.of(day)
        )
        return figures

    cases = [(label, person, day) for label, person in subjects for day in (None, as_of)]
    before = {}
    for label, person, day in cases:
        say(f"    what if: {label} {day or 'today'}, as is ...")
        before[(label, day)] = timed_overview(person, day)
    rows = []
    original = charts.visible_targets, charts._states
    with transaction.atomic():
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(WHAT_IF_INDEX)
            cursor.execute("ANALYZE work_taskevent")
        index_seconds = time.perf_counter() - start
        charts.visible_targets = proposed_targets(original[0])
        charts._states = proposed_states
        try:
            for label, person, day in cases:
                say(f"    what if: {label} {day or 'today'}, with the changes ...")
                after = timed_overview(person, day)
                rows.append(
                    {
                        "person": label,
                        "when": "today" if day is None else f"as of {day}",
                        "before": before[(label, day)],
                        "after": after,
                        "index_seconds": index_seconds,
                    }
                )
        finally:
            charts.visible_targets, charts._states = original
            transaction.set_rollback(True)
    return rows


def measure(
    repeat: int, panel_repeat: int, with_profile: bool, what_if_repeat: int = 0
) -> dict[str, Any]:
    from django.urls import NoReverseMatch, reverse
    from django.utils import timezone

    from duban.assessment.models import StandingSnapshot
    from duban.org.models import Unit
    from duban.projects.models import IndicatorTarget, InvestmentReport, Project, StageMove
    from duban.supervision.models import TaskWarning
    from duban.work.models import OPEN_STATES, Task

    prepared = prepare()
    try:
        data_url: str | None = reverse("cockpit_data")
    except NoReverseMatch:
        data_url = None
    today = timezone.localdate()
    as_of = last_monday(today)
    subjects = people()
    data = {
        "units": Unit.objects.count(),
        "tasks": Task.objects.count(),
        "open_tasks": Task.objects.filter(state__in=OPEN_STATES).count(),
        "active_warnings": TaskWarning.objects.filter(cleared_at__isnull=True).count(),
        "projects": Project.objects.count(),
        "stage_moves": StageMove.objects.count(),
        "investment_reports": InvestmentReport.objects.count(),
        "indicator_targets": IndicatorTarget.objects.filter(year=today.year).count(),
        "snapshot_rows": len(
            (StandingSnapshot.objects.order_by("-day").first() or StandingSnapshot()).rows
        ),
    }
    rows = []
    shown = {}
    for label, person in subjects:
        shown[label] = {
            "username": person.username,
            "today": figures_of(person, None),
            "as_of": figures_of(person, as_of),
        }
        rows += measure_person(label, person, as_of, repeat, data_url)
    office = subjects[0][1]
    say("    office: panel by panel ...")
    breakdown = {
        "today": panels(office, None, panel_repeat),
        "as_of": panels(office, as_of, panel_repeat),
    }
    return {
        "database": benchlib.describe_database(),
        "today": str(today),
        "as_of": str(as_of),
        "prepared": prepared,
        "data": data,
        "shown": shown,
        "rows": rows,
        "panels": breakdown,
        "profile": profile(office, None) + profile(office, as_of) if with_profile else "",
        "what_if": what_if(subjects, as_of, what_if_repeat) if what_if_repeat else [],
        "load": os.getloadavg(),
    }


# --- output -----------------------------------------------------------------------


def report(results: list[dict[str, Any]], show_queries: bool) -> None:
    for r in results:
        d, aim = r["data"], AIM_MS[r["scale"]]
        prepared = ", ".join(f"{k} {v:.1f} s" for k, v in r["prepared"].items())
        print(
            f"\n{r['scale']}: {r['database']}: {d['units']:,} units, {d['tasks']:,} tasks "
            f"({d['open_tasks']:,} open, {d['active_warnings']:,} active warnings), "
            f"{d['projects']:,} projects ({d['stage_moves']:,} stage moves, "
            f"{d['investment_reports']:,} investment reports), {d['indicator_targets']:,} "
            f"indicator targets, ranking of {d['snapshot_rows']:,} units; today {r['today']}, "
            f"as of {r['as_of']}; {prepared}"
            + ("" if "ANALYZE" not in r["prepared"] else " (ANALYZE run first, as the worker does)")
            + f"; load average {r['load'][0]:.1f}"
        )
        for label, s in r["shown"].items():
            t, a = s["today"], s["as_of"]
            print(
                f"  {label} {s['username']}: {t['totals']['open']:,} open tasks "
                f"({t['totals']['red']:,} red, {t['totals']['yellow']:,} yellow), {t['charts']} "
                f"charts, {t['points']:,} points (most: {t['largest'][0]} {t['largest'][1]:,}), "
                f"charts JSON {t['json_kib']:.0f} KiB; as of {r['as_of']}: "
                f"{a['totals']['open']:,} open"
            )
        print(
            benchlib.table(
                [
                    "who",
                    "what",
                    "median ms",
                    "p95 ms",
                    "CPU ms",
                    "queries",
                    "SQL ms",
                    "KiB",
                    f"< {aim:.0f} ms",
                ],
                [
                    [
                        row["person"],
                        row["what"],
                        row["median_ms"],
                        row["p95_ms"],
                        row["cpu_ms"],
                        row["queries"],
                        row["sql_ms"],
                        round(row["kib"]) if row["kib"] else "-",
                        "met" if row["median_ms"] < aim else "MISSED",
                    ]
                    for row in r["rows"]
                ],
            )
        )
        for when, rows in r["panels"].items():
            moment = "today" if when == "today" else f"as of {r['as_of']}"
            print(f"  the office's overview, {moment}, panel by panel:")
            print(
                benchlib.table(
                    ["panel", "ms", "queries", "SQL ms"],
                    [[p["panel"], p["ms"], p["queries"], p["sql_ms"]] for p in rows],
                )
            )
            if show_queries:
                for p in rows:
                    for ms, text in p.get("slowest", [])[:1]:
                        print(f"    {p['panel']}: {ms:8.1f} ms  {text[:600]}")
        if show_queries:
            print("  slowest queries of each measurement:")
            for row in r["rows"]:
                for ms, text in row["slowest"][:1]:
                    print(f"    {row['person']} {row['what']}: {ms:8.1f} ms  {text[:300]}")
        if r["profile"]:
            print(r["profile"])
        if r.get("what_if"):
            print(
                "  what if (--what-if): the overview with the changes proposed in "
                f"bench/README.md, the index made in {r['what_if'][0]['index_seconds']:.1f} s "
                "in a transaction rolled back afterwards:"
            )
            print(
                benchlib.table(
                    [
                        "who",
                        "when",
                        "ms as is",
                        "ms then",
                        "CPU ms as is",
                        "CPU ms then",
                        "queries as is",
                        "queries then",
                        "charts KiB as is",
                        "then",
                        "states as is",
                        "then",
                    ],
                    [
                        [
                            w["person"],
                            w["when"],
                            w["before"]["median_ms"],
                            w["after"]["median_ms"],
                            w["before"]["cpu_ms"],
                            w["after"]["cpu_ms"],
                            w["before"]["queries"],
                            w["after"]["queries"],
                            round(w["before"]["charts_kib"]),
                            round(w["after"]["charts_kib"]),
                            _states_text(w["before"]["states"]),
                            _states_text(w["after"]["states"]),
                        ]
                        for w in r["what_if"]
                    ],
                )
            )
    if len(results) == 2:
        city, province = results
        print(
            f"\nprovince / city: {province['data']['open_tasks']:,} / "
            f"{city['data']['open_tasks']:,} open tasks = "
            f"{province['data']['open_tasks'] / city['data']['open_tasks']:.1f}x, "
            f"{province['data']['projects']:,} / {city['data']['projects']:,} projects"
        )
        rows = []
        for a, b in zip(city["rows"], province["rows"], strict=True):
            rows.append(
                [
                    a["person"],
                    a["what"],
                    a["median_ms"],
                    b["median_ms"],
                    f"{b['median_ms'] / a['median_ms']:.1f}x",
                    "met" if a["median_ms"] < AIM_MS["city"] else "MISSED",
                    "met" if b["median_ms"] < AIM_MS["province"] else "MISSED",
                    a["queries"],
                    b["queries"],
                ]
            )
        print(
            benchlib.table(
                [
                    "who",
                    "what",
                    "city ms",
                    "province ms",
                    "ratio",
                    "< 150 ms",
                    "< 500 ms",
                    "city queries",
                    "province queries",
                ],
                rows,
            )
        )
        same = all(
            a["queries"] == b["queries"]
            for a, b in zip(city["rows"], province["rows"], strict=True)
        )
        print(
            "queries: "
            + ("the same at both scales (bounded)" if same else "DIFFER between the scales")
        )


def _states_text(states: dict[str, int]) -> str:
    return " ".join(f"{state[:4]} {n}" for state, n in sorted(states.items()))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=(*SCALES, "both"), default="both")
    parser.add_argument(
        "--data-dir", type=Path, help="SQLite data of the one --scale (default /tmp/duban-bench/…)"
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed calls of each (median)")
    parser.add_argument("--panel-repeat", type=int, default=5, help="runs of the panel breakdown")
    parser.add_argument("--regenerate", action="store_true", help="generate even if present")
    parser.add_argument("--show-queries", action="store_true", help="the slowest SQL of each")
    parser.add_argument("--profile", action="store_true", help="cProfile the office's overview")
    parser.add_argument(
        "--what-if",
        type=int,
        default=0,
        metavar="N",
        help="also time the overview with the changes proposed in README (N calls each)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    global PROGRESS
    if args.measure:  # the child: measure, print JSON
        PROGRESS = sys.stderr
        benchlib.configure(args.measure)
        print(
            json.dumps(
                measure(args.repeat, args.panel_repeat, args.profile, args.what_if),
                ensure_ascii=False,
                default=str,
            )
        )
        return
    scales = SCALES if args.scale == "both" else (args.scale,)
    if args.data_dir and len(scales) > 1:
        parser.error("--data-dir goes with one --scale")
    if args.data_dir and os.environ.get("DATABASE_URL"):
        parser.error("--data-dir is for SQLite; DATABASE_URL names the PostgreSQL databases")
    if args.json:
        PROGRESS = scan.PROGRESS = sys.stderr
    results = [run_scale(scale, args) for scale in scales]
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return
    report(results, args.show_queries)


if __name__ == "__main__":
    main()
