"""Removing rows older than the keeping period, itself recorded."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone

from .log import record
from .models import AuditEvent


@contextlib.contextmanager
def permit(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """While inside, the database lets audit rows be removed (a pruning, an
    operator's flush of everything); never inside a request."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_prune_permit")
        cursor.execute("INSERT INTO audit_prune_permit (id) VALUES (1)")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_prune_permit")


def prune(*, days: int | None = None, now: dt.datetime | None = None) -> int:
    """Remove the rows older than ``days`` (``DUBAN_AUDIT_KEEP_DAYS``, at least
    180); the removal is the next row of the log, naming the first row kept."""
    days = max(days if days is not None else settings.DUBAN_AUDIT_KEEP_DAYS, 180)
    cutoff = (now or timezone.now()) - dt.timedelta(days=days)
    with transaction.atomic():
        old = AuditEvent.objects.filter(at__lt=cutoff)
        last = old.order_by("-id").values_list("id", flat=True).first()
        if last is None:
            return 0
        kept = AuditEvent.objects.filter(id__gt=last).order_by("id").first()
        with permit():
            removed = AuditEvent.objects.filter(id__lte=last)._raw_delete(AuditEvent.objects.db)
        record(
            "audit.pruned",
            removed=removed,
            older_than=cutoff.isoformat(),
            first_kept=kept.id if kept else last + 1,
            first_kept_prev_hash=kept.prev_hash if kept else "",
        )
    return removed
