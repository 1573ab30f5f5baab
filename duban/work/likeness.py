"""The formalism rule's fact, kept on the reports: how alike a task's latest
filed report is to the one before it.

Comparing texts is the costly part of the formalism rule (difflib over two
reports of every open task: seconds at province scale on every hourly scan).
The texts only change when a report is filed or returned, so the services
work the figure out then, for the task's latest filed report, and the scan
reads it as a number.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import OuterRef, Subquery

from duban.lib import rules
from duban.work.models import FILED, ProgressReport


def of_latest(filed: Sequence[Any]) -> float | None:
    """The likeness of the first of ``filed`` (a task's filed reports, latest
    first, anything with a ``text``) to the second; None with fewer than two."""
    return rules.similarity(filed[1].text, filed[0].text) if len(filed) >= 2 else None


def refresh(task_id: int) -> float | None:
    """Work out the likeness of ``task_id``'s latest filed report to the filed
    report before it, store it on the latest and return it (None: fewer than
    two filed reports). Two rows read, at most one written."""
    latest_two = list(
        ProgressReport.objects.filter(task_id=task_id, state__in=FILED)
        .order_by("-period_start", "-id")
        .values_list("pk", "text", "likeness", named=True)[:2]
    )
    if not latest_two:
        return None
    ratio = of_latest(latest_two)
    if latest_two[0].likeness != ratio:
        ProgressReport.objects.filter(pk=latest_two[0].pk).update(likeness=ratio)
    return ratio


def backfill(tasks: Any, reports: Any, states: tuple[str, ...]) -> int:
    """Store the likeness on the latest filed report of every task in
    ``states`` (a migration, or data written in bulk): one query to read the
    pairs, one update per task whose latest has an earlier report."""
    filed = reports.objects.filter(task_id=OuterRef("pk"), state__in=FILED).order_by(
        "-period_start", "-id"
    )
    rows = (
        tasks.objects.filter(state__in=states)
        .annotate(
            latest_id=Subquery(filed.values("pk")[:1]),
            latest=Subquery(filed.values("text")[:1]),
            previous=Subquery(filed.values("text")[1:2]),
        )
        .order_by()
        .values_list("latest_id", "previous", "latest")
    )
    written = 0
    for latest_id, previous, latest in rows.iterator(chunk_size=2000):
        if latest_id is None or previous is None:
            continue
        reports.objects.filter(pk=latest_id).update(likeness=rules.similarity(previous, latest))
        written += 1
    return written
