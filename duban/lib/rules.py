"""The warning rules as pure functions: facts about a task in, a finding out.

Nothing here touches the database; the scan (duban/supervision/scan.py) reads
the facts set-based and applies the findings. Thresholds have defaults that a
plan may override later (issue 3); every finding carries the facts and the
threshold that explain it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from duban.lib import periods

REMINDER, YELLOW, NOTICE, RED = 1, 2, 3, 4


# --- the traffic light of a task: one definition for every page, list and chart --


def light_level(warning_level: int | None, *, overdue: bool) -> int:
    """A task's light as a level: the worst of its active warnings (what the
    rules found, with the plan's thresholds and grace), and red as soon as its
    deadline has passed, a fact that needs no rule and no scan."""
    return max(warning_level or 0, RED if overdue else 0)


def light(warning_level: int | None, *, overdue: bool, closed: bool) -> str:
    """ "done", "red", "yellow" or "green" (reminders and nothing are green)."""
    if closed:
        return "done"
    level = light_level(warning_level, overdue=overdue)
    if level >= RED:
        return "red"
    if level >= YELLOW:
        return "yellow"
    return "green"


INACTION_REPORT = "inaction_report"
INACTION_CLAIM = "inaction_claim"
SLOW = "slow"
NEAR_DUE = "near_due"
OVERDUE = "overdue"
POSTPONED = "postponed"
FORMALISM = "formalism"
NOTICE_OPEN = "notice"
RULES = (
    INACTION_REPORT,
    INACTION_CLAIM,
    SLOW,
    NEAR_DUE,
    OVERDUE,
    POSTPONED,
    FORMALISM,
    NOTICE_OPEN,
)


@dataclass(frozen=True)
class Thresholds:
    report_grace_days: int = 1
    claim_days: int = 2
    slow_yellow: int = 10
    slow_red: int = 30
    near_due_days: int = 3
    postponed_moves: int = 2
    formalism_similarity: float = 0.9
    enabled: frozenset[str] = field(default_factory=lambda: frozenset(RULES))


# Each threshold's allowed range: a setting outside it is refused, not clamped.
LIMITS: dict[str, tuple[float, float]] = {
    "report_grace_days": (0, 14),
    "claim_days": (0, 30),
    "slow_yellow": (1, 100),
    "slow_red": (1, 100),
    "near_due_days": (0, 30),
    "postponed_moves": (1, 20),
    "formalism_similarity": (0.5, 1.0),
}


class BadSettings(ValueError):
    """Settings that cannot be used; the message names the setting and why."""


def read_settings(
    settings: dict[str, Any],
    rules: Sequence[str],
    limits: dict[str, tuple[float, float]],
    floats: Sequence[str] = (),
) -> dict[str, Any]:
    """Stored settings ({"enabled": [...], "slow_red": 25, ...}) checked against
    the known rules and each setting's range; unknown rules, unknown settings and
    values out of range are refused with BadSettings. Shared by the task rules
    and the project rules (duban/lib/project_rules.py)."""
    values: dict[str, Any] = {}
    for key, raw in settings.items():
        if key == "enabled":
            unknown = sorted(set(raw) - set(rules))
            if unknown:
                raise BadSettings(f"unknown rule(s): {', '.join(unknown)}")
            values["enabled"] = frozenset(raw)
            continue
        if key not in limits:
            raise BadSettings(f"unknown setting: {key}")
        low, high = limits[key]
        kind = float if key in floats else int
        try:
            value = kind(raw)
        except (TypeError, ValueError):
            raise BadSettings(f"{key} must be a number, not {raw!r}") from None
        if not low <= value <= high:
            raise BadSettings(f"{key} must be between {low:g} and {high:g}, not {value:g}")
        values[key] = value
    return values


def thresholds_from(settings: dict[str, Any], base: Thresholds | None = None) -> Thresholds:
    """Thresholds from stored settings over ``base`` (the installation's),
    refusing what cannot be used."""
    values = read_settings(settings, RULES, LIMITS, floats=("formalism_similarity",))
    limits = replace(base or Thresholds(), **values)
    if limits.slow_red <= limits.slow_yellow:
        raise BadSettings("slow_red must be above slow_yellow")
    return limits


@dataclass(frozen=True)
class TaskFacts:
    id: int
    state: str
    is_parent: bool
    cadence: str
    start_date: dt.date
    deadline: dt.date
    deadline_moves: int
    progress: float
    assigned_on: dt.date | None  # read by the claim rule, on tasks awaiting a claim
    stopped_on: dt.date | None  # asked to close, or closed
    # Dated milestones (day, percent to reach by then), when the task has them:
    # the slow rule then follows them instead of a straight line.
    milestones: tuple[tuple[dt.date, float], ...] = ()


@dataclass(frozen=True)
class Finding:
    rule: str
    level: int
    facts: dict[str, Any]


def latest_owed_period(task: TaskFacts, today: dt.date, grace: int) -> periods.Period | None:
    """The most recent period whose report is owed (its due date has passed)."""
    if task.is_parent:
        return None
    owed = periods.owed_periods(
        task.start_date,
        task.deadline,
        task.cadence,
        today=today,
        grace=grace,
        stopped_on=task.stopped_on,
    )
    return owed[-1] if owed else None


def evaluate(
    task: TaskFacts,
    today: dt.date,
    limits: Thresholds,
    *,
    missing: periods.Period | None,
    texts: tuple[str, str] | None = None,
    likeness: float | None = None,
    notice_due: dt.date | None = None,
) -> list[Finding]:
    """Every rule that fires for one open task. ``missing``: the latest owed
    period if it has no filed report; ``texts``: the unit's last two reports,
    or ``likeness``: their similarity, worked out when the latest was filed
    (what the scan passes); ``notice_due``: the answer date of its oldest
    unanswered supervision notice."""
    found: list[Finding] = []
    on = limits.enabled

    if INACTION_CLAIM in on and task.state == "assigned" and task.assigned_on is not None:
        waited = (today - task.assigned_on).days
        if waited > limits.claim_days:
            found.append(
                Finding(
                    INACTION_CLAIM,
                    YELLOW,
                    {
                        "assigned": task.assigned_on.isoformat(),
                        "days": waited,
                        "limit": limits.claim_days,
                    },
                )
            )

    if INACTION_REPORT in on and missing is not None and task.state != "assigned":
        due = missing.end + dt.timedelta(days=limits.report_grace_days)
        found.append(
            Finding(
                INACTION_REPORT,
                YELLOW,
                {
                    "period": missing.label,
                    "due": due.isoformat(),
                    "grace": limits.report_grace_days,
                },
            )
        )

    days_left = (task.deadline - today).days
    if OVERDUE in on and days_left < 0:
        found.append(
            Finding(OVERDUE, RED, {"deadline": task.deadline.isoformat(), "days": -days_left})
        )
    elif NEAR_DUE in on and 0 <= days_left <= limits.near_due_days and task.progress < 100:
        found.append(
            Finding(
                NEAR_DUE,
                REMINDER,
                {
                    "deadline": task.deadline.isoformat(),
                    "days": days_left,
                    "progress": round(task.progress),
                    "limit": limits.near_due_days,
                },
            )
        )

    if SLOW in on and task.start_date <= today <= task.deadline and task.state != "assigned":
        expected, milestone = expected_progress(task, today)
        gap = expected - round(task.progress)
        if gap >= limits.slow_yellow:
            level = RED if gap >= limits.slow_red else YELLOW
            facts: dict[str, Any] = {
                "progress": round(task.progress),
                "expected": expected,
                "gap": gap,
                "yellow": limits.slow_yellow,
                "red": limits.slow_red,
            }
            if milestone is not None:
                facts["milestone"] = milestone[0].isoformat()
                facts["milestone_percent"] = round(milestone[1])
            found.append(Finding(SLOW, level, facts))

    if POSTPONED in on and task.deadline_moves >= limits.postponed_moves:
        found.append(
            Finding(
                POSTPONED, YELLOW, {"moves": task.deadline_moves, "limit": limits.postponed_moves}
            )
        )

    if NOTICE_OPEN in on and notice_due is not None:
        # The ladder's third rung: a notice waits for a written answer; past its
        # date without one, it turns red.
        late = (today - notice_due).days
        level = RED if late > 0 else NOTICE
        found.append(
            Finding(NOTICE_OPEN, level, {"due": notice_due.isoformat(), "days_late": max(late, 0)})
        )

    if FORMALISM in on and (texts is not None or likeness is not None):
        ratio = (
            likeness
            if likeness is not None
            else similarity(*texts, at_least=limits.formalism_similarity)  # type: ignore[misc]
        )
        if ratio >= limits.formalism_similarity:
            found.append(
                Finding(
                    FORMALISM,
                    YELLOW,
                    {
                        "similarity": round(ratio * 100),
                        "limit": round(limits.formalism_similarity * 100),
                    },
                )
            )
    return found


def expected_progress(task: TaskFacts, today: dt.date) -> tuple[int, tuple[dt.date, float] | None]:
    """Where the task should be on ``today``, in percent, and the milestone the
    expectation heads for (None on a straight line from start to deadline).

    With milestones the line runs start (0 %) → each milestone → deadline
    (100 %), so a task planned to do most of its work late is not called slow
    early. Worked example: start 1 March, 30 % by 31 March, deadline 30 June;
    on 16 March 15 % is expected.
    """
    if not task.milestones:
        return round(
            100 * periods.time_elapsed_fraction(task.start_date, task.deadline, today)
        ), None
    points = [(task.start_date, 0.0)]
    points += sorted((day, percent) for day, percent in task.milestones if day > task.start_date)
    if points[-1][0] < task.deadline:
        points.append((task.deadline, 100.0))
    for (left, low), (right, high) in zip(points, points[1:], strict=False):
        if today <= right:
            share = periods.time_elapsed_fraction(left, right, today)
            return round(low + (high - low) * share), (right, high)
    return round(points[-1][1]), points[-1]


_NOISE = re.compile(r"[\W\d_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Text with spacing, punctuation and figures removed: what is left is what was said."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


def similarity(a: str, b: str, *, at_least: float = 0.0) -> float:
    """How alike two report texts are, 0..1, after normalising. With
    ``at_least``, pairs that cannot reach it are answered from difflib's cheap
    upper bounds (0.0) without the full comparison: the scan asks about every
    open task's last two reports, and most are nothing alike."""
    left, right = normalise(a), normalise(b)
    if not left or not right:
        return 0.0
    matcher = difflib.SequenceMatcher(None, left, right, autojunk=False)
    if at_least and (matcher.real_quick_ratio() < at_least or matcher.quick_ratio() < at_least):
        return 0.0
    return matcher.ratio()
