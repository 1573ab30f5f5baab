"""Shared set-up for the bench scripts: where the data lives, Django start-up, tables.

Every script takes ``--data-dir`` (the SQLite file is ``<dir>/duban.sqlite3``)
or, when ``DATABASE_URL`` is set, uses that database instead. The environment
must be settled before Django reads its settings, so ``configure`` comes first.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
BENCH_ROOT = Path(os.environ.get("DUBAN_BENCH_ROOT", "/tmp/duban-bench"))
PASSWORD = "bench-pass"  # noqa: S105 - the benchmark users' password, on throwaway data


def default_data_dir(name: str) -> Path:
    """``$DUBAN_DATA_DIR`` when set, else a directory per dataset under /tmp."""
    env = os.environ.get("DUBAN_DATA_DIR")
    return Path(env) if env else BENCH_ROOT / name


def bench_env(data_dir: Path) -> dict[str, str]:
    """The environment a duban process needs to run on the bench data."""
    env = dict(os.environ)
    env.pop("DEBUG", None)  # production settings: whitenoise, manifest storage
    env["DUBAN_DATA_DIR"] = str(data_dir)
    env["STATIC_ROOT"] = str(data_dir / "static")
    env["ALLOWED_HOSTS"] = "127.0.0.1,localhost,testserver"
    env.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    # Production settings refuse to start without their keys: the bench's own,
    # written once into its data folder (as `duban secretkey` does).
    _keys_in(data_dir)
    return env


def _keys_in(data_dir: Path) -> None:
    from duban.cli import write_secret_key

    saved = os.environ.get("DUBAN_DATA_DIR")
    os.environ["DUBAN_DATA_DIR"] = str(data_dir)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        write_secret_key()
    finally:
        if saved is None:
            os.environ.pop("DUBAN_DATA_DIR", None)
        else:
            os.environ["DUBAN_DATA_DIR"] = saved


def configure(data_dir: Path) -> None:
    """Point this process at ``data_dir`` and start Django."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = bench_env(data_dir)
    os.environ.pop("DEBUG", None)
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def describe_database() -> str:
    from django.db import connection

    if connection.vendor == "sqlite":
        return f"SQLite {connection.settings_dict['NAME']}"
    s = connection.settings_dict
    return f"{connection.vendor} {s.get('HOST') or 'localhost'}/{s['NAME']}"


@contextmanager
def timed(label: str, timings: list[tuple[str, float]] | None = None) -> Iterator[None]:
    start = time.perf_counter()
    yield
    elapsed = time.perf_counter() - start
    if timings is not None:
        timings.append((label, elapsed))
    print(f"  {label:<44} {elapsed:8.2f} s", flush=True)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p95 of 20 samples is the 19th smallest)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table, right-aligning numbers; wide (CJK) characters count double."""

    def width(text: str) -> int:
        return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

    cells = [[str(c) for c in headers]] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(width(r[i]) for r in cells) for i in range(len(headers))]
    numeric = [
        all(isinstance(row[i], int | float) for row in rows) if rows else False
        for i in range(len(headers))
    ]
    lines = []
    for n, row in enumerate(cells):
        parts = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - width(cell))
            parts.append(pad + cell if numeric[i] else cell + pad)
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _stat_fields(pid: int) -> list[str]:
    # The command name is in parentheses and may hold spaces: split after it.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def postmaster_pid() -> int | None:
    """The PostgreSQL server's main process, when the database Django uses is
    PostgreSQL on this machine (its backend's parent, from /proc); else None."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    if connection.settings_dict.get("HOST") not in ("", None, "127.0.0.1", "localhost", "::1"):
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = int(cursor.fetchone()[0])
    try:
        if not Path(f"/proc/{backend}/comm").read_text().startswith("postgres"):
            return None
        return int(_stat_fields(backend)[1])
    except OSError:
        return None


def cluster_cpu_seconds(postmaster: int) -> float:
    """CPU seconds a PostgreSQL cluster has used so far: its postmaster's own,
    the children it has reaped (``cutime``/``cstime``: the backends that ended)
    and its live children's. The difference of two readings is the cluster's
    CPU in between, whatever connections came and went."""
    tick = os.sysconf("SC_CLK_TCK")
    fields = _stat_fields(postmaster)
    total = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
    children: list[int] = []
    for task in Path(f"/proc/{postmaster}/task").iterdir():
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    for child in children:
        try:
            total += sum(int(f) for f in _stat_fields(child)[11:13])
        except OSError:
            pass  # ended since: its time is in the postmaster's cutime at the next reading
    return total / tick
