"""The whole benchmark: generate the city, time the pages, load the server.

    make bench                                  # = .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --seconds 60 --repeat 50
    .venv/bin/python bench/run.py --skip-generate          # reuse the data of a previous run

Each step runs as its own process (each points Django at its own database)
and prints its own figures; see bench/README.md for what they mean.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import benchlib

HERE = Path(__file__).resolve().parent


def step(title: str, script: str, *args: str) -> None:
    print(f"\n=== {title} ===", flush=True)
    started = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / script), *args], check=True)
    print(f"({time.perf_counter() - started:.0f} s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=benchlib.default_data_dir("city"))
    parser.add_argument("--small-dir", type=Path, default=benchlib.BENCH_ROOT / "city-x0.1")
    parser.add_argument("--repeat", default="20", help="timed requests per page")
    parser.add_argument("--seconds", default="30", help="length of the load run")
    parser.add_argument("--clients", default="8", help="concurrent liaisons in the load run")
    parser.add_argument("--skip-generate", action="store_true")
    parser.add_argument(
        "--flush", action="store_true", help="with DATABASE_URL: empty that database first"
    )
    args = parser.parse_args()
    data, small = str(args.data_dir), str(args.small_dir)
    print(f"duban bench on {os.cpu_count()} CPUs, data in {data}")
    postgres = bool(os.environ.get("DATABASE_URL"))
    if not args.skip_generate:
        step("generate: city", "generate.py", "--data-dir", data, *(["--flush"] * args.flush))
        if not postgres:  # the tenth needs a database of its own: SQLite only
            step("generate: a tenth", "generate.py", "--factor", "0.1", "--data-dir", small)
    step(
        "pages (in-process)",
        "pages.py",
        "--data-dir",
        data,
        "--small-dir",
        small,
        "--repeat",
        args.repeat,
    )
    step(
        "load (gunicorn, real HTTP)",
        "load.py",
        "--data-dir",
        data,
        "--seconds",
        args.seconds,
        "--clients",
        args.clients,
    )


if __name__ == "__main__":
    main()
