"""Load: liaisons filing progress reports through the real pages, against gunicorn.

    .venv/bin/python bench/load.py                     # 8 clients, 30 s, /tmp/duban-bench/city
    .venv/bin/python bench/load.py --seconds 60 --clients 16
    .venv/bin/python bench/load.py --reports 5000      # stop after 5,000 reports

1. ``duban compilemessages`` and ``duban collectstatic --noinput`` (DEBUG unset,
   so whitenoise serves the static files as in production).
2. Prepares the work: a plan "负载测试专项" with, for each of the first
   ``--clients`` units, a parent task and ``--tasks`` weekly measures begun
   ``--weeks`` weeks ago, claimed by the unit's liaison and with no reports,
   created through the services. Each (measure, period) without a report is
   one slot to file; reruns reuse the plan and file the slots still open.
3. Starts ``duban serve`` (gunicorn, the production server) on a free port of
   127.0.0.1, as a child process of this script.
4. Each client is a thread with its own httpx session that signs in as a
   different liaison through the real login page (GET /login/ for the CSRF
   token, POST the credentials), then files reports through the real report
   page: GET /tasks/<id>/report/?period=<label> (form and CSRF token), POST
   with submit=1, text and percent; a 302 to the task page is a filed report.
5. Prints reports/s, p50/p95 latency of a report (the GET and the POST),
   errors (any answer but 200/302, or the form shown again), the server's CPU
   time (and, on a PostgreSQL cluster of this machine, the cluster's), and
   each gunicorn worker's resident memory (VmRSS, /proc) after the run; then
   stops the server it started (SIGTERM to its master) and checks the database
   holds exactly the reports that were answered with 302.

Targets on 2 cores: >= 250 reports/s, 0 errors on SQLite, < 180 MiB per worker.

``--via api`` files the same reports through the REST API instead (a token per
liaison, made through the service: ``POST /api/v1/tasks/<id>/reports`` with an
Idempotency-Key), and ``--via both`` runs the pages, then the API, on fresh
slots and prints them side by side. ``--list-every N`` also lists the
liaison's tasks before every Nth report (the pages' ``GET /tasks/``, the
API's ``GET /api/v1/tasks?page_size=50``), timed apart. ``--json-out FILE``
writes each run's figures (as printed, plus the most memory of a worker) to
FILE for ``bench/peer.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import benchlib

PLAN_TITLE = "负载测试专项（bench load）"
TOKEN_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TARGET_RPS, TARGET_MIB = 250.0, 180.0


# --- preparing the work ----------------------------------------------------------


def prepare(clients: int, tasks_per_unit: int, weeks: int) -> list[tuple[str, list[Any]]]:
    """Per client: (liaison username, [(task id, period label), ...]) still to file."""
    from django.utils import timezone

    from duban.org.models import Person, Role, Unit
    from duban.work import services
    from duban.work.models import Plan, ProgressReport, Task
    from duban.work.services import report_period_choices

    today = timezone.localdate()
    office = Person.objects.filter(role=Role.OFFICE).order_by("pk").first()
    assert office is not None, "no data: run bench/generate.py first"
    plan = Plan.objects.filter(title=PLAN_TITLE).first()
    if plan is None:
        plan = services.plan_create(title=PLAN_TITLE, year=today.year, actor=office)
    units = list(Unit.objects.order_by("path")[:clients])
    start = today - dt.timedelta(weeks=weeks)
    work = []
    for n, unit in enumerate(units, start=1):
        liaison = (
            Person.objects.filter(role=Role.LIAISON, memberships__unit=unit)
            .filter(username__startswith="bench-liaison-")
            .order_by("pk")
            .first()
        )
        assert liaison is not None, f"no liaison for {unit}"
        parent = Task.objects.filter(plan=plan, lead_unit=unit, parent=None).first()
        if parent is None:
            parent = services.task_create(
                actor=office,
                plan=plan,
                serial=str(n),
                title=f"负载测试任务{n}",
                lead_unit=unit,
                start_date=start,
                deadline=today + dt.timedelta(days=90),
            )
            services.task_claim(actor=liaison, task=parent)
        have = parent.children.count()
        for k in range(have + 1, tasks_per_unit + 1):
            measure = services.task_create(
                actor=office,
                plan=plan,
                parent=parent,
                serial=f"{n}.{k}",
                title=f"负载测试措施{n}.{k}",
                lead_unit=unit,
                start_date=start,
                deadline=today + dt.timedelta(days=90),
            )
            services.task_claim(actor=liaison, task=measure)
        slots = []
        measures = list(parent.children.filter(state="in_progress").order_by("pk"))
        filed: dict[int, set[str]] = {}
        for task_id, label in ProgressReport.objects.filter(task__in=measures).values_list(
            "task_id", "period_label"
        ):
            filed.setdefault(task_id, set()).add(label)
        # Oldest periods first, one task after another, as a unit catching up would.
        for task in measures:
            for period in report_period_choices(task, today):
                if period.label not in filed.get(task.pk, set()):
                    slots.append((task.pk, period.label))
        work.append((liaison.username, slots))
    return work


# --- the server --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(
    env: dict[str, str], port: int, log: Path, workers: int | None, threads: int | None
) -> Any:
    cmd = [str(benchlib.BIN / "duban"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    if workers:
        cmd += ["--workers", str(workers)]
    if threads:
        cmd += ["--threads", str(threads)]
    out = log.open("w")
    server = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"duban serve exited with {server.returncode}; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login/", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"duban serve did not answer within 60 s; see {log}")


def children_of(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (the gunicorn workers of a master), from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: split after it.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found.append(int(entry))
    return sorted(found)


def settled_children(pid: int) -> list[int]:
    """The workers once gunicorn has booted them all (the same list for a second)."""
    last: list[int] = []
    for _ in range(20):
        now = children_of(pid)
        if now and now == last:
            return now
        last = now
        time.sleep(0.5)
    return last


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def stop_server(server: Any) -> None:
    """SIGTERM to the master we started (gunicorn stops its workers), then wait."""
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# --- the clients ---------------------------------------------------------------------


@dataclass
class Tally:
    reports: int = 0
    latencies: list[float] = field(default_factory=list)
    get_ms: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    list_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def error(self, kind: str) -> None:
        with self.lock:
            self.errors[kind] = self.errors.get(kind, 0) + 1


class Liaison(threading.Thread):
    def __init__(
        self,
        base: str,
        username: str,
        slots: list[tuple[int, str]],
        tally: Tally,
        start: threading.Barrier,
        stop: threading.Event,
        limit: int | None,
        list_every: int = 0,
    ) -> None:
        super().__init__(daemon=True)
        self.base, self.username, self.slots = base, username, slots
        self.tally, self.start_line, self.stop_flag, self.limit = tally, start, stop, limit
        self.list_every = list_every
        self.signed_in = False

    LIST_URL = "/tasks/"

    def run(self) -> None:
        import httpx

        with httpx.Client(base_url=self.base, follow_redirects=False, timeout=30) as http:
            try:
                self.sign_in(http)
            except Exception as exc:  # noqa: BLE001 - counted and reported
                self.tally.error(f"sign-in: {exc}")
            self.start_line.wait()
            if not self.signed_in:
                return
            for n, (task_id, label) in enumerate(self.slots):
                if self.stop_flag.is_set():
                    break
                if self.list_every and n % self.list_every == 0:
                    self.list(http)
                self.file(http, task_id, label, n)

    def list(self, http: Any) -> None:
        t0 = time.perf_counter()
        try:
            answer = http.get(self.LIST_URL)
        except Exception as exc:  # noqa: BLE001 - counted and reported
            self.tally.error(f"list {type(exc).__name__}")
            return
        if answer.status_code != 200:
            self.tally.error(f"list {answer.status_code}")
            return
        with self.tally.lock:
            self.tally.list_ms.append((time.perf_counter() - t0) * 1000)

    def sign_in(self, http: Any) -> None:
        page = http.get("/login/")
        token = TOKEN_RE.search(page.text)
        assert page.status_code == 200 and token, f"login page: {page.status_code}"
        answer = http.post(
            "/login/",
            data={
                "username": self.username,
                "password": benchlib.PASSWORD,
                "csrfmiddlewaretoken": token[1],
                "next": "/inbox/",
            },
        )
        assert answer.status_code == 302, f"login answered {answer.status_code}"
        self.signed_in = True

    def file(self, http: Any, task_id: int, label: str, n: int) -> None:
        url = f"/tasks/{task_id}/report/?period={label}"
        t0 = time.perf_counter()
        try:
            page = http.get(url)
            t1 = time.perf_counter()
            if page.status_code != 200:
                self.tally.error(f"GET {page.status_code}")
                return
            token = TOKEN_RE.search(page.text)
            if not token:
                self.tally.error("GET without CSRF token")
                return
            answer = http.post(
                url,
                data={
                    "csrfmiddlewaretoken": token[1],
                    "period": label,
                    "text": f"负载测试：{label}期间完成阶段性工作，推进顺利。",
                    "percent": str(min(100, n % 101)),
                    "value": "",
                    "submit": "1",
                },
            )
            t2 = time.perf_counter()
        except Exception as exc:  # noqa: BLE001 - counted and reported
            self.tally.error(type(exc).__name__)
            return
        if answer.status_code != 302:
            kind = "form shown again" if answer.status_code in (200, 400) else "POST"
            self.tally.error(f"{kind} {answer.status_code}")
            return
        if not answer.headers.get("location", "").endswith(f"/tasks/{task_id}/"):
            self.tally.error("POST redirected elsewhere")  # e.g. to the login page
            return
        with self.tally.lock:
            self.tally.reports += 1
            self.tally.latencies.append((t2 - t0) * 1000)
            self.tally.get_ms.append((t1 - t0) * 1000)
            self.tally.post_ms.append((t2 - t1) * 1000)
            if self.limit and self.tally.reports >= self.limit:
                self.stop_flag.set()


class ApiLiaison(Liaison):
    """The same liaison as a program: a bearer token, JSON, one POST per report."""

    LIST_URL = "/api/v1/tasks?page_size=50"

    def __init__(self, *args: Any, secret: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.secret = secret

    def sign_in(self, http: Any) -> None:
        http.headers["Authorization"] = f"Bearer {self.secret}"
        answer = http.get("/api/v1/me")
        assert answer.status_code == 200, f"/api/v1/me answered {answer.status_code}"
        self.signed_in = True

    def file(self, http: Any, task_id: int, label: str, n: int) -> None:
        t0 = time.perf_counter()
        try:
            answer = http.post(
                f"/api/v1/tasks/{task_id}/reports",
                json={
                    "period": label,
                    "text": f"负载测试：{label}期间完成阶段性工作，推进顺利。",
                    "percent": str(min(100, n % 101)),
                },
                headers={"Idempotency-Key": f"bench-{task_id}-{label}"},
            )
        except Exception as exc:  # noqa: BLE001 - counted and reported
            self.tally.error(type(exc).__name__)
            return
        t1 = time.perf_counter()
        if answer.status_code != 201:
            self.tally.error(f"POST {answer.status_code}")
            return
        with self.tally.lock:
            self.tally.reports += 1
            self.tally.latencies.append((t1 - t0) * 1000)
            self.tally.post_ms.append((t1 - t0) * 1000)
            if self.limit and self.tally.reports >= self.limit:
                self.stop_flag.set()


def tokens_for(usernames: list[str]) -> dict[str, str]:
    """A read-write token for each liaison, made through the service."""
    from duban.api.tokens import token_create
    from duban.org.models import Person

    people = {p.username: p for p in Person.objects.filter(username__in=usernames)}
    return {
        name: token_create(actor=people[name], name="bench load", days=1, can_write=True).secret
        for name in usernames
    }


# --- the run ---------------------------------------------------------------------------


def run_once(
    via: str, args: Any, env: dict[str, str], work: list[tuple[str, list[Any]]]
) -> dict[str, float]:
    """Start the server, let the clients file through ``via`` (pages or api),
    print the figures and return them for the side-by-side table."""
    from django.db import connection

    from duban.work.models import ProgressReport

    secrets = tokens_for([name for name, _ in work]) if via == "api" else {}
    slots = sum(len(s) for _, s in work)
    print(f"\n  via {via}: {len(work)} liaisons, {slots:,} (task, period) slots open to file")
    before = ProgressReport.objects.count()
    postmaster = benchlib.postmaster_pid()  # PostgreSQL on this machine: its CPU is read too
    connection.close()  # the server writes now; keep no handle on the file

    port = free_port()
    log = args.data_dir / "gunicorn.log"
    server = start_server(env, port, log, args.workers, args.threads)
    workers = settled_children(server.pid)
    print(f"  duban serve: master {server.pid}, workers {workers}, http://127.0.0.1:{port}/")
    try:
        tally = Tally()
        stop = threading.Event()
        start = threading.Barrier(len(work) + 1)
        base = f"http://127.0.0.1:{port}"
        clients: list[Liaison] = [
            ApiLiaison(
                base,
                name,
                s,
                tally,
                start,
                stop,
                args.reports,
                args.list_every,
                secret=secrets[name],
            )
            if via == "api"
            else Liaison(base, name, s, tally, start, stop, args.reports, args.list_every)
            for name, s in work
        ]
        for c in clients:
            c.start()
        start.wait()  # everyone has signed in
        cpu0 = sum(cpu_seconds(p) for p in [server.pid, *workers])
        client0 = time.process_time()
        db0 = benchlib.cluster_cpu_seconds(postmaster) if postmaster else 0.0
        t0 = time.perf_counter()
        while not stop.is_set() and any(c.is_alive() for c in clients):
            if not args.reports and time.perf_counter() - t0 >= args.seconds:
                stop.set()
            time.sleep(0.05)
        stop.set()
        for c in clients:
            c.join()
        elapsed = time.perf_counter() - t0
        client_cpu = time.process_time() - client0
        workers = children_of(server.pid)
        server_cpu = sum(cpu_seconds(p) for p in [server.pid, *workers]) - cpu0
        db_cpu = benchlib.cluster_cpu_seconds(postmaster) - db0 if postmaster else float("nan")
        memory = [(pid, rss_mib(pid)) for pid in workers]
        master_rss = rss_mib(server.pid)
    finally:
        stop_server(server)

    filed = ProgressReport.objects.count() - before
    rate = tally.reports / elapsed
    errors = sum(tally.errors.values())
    requests = tally.reports * (2 if via == "pages" else 1) + len(tally.list_ms)
    print(
        f"  {tally.reports:,} reports in {elapsed:.1f} s by {len(work)} clients: "
        f"{rate:.0f} reports/s ({requests / elapsed:.0f} requests/s)"
    )
    p = benchlib.percentile
    rows = [
        ["report (all requests)", p(tally.latencies, 50), p(tally.latencies, 95)]
        + [max(tally.latencies, default=0.0)],
    ]
    if via == "pages":
        rows.append(
            ["  GET report page", p(tally.get_ms, 50), p(tally.get_ms, 95)]
            + [max(tally.get_ms, default=0.0)]
        )
    rows.append(
        ["  POST report", p(tally.post_ms, 50), p(tally.post_ms, 95)]
        + [max(tally.post_ms, default=0.0)]
    )
    if tally.list_ms:
        rows.append(
            ["list my tasks", p(tally.list_ms, 50), p(tally.list_ms, 95)]
            + [max(tally.list_ms, default=0.0)]
        )
    print(benchlib.table(["latency ms", "p50", "p95", "max"], rows))
    print(f"  errors: {errors}" + (f" {tally.errors}" if errors else ""))
    print(
        f"  server CPU: {server_cpu:.1f} s over {elapsed:.1f} s "
        f"({server_cpu / elapsed:.2f} cores; {1000 * server_cpu / max(1, tally.reports):.1f} "
        f"ms per report)"
    )
    print(
        f"  client CPU (this driver's threads): {client_cpu:.1f} s "
        f"({1000 * client_cpu / max(1, tally.reports):.1f} ms per report)"
    )
    if postmaster:
        print(
            f"  PostgreSQL CPU (the whole cluster, postmaster {postmaster}): {db_cpu:.1f} s "
            f"({1000 * db_cpu / max(1, tally.reports):.1f} ms per report)"
        )
    print(f"  memory after the run: master {master_rss:.0f} MiB; workers (VmRSS):")
    for pid, mib in memory:
        print(f"    worker {pid}: {mib:.0f} MiB" + ("" if mib < TARGET_MIB else "  OVER"))
    print(f"  database: {filed:,} new reports (answered as filed: {tally.reports:,})")
    verdict = [
        f"reports/s {'ok' if rate >= TARGET_RPS else 'BELOW'} (target {TARGET_RPS:.0f})",
        f"errors {'ok' if errors == 0 else 'FAIL'}",
        "memory "
        + ("ok" if memory and max(m for _, m in memory) < TARGET_MIB else "OVER")
        + f" (target {TARGET_MIB:.0f} MiB)",
    ]
    print("  " + "; ".join(verdict))
    if filed != tally.reports:
        raise SystemExit("the database does not hold the reports the server confirmed")
    return {
        "reports": float(tally.reports),
        "seconds": elapsed,
        "reports/s": rate,
        "requests/s": requests / elapsed,
        "report p50 ms": p(tally.latencies, 50),
        "report p95 ms": p(tally.latencies, 95),
        "list p50 ms": p(tally.list_ms, 50) if tally.list_ms else 0.0,
        "list p95 ms": p(tally.list_ms, 95) if tally.list_ms else 0.0,
        "CPU ms per report": 1000 * server_cpu / max(1, tally.reports),
        "client CPU ms per report": 1000 * client_cpu / max(1, tally.reports),
        "PostgreSQL CPU ms per report": 1000 * db_cpu / max(1, tally.reports),
        "errors": float(errors),
        "worker MiB (most)": max((m for _, m in memory), default=0.0),
        "master MiB": master_rss,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=benchlib.default_data_dir("city"))
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--reports", type=int, help="stop after this many reports")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=60, help="measures per client's unit")
    parser.add_argument("--weeks", type=int, default=52, help="how far back they begin")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: duban serve's)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: duban serve's)")
    parser.add_argument("--via", choices=["pages", "api", "both"], default="pages")
    parser.add_argument(
        "--list-every", type=int, default=0, help="list my tasks before every Nth report"
    )
    parser.add_argument(
        "--skip-static",
        action="store_true",
        help="reuse the compiled messages and collected static files of an earlier run",
    )
    parser.add_argument(
        "--json-out", type=Path, help="also write the figures of each run to this file (JSON)"
    )
    args = parser.parse_args(argv)

    benchlib.configure(args.data_dir)
    env = benchlib.bench_env(args.data_dir)
    # The API's per-token limit (600/m) would turn most of a flat-out client's
    # requests into 429s: this measures the server, not the limit.
    env.setdefault("DUBAN_API_RATE", "1000000/m")
    print(f"load: {benchlib.describe_database()}")
    steps = [["compilemessages"], ["collectstatic", "--noinput", "-v", "0"]]
    with benchlib.timed("compilemessages, collectstatic"):
        for command in [] if args.skip_static else steps:
            subprocess.run([str(benchlib.BIN / "duban"), *command], env=env, check=True)
    results = {}
    for via in ("pages", "api") if args.via == "both" else (args.via,):
        with benchlib.timed("prepare tasks and open periods"):
            work = prepare(args.clients, args.tasks, args.weeks)
        results[via] = run_once(via, args, env, work)
    if args.json_out:
        args.json_out.write_text(
            json.dumps(
                {
                    "database": benchlib.describe_database(),
                    "clients": args.clients,
                    "workers": args.workers,
                    "threads": args.threads,
                    "load average": os.getloadavg(),
                    "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "runs": results,
                },
                indent=1,
            )
        )
    if len(results) == 2:
        pages, api = results["pages"], results["api"]
        print("\n  side by side (the same liaisons, the same kind of slots):")
        print(
            benchlib.table(
                ["", "pages", "api", "api / pages"],
                [
                    [
                        name,
                        pages[name],
                        api[name],
                        (api[name] / pages[name]) if pages[name] else 0.0,
                    ]
                    for name in pages
                ],
            )
        )


if __name__ == "__main__":
    main()
