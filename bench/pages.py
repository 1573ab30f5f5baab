"""Time the pages people open most, in-process, on generated data.

    .venv/bin/python bench/pages.py                 # on /tmp/duban-bench/city
    .venv/bin/python bench/pages.py --repeat 50

Each page is requested through ``django.test.Client`` as a signed-in person
(the whole middleware stack, the session read from the database, the template
rendered): a few warm-up requests, then ``--repeat`` timed ones (median and
p95 in ms), then one more under ``CaptureQueriesContext`` to count the SQL
queries. The same pages are then measured on a dataset a tenth the size
(generated on first use) to show that the number of queries does not grow
with the data. Target: under 50 ms each.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import benchlib

TARGET_MS = 50.0


def subjects() -> dict[str, Any]:
    """Who and what to look at: the busiest unit's liaison, an office clerk, the
    latest meeting, the task with the longest history (the load test's own plan
    left out, so the subjects stay the same after bench/load.py has run)."""
    from django.db.models import Count, Q
    from load import PLAN_TITLE

    from duban.org.models import Person, Role, Unit
    from duban.work.models import OPEN_STATES, Meeting, Task

    generated = Task.objects.exclude(plan__title=PLAN_TITLE)
    busiest = (
        Unit.objects.annotate(
            open_tasks=Count(
                "led_tasks",
                filter=Q(led_tasks__state__in=OPEN_STATES) & ~Q(led_tasks__plan__title=PLAN_TITLE),
            )
        )
        .order_by("-open_tasks", "path")
        .first()
    )
    assert busiest is not None, "no data: run bench/generate.py first"
    liaisons = Person.objects.filter(role=Role.LIAISON, memberships__unit=busiest)
    liaison = (
        liaisons.filter(username__startswith="bench-liaison-").first()
        or liaisons.order_by("username").first()
    )
    office = Person.objects.filter(role=Role.OFFICE).order_by("username").first()
    meeting = Meeting.objects.order_by("-date", "-id").first()
    longest = (
        generated.filter(is_parent=False).annotate(n=Count("reports")).order_by("-n", "id").first()
    )
    assert liaison and office and meeting and longest
    return {
        "liaison": liaison,
        "office": office,
        "unit": busiest,
        "meeting": meeting,
        "task": longest,
        "open_tasks": busiest.open_tasks,  # type: ignore[attr-defined]
        "task_reports": longest.n,  # type: ignore[attr-defined]
        "report_url": _report_url(generated.filter(lead_unit=busiest)),
    }


def pages(s: dict[str, Any]) -> list[tuple[str, Any, str]]:
    unit, meeting, task = s["unit"].pk, s["meeting"].pk, s["task"].pk
    return [
        ("liaison: inbox", s["liaison"], "/inbox/"),
        ("liaison: report page", s["liaison"], s["report_url"]),
        ("office: inbox", s["office"], "/inbox/"),
        ("office: task list", s["office"], "/tasks/"),
        (
            "office: task list, filtered+sorted",
            s["office"],
            f"/tasks/?unit={unit}&state=in_progress&sort=-progress",
        ),
        ("office: task list, search", s["office"], "/tasks/?q=营商环境&closed=on&sort=deadline"),
        ("office: task list, page 10", s["office"], "/tasks/?closed=on&page=10"),
        ("office: meeting page (latest)", s["office"], f"/meetings/{meeting}/"),
        ("office: task detail (longest)", s["office"], f"/tasks/{task}/"),
    ]


def _report_url(tasks: Any) -> str:
    """The report page of the unit's longest-running open task, for a period not filed."""
    from django.utils import timezone

    from duban.work.services import report_period_choices

    task = tasks.filter(state="in_progress", is_parent=False).order_by("start_date", "id").first()
    assert task is not None
    filed = set(task.reports.values_list("period_label", flat=True))
    open_periods = [
        p for p in report_period_choices(task, timezone.localdate()) if p.label not in filed
    ]
    url = f"/tasks/{task.pk}/report/"
    return f"{url}?period={open_periods[-1].label}" if open_periods else url


def measure(repeat: int, warmup: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    s = subjects()
    results = []
    for name, person, url in pages(s):
        client = Client()
        client.force_login(person)
        for _ in range(warmup):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        times, cpu = [], []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        results.append(
            {
                "page": name,
                "url": url,
                "median_ms": benchlib.median(times),
                "p95_ms": benchlib.percentile(times, 95),
                "cpu_ms": benchlib.median(cpu),
                "queries": len(ctx.captured_queries),
                "sql_ms": sql_ms,
                "kb": len(response.content) / 1024,
            }
        )
    from duban.org.models import Unit
    from duban.work.models import ProgressReport, Task

    return {
        "database": benchlib.describe_database(),
        "units": Unit.objects.count(),
        "tasks": Task.objects.count(),
        "reports": ProgressReport.objects.count(),
        "liaison": s["liaison"].username,
        "liaison_open_tasks": s["open_tasks"],
        "task_reports": s["task_reports"],
        "results": results,
    }


def ensure_static() -> None:
    from django.conf import settings
    from django.core.management import call_command

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)


def run_small(small_dir: Path, repeat: int) -> dict[str, Any] | None:
    """The same pages on a tenth of the data, in a child process (another database)."""
    here = Path(__file__).resolve().parent
    python = sys.executable
    if not (small_dir / "duban.sqlite3").exists():
        print(f"  generating the 1/10 dataset in {small_dir} ...", flush=True)
        subprocess.run(
            [python, str(here / "generate.py"), "--factor", "0.1", "--data-dir", str(small_dir)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    out = subprocess.run(
        [
            python,
            str(here / "pages.py"),
            "--data-dir",
            str(small_dir),
            "--repeat",
            str(repeat),
            "--json",
            "--no-compare",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=benchlib.default_data_dir("city"))
    parser.add_argument(
        "--small-dir", type=Path, default=benchlib.BENCH_ROOT / "city-x0.1", help="1/10 dataset"
    )
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    parser.add_argument("--no-compare", action="store_true", help="skip the 1/10 dataset")
    args = parser.parse_args(argv)
    benchlib.configure(args.data_dir)
    ensure_static()
    big = measure(args.repeat, args.warmup)
    if args.json:
        print(json.dumps(big, ensure_ascii=False))
        return
    small = None
    import os

    if not args.no_compare and not os.environ.get("DATABASE_URL"):
        small = run_small(args.small_dir, max(3, args.repeat // 4))
    print(
        f"pages: {big['database']}: {big['units']:,} units, {big['tasks']:,} tasks, "
        f"{big['reports']:,} reports; liaison {big['liaison']} "
        f"({big['liaison_open_tasks']} open tasks), task detail with "
        f"{big['task_reports']} reports; {args.repeat} requests each"
    )
    small_by_page = {r["page"]: r for r in (small or {}).get("results", [])}
    rows = []
    for r in big["results"]:
        other = small_by_page.get(r["page"])
        rows.append(
            [
                r["page"],
                r["median_ms"],
                r["p95_ms"],
                r["cpu_ms"],
                r["queries"],
                other["queries"] if other else "-",
                r["sql_ms"],
                r["kb"],
                "ok" if r["p95_ms"] < TARGET_MS else "SLOW",
            ]
        )
    print(
        benchlib.table(
            [
                "page",
                "median ms",
                "p95 ms",
                "CPU ms",
                "queries",
                "queries 1/10",
                "SQL ms",
                "KiB",
                f"<{TARGET_MS:.0f} ms",
            ],
            rows,
        )
    )
    if small:
        print(
            f"(1/10 dataset: {small['units']} units, {small['tasks']} tasks, "
            f"{small['reports']:,} reports)"
        )
        grew = [
            r["page"]
            for r in big["results"]
            if r["page"] in small_by_page and r["queries"] != small_by_page[r["page"]]["queries"]
        ]
        print(
            "query counts: "
            + ("the same at both sizes" if not grew else "DIFFER for " + ", ".join(grew))
        )


if __name__ == "__main__":
    main()
