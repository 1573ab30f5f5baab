"""Background tasks (Django's tasks API, through the django-tasks backport and
its database backend): queued in the database, run by `duban worker`."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from duban.notify.digest import weekly_digest as digest
from duban.notify.fanout import fan_out
from duban.notify.outbox import send_due
from duban.notify.webhooks import fan_out as webhooks_fan_out

from .jobs import prune_task_results, remove_abandoned_uploads, scan_and_notify


@task()
def run_scan() -> dict[str, Any]:
    run = scan_and_notify()
    if run.messages:
        send_outbox.enqueue()  # the warnings' emails and posts, now rather than next minute
    return {
        "tasks": run.result.tasks,
        "raised": len(run.result.raised),
        "escalated": len(run.result.escalated),
        "cleared": len(run.result.cleared),
        "messages": run.messages,
    }


@task()
def send_outbox() -> dict[str, int]:
    """Every minute: tell people and other systems what the record says
    happened, then send."""
    told = fan_out()
    posted = webhooks_fan_out()
    outcome = send_due()
    return {
        "told": told,
        "webhooks": posted,
        "sent": outcome.sent,
        "failed": outcome.failed,
        "given_up": outcome.given_up,
    }


@task()
def weekly_digest() -> int:
    made = digest()
    send_outbox.enqueue()  # Monday morning's posts now, not at the next sweep
    return made


@task()
def prune_results() -> dict[str, int]:
    """The nightly upkeep: finished job records, abandoned uploads."""
    return {"results": prune_task_results(), "uploads": remove_abandoned_uploads()}
