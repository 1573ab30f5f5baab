"""The jobs the worker runs, as plain functions (the tasks in tasks.py wrap
them), and the schedule that starts them. Operations: above the record and
the notifications, which never call them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from duban.assessment import burden
from duban.assessment.services import keep_reviews, snapshot
from duban.documents.models import TaskImport
from duban.notify import fanout
from duban.notify.models import ScheduleSlot
from duban.projects.scan import scan_projects
from duban.supervision.scan import ScanResult, scan


@dataclass
class ScanRun:
    result: ScanResult
    messages: int
    projects: Any = None  # the project scan's result


def scan_and_notify(*, today: dt.date | None = None) -> ScanRun:
    """The scan, and the messages about what it raised or escalated, in one
    transaction: a crash leaves neither warnings without messages nor the reverse."""

    with transaction.atomic():
        result = scan(today=today)
        messages = fanout.for_warnings(result.raised + result.escalated)
        projects = scan_projects(today=today)
        messages += fanout.for_project_warnings(projects.raised)
    keep_counts(today=today)  # outside the scan's transaction
    return ScanRun(result, messages, projects)


def keep_counts(*, today: dt.date | None = None) -> None:
    """After each scan: today's standing of the quarter for the cockpit, every
    unit's facts for the ranking pages, the offices' draft monthly reviews, and
    every unit's reporting burden over the default weeks (read-only counting,
    then a few rows written)."""
    snapshot(today=today)
    keep_reviews(today=today)
    burden.keep_default(today=today)


def prune_task_results(*, now: dt.datetime | None = None, keep_days: int = 14) -> int:
    """Nightly upkeep: drop finished job records, and refresh SQLite's planner
    statistics (without them SQLite picks poor indexes on big tables: the
    monthly review went from 17 s to 1.9 s at province scale after ANALYZE)."""

    cutoff = (now or timezone.now()) - dt.timedelta(days=keep_days)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # a few seconds on a province-sized file, at night
    return deleted


# Where uploaded lists wait to be imported: TaskImport's upload_to
# (imports/%Y/%m/) and the project import's signed names (imports/projects/).
IMPORTS = "imports"


def remove_abandoned_uploads(
    *, now: dt.datetime | None = None, keep_days: int | None = None
) -> int:
    """Nightly upkeep: uploaded lists that were never imported, older than
    DUBAN_IMPORT_KEEP_DAYS (1: a preview left overnight is gone in the
    morning; the person uploads it again). A task list's record goes with its
    file (it holds no more than how its names were matched); a project list
    is only a file, found by its signed name; a file under imports/ that no
    record names (its record never got saved) goes too. Imported lists stay:
    they are what the plan was made from. Returns the files removed."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(
        days=settings.DUBAN_IMPORT_KEEP_DAYS if keep_days is None else keep_days
    )
    removed = 0
    waiting = TaskImport.objects.filter(applied_at__isnull=True, uploaded_at__lt=cutoff)
    for pk, name in waiting.values_list("pk", "file"):
        # Conditional: a list imported meanwhile (the import locks its row) stays.
        deleted, _ = TaskImport.objects.filter(pk=pk, applied_at__isnull=True).delete()
        if deleted and name and default_storage.exists(name):
            default_storage.delete(name)
            removed += 1
    kept = set(TaskImport.objects.values_list("file", flat=True))
    for name in _stored_under(IMPORTS):
        if name in kept or default_storage.get_modified_time(name) >= cutoff:
            continue
        default_storage.delete(name)
        removed += 1
    return removed


def _stored_under(folder: str) -> list[str]:
    """Every file stored under ``folder``, at any depth."""
    if not default_storage.exists(folder):
        return []
    folders, files = default_storage.listdir(folder)
    found = [f"{folder}/{name}" for name in files]
    for child in folders:
        found += _stored_under(f"{folder}/{child}")
    return found


# --- the schedule -------------------------------------------------------------------


def _every(minutes: int) -> Callable[[dt.datetime], dt.datetime]:
    return lambda now: now + dt.timedelta(minutes=max(minutes, 1))


def next_monday_morning(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    days = (7 - local.weekday()) % 7
    candidate = (local + dt.timedelta(days=days)).replace(
        hour=settings.DUBAN_DIGEST_HOUR, minute=0, second=0, microsecond=0
    )
    if candidate <= local:
        candidate += dt.timedelta(days=7)
    return candidate


def next_night(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    candidate = local.replace(hour=3, minute=0, second=0, microsecond=0)
    return candidate if candidate > local else candidate + dt.timedelta(days=1)


@dataclass(frozen=True)
class Job:
    name: str
    task: str  # attribute of duban.ops.tasks
    after: Callable[[dt.datetime], dt.datetime]  # when it is next due after a run
    first: Callable[[dt.datetime], dt.datetime]  # when it is first due


def schedule() -> list[Job]:
    return [
        Job(
            "scan",
            "run_scan",
            _every(settings.DUBAN_SCAN_EVERY_MINUTES),
            lambda now: now,
        ),
        Job("outbox", "send_outbox", _every(1), lambda now: now),
        Job("digest", "weekly_digest", next_monday_morning, next_monday_morning),
        Job("prune", "prune_results", next_night, next_night),
    ]


def claim_due(now: dt.datetime | None = None) -> list[Job]:
    """The jobs due now that this worker won. Moving a slot forward is a
    conditional update on the time it held, so of two workers one wins."""
    now = now or timezone.now()
    jobs = schedule()
    slots = {s.name: s for s in ScheduleSlot.objects.filter(name__in=[j.name for j in jobs])}
    won = []
    for job in jobs:
        slot = slots.get(job.name)
        if slot is None:
            slot, _ = ScheduleSlot.objects.get_or_create(
                name=job.name, defaults={"next_run_at": job.first(now)}
            )
        if slot.next_run_at > now:
            continue
        moved = ScheduleSlot.objects.filter(name=job.name, next_run_at=slot.next_run_at).update(
            next_run_at=job.after(now), last_run_at=now
        )
        if moved:
            won.append(job)
    ScheduleSlot.objects.update_or_create(name="heartbeat", defaults={"next_run_at": now})
    return won
