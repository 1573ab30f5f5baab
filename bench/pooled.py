"""The pages and the load on PostgreSQL, straight and through PgBouncer, in
alternating rounds (medians), with the server connections each way held.

    DATABASE_URL=postgres://user:pw@127.0.0.1:5432/duban_bench \\
        .venv/bin/python bench/pooled.py [--rounds 3] [--port 6432] [--seconds 30] [--repeat 20]

The database must hold generated data (``generate.py --flush`` with the same
DATABASE_URL). PgBouncer is started by ``bench/pgbouncer.sh`` on ``--port`` and
stopped by its PID at the end. Each round runs, in this order, every way of
connecting: straight, with the connections kept (``DUBAN_CONN_MAX_AGE=300``,
the default) and without (``0``: a new connection per request), then the same
two through PgBouncer (``DUBAN_DB_POOLER=pgbouncer``); each runs ``pages.py``
(in-process, one connection) and ``load.py`` (``duban serve``, 8 clients
filing reports; ``--workers``/``--threads`` for its gunicorn), as separate
processes. While the load runs, the server connections to the database are
counted every 0.2 s (``pg_stat_activity``, through a connection of this
script's own, left out of the count), and the CPU of their PostgreSQL
processes and of PgBouncer is read from /proc (so the servers must run on
this machine for those two columns). The roles that must add a second
factor are not asked to (``DUBAN_2FA_ROLES`` empty): pages.py signs in with
``force_login`` and would be sent to set one up.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import benchlib

HERE = Path(__file__).resolve().parent
WAYS = [
    ("straight, kept", False, "300"),
    ("straight, per request", False, "0"),
    ("PgBouncer, kept", True, "300"),
    ("PgBouncer, per request", True, "0"),
]
LOAD_FIGURES = {
    "reports/s": r"([\d,]+ reports in [\d.]+) s by",
    "report p50 ms": r"report \(all requests\)\s+([\d.]+)",
    "report p95 ms": r"report \(all requests\)\s+[\d.]+\s+([\d.]+)",
    "CPU ms per report": r"([\d.]+) ms per report",
    "errors": r"errors: (\d+)",
}

EXTRA = ["PostgreSQL CPU ms per report", "PgBouncer CPU ms per report", "server connections (most)"]


def pooled_url(url: str, port: int) -> str:
    out = subprocess.run(
        [str(HERE / "pgbouncer.sh"), "start", url, str(port)],
        check=True,
        capture_output=True,
        text=True,
    )
    sys.stderr.write(out.stderr)
    return out.stdout.strip().splitlines()[-1]


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None  # gone, or another machine's
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


class Connections(threading.Thread):
    """While it runs: the most server connections to the database at once, and
    the CPU seconds their PostgreSQL processes used (read from /proc when the
    server is on this machine; a process that ends between two looks loses
    its last 0.2 s, so "per request" ways are undercounted)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.most, self.stop = url, 0, threading.Event()
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True, prepare_threshold=None) as conn:
            while True:
                pids = [
                    row[0]
                    for row in conn.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                        " AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                    )
                ]
                self.most = max(self.most, len(pids))
                for pid in pids:
                    if (cpu := cpu_seconds(pid)) is not None:
                        self.first.setdefault(pid, cpu)
                        self.last[pid] = cpu
                if self.stop.is_set():
                    break
                time.sleep(0.2)

    def cpu(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def run(script: str, args: list[str], env: dict[str, str]) -> str:
    out = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if out.returncode:
        sys.stderr.write(out.stdout[-3000:] + out.stderr[-3000:])
        raise SystemExit(f"{script} failed ({out.returncode})")
    return out.stdout


def one_round(direct: str, pooled: str, args: Any, data_dir: Path) -> dict[str, dict[str, Any]]:
    figures: dict[str, dict[str, Any]] = {}
    for name, through_pgbouncer, max_age in WAYS:
        env = dict(os.environ)
        env.update(DATABASE_URL=pooled if through_pgbouncer else direct, DUBAN_CONN_MAX_AGE=max_age)
        env.pop("DATABASE_REPLICA_URL", None)
        if through_pgbouncer:
            env["DUBAN_DB_POOLER"] = "pgbouncer"
        else:
            env.pop("DUBAN_DB_POOLER", None)
        # pages.py signs in with force_login: the roles that must add a second
        # factor would be sent to set one up. The bench times pages, not signing in.
        env.setdefault("DUBAN_2FA_ROLES", "")
        common = ["--data-dir", str(data_dir)]
        pages = json.loads(
            run("pages.py", [*common, "--json", "--no-compare", "--repeat", str(args.repeat)], env)
        )
        watch = Connections(direct)
        watch.start()
        bouncer0 = cpu_seconds(args.pgbouncer_pid) or 0.0
        load = run("load.py", [*common, "--seconds", str(args.seconds), *args.serve], env)
        bouncer = (cpu_seconds(args.pgbouncer_pid) or 0.0) - bouncer0
        watch.stop.set()
        watch.join()
        found: dict[str, Any] = {}
        for key, rx in LOAD_FIGURES.items():
            if m := re.search(rx, load):
                value = m.group(1)
                if key == "reports/s":  # filed / seconds, unrounded
                    filed, seconds = value.replace(",", "").split(" reports in ")
                    found[key] = int(filed) / float(seconds)
                else:
                    found[key] = float(value)
        found["server connections (most)"] = watch.most
        filed = found.get("reports/s", 0.0) * args.seconds or 1.0
        found["PostgreSQL CPU ms per report"] = 1000 * watch.cpu() / filed
        found["PgBouncer CPU ms per report"] = 1000 * bouncer / filed if through_pgbouncer else 0.0
        found["pages"] = {r["page"]: (r["median_ms"], r["cpu_ms"]) for r in pages["results"]}
        figures[name] = found
        print(
            f"  {name:<24} {found.get('reports/s', 0):6.1f} reports/s, "
            f"{found.get('CPU ms per report', 0):5.1f} ms CPU/report, "
            f"PostgreSQL {found['PostgreSQL CPU ms per report']:4.1f} ms/report, "
            f"PgBouncer {found['PgBouncer CPU ms per report']:4.1f} ms/report, "
            f"{watch.most:3d} server connections, errors {found.get('errors', '?'):.0f}; "
            "pages median of medians "
            f"{statistics.median(w for w, _c in found['pages'].values()):.1f} ms",
            flush=True,
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=6432, help="PgBouncer's port")
    parser.add_argument("--seconds", type=float, default=30.0, help="each load run")
    parser.add_argument("--repeat", type=int, default=20, help="requests per page")
    parser.add_argument("--data-dir", type=Path, default=benchlib.BENCH_ROOT / "pooled")
    parser.add_argument("--workers", type=int, help="load.py's gunicorn workers")
    parser.add_argument("--threads", type=int, help="load.py's threads per worker")
    args = parser.parse_args()
    args.serve = [
        *(["--workers", str(args.workers)] if args.workers else []),
        *(["--threads", str(args.threads)] if args.threads else []),
    ]
    direct = os.environ.get("DATABASE_URL", "")
    if not direct.startswith(("postgres://", "postgresql://")):
        raise SystemExit("set DATABASE_URL to the PostgreSQL database that holds the bench data")
    pooled = pooled_url(direct, args.port)
    pidfile = Path(os.environ.get("PGBOUNCER_DIR", f"/tmp/duban-pgbouncer-{args.port}"))
    args.pgbouncer_pid = int((pidfile / "pgbouncer.pid").read_text())
    rounds = []
    try:
        for n in range(args.rounds):
            print(f"round {n + 1} of {args.rounds} (load average {os.getloadavg()[0]:.2f})")
            rounds.append(one_round(direct, pooled, args, args.data_dir))
    finally:
        subprocess.run([str(HERE / "pgbouncer.sh"), "stop", str(args.port)], check=False)
    names = [w[0] for w in WAYS]
    load_rows = []
    for name in names:
        runs = [r[name] for r in rounds]
        load_rows.append(
            [name]
            + [
                statistics.median(r[k] for r in runs)
                for k in [*LOAD_FIGURES, *EXTRA]
                if all(k in r for r in runs)
            ]
        )
    print(
        f"\nmedians of {args.rounds} rounds; load average now {os.getloadavg()[0]:.2f}; "
        f"duban serve {' '.join(args.serve) or 'defaults'}"
    )
    print(benchlib.table(["load", *LOAD_FIGURES, *EXTRA], load_rows))
    pages = list(rounds[0][names[0]]["pages"])
    for n, what in enumerate(["wall", "CPU"]):
        page_rows = [
            [page]
            + [statistics.median(r[name]["pages"][page][n] for r in rounds) for name in names]
            for page in pages
        ]
        print()
        print(benchlib.table([f"page median {what} ms", *names], page_rows))


if __name__ == "__main__":
    main()
