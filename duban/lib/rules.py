"""The warning rules as pure functions: facts about a task in, a finding out.

Nothing here touches the database; the scan (duban/supervision/scan.py) reads
the facts set-based and applies the findings. Thresholds have defaults that a
plan may override later (issue 3); every finding carries the facts and the
threshold that explain it.

Facts that count days are stored as the dates they count from (a deadline, the
day of assignment, a notice's answer date, a schedule), never as the count:
``counted`` counts them for the day they are shown, the one definition every
page, message, export and the API read through. So a warning whose level and
cause stay the same is not written again when the day changes.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

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


class TaskFacts(NamedTuple):
    """What the rules read of one task. A named tuple, not a dataclass: the scan
    makes one per open task (36,000 at province scale), four times faster."""

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


class Finding(NamedTuple):
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
    unanswered supervision notice. ``evaluate_all`` for one task."""
    found = evaluate_all(
        [task],
        today,
        limits,
        missing={task.id: missing} if missing is not None else None,
        texts={task.id: texts} if texts is not None else None,
        likeness={task.id: likeness} if likeness is not None else None,
        notices={task.id: notice_due} if notice_due is not None else None,
    )
    return list(found.values())


def evaluate_all(
    tasks: Sequence[TaskFacts],
    today: dt.date,
    limits: Thresholds,
    *,
    missing: Mapping[int, periods.Period] | None = None,
    texts: Mapping[int, tuple[str, str]] | None = None,
    likeness: Mapping[int, float] | None = None,
    notices: Mapping[int, dt.date] | None = None,
) -> dict[tuple[int, str], Finding]:
    """Every rule that fires for each of ``tasks``, by (task id, rule), each
    task's in the order of the rules. The facts by task id, as ``evaluate``
    takes them; absent: none. Rule by rule, each a pass over the tasks: the
    scan evaluates every open task (36,000 at province scale) in one call."""
    found: dict[tuple[int, str], Finding] = {}
    on = limits.enabled
    missing, texts, likeness, notices = missing or {}, texts or {}, likeness or {}, notices or {}

    # Inaction: a task awaiting its claim too long; a claimed one without the
    # report of its latest owed period.
    claim_on, report_on = INACTION_CLAIM in on, INACTION_REPORT in on and bool(missing)
    if claim_on or report_on:
        claim_days, grace = limits.claim_days, limits.report_grace_days
        for task in tasks:
            if task.state == "assigned":
                assigned_on = task.assigned_on
                if claim_on and assigned_on is not None and (today - assigned_on).days > claim_days:
                    found[task.id, INACTION_CLAIM] = Finding(
                        INACTION_CLAIM,
                        YELLOW,
                        {"assigned": assigned_on.isoformat(), "limit": claim_days},
                    )
            elif report_on:
                owed = missing.get(task.id)
                if owed is not None:
                    due = owed.end + dt.timedelta(days=grace)
                    found[task.id, INACTION_REPORT] = Finding(
                        INACTION_REPORT,
                        YELLOW,
                        {"period": owed.label, "due": due.isoformat(), "grace": grace},
                    )

    # The deadline: past it a task is overdue, else near it when a few days away;
    # the schedule: slow when its progress trails the plan's by enough points.
    near_by = today + dt.timedelta(days=limits.near_due_days)
    overdue_on, near_on, slow_on = OVERDUE in on, NEAR_DUE in on, SLOW in on
    yellow, red = limits.slow_yellow, limits.slow_red
    if overdue_on or near_on or slow_on:
        for task in tasks:
            start, deadline = task.start_date, task.deadline
            if deadline < today:
                if overdue_on:
                    found[task.id, OVERDUE] = Finding(
                        OVERDUE, RED, {"deadline": deadline.isoformat()}
                    )
                continue  # past the deadline it is overdue, not slow
            if near_on and deadline <= near_by and task.progress < 100:
                found[task.id, NEAR_DUE] = Finding(
                    NEAR_DUE,
                    REMINDER,
                    {
                        "deadline": deadline.isoformat(),
                        "progress": round(task.progress),
                        "limit": limits.near_due_days,
                    },
                )
            if slow_on and start <= today and task.state != "assigned":
                expected, _ = scheduled(start, deadline, task.milestones, today)
                progress = round(task.progress)
                gap = expected - progress
                if gap >= yellow:
                    # The schedule, not where it stood today: the expectation and the
                    # gap are counted when shown (``counted``), so they move with the
                    # days without the warning being written again.
                    facts: dict[str, Any] = {
                        "progress": progress,
                        "start": start.isoformat(),
                        "deadline": deadline.isoformat(),
                        "yellow": yellow,
                        "red": red,
                    }
                    if task.milestones:
                        facts["milestones"] = [
                            [day.isoformat(), percent] for day, percent in sorted(task.milestones)
                        ]
                    found[task.id, SLOW] = Finding(SLOW, RED if gap >= red else YELLOW, facts)

    if POSTPONED in on:
        moves_limit = limits.postponed_moves
        for task in tasks:
            if task.deadline_moves >= moves_limit:
                found[task.id, POSTPONED] = Finding(
                    POSTPONED, YELLOW, {"moves": task.deadline_moves, "limit": moves_limit}
                )

    if NOTICE_OPEN in on and notices:
        for task in tasks:
            notice_due = notices.get(task.id)
            if notice_due is not None:
                # The ladder's third rung: a notice waits for a written answer; past
                # its date without one, it turns red.
                level = RED if (today - notice_due).days > 0 else NOTICE
                found[task.id, NOTICE_OPEN] = Finding(
                    NOTICE_OPEN, level, {"due": notice_due.isoformat()}
                )

    if FORMALISM in on and (likeness or texts):
        at_least = limits.formalism_similarity
        for task in tasks:
            ratio = likeness.get(task.id)
            if ratio is None:
                pair = texts.get(task.id)
                if pair is None:
                    continue
                ratio = similarity(*pair, at_least=at_least)
            if ratio >= at_least:
                found[task.id, FORMALISM] = Finding(
                    FORMALISM,
                    YELLOW,
                    {"similarity": round(ratio * 100), "limit": round(at_least * 100)},
                )
    return found


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def counted(rule: str, facts: dict[str, Any], on: dt.date) -> dict[str, Any]:
    """A finding's facts with what counts days counted on ``on`` (the day shown:
    today for a standing warning, the day it ended for a past one, the day of
    an event or a message): the days since assignment, past or left to the
    deadline, late on a notice, and the slow rule's expected progress and gap.

    Facts stored before the counts moved out (issue 15) keep what they hold
    where the dates to count from are missing (a slow warning's schedule)."""
    shown = dict(facts)
    try:
        if rule == INACTION_CLAIM and "assigned" in facts:
            shown["days"] = (on - _day(facts["assigned"])).days
        elif rule == OVERDUE and "deadline" in facts:
            shown["days"] = (on - _day(facts["deadline"])).days
        elif rule == NEAR_DUE and "deadline" in facts:
            shown["days"] = max((_day(facts["deadline"]) - on).days, 0)
        elif rule == NOTICE_OPEN and "due" in facts:
            shown["days_late"] = max((on - _day(facts["due"])).days, 0)
        elif rule == SLOW and "start" in facts and "deadline" in facts:
            steps = tuple(
                (_day(day), float(percent)) for day, percent in facts.get("milestones", ())
            )
            expected, milestone = scheduled(
                _day(facts["start"]), _day(facts["deadline"]), steps, on
            )
            shown["expected"] = expected
            shown["gap"] = expected - facts["progress"]
            if milestone is not None:
                shown["milestone"] = milestone[0].isoformat()
                shown["milestone_percent"] = round(milestone[1])
    except (TypeError, ValueError):  # facts that do not read: shown as stored
        return dict(facts)
    return shown


def expected_progress(task: TaskFacts, today: dt.date) -> tuple[int, tuple[dt.date, float] | None]:
    """Where the task should be on ``today``, in percent, and the milestone the
    expectation heads for (None on a straight line from start to deadline)."""
    return scheduled(task.start_date, task.deadline, task.milestones, today)


# Kept for the scan's day: its open tasks share a few thousand schedules.
@functools.lru_cache(maxsize=1 << 15)
def scheduled(
    start: dt.date,
    deadline: dt.date,
    milestones: tuple[tuple[dt.date, float], ...],
    today: dt.date,
) -> tuple[int, tuple[dt.date, float] | None]:
    """The expected progress on ``today`` of a schedule: start (0 %) → each
    milestone → deadline (100 %), a straight line without milestones, so a
    task planned to do most of its work late is not called slow early.
    Worked example: start 1 March, 30 % by 31 March, deadline 30 June; on
    16 March 15 % is expected."""
    if not milestones:
        return round(100 * periods.time_elapsed_fraction(start, deadline, today)), None
    points = [(start, 0.0)]
    points += sorted((day, percent) for day, percent in milestones if day > start)
    if points[-1][0] < deadline:
        points.append((deadline, 100.0))
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
