"""What a warning says, in the person's language: the rule, the facts, the
threshold, and what clears it.

The facts are stored as dates; the days they count are counted here, for the
day the text speaks of (``rules.counted``): every page, message, export and
the API word a warning through ``reason`` with that day."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from duban.lib import rules
from duban.work.words import period_words


def shown_on(warning: Any, today: dt.date | None = None) -> dt.date:
    """The day a warning's facts are counted to: today while it stands, the
    day it was cleared or withdrawn once it no longer does."""
    ended = warning.withdrawn_at or warning.cleared_at
    if ended is not None:
        return timezone.localdate(ended)
    return today or timezone.localdate()


def warning_reason(warning: Any, today: dt.date | None = None) -> str:
    """``reason`` for a warning row, counted to the day it is shown for (``shown_on``)."""
    return reason(warning.rule, warning.facts, shown_on(warning, today))


def reason(rule: str, facts: dict[str, Any], on: dt.date) -> str:
    """The sentence that explains a finding, its days counted on ``on``."""
    f = rules.counted(rule, facts, on)
    if rule == rules.INACTION_REPORT:
        return _(
            "No report filed for %(period)s; it was due on %(due)s "
            "(period end + %(grace)s day(s) of grace)."
        ) % {**f, "period": period_words(f.get("period", ""))}
    if rule == rules.INACTION_CLAIM:
        return (
            _(
                "Assigned on %(assigned)s and not claimed after %(days)s days "
                "(limit %(limit)s days)."
            )
            % f
        )
    if rule == rules.SLOW and "milestone" in f:
        return (
            _(
                "Progress %(progress)s%%; by the milestones (%(milestone_percent)s%% by "
                "%(milestone)s) it should be %(expected)s%%: %(gap)s points behind "
                "(yellow from %(yellow)s, red from %(red)s)."
            )
            % f
        )
    if rule == rules.SLOW:
        return (
            _(
                "Progress %(progress)s%%; by the schedule it should be %(expected)s%%: "
                "%(gap)s points behind (yellow from %(yellow)s, red from %(red)s)."
            )
            % f
        )
    if rule == rules.NEAR_DUE:
        return (
            _(
                "Due on %(deadline)s, in %(days)s day(s), at %(progress)s%% "
                "(reminder from %(limit)s days before)."
            )
            % f
        )
    if rule == rules.OVERDUE:
        return (
            _("The deadline %(deadline)s passed %(days)s day(s) ago and the task is not closed.")
            % f
        )
    if rule == rules.POSTPONED:
        return _("The deadline has moved %(moves)s times (warning from %(limit)s).") % f
    if rule == rules.FORMALISM:
        return (
            _(
                "This report is %(similarity)s%% the same as the previous one "
                "(warning from %(limit)s%%)."
            )
            % f
        )
    if rule == rules.NOTICE_OPEN:
        if f.get("days_late"):
            return (
                _(
                    "The supervision notice was to be answered by %(due)s; "
                    "%(days_late)s day(s) late, so the warning is red."
                )
                % f
            )
        return _("A supervision notice waits for a written answer by %(due)s.") % f
    return rule


def remedy(rule: str) -> str:
    return {
        rules.INACTION_REPORT: _("Clears when the report for that period is filed."),
        rules.INACTION_CLAIM: _("Clears when the lead unit claims the task."),
        rules.SLOW: _("Clears when reported progress catches up with the schedule."),
        rules.NEAR_DUE: _("Clears when the task is complete or closed."),
        rules.OVERDUE: _("Clears when the task is closed, or its deadline is moved."),
        rules.POSTPONED: _("Stays while the task is open."),
        rules.FORMALISM: _(
            "Clears when a report says what changed, or honestly reports no change."
        ),
    }.get(rule, "")
