"""What a project warning says, in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from duban.lib import project_rules
from duban.work.words import period_words

RULE_LABELS = {
    project_rules.START_MISSED: gettext_noop("Planned start missed"),
    project_rules.INVESTMENT_BEHIND: gettext_noop("Investment behind plan"),
    project_rules.INVESTMENT_REPORT_MISSING: gettext_noop("Inaction: investment not reported"),
    project_rules.INDICATOR_BEHIND: gettext_noop("Indicator behind target"),
}


def rule_label(rule: str) -> str:
    return _(RULE_LABELS.get(rule, rule))


def reason(rule: str, facts: dict[str, Any]) -> str:
    text = project_rules.MESSAGES.get(rule)
    if text is None:
        return rule
    if "period" in facts:  # a month's label (2026-03) in words, and the months missing
        facts = {
            **facts,
            "period": period_words(facts["period"]),
            "months": _(", ").join(
                period_words(m.strip()) for m in str(facts.get("months", "")).split(",") if m
            ),
        }
    try:
        return _(text) % facts
    except (KeyError, TypeError, ValueError):
        return _(text)


def remedy(rule: str) -> str:
    text = project_rules.MESSAGES.get(f"remedy.{rule}")
    return _(text) if text else ""
