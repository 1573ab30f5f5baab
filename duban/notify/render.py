"""The words of a message, in the active language, from its kind and facts.

Stored messages keep facts, not sentences, so the inbox shows each person
their own language; emails and chat posts are rendered once, when queued, in
the language of the person or robot they go to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _

from duban.projects import explain
from duban.supervision.explain import reason, remedy
from duban.supervision.models import Level, Rule
from duban.work.words import period_words

from .models import Kind


@dataclass(frozen=True)
class Text:
    title: str
    body: str
    link: str  # a path inside duban


def _task_name(data: dict[str, Any]) -> str:
    title = data.get("title", "")
    if get_language() == "en" and data.get("title_en"):
        title = data["title_en"]
    serial = data.get("serial")
    return f"{serial} {title}" if serial else title


def _task_link(data: dict[str, Any]) -> str:
    return reverse("task_detail", args=[data["task_id"]]) if data.get("task_id") else ""


def render(kind: str, data: dict[str, Any], on: dt.date | None = None) -> Text:
    """``on``: the day the message speaks of (the day it was sent; today when
    it is rendered to be sent), to which a warning's days are counted."""
    task = _task_name(data)
    link = _task_link(data)
    if kind in (Kind.WARNING, Kind.DUE):
        level = Level(data["level"]).label
        rule = Rule(data["rule"]).label if data["rule"] in Rule.values else data["rule"]
        title = (
            _("Deadline near: %(task)s") % {"task": task}
            if kind == Kind.DUE
            else _("%(level)s warning: %(task)s") % {"level": level, "task": task}
        )
        body = "\n".join(
            part
            for part in (
                f"{rule} ({level})",
                reason(data["rule"], data.get("facts", {}), on or timezone.localdate()),
                remedy(data["rule"]),
            )
            if part
        )
        return Text(title, body, link)
    if kind == Kind.NOTICE:
        number = data.get("number", "")  # messages stored before "year" and "no"
        if "year" in data and "no" in data:
            number = _("Supervision notice [%(year)s] No. %(number)s") % {
                "year": data["year"],
                "number": data["no"],
            }
        return Text(
            _("%(notice)s: %(task)s") % {"notice": number, "task": task},
            _("Answer in writing by %(date)s.") % {"date": data["answer_by"]}
            + "\n"
            + data.get("reason", ""),
            link,
        )
    if kind == Kind.RETURNED:
        return Text(
            _("Report for %(period)s returned: %(task)s")
            % {"period": period_words(data["period"]), "task": task},
            _("The office says: %(comment)s") % {"comment": data.get("comment", "")},
            link,
        )
    if kind == Kind.INSTRUCTION:
        return Text(
            _("Instruction from %(leader)s: %(task)s") % {"leader": data["leader"], "task": task},
            data.get("text", ""),
            link,
        )
    if kind == Kind.DIGEST:
        lines = [
            _("Open tasks: %(n)s") % {"n": data.get("open", 0)},
            _("Reports owed for %(period)s and not yet filed: %(n)s")
            % {"period": period_words(data.get("week", "")), "n": data.get("owed", 0)},
            _("Overdue tasks: %(n)s") % {"n": data.get("overdue", 0)},
            _("Open tasks by light: %(red)s red, %(yellow)s yellow, %(reminder)s with a reminder")
            % {
                "red": data.get("red", 0),
                "yellow": data.get("yellow", 0),
                "reminder": data.get("reminder", 0),
            },
            _("Supervision notices waiting for an answer: %(n)s") % {"n": data.get("notices", 0)},
        ]
        if data.get("leader"):
            scope = _("tasks %(leader)s answers for") % {"leader": data["leader"]}
        elif get_language() == "en" and data.get("scope_en"):
            scope = data["scope_en"]
        else:
            scope = data.get("scope", "")
        return Text(
            _("Weekly digest %(week)s: %(scope)s")
            % {"week": period_words(data.get("week", "")), "scope": scope},
            "\n".join(lines),
            reverse("inbox"),
        )
    if kind == Kind.PROJECT:
        level = Level(data["level"]).label
        said = [
            explain.rule_label(data["rule"]),
            explain.reason(data["rule"], data.get("facts", {})),
            explain.remedy(data["rule"]),
        ]
        return Text(
            _("%(level)s warning: project %(task)s") % {"level": level, "task": task},
            "\n".join(line for line in said if line),
            reverse("project_detail", args=[data["project_id"]]),
        )
    if kind == Kind.REVIEW:
        return Text(
            _("Monthly review %(month)s published") % {"month": period_words(data["month"])},
            data.get("remarks", ""),
            reverse("review_detail", args=[data["month"]]),
        )
    if kind == Kind.TEST:
        return Text(
            _("Test message from duban"),
            _("This chat robot is set up to receive duban's messages for %(unit)s.")
            % {"unit": data.get("unit", "")},
            "",
        )
    return Text(kind, "", link)


def render_in(language: str, kind: str, data: dict[str, Any], on: dt.date | None = None) -> Text:
    with override(language):
        text = render(kind, data, on)
    return text


def absolute(link: str) -> str:
    return f"{settings.DUBAN_SITE_URL}{link}" if link else settings.DUBAN_SITE_URL
