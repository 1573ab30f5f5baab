"""Figures kept between visits (``KeptFigures``): worked out from the record by
the worker after each scan, read by the pages while fresh.

Fresh means counted up to today (``as_of``) and within two of the scan's
intervals (``DUBAN_SCAN_EVERY_MINUTES``): a page is never older than that,
and says how old it is. Otherwise the page counts for its reader and keeps
nothing (reading never writes). Whatever decides (a lock, a publication)
counts the record itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone

from .models import KeptFigures


def keep(key: str, today: dt.date, form: Any, data: Any) -> None:
    """Keep ``data``, counted in ``form`` up to ``today``: only when today is
    today (a backfill for a past day keeps nothing)."""
    if today != timezone.localdate():
        return
    KeptFigures.objects.update_or_create(
        key=key,
        defaults={"as_of": today, "counted_at": timezone.now(), "form": form, "data": data},
    )


def kept(key: str, today: dt.date, form: Any) -> tuple[Any, dt.datetime] | None:
    """The figures kept under ``key`` and when they were counted, if they are
    fresh for ``today`` and in ``form``; else None."""
    fresh = timezone.now() - dt.timedelta(minutes=2 * settings.DUBAN_SCAN_EVERY_MINUTES)
    found = KeptFigures.objects.filter(key=key, as_of=today, counted_at__gte=fresh).first()
    if found is None or found.form != form:
        return None
    return found.data, found.counted_at
