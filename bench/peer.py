"""duban's writes against the benchmark peer (Redmine 5), in one run, in alternating rounds.

    .venv/bin/python bench/peer.py                          # SQLite, 3 rounds
    DATABASE_URL=postgres://postgres@127.0.0.1:54361/duban_bench \\
        .venv/bin/python bench/peer.py --backend sqlite pg --rounds 3 --json-out peer.json

For each backend asked and each round, three workloads run one after another
(the order reversed every other round, so neither side always runs first):

- duban through the pages: ``bench/load.py --via pages`` (8 liaisons, each
  report a GET of the form and a POST), ``--seconds`` long;
- duban through the REST API: ``bench/load.py --via api`` (one POST a report);
- the peer's ``update`` workload: ``redmine_load.py`` from ``--peer-dir``
  (``$DUBAN_PEER_DIR``, default /work/shared/peer), 8 threads, ``-n`` issues
  created and then updated one ``PUT /issues/<id>.json`` each (done ratio and
  a note: its progress report). Redmine on SQLite runs 1 x 1 and is driven with
  ``--no-keepalive``; on PostgreSQL 2 x 5, as ``redmine_setup.sh`` sets it up.

Each tool writes its figures as JSON; this script prints, per backend and
workload, the median writes/s (and each round's), p50/p95 latency, the web
server's CPU per write (gunicorn master and workers; puma master and
workers), the PostgreSQL cluster's CPU per write (duban: its cluster, read by
load.py; the peer: Debian's cluster 15/main, read by a wrapper that replaces
the driver's count of every ``postgres`` process on the machine with that
cluster's), the most memory of a worker, errors, and the load average at the
start of each round; then the ratios duban / peer.

duban's data: SQLite, the city data in ``--data-dir`` (``bench/generate.py
--data-dir DIR``); PostgreSQL, ``--pg-url`` or ``$DATABASE_URL``, a database
that holds generated city data (``DATABASE_URL=... bench/generate.py --flush``).
The peer is started for its backend if it is not running (``redmine_setup.sh
start``) and stopped again at the end if this script started it; if it is not
installed the script says how to install it and stops.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import benchlib

HERE = Path(__file__).resolve().parent
PEER_PG_PIDFILE = Path("/var/lib/postgresql/15/main/postmaster.pid")  # Debian's 15/main
WORKLOADS = ["duban pages", "duban API", "peer update"]
CLIENTS = 8

# Runs the peer's driver with its database CPU read from the peer's cluster
# alone (the driver sums every "postgres" process of the machine, which counts
# duban's cluster and anyone else's too). argv: peer dir, bench dir, the
# cluster's postmaster.pid ("" for SQLite), then the driver's own arguments.
PEER_WRAPPER = """
import sys
peer_dir, bench_dir, pidfile = sys.argv[1:4]
sys.path[:0] = [peer_dir, bench_dir]
import benchlib
import redmine_load
if pidfile:
    every_postgres = redmine_load.RssSampler.cpu
    def cpu(self):
        puma, _ = every_postgres(self)
        with open(pidfile) as f:
            return puma, benchlib.cluster_cpu_seconds(int(f.readline()))
    redmine_load.RssSampler.cpu = cpu
sys.argv = ["redmine_load.py", *sys.argv[4:]]
redmine_load.main()
"""


class NotReady(SystemExit):
    pass


def peer_script(peer_dir: Path, name: str) -> Path:
    path = peer_dir / name
    if not path.is_file():
        raise NotReady(
            f"the peer's scripts are not in {peer_dir} (no {name}): pass --peer-dir "
            "or set $DUBAN_PEER_DIR to the folder with redmine_setup.sh and redmine_load.py"
        )
    return path


def setup(peer_dir: Path, action: str, backend: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(peer_script(peer_dir, "redmine_setup.sh")), action, backend],
        capture_output=True,
        text=True,
        timeout=300,
    )


def peer_installed(peer_dir: Path, backend: str) -> bool:
    """Installed and bootstrapped: ``redmine_setup.sh key`` prints the admin's API key."""
    answer = setup(peer_dir, "key", backend)
    return answer.returncode == 0 and bool(answer.stdout.strip())


def peer_running(peer_dir: Path, backend: str) -> bool:
    return "login page: 200" in setup(peer_dir, "status", backend).stdout


def loadavg() -> tuple[float, float, float]:
    one, five, fifteen = os.getloadavg()
    return one, five, fifteen


def run(cmd: list[str], env: dict[str, str], log: Path) -> None:
    with log.open("a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        done = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=1800)
    if done.returncode:
        tail = log.read_text()[-3000:]
        raise SystemExit(f"{tail}\n{cmd[1] if len(cmd) > 1 else cmd[0]} failed; see {log}")


def duban_round(via: str, backend: str, args: Any, work: Path) -> dict[str, Any]:
    env = dict(os.environ)
    if backend == "pg":
        env["DATABASE_URL"] = args.pg_url
        data_dir = args.pg_data_dir
    else:
        env.pop("DATABASE_URL", None)
        data_dir = args.data_dir
    out = work / f"duban-{backend}-{via}.json"
    cmd = [sys.executable, str(HERE / "load.py"), "--data-dir", str(data_dir), "--via", via]
    cmd += ["--clients", str(CLIENTS), "--json-out", str(out)]
    if data_dir in args.static_done:
        cmd.append("--skip-static")  # compiled and collected by this run already
    cmd += ["--reports", str(args.reports)] if args.reports else ["--seconds", str(args.seconds)]
    run(cmd, env, work / "duban.log")
    args.static_done.add(data_dir)
    figures = json.loads(out.read_text())["runs"][via]
    return {
        "writes/s": figures["reports/s"],
        "writes": figures["reports"],
        "p50 ms": figures["report p50 ms"],
        "p95 ms": figures["report p95 ms"],
        "web CPU ms/write": figures["CPU ms per report"],
        "DB CPU ms/write": figures.get("PostgreSQL CPU ms per report", float("nan")),
        "worker MiB": figures["worker MiB (most)"],
        "errors": figures["errors"],
    }


def peer_round(backend: str, args: Any, work: Path) -> dict[str, Any]:
    out = work / f"peer-{backend}.json"
    cmd = [sys.executable, "-c", PEER_WRAPPER, str(args.peer_dir), str(HERE)]
    cmd += [str(PEER_PG_PIDFILE) if backend == "pg" else ""]
    cmd += ["--instance", backend, "--threads", str(CLIENTS), "--repeat", "1"]
    cmd += ["-n", str(args.peer_n_pg if backend == "pg" else args.peer_n_sqlite)]
    cmd += ["--summary-reads", "1", "--max-seconds", "900", "--json-out", str(out)]
    if backend == "sqlite":
        cmd.append("--no-keepalive")  # 1 puma thread: keep-alive clients wait on one another
    run(cmd, dict(os.environ), work / "peer.log")
    return peer_figures(json.loads(out.read_text()), backend)


def peer_figures(report: dict[str, Any], backend: str) -> dict[str, Any]:
    """The ``update`` phase of the driver's single run, and its workers' memory."""
    (update,) = (p for p in report["runs"][0]["phases"] if p["phase"] == "update")
    rss = report["rss_end"]["per_pid_rss_kb"]  # the master first, then its workers
    workers = list(rss.values())[1:] or list(rss.values())  # single mode: the master works
    writes = update["requests"] - update["errors"]
    return {
        "writes/s": writes / update["wall_s"],
        "writes": float(writes),
        "p50 ms": update["p50_ms"],
        "p95 ms": update["p95_ms"],
        "web CPU ms/write": 1000 * update["server_cpu_s"] / max(1, writes),
        "DB CPU ms/write": (
            1000 * update["db_cpu_s"] / max(1, writes) if backend == "pg" else float("nan")
        ),
        "worker MiB": max(workers) / 1024,
        "errors": float(update["errors"]),
        "partial": update["partial"],
    }


def median_row(rounds: list[dict[str, Any]], key: str) -> float:
    values = [r[key] for r in rounds if r[key] == r[key]]  # NaN: not measured
    return statistics.median(values) if values else float("nan")


def cpu_per_write(row: dict[str, Any]) -> float:
    """The web server's and the database's CPU per write (SQLite: the web's alone)."""
    db = row["DB CPU ms/write"]
    return float(row["web CPU ms/write"] + (db if db == db else 0.0))


def ratios(figures: dict[str, list[dict[str, Any]]]) -> list[list[object]]:
    """duban's medians over the peer's: writes/s, web CPU per write, web + DB CPU per write."""
    for runs in figures.values():
        for row in runs:
            row["CPU ms/write"] = cpu_per_write(row)
    keys = ("writes/s", "web CPU ms/write", "CPU ms/write")
    peer = {k: median_row(figures["peer update"], k) for k in keys}
    rows: list[list[object]] = []
    for name in ("duban pages", "duban API"):
        mine = {k: median_row(figures[name], k) for k in keys}
        rows.append(
            [f"{name} / peer"] + [mine[k] / peer[k] if peer[k] else float("nan") for k in keys]
        )
    return rows


def report(backend: str, figures: dict[str, list[dict[str, Any]]]) -> None:
    keys = ["writes/s", "p50 ms", "p95 ms", "web CPU ms/write", "DB CPU ms/write", "worker MiB"]
    rows = []
    for name in WORKLOADS:
        runs = figures[name]
        rows.append(
            [name]
            + [median_row(runs, k) for k in keys]
            + [int(sum(r["errors"] for r in runs))]
            + [" ".join(f"{r['writes/s']:.1f}" for r in runs)]
            + [" ".join(f"{r['load'][0]:.1f}" for r in runs)]
        )
    title = {"sqlite": "SQLite", "pg": "PostgreSQL"}[backend]
    print(f"\n{title}: medians of {len(figures[WORKLOADS[0]])} rounds, {CLIENTS} clients")
    print(benchlib.table(["", *keys, "errors", "each round", "load at start"], rows))
    headers = ["ratio", "writes/s", "web CPU per write", "web + DB CPU per write"]
    print(benchlib.table(headers, [[n, *(f"{v:.2f}" for v in r)] for n, *r in ratios(figures)]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", nargs="+", choices=["sqlite", "pg"], default=["sqlite"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20.0, help="each duban run")
    parser.add_argument("--reports", type=int, help="each duban run stops after this many")
    parser.add_argument("--peer-n-sqlite", type=int, default=600, help="issues per peer run")
    parser.add_argument("--peer-n-pg", type=int, default=1200, help="issues per peer run")
    parser.add_argument(
        "--peer-dir",
        type=Path,
        default=Path(os.environ.get("DUBAN_PEER_DIR", "/work/shared/peer")),
    )
    parser.add_argument("--data-dir", type=Path, default=benchlib.default_data_dir("city"))
    parser.add_argument("--pg-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument(
        "--pg-data-dir",
        type=Path,
        default=benchlib.BENCH_ROOT / "peer-pg",
        help="duban's keys, static files and server log for the PostgreSQL runs",
    )
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    args.static_done = set()

    # Everything that can be missing is checked before the first round.
    for backend in args.backend:
        if not peer_installed(args.peer_dir, backend):
            raise NotReady(
                f"the peer is not installed for {backend}: "
                f"bash {args.peer_dir / 'redmine_setup.sh'} install {backend}"
            )
    peer_script(args.peer_dir, "redmine_load.py")
    if "sqlite" in args.backend and not (args.data_dir / "duban.sqlite3").exists():
        raise NotReady(f"no city data in {args.data_dir}: bench/generate.py --data-dir DIR")
    if "pg" in args.backend and not args.pg_url.startswith(("postgres://", "postgresql://")):
        raise NotReady("--backend pg needs --pg-url or DATABASE_URL: a PostgreSQL database")

    started = dt.datetime.now(dt.UTC)
    results: dict[str, Any] = {}
    work = Path(tempfile.mkdtemp(prefix="duban-peer-"))
    print(f"peer.py: logs and each tool's JSON in {work}")
    for backend in args.backend:
        we_started = not peer_running(args.peer_dir, backend)
        if we_started:
            answer = setup(args.peer_dir, "start", backend)
            if answer.returncode:
                raise SystemExit(f"{answer.stderr}\nthe peer did not start for {backend}")
        figures: dict[str, list[dict[str, Any]]] = {name: [] for name in WORKLOADS}
        try:
            for n in range(args.rounds):
                order = WORKLOADS if n % 2 == 0 else WORKLOADS[::-1]
                for name in order:
                    load = loadavg()
                    if name == "peer update":
                        row = peer_round(backend, args, work)
                    else:
                        via = "pages" if name == "duban pages" else "api"
                        row = duban_round(via, backend, args, work)
                    row["load"] = load
                    row["round"] = n + 1
                    figures[name].append(row)
                    avg = " ".join(f"{v:.2f}" for v in load)
                    print(
                        f"  {backend} round {n + 1}, {name:<11}: {row['writes/s']:6.1f} writes/s, "
                        f"p50 {row['p50 ms']:6.1f} ms, web CPU {row['web CPU ms/write']:5.1f} ms, "
                        f"DB CPU {row['DB CPU ms/write']:5.1f} ms per write, "
                        f"errors {row['errors']:.0f}; load {avg}",
                        flush=True,
                    )
        finally:
            if we_started:
                setup(args.peer_dir, "stop", backend)
        results[backend] = figures
        report(backend, figures)

    print(
        f"\n{started:%Y-%m-%d %H:%M}-{dt.datetime.now(dt.UTC):%H:%M} UTC; "
        f"load average now {' '.join(f'{v:.2f}' for v in loadavg())}"
    )
    if args.json_out:
        args.json_out.write_text(
            json.dumps({"started": started.isoformat(timespec="seconds"), "results": results})
        )


if __name__ == "__main__":
    main()
