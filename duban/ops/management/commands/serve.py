"""Serve duban with gunicorn: a production-grade server, never runserver."""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from gunicorn.app.base import BaseApplication

from duban.ops import collector
from duban.wsgi import application


class Command(BaseCommand):
    help = "Serve duban with gunicorn on HOST:PORT (default 127.0.0.1:8000)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", default=os.environ.get("PORT", "8000"))
        parser.add_argument(
            "--workers",
            type=int,
            # One worker a core: a worker holding SQLite's write lock that shares
            # its core with another is paused while every writer waits
            # (bench/README.md, ninth session: 2 cores, API 272 reports/s with 2
            # workers, 222-245 with 3, 205-211 with 4; the pages level).
            default=int(os.environ.get("WEB_CONCURRENCY", str(min(4, os.cpu_count() or 1)))),
        )
        # One thread per worker: under load, threads of one process contend for the
        # GIL while holding the SQLite write lock (bench/README.md: 71 vs 62 reports/s).
        parser.add_argument("--threads", type=int, default=int(os.environ.get("WEB_THREADS", "1")))
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Also run `duban worker` (background work) beside the server; it stops with it.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            port = int(options["port"])
        except ValueError:
            raise CommandError(f"PORT must be a number, not {options['port']!r}") from None

        config = {
            "bind": f"{options['host']}:{port}",
            "workers": options["workers"],
            "threads": options["threads"],
            "worker_class": "gthread",
            # ACCESS_LOG="" turns the access log off; "-" (default) is stdout.
            "accesslog": os.environ.get("ACCESS_LOG", "-") or None,
            "timeout": 60,
            "graceful_timeout": 10,
            # Load the app once in the master, then fork: workers share its pages.
            "preload_app": True,
        }

        class Server(BaseApplication):  # type: ignore[misc]
            def load_config(self) -> None:
                for key, value in config.items():
                    self.cfg.set(key, value)

            def load(self) -> Any:
                return application

        # The checks that read the database (a secrets key that opens what it sealed).
        call_command("check", "--database", "default", "--tag", "database", "--fail-level", "ERROR")
        if options["with_worker"]:
            self._start_worker()
        self.stdout.write(f"duban serving on http://{options['host']}:{port}/")
        collector.settle()  # the app is loaded: frozen before the workers fork
        Server().run()

    def _start_worker(self) -> None:
        """One `duban worker` process beside gunicorn; stopped when the server
        stops (only by the master: forked web workers inherit the hook)."""
        worker = subprocess.Popen([sys.executable, "-m", "duban.cli", "worker"])  # noqa: S603
        master = os.getpid()

        def stop() -> None:
            if os.getpid() == master and worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()

        atexit.register(stop)
        self.stdout.write(f"duban worker started (pid {worker.pid})")
