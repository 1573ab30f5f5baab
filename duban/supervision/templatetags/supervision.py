"""Template filters that word a warning in the reader's language
(``{% load supervision %}``): kept with the warnings, not with the tasks."""

from __future__ import annotations

from typing import Any

from django import template

from duban.supervision.explain import reason, remedy

register = template.Library()


@register.filter
def warning_reason(warning: Any) -> str:
    return reason(warning.rule, warning.facts)


@register.filter
def warning_remedy(warning: Any) -> str:
    return remedy(warning.rule)
