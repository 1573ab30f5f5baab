"""Run the warning scan once and print what changed."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.ops.jobs import scan_and_notify
from duban.supervision.explain import reason


class Command(BaseCommand):
    help = (
        "Evaluate every warning rule for every open task once, print what changed "
        "and queue the messages about it."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        reset_queries()
        started = time.monotonic()
        with CaptureQueriesContext(connection) as queries:
            run = scan_and_notify()
        result = run.result
        elapsed = time.monotonic() - started
        today = timezone.localdate()  # the scan's day: what it raised, changed or cleared
        for label, items in (
            ("raised", result.raised),
            ("escalated", result.escalated),
            ("eased", result.eased),
            ("cleared", result.cleared),
        ):
            for warning in items:
                self.stdout.write(
                    f"{label:9} task {warning.task_id:>6} {warning.rule:16} "
                    f"level {warning.level}  {reason(warning.rule, warning.facts, today)}"
                )
        self.stdout.write(
            f"{result.tasks} open tasks scanned in {elapsed:.2f} s, "
            f"{len(queries.captured_queries)} queries: {len(result.raised)} raised, "
            f"{len(result.escalated)} escalated, {len(result.eased)} eased, "
            f"{len(result.cleared)} cleared, {result.updated} updated; "
            f"{run.messages} messages queued; projects: {run.projects.projects} scanned, "
            f"{len(run.projects.raised)} warnings raised, {run.projects.cleared} cleared."
        )
