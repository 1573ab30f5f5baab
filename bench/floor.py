"""The floor of the warning scan: one read-only SQL statement over duban's own
tables that returns the (task, rule, level) findings the scan would hold.

    .venv/bin/python bench/floor.py /tmp/duban-bench/province/duban.sqlite3 [--repeat 5] [--compare]
    .venv/bin/python bench/floor.py postgres://u@127.0.0.1:port/db [--today YYYY-MM-DD]

It is what the database alone costs to answer the scan's question, the time
the scan (duban/supervision/scan.py) is measured against: ``bench/scan.py``
runs it beside each phase and prints the ratio scan/floor. A measuring tool,
not code of the platform: the rules are defined once, in duban/lib/rules.py,
and the scan evaluates them there; this statement restates them in SQL only
to know what the data costs.

Taken from the floor statements written for issue 15 (/work/shared/floor:
``floor.py`` and its second form ``floor2_sql.py`` for SQLite, integer Julian
day numbers, each step materialised once; ``floor_pg.py`` for PostgreSQL),
by the helper who measured the scan against them on 1 December 2026.

The rules as ``rules.evaluate_all`` with the default ``Thresholds`` (grace 1
day, claim 2 days, slow yellow 10 / red 30 points, near due 3 days, postponed
2 moves, formalism 0.9); the facts as the scan reads them. Local dates are
Asia/Shanghai (UTC+8, no summer time). What the generated data lacks, the
statement leaves out: milestones (the slow rule on a straight line),
supervision notices, plans' own thresholds; ``--compare`` says when the data
has any. Python's round() is round-half-even; the statements round the same
way. ``--compare`` compares with the active warnings, so it must be run on
the day of the data's scan (the rules count days).
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
import zoneinfo
from collections import Counter
from typing import Any

LOCAL = zoneinfo.ZoneInfo("Asia/Shanghai")


def _half_even(x: str) -> str:
    """Round-half-even of a non-negative SQLite expression, as Python's round()."""
    i = f"CAST(({x}) AS INTEGER)"
    return (
        f"(CASE WHEN ({x}) - {i} > 0.5 THEN {i} + 1 WHEN ({x}) - {i} < 0.5 THEN {i} "
        f"ELSE {i} + ({i} % 2) END)"
    )


# The parts both statements say alike (no braces, no %: they go into an
# f-string and a statement with parameters).
_INACTION_REPORT = """SELECT o.id, 'inaction_report', 2 FROM owed o
 WHERE NOT EXISTS (SELECT 1 FROM work_progressreport r
                   WHERE r.task_id = o.id AND r.period_label = o.label
                     AND r.state IN ('submitted', 'accepted'))"""
_POSTPONED_AND_FORMALISM = """SELECT id, 'postponed', 2 FROM t WHERE deadline_moves >= 2
UNION ALL
SELECT id, 'formalism', 2 FROM t
 WHERE (SELECT CASE WHEN no_change THEN NULL ELSE likeness END FROM work_progressreport
         WHERE task_id = t.id AND state IN ('submitted', 'accepted')
         ORDER BY period_start DESC, id DESC LIMIT 1) >= 0.9"""

SQLITE = f"""
WITH k AS MATERIALIZED (SELECT CAST(julianday(:today) + 0.5 AS INTEGER) AS jt),
t AS MATERIALIZED (
  SELECT id, state, is_parent, cadence, deadline, deadline_moves, progress * 1.0 AS progress,
         CAST(julianday(start_date) + 0.5 AS INTEGER) AS js,
         CAST(julianday(deadline) + 0.5 AS INTEGER) AS jd,
         CASE WHEN state = 'assigned'
              THEN CAST(julianday(created_at, '+8 hours') + 0.5 AS INTEGER) END AS ja,
         CASE WHEN state = 'closing'
              THEN CAST(julianday(COALESCE(close_requested_at, closed_at), '+8 hours') + 0.5
                        AS INTEGER) END AS jstop
  FROM work_task
  WHERE state IN ('assigned', 'in_progress', 'closing')
),
c AS MATERIALIZED (
  SELECT id, cadence, js, cutoff, min(jd, cutoff - 1) AS day FROM (
    SELECT id, cadence, js, jd,
           CASE WHEN jstop IS NOT NULL AND jstop < jt - 1 THEN jstop ELSE jt - 1 END AS cutoff
    FROM t, k WHERE state <> 'assigned' AND NOT is_parent AND jd >= js)
),
e AS MATERIALIZED (
  SELECT id, cadence, js, cutoff,
         CASE WHEN cadence = 'weekly' THEN day - day % 7
              ELSE CAST(julianday(day - 0.5, 'start of month') + 0.5 AS INTEGER) END AS ps
  FROM c
),
f AS MATERIALIZED (
  SELECT id, cadence,
         CASE WHEN cadence = 'weekly'
              THEN CASE WHEN ps + 6 >= cutoff THEN ps - 7 ELSE ps END
              ELSE CASE WHEN julianday(ps - 0.5, '+1 month', '-1 day') + 0.5 >= cutoff
                        THEN CAST(julianday(ps - 0.5, '-1 month') + 0.5 AS INTEGER) ELSE ps END
              END AS os,
         CASE WHEN cadence = 'weekly' THEN js - js % 7
              ELSE CAST(julianday(js - 0.5, 'start of month') + 0.5 AS INTEGER) END AS fs
  FROM e
),
owed AS MATERIALIZED (
  SELECT id,
         CASE WHEN cadence = 'weekly'
              THEN strftime('%Y', os + 2.5) || '-W' ||
                   printf('%02d', (CAST(strftime('%j', os + 2.5) AS INTEGER) - 1) / 7 + 1)
              ELSE strftime('%Y-%m', os - 0.5) END AS label
  FROM f WHERE os >= fs
),
s AS MATERIALIZED (
  SELECT id, progress,
         100 * (CASE WHEN jd - js <= 0 THEN (CASE WHEN jt >= jd THEN 1.0 ELSE 0.0 END)
                     ELSE max(0.0, min(1.0, ((jt - js) * 1.0) / (jd - js))) END) AS x
  FROM t, k WHERE js <= jt AND jt <= jd AND state <> 'assigned'
)
SELECT id, 'inaction_claim', 2 FROM t, k
 WHERE state = 'assigned' AND ja IS NOT NULL AND jt - ja > 2
UNION ALL
{_INACTION_REPORT}
UNION ALL
SELECT id, 'overdue', 4 FROM t, k WHERE jd < jt
UNION ALL
SELECT id, 'near_due', 1 FROM t, k WHERE jd >= jt AND jd - jt <= 3 AND progress < 100
UNION ALL
SELECT id, 'slow', CASE WHEN gap >= 30 THEN 4 ELSE 2 END FROM (
  SELECT id, {_half_even("x")} - {_half_even("progress")} AS gap FROM s
) WHERE gap >= 10
UNION ALL
{_POSTPONED_AND_FORMALISM}
"""

# PostgreSQL's round(double precision) uses rint(), half-even on this platform.
POSTGRESQL = (
    """
WITH t AS MATERIALIZED (
  SELECT id, state, is_parent, cadence, start_date, deadline, deadline_moves,
         progress::float8 AS progress,
         CASE WHEN state = 'assigned'
              THEN (created_at AT TIME ZONE 'Asia/Shanghai')::date END AS assigned_on,
         CASE WHEN state = 'closing'
              THEN (COALESCE(close_requested_at, closed_at) AT TIME ZONE 'Asia/Shanghai')::date
              END AS stopped_on
  FROM work_task WHERE state IN ('assigned', 'in_progress', 'closing')
),
c AS (
  SELECT id, cadence, start_date, cutoff, LEAST(deadline, cutoff - 1) AS day FROM (
    SELECT id, cadence, start_date, deadline,
           CASE WHEN stopped_on IS NOT NULL AND stopped_on < %(today)s::date - 1
                THEN stopped_on ELSE %(today)s::date - 1 END AS cutoff
    FROM t WHERE state <> 'assigned' AND NOT is_parent AND deadline >= start_date) x
),
e AS (
  SELECT id, cadence, cutoff,
         CASE WHEN cadence = 'weekly' THEN date_trunc('week', day)::date
              ELSE date_trunc('month', day)::date END AS ps,
         CASE WHEN cadence = 'weekly' THEN date_trunc('week', start_date)::date
              ELSE date_trunc('month', start_date)::date END AS fs
  FROM c
),
f AS (
  SELECT id, cadence, fs,
         CASE WHEN cadence = 'weekly' THEN (CASE WHEN ps + 6 >= cutoff THEN ps - 7 ELSE ps END)
              ELSE (CASE WHEN (ps + interval '1 month' - interval '1 day')::date >= cutoff
                         THEN (ps - interval '1 month')::date ELSE ps END) END AS os
  FROM e
),
owed AS (
  SELECT id, CASE WHEN cadence = 'weekly' THEN to_char(os, 'IYYY-"W"IW')
                  ELSE to_char(os, 'YYYY-MM') END AS label
  FROM f WHERE os >= fs
)
SELECT id, 'inaction_claim', 2 FROM t
 WHERE state = 'assigned' AND assigned_on IS NOT NULL AND %(today)s::date - assigned_on > 2
UNION ALL
"""
    + _INACTION_REPORT
    + """
UNION ALL
SELECT id, 'overdue', 4 FROM t WHERE deadline < %(today)s::date
UNION ALL
SELECT id, 'near_due', 1 FROM t
 WHERE deadline >= %(today)s::date AND deadline - %(today)s::date <= 3 AND progress < 100
UNION ALL
SELECT id, 'slow', CASE WHEN gap >= 30 THEN 4 ELSE 2 END FROM (
  SELECT id, round(100 * (CASE WHEN deadline - start_date <= 0
                          THEN (CASE WHEN %(today)s::date >= deadline THEN 1.0 ELSE 0.0 END)::float8
                          ELSE GREATEST(0.0::float8, LEAST(1.0::float8,
                               (%(today)s::date - start_date)::float8 / (deadline - start_date)))
                          END))
             - round(progress) AS gap
  FROM t WHERE start_date <= %(today)s::date AND %(today)s::date <= deadline
           AND state <> 'assigned') s
 WHERE gap >= 10
UNION ALL
"""
    + _POSTPONED_AND_FORMALISM
    + "\n"
)

# What the statement leaves out: with any of it in the data, the floor is not the scan's set.
LEFT_OUT = {
    "milestones": "SELECT COUNT(*) FROM work_milestone",
    "supervision notices": "SELECT COUNT(*) FROM supervision_supervisionnotice",
    "plans with their own thresholds": (
        "SELECT COUNT(*) FROM work_plan WHERE CAST(warning_settings AS TEXT) NOT IN ('{}', '')"
    ),
}


def findings(db: Any, vendor: str, today: dt.date) -> list[tuple[int, str, int]]:
    """The floor's findings on ``today``, through a DB-API connection (sqlite3
    or psycopg; in a Django process ``connection.connection``)."""
    if vendor == "sqlite":
        cursor = db.execute(SQLITE, {"today": today.isoformat()})
    else:
        cursor = db.execute(POSTGRESQL, {"today": today})
    return [tuple(row) for row in cursor.fetchall()]


def timed(db: Any, vendor: str, today: dt.date, repeat: int = 3) -> dict[str, Any]:
    """One warm-up run, then ``repeat`` timed runs: the median and the findings."""
    rows = findings(db, vendor, today)
    seconds, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        rows = findings(db, vendor, today)
        seconds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {
        "seconds": statistics.median(seconds),
        "all_seconds": seconds,
        "cpu_seconds": statistics.median(cpu),
        "findings": len(rows),
        "rows": rows,
    }


def left_out(db: Any) -> dict[str, int]:
    return {what: db.execute(sql).fetchone()[0] for what, sql in LEFT_OUT.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("database", help="a SQLite file or a postgres:// URL")
    parser.add_argument("--today", type=dt.date.fromisoformat, help="default: today in Shanghai")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--compare", action="store_true", help="compare with the active warnings")
    args = parser.parse_args()
    today = args.today or dt.datetime.now(LOCAL).date()
    if args.database.startswith(("postgres://", "postgresql://")):
        import psycopg

        db = psycopg.connect(args.database, options="-c jit=off")
        db.read_only = True
        vendor = "postgresql"
    else:
        import sqlite3

        db = sqlite3.connect(f"file:{args.database}?mode=ro", uri=True)
        vendor = "sqlite"
    for what, count in left_out(db).items():
        print(f"  {what}: {count:,}{'  (left out by the floor!)' if count else ''}")
    run = timed(db, vendor, today, args.repeat)
    print(
        f"floor ({vendor}): today {today}, {run['findings']:,} findings; warm median "
        f"{1000 * run['seconds']:.1f} ms (runs: "
        + ", ".join(f"{1000 * s:.1f}" for s in run["all_seconds"])
        + f"), CPU median {1000 * run['cpu_seconds']:.1f} ms"
    )
    print("  by rule, level:", dict(sorted(Counter((r[1], r[2]) for r in run["rows"]).items())))
    if args.compare:
        active = set(
            db.execute(
                "SELECT task_id, rule, level FROM supervision_taskwarning WHERE cleared_at IS NULL"
            ).fetchall()
        )
        mine = set(run["rows"])
        print(
            f"  active warnings: {len(active):,}; floor: {len(mine):,}; same: "
            f"{len(active & mine):,}; only the floor: {sorted(mine - active)[:8]}; "
            f"only the warnings: {sorted(active - mine)[:8]}"
        )


if __name__ == "__main__":
    main()
