"""A score line in the reader's language: "按时办结 18/20 × 40 = 36.0"."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

LABELS = {
    "closed_on_time": gettext_lazy("Closed on time"),
    "reports_on_time": gettext_lazy("Reports on time"),
    "first_time": gettext_lazy("Reports accepted first time"),
    "red": gettext_lazy("Red warnings"),
    "yellow": gettext_lazy("Yellow warnings"),
    "notice": gettext_lazy("Supervision notices"),
    "deadline_change": gettext_lazy("Deadline changes"),
    "cap": gettext_lazy("Deductions above the cap given back"),
    "adjustment": gettext_lazy("Manual adjustment"),
}


def line_text(line: dict[str, Any]) -> str:
    label = str(LABELS.get(line["code"], line["code"]))
    if line["out_of"] is not None:
        if line["out_of"] == 0:
            return _("%(label)s: nothing due, full %(points)s") % {
                "label": label,
                "points": line["points"],
            }
        return f"{label} {line['count']}/{line['out_of']} × {line['weight']} = {line['points']}"
    if line["code"] in ("cap", "adjustment"):
        return f"{label} {line['points']}"
    return f"{label} {line['count']} × −{line['weight']} = {line['points']}"
