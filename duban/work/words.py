"""A reporting period as people read it, in the active language: every page,
message and document names a period through :func:`period_words`
(``periods.in_words``, the one definition); URLs, storage and the API keep
the label (``2026-W48``)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import get_language

from duban.lib import periods


def period_words(period: periods.Period | str) -> str:
    """``第48周（11月23日—29日）`` / ``Week 48 (23–29 Nov)`` for a period or its
    label, against the office's today (the year is named when it is not this
    one)."""
    label = period.label if isinstance(period, periods.Period) else str(period)
    chinese = (get_language() or "").startswith("zh")
    return periods.in_words(label, chinese=chinese, today=timezone.localdate())
