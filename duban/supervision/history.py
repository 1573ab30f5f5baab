"""The record of warnings as of a past moment: one reader for every page that
looks back (the cockpit as of a day, the warning board's weekly trend).

A warning stands at a moment if it was raised before it and not cleared by
then, at the level of its last ``WarningEvent`` before it; a withdrawn warning
counts nowhere, whenever it was withdrawn (the appeal found it unfounded).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, F, OuterRef, Q, Subquery, When
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
    """An expression for a warning's level at ``moment``: that of its last event before it.

    A warning's level changes only with an event, and ``changed_at`` moves
    to the moment of every change (``supervision.scan``), so a warning not
    changed since before ``moment`` has its present level then: only the
    others look their events up (a province's 13,000 warnings over the
    board's eight weeks were 106,000 lookups)."""
    then = Subquery(
        WarningEvent.objects.filter(warning=OuterRef("pk"), at__lt=moment)
        .order_by("-at", "-id")
        .values("level")[:1]
    )
    return Case(
        When(changed_at__lt=moment, then=F("level")),
        default=Coalesce(then, F("level")),
    )
