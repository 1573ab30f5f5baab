"""Template filters that word a warning in the reader's language
(``{% load supervision %}``): kept with the warnings, not with the tasks."""

from __future__ import annotations

from typing import Any

from django import template

from duban.supervision import explain

register = template.Library()


@register.filter
def warning_reason(warning: Any) -> str:
    """The warning's reason, its days counted to today (or to the day it ended)."""
    return explain.warning_reason(warning)


@register.filter
def warning_remedy(warning: Any) -> str:
    return explain.remedy(warning.rule)
