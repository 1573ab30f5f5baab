"""The warning rules for key projects and key indicators: facts in, findings out.

The companion of duban/lib/rules.py (tasks), with its levels and its
:class:`~duban.lib.rules.Finding`: nothing here touches the database, and every
finding carries the facts and thresholds that explain it, numbers as text (money
in 万元), so that the message in :data:`MESSAGES` can be filled in with ``%``
and checked by hand.

The rules, and why:

* ``start_missed``: the planned start date has passed and the project has not
  started: yellow, red once it is more than ``start_red_months`` calendar
  months late (planned 15 January, red from 16 April).
* ``investment_behind``: completed investment trails the time-proportional
  plan (duban.lib.investment) by ``behind_yellow`` points or more: yellow; by
  ``behind_red`` or more: red. A point is one percent of what is due by then.
* ``investment_report_missing``: inaction, as for a task's report: the latest
  month whose report is owed (the month has ended and ``report_grace_days``
  have passed) has none. Only the latest counts, because its report carries
  the year-to-date and so makes good an earlier gap; the earlier gaps are
  listed in the facts.
* ``indicator_behind``: a key indicator's year-to-date actual trails the
  time-proportional share of its annual target, with the same thresholds.
  For indicators that add up over the year (investment, output); a rate (a
  growth percentage) is not time-proportional and is not judged here.

A paused or cancelled project gets no warnings: its pause was recorded with a
reason and is reviewed as such. A project is judged against the months whose
reports are owed, or reported, whichever is later: on 3 June, with May's
report not yet due, against the plan to the end of April; with May reported
early, against the plan to the end of May.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_noop

from duban.lib import investment, stages
from duban.lib.rules import RED, YELLOW, BadSettings, Finding, read_settings

START_MISSED = "start_missed"
INVESTMENT_BEHIND = "investment_behind"
INVESTMENT_REPORT_MISSING = "investment_report_missing"
INDICATOR_BEHIND = "indicator_behind"
RULES = (START_MISSED, INVESTMENT_BEHIND, INVESTMENT_REPORT_MISSING, INDICATOR_BEHIND)

MESSAGES: dict[str, str] = {
    START_MISSED: gettext_noop(
        "Planned to start on %(planned)s and not started %(days)s day(s) later "
        "(red when more than %(red_months)s months late, from %(red_from)s)."
    ),
    INVESTMENT_BEHIND: gettext_noop(
        "By %(as_of)s, %(months_due)s of %(months_planned)s planned months have ended: "
        "%(due)s of the %(plan)s ten thousand yuan planned for the year are due and "
        "%(done)s are done, %(rate_plan)s%% of the year's plan and %(rate_due)s%% of what "
        "is due: %(behind)s points behind (yellow from %(yellow)s, red from %(red)s)."
    ),
    INVESTMENT_REPORT_MISSING: gettext_noop(
        "No investment report for %(period)s; it was due on %(due)s (month end + "
        "%(grace)s day(s) of grace). %(missing)s month(s) without a report: %(months)s."
    ),
    INDICATOR_BEHIND: gettext_noop(
        "By %(as_of)s, %(months_due)s of %(months_planned)s months have ended: %(due)s of "
        "the year's target of %(target)s is due and the actual is %(actual)s, "
        "%(rate_plan)s%% of the target and %(rate_due)s%% of what is due: %(behind)s "
        "points behind (yellow from %(yellow)s, red from %(red)s)."
    ),
    f"remedy.{START_MISSED}": gettext_noop(
        "Clears when the start is recorded, or the planned start date is moved."
    ),
    f"remedy.{INVESTMENT_BEHIND}": gettext_noop(
        "Clears when reported investment catches up with the time-proportional plan."
    ),
    f"remedy.{INVESTMENT_REPORT_MISSING}": gettext_noop(
        "Clears when the investment report for that month is filed."
    ),
    f"remedy.{INDICATOR_BEHIND}": gettext_noop(
        "Clears when the reported actual catches up with the time-proportional target."
    ),
}


@dataclass(frozen=True)
class Thresholds:
    start_red_months: int = 3
    behind_yellow: int = 10
    behind_red: int = 30
    report_grace_days: int = 5
    enabled: frozenset[str] = field(default_factory=lambda: frozenset(RULES))


# Each threshold's allowed range: a setting outside it is refused, not clamped.
LIMITS: dict[str, tuple[int, int]] = {
    "start_red_months": (1, 24),
    "behind_yellow": (1, 100),
    "behind_red": (1, 100),
    "report_grace_days": (0, 28),
}


def thresholds_from(settings: dict[str, Any]) -> Thresholds:
    """Thresholds from stored settings ({"enabled": [...], "behind_red": 25, ...}),
    refusing unknown rules, unknown settings and values out of range."""
    values = read_settings(settings, RULES, dict(LIMITS))
    limits = Thresholds(**values)
    if limits.behind_red <= limits.behind_yellow:
        raise BadSettings("behind_red must be above behind_yellow")
    return limits


DEFAULT = Thresholds()


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later, or the month's last day
    if it is shorter: 30 November + 3 months is 28 (or 29) February."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def start_missed(
    planned_start: dt.date | None,
    started_on: dt.date | None,
    stage: str,
    today: dt.date,
    limits: Thresholds = DEFAULT,
) -> Finding | None:
    """The planned start has passed without a start.

    Worked example: planned 15 January 2026, not started on 10 March: 54 days
    late, yellow; red from 16 April (more than 3 months late).
    """
    if planned_start is None or started_on is not None or today <= planned_start:
        return None
    if stage not in (stages.RESERVE, stages.SIGNED):
        return None  # started (perhaps skipping the start, with a reason), paused or cancelled
    red_from = add_months(planned_start, limits.start_red_months) + dt.timedelta(days=1)
    return Finding(
        START_MISSED,
        RED if today >= red_from else YELLOW,
        {
            "planned": planned_start.isoformat(),
            "days": str((today - planned_start).days),
            "red_months": str(limits.start_red_months),
            "red_from": red_from.isoformat(),
        },
    )


def investment_behind(
    annual_plan: Decimal,
    done: Decimal,
    year: int,
    as_of: dt.date,
    *,
    start_month: int | None = None,
    end_month: int | None = None,
    limits: Thresholds = DEFAULT,
) -> Finding | None:
    """Year-to-date investment ``done`` (yuan) behind the time-proportional
    share of ``annual_plan`` (yuan) on ``as_of``.

    Worked example: plan 1,200 万元 for the year; by 31 May (5 months ended)
    500 due; 380 done → 31.7% of the year, 76.0% of the time plan, 24.0 points
    behind → yellow (10 ≤ 24.0 < 30).
    """
    return _behind(
        INVESTMENT_BEHIND,
        annual_plan,
        done,
        year,
        as_of,
        start_month,
        end_month,
        limits,
        names=("plan", "done"),
        show=lambda amount: str(investment.wan(amount)),
    )


def indicator_behind(
    target: Decimal,
    actual: Decimal,
    year: int,
    as_of: dt.date,
    *,
    limits: Thresholds = DEFAULT,
) -> Finding | None:
    """A key indicator's year-to-date ``actual`` behind the time-proportional
    share of its annual ``target`` on ``as_of``, both in the indicator's unit.

    Worked example: a district's fixed-asset investment target of 36 亿元; by
    30 April 12 due; actual 7.5 → 20.8% of the target, 62.5% of what is due,
    37.5 points behind → red.
    """
    return _behind(
        INDICATOR_BEHIND,
        target,
        actual,
        year,
        as_of,
        None,
        None,
        limits,
        names=("target", "actual"),
        show=str,
    )


def _behind(
    rule: str,
    plan: Decimal,
    done: Decimal,
    year: int,
    as_of: dt.date,
    start_month: int | None,
    end_month: int | None,
    limits: Thresholds,
    *,
    names: tuple[str, str],
    show: Callable[[Decimal], str],
) -> Finding | None:
    due = investment.time_proportional_plan(plan, year, as_of, start=start_month, end=end_month)
    if due == 0:
        return None  # nothing is due yet
    gap = investment.behind(done, due)
    if gap < limits.behind_yellow:
        return None
    first, last = start_month or 1, end_month or 12
    months_due = max(0, min(investment.months_ended(year, as_of), last) - first + 1)
    plan_name, done_name = names
    return Finding(
        rule,
        RED if gap >= limits.behind_red else YELLOW,
        {
            "as_of": as_of.isoformat(),
            "months_due": str(months_due),
            "months_planned": str(last - first + 1),
            plan_name: show(plan),
            "due": show(due),
            done_name: show(done),
            "rate_plan": str(investment.completion_rate(done, plan)),
            "rate_due": str(investment.completion_rate(done, due)),
            "behind": str(gap),
            "yellow": str(limits.behind_yellow),
            "red": str(limits.behind_red),
        },
    )


def owed_months(
    year: int, today: dt.date, *, start_month: int = 1, end_month: int = 12, grace: int
) -> list[int]:
    """The months start_month..end_month of ``year`` whose report is owed on
    ``today``: the month has ended and ``grace`` days after it have passed."""
    return [
        month
        for month in range(start_month, end_month + 1)
        if month_end(year, month) + dt.timedelta(days=grace) < today
    ]


def investment_report_missing(
    year: int,
    reported: Collection[int],
    today: dt.date,
    *,
    start_month: int = 1,
    end_month: int = 12,
    limits: Thresholds = DEFAULT,
) -> Finding | None:
    """The latest owed monthly investment report of ``year`` is missing.

    ``reported``: the months of ``year`` with a report; ``start_month`` and
    ``end_month``: the months the project owes reports for.

    Worked example: grace 5 days, reports for January to March; on 10 May the
    April report (due 5 May) is missing → inaction, one month missing; on 5 May
    nothing is owed beyond March yet.
    """
    owed = owed_months(
        year, today, start_month=start_month, end_month=end_month, grace=limits.report_grace_days
    )
    if not owed or owed[-1] in reported:
        return None
    missing = [month for month in owed if month not in reported]
    latest = owed[-1]
    due = month_end(year, latest) + dt.timedelta(days=limits.report_grace_days)
    return Finding(
        INVESTMENT_REPORT_MISSING,
        YELLOW,
        {
            "period": f"{year}-{latest:02d}",
            "due": due.isoformat(),
            "grace": str(limits.report_grace_days),
            "missing": str(len(missing)),
            "months": ", ".join(f"{year}-{month:02d}" for month in missing),
        },
    )


@dataclass(frozen=True)
class ProjectFacts:
    """What the rules need to know about one project in ``year``. Money in yuan:
    ``annual_plan`` is this year's planned investment, over the months
    ``plan_start_month``..``plan_end_month``; ``ytd`` the investment completed
    this year per the latest report; ``reported_months`` the months with a report."""

    id: int
    stage: str
    planned_start: dt.date | None
    started_on: dt.date | None
    year: int
    annual_plan: Decimal
    ytd: Decimal
    reported_months: frozenset[int]
    plan_start_month: int = 1
    plan_end_month: int = 12


def evaluate(project: ProjectFacts, today: dt.date, limits: Thresholds = DEFAULT) -> list[Finding]:
    """Every rule that fires for one project on ``today``."""
    if project.stage in (stages.PAUSED, stages.CANCELLED):
        return []
    on = limits.enabled
    found: list[Finding | None] = []
    if START_MISSED in on:
        found.append(
            start_missed(project.planned_start, project.started_on, project.stage, today, limits)
        )
    if project.annual_plan > 0:
        first, last = project.plan_start_month, project.plan_end_month
        if INVESTMENT_REPORT_MISSING in on:
            found.append(
                investment_report_missing(
                    project.year,
                    project.reported_months,
                    today,
                    start_month=first,
                    end_month=last,
                    limits=limits,
                )
            )
        # Judged against the months reported or owed, whichever is later (see above).
        owed = owed_months(
            project.year, today, start_month=first, end_month=last, grace=limits.report_grace_days
        )
        through = max([*owed, *project.reported_months], default=0)
        if INVESTMENT_BEHIND in on and through:
            found.append(
                investment_behind(
                    project.annual_plan,
                    project.ytd,
                    project.year,
                    month_end(project.year, through),
                    start_month=first,
                    end_month=last,
                    limits=limits,
                )
            )
    return [finding for finding in found if finding is not None]
