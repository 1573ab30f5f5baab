"""The record of warnings as of a past moment: one reader for every page that
looks back (the cockpit as of a day, the warning board's weekly trend).

A warning stands at a moment if it was raised before it and not cleared by
then, at the level of its last ``WarningEvent`` before it; a withdrawn warning
counts nowhere, whenever it was withdrawn (the appeal found it unfounded).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from .models import WarningEvent


def standing_at(moment: dt.datetime, prefix: str = "") -> Q:
    """The warnings that stood at ``moment`` (``prefix``: "warning__" from a related model)."""
    return Q(
        **{
            f"{prefix}raised_at__lt": moment,
            f"{prefix}withdrawn_at__isnull": True,
        }
    ) & (Q(**{f"{prefix}cleared_at__isnull": True}) | Q(**{f"{prefix}cleared_at__gte": moment}))


def level_at(moment: dt.datetime) -> Any:
    """An expression for a warning's level at ``moment``: that of its last event before it."""
    then = Subquery(
        WarningEvent.objects.filter(warning=OuterRef("pk"), at__lt=moment)
        .order_by("-at", "-id")
        .values("level")[:1]
    )
    return Coalesce(then, F("level"))
