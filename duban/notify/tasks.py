"""Background tasks (Django's tasks API, through the django-tasks backport and
its database backend): queued in the database, run by `duban worker`."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def run_scan() -> dict[str, Any]:
    from .jobs import scan_and_notify

    run = scan_and_notify()
    return {
        "tasks": run.result.tasks,
        "raised": len(run.result.raised),
        "escalated": len(run.result.escalated),
        "cleared": len(run.result.cleared),
        "messages": run.messages,
    }


@task()
def send_outbox() -> dict[str, int]:
    """Every minute: tell people what the record says happened, then send."""
    from .fanout import fan_out
    from .outbox import send_due

    told = fan_out()
    outcome = send_due()
    return {
        "told": told,
        "sent": outcome.sent,
        "failed": outcome.failed,
        "given_up": outcome.given_up,
    }


@task()
def weekly_digest() -> int:
    from .digest import weekly_digest as digest

    return digest()


@task()
def prune_results() -> int:
    from .jobs import prune_task_results

    return prune_task_results()
