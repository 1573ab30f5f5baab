"""`duban worker`: run queued background tasks and the schedule."""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from django.core.management.base import BaseCommand
from django_tasks_db.management.commands.db_worker import Worker

from duban.ops import collector, jobs, tasks

logger = logging.getLogger("duban.worker")
# Seconds between looks at the schedule (the finest schedule is every minute).
SCHEDULE_EVERY = 15.0


class Command(BaseCommand):
    help = (
        "Run background work: queued tasks (messages to send) and the schedule "
        "(the warning scan every hour, the outbox every minute, the Monday digest)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--interval", type=float, default=2.0, help="Seconds between looks at the queue."
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="Start what is due, run every queued task, then exit (for cron or a test).",
        )

    def handle(self, *args: Any, interval: float, once: bool, **options: Any) -> None:
        worker = Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"{socket.gethostname()}-{os.getpid()}"[:64],
            excluded_queue_names=[],
        )
        if not once:
            collector.settle()
            worker.configure_signals()
            self.stdout.write(f"duban worker {worker.worker_id}: waiting for work (Ctrl+C stops)")
        looked = -SCHEDULE_EVERY
        while worker.running:
            if once or time.monotonic() - looked >= SCHEDULE_EVERY:
                looked = time.monotonic()
                self.start_due(options.get("verbosity", 1))
            worker.run()
            if once:
                break
            slept = 0.0
            while worker.running and slept < interval:
                time.sleep(0.2)
                slept += 0.2

    def start_due(self, verbosity: int) -> None:
        for job in jobs.claim_due():
            getattr(tasks, job.task).enqueue()
            logger.info("scheduled %s", job.name)
            if verbosity > 1:
                self.stdout.write(f"scheduled {job.name}")
