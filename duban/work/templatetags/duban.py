"""Small display helpers shared by the templates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from duban.work.attachments import SHOWN_INLINE
from duban.work.models import Task, deadline_shown
from duban.work.words import period_words as _period_words

register = template.Library()

PERIOD_STATUS = {
    "on_time": (_("Filed on time"), "ok"),
    "late": (_("Filed late"), "warn"),
    "missing": (_("Missing"), "bad"),
    "returned": (_("Returned"), "bad"),
    "draft": (_("Draft"), "muted"),
    "open": (_("Open"), "muted"),
}

STANDING = {
    "closed_on_time": (_("Closed on time"), "ok"),
    "closed_late": (_("Closed late"), "warn"),
    "on_track": (_("In progress"), "info"),
    "closing": (_("Closing requested"), "info"),
    "overdue": (_("Overdue"), "bad"),
    "unclaimed": (_("Not claimed"), "warn"),
}

STATE_CLASS = {"assigned": "warn", "in_progress": "info", "closing": "info", "closed": "ok"}


def _badge(label: Any, css: str) -> str:
    # Built in Python rather than an inclusion template: lists show one per row.
    return format_html('<span class="badge badge-{}">{}</span>', css, label)


@register.simple_tag
def period_status(status: str) -> str:
    label, css = PERIOD_STATUS.get(status, (status, "muted"))
    return _badge(label, css)


@register.simple_tag
def standing(status: str) -> str:
    label, css = STANDING.get(status, (status, "muted"))
    return _badge(label, css)


@register.simple_tag
def task_state(task: Any) -> str:
    return _badge(task.get_state_display(), STATE_CLASS.get(task.state, "muted"))


@register.simple_tag
def light(task: Any, today: dt.date) -> str:
    """The task's traffic light (``duban.lib.rules.light``, the one definition
    the cockpit counts by too)."""
    return str(task.light(today))


LIGHTS = {
    "green": _("Green: on track"),
    "yellow": _("Yellow: warned"),
    "red": _("Red: overdue or warned"),
    "done": _("Closed"),
}


@register.filter
def light_label(light: str) -> str:
    """What a light means, in words (its tooltip and what a screen reader says)."""
    return str(LIGHTS.get(light, light))


@register.filter
def period_words(period: Any) -> str:
    """A period (or its label) in words: ``第48周（11月23日—29日）`` /
    ``Week 48 (23–29 Nov)`` (``duban.work.words``)."""
    return _period_words(period) if period else ""


@register.filter
def month_words(record: Any) -> str:
    """The month of a record with ``year`` and ``month`` (a monthly investment
    report) in words: ``2026年3月`` / ``March 2026``."""
    return _period_words(f"{record.year:04d}-{record.month:02d}")


@register.filter
def pct(value: Any) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return "–"
    return f"{number:.0f}%" if number == int(number) else f"{number:.1f}%"


@register.filter
def due(deadline: Any) -> str:
    """A deadline as people read it: the date, or "long-term" (长期坚持) for a
    task that has none (``deadlines.LONG_TERM``). Takes a task or a date."""
    day = getattr(deadline, "deadline", deadline)
    if not isinstance(day, dt.date):
        return "" if day is None else str(day)
    shown = deadline_shown(day)
    return shown.isoformat() if isinstance(shown, dt.date) else shown


@register.filter
def days_left(deadline: dt.date, today: dt.date) -> int:
    return (deadline - today).days


@register.filter
def task_field_label(name: str) -> str:
    """The translated label of a Task field named in a timeline diff."""

    try:
        return str(Task._meta.get_field(name).verbose_name)  # type: ignore[union-attr]
    except (FieldDoesNotExist, AttributeError):
        return name


@register.simple_tag
def warning_badge(warning: Any) -> str:
    css = {1: "info", 2: "warn", 3: "warn", 4: "bad"}.get(warning.level, "muted")
    return _badge(warning.get_level_display(), css)


@register.filter
def bi(row: Any, key: str) -> str:
    """row[key], or row[key + "_en"] when the page is in English and it has one."""
    if get_language() == "en" and row.get(f"{key}_en"):
        return str(row[f"{key}_en"])
    return str(row.get(key, ""))


@register.filter
def wan(value: Any) -> str:
    """Yuan shown in 万元 (ten thousands), two decimals with separators: 12,345.60."""
    if value is None or value == "":
        return ""

    amount = Decimal(value) / Decimal(10_000)
    return f"{amount:,.2f}"


@register.filter
def opens_in_browser(attachment: Any) -> bool:
    """Whether an attachment is a PDF or an image, opened in a tab
    (``attachment_view``); other files are saved (``attachment_download``)."""
    return attachment.content_type in SHOWN_INLINE


@register.filter
def filters_set(chosen: Any) -> int:
    """How many of a list's filters are set: a filter form's changed fields
    (an unbound one, none), or a mapping's non-empty values. The folded
    filters' button on a phone says it, so a filtered list does not pass for
    the whole one."""
    if hasattr(chosen, "changed_data"):
        return len(chosen.changed_data) if chosen.is_bound else 0
    return sum(1 for value in dict(chosen).values() if value)


@register.simple_tag
def field_row(field: Any) -> str:
    """One form field as every form shows it: the label (a star when it is
    required), the widget, the help and the errors. Written in Python: a form
    page renders a dozen of these, and as an included template they were a
    fifth of the report form's time."""
    widget = field.field.widget
    css = "field"
    if field.errors:
        css += " has-error"
    checkbox = getattr(widget, "input_type", None) == "checkbox"
    if checkbox and not getattr(widget, "allow_multiple_selected", False):
        css += " check"
    if field.is_hidden:
        return format_html('<div class="{}">{}</div>', css, field)
    required = mark_safe(' <span class="req">*</span>') if field.field.required else ""
    help_text = (
        format_html('<small class="help">{}</small>', field.help_text) if field.help_text else ""
    )
    errors = format_html_join(
        "", '<div class="error" role="alert">{}</div>', ((e,) for e in field.errors)
    )
    return format_html(
        '<div class="{}">\n  <label for="{}">{}{}</label>\n  {}\n  {}{}\n</div>',
        css,
        field.id_for_label or "",
        field.label,
        required,
        field,
        help_text,
        errors,
    )
