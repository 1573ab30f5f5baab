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
    from .outbox import send_due

    outcome = send_due()
    return {"sent": outcome.sent, "failed": outcome.failed, "given_up": outcome.given_up}


@task()
def weekly_digest() -> int:
    from .digest import weekly_digest as digest

    return digest()


@task()
def prune_results() -> int:
    from .jobs import prune_task_results

    return prune_task_results()
