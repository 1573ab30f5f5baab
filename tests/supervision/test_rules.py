"""The warning rules on their own: plain facts in, findings out, no database.
Each rule is tried at and around its threshold."""

from __future__ import annotations

import datetime as dt

import pytest

from duban.lib import periods, rules
from duban.lib.rules import TaskFacts, Thresholds
from tests import factories as f

TODAY = f.TODAY  # Wednesday 18 March 2026
LIMITS = Thresholds()
# A hundred-day task: on day k the schedule expects k%.
START = dt.date(2026, 1, 1)
HUNDRED_DAYS = START + dt.timedelta(days=100)


def facts(**changes) -> TaskFacts:
    """A claimed weekly task, two weeks in, due in two months, nothing wrong yet
    except what ``changes`` says."""
    base = TaskFacts(
        id=1,
        state="in_progress",
        is_parent=False,
        cadence=periods.WEEKLY,
        start_date=TODAY - dt.timedelta(days=14),
        deadline=TODAY + dt.timedelta(days=60),
        deadline_moves=0,
        progress=50.0,
        assigned_on=TODAY - dt.timedelta(days=14),
        stopped_on=None,
    )
    return base._replace(**changes)


def fired(task: TaskFacts, today: dt.date = TODAY, limits: Thresholds = LIMITS, **kw):
    kw.setdefault("missing", None)
    kw.setdefault("texts", None)
    return {x.rule: x for x in rules.evaluate(task, today, limits, **kw)}


def on_day(k: int) -> dt.date:
    return START + dt.timedelta(days=k)


def test_a_healthy_task_raises_nothing():
    assert fired(facts()) == {}


# --- inaction: not claimed ---------------------------------------------------------


@pytest.mark.parametrize(("waited", "warned"), [(0, False), (2, False), (3, True), (10, True)])
def test_an_unclaimed_task_is_warned_from_the_third_day(waited, warned):
    task = facts(state="assigned", assigned_on=TODAY - dt.timedelta(days=waited))
    found = fired(task)
    assert (rules.INACTION_CLAIM in found) is warned
    if warned:
        claim = found[rules.INACTION_CLAIM]
        assert claim.level == rules.YELLOW
        # Stored: the day of assignment; the days waited are counted when shown.
        assert claim.facts == {"assigned": task.assigned_on.isoformat(), "limit": 2}
        assert rules.counted(claim.rule, claim.facts, TODAY)["days"] == waited
        later = TODAY + dt.timedelta(days=4)
        assert rules.counted(claim.rule, claim.facts, later)["days"] == waited + 4


def test_a_claimed_task_is_never_warned_for_not_being_claimed():
    assert rules.INACTION_CLAIM not in fired(facts(assigned_on=TODAY - dt.timedelta(days=30)))


# --- inaction: report not filed ------------------------------------------------------


def test_the_latest_owed_period_is_last_week_once_its_day_of_grace_has_passed():
    task = facts()  # started Wednesday 4 March (W10)
    owed = rules.latest_owed_period(task, TODAY, grace=1)
    assert owed is not None and owed.label == f.LAST_WEEK
    # Monday 16 March is last week's due date: it is not owed yet, W10 is.
    monday = dt.date(2026, 3, 16)
    assert rules.latest_owed_period(task, monday, grace=1).label == f.TWO_WEEKS_AGO
    assert rules.latest_owed_period(task, monday + dt.timedelta(days=1), grace=1).label == (
        f.LAST_WEEK
    )
    # Without grace, last week is owed on the Monday already.
    assert rules.latest_owed_period(task, monday, grace=0).label == f.LAST_WEEK


def test_nothing_is_owed_before_the_first_period_ends_nor_by_a_parent():
    assert rules.latest_owed_period(facts(start_date=TODAY), TODAY, grace=1) is None
    assert rules.latest_owed_period(facts(is_parent=True), TODAY, grace=1) is None


def test_a_task_put_up_for_closing_owes_no_period_that_ended_after():
    stopped = facts(stopped_on=dt.date(2026, 3, 11))  # during W11
    assert rules.latest_owed_period(stopped, TODAY, grace=1).label == f.TWO_WEEKS_AGO


def test_a_missing_report_is_a_finding_with_the_period_and_its_due_date():
    task = facts()
    missing = rules.latest_owed_period(task, TODAY, LIMITS.report_grace_days)
    found = fired(task, missing=missing)[rules.INACTION_REPORT]
    assert found.level == rules.YELLOW
    assert found.facts == {"period": f.LAST_WEEK, "due": "2026-03-16", "grace": 1}


def test_the_due_date_follows_the_grace_threshold():
    task = facts()
    missing = periods.period_from_label(f.LAST_WEEK)
    found = fired(task, limits=Thresholds(report_grace_days=0), missing=missing)
    assert found[rules.INACTION_REPORT].facts["due"] == "2026-03-15"


def test_nothing_missing_or_an_unclaimed_task_raises_no_report_warning():
    missing = periods.period_from_label(f.LAST_WEEK)
    assert rules.INACTION_REPORT not in fired(facts(), missing=None)
    assert rules.INACTION_REPORT not in fired(facts(state="assigned"), missing=missing)


# --- slow action ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("gap", "level"),
    [
        (0, None),
        (9, None),
        (10, rules.YELLOW),
        (29, rules.YELLOW),
        (30, rules.RED),
        (70, rules.RED),
    ],
)
def test_a_task_behind_schedule_is_yellow_from_10_points_and_red_from_30(gap, level):
    # On day 70 of 100 the schedule expects 70%.
    task = facts(start_date=START, deadline=HUNDRED_DAYS, progress=70.0 - gap)
    found = fired(task, today=on_day(70)).get(rules.SLOW)
    assert (found and found.level) == level
    if level:
        # Stored: the schedule and the progress; where the task should be, and
        # how far behind it is, are counted on the day shown.
        assert found.facts == {
            "progress": 70 - gap,
            "start": START.isoformat(),
            "deadline": HUNDRED_DAYS.isoformat(),
            "yellow": 10,
            "red": 30,
        }
        shown = rules.counted(rules.SLOW, found.facts, on_day(70))
        assert (shown["expected"], shown["gap"]) == (70, gap)
        shown = rules.counted(rules.SLOW, found.facts, on_day(80))
        assert (shown["expected"], shown["gap"]) == (80, gap + 10)


def test_progress_ahead_of_schedule_is_not_slow():
    task = facts(start_date=START, deadline=HUNDRED_DAYS, progress=90.0)
    assert rules.SLOW not in fired(task, today=on_day(40))


def test_a_task_is_not_slow_before_it_starts_nor_while_unclaimed():
    not_started = facts(start_date=TODAY + dt.timedelta(days=5), progress=0.0)
    assert rules.SLOW not in fired(not_started)
    unclaimed = facts(state="assigned", start_date=START, deadline=HUNDRED_DAYS, progress=0.0)
    assert rules.SLOW not in fired(unclaimed, today=on_day(80))


def test_the_slow_thresholds_come_from_the_limits():
    task = facts(start_date=START, deadline=HUNDRED_DAYS, progress=65.0)
    strict = Thresholds(slow_yellow=2, slow_red=5)
    assert fired(task, today=on_day(70), limits=strict)[rules.SLOW].level == rules.RED


# --- deadline near, overdue ---------------------------------------------------------


@pytest.mark.parametrize(("days", "warned"), [(10, False), (4, False), (3, True), (0, True)])
def test_a_deadline_three_days_away_is_a_reminder(days, warned):
    task = facts(deadline=TODAY + dt.timedelta(days=days), progress=95.0)
    found = fired(task).get(rules.NEAR_DUE)
    assert bool(found) is warned
    if warned:
        assert found.level == rules.REMINDER
        assert "days" not in found.facts
        assert rules.counted(rules.NEAR_DUE, found.facts, TODAY)["days"] == days
        assert found.facts["progress"] == 95


def test_a_complete_task_near_its_deadline_needs_no_reminder():
    assert rules.NEAR_DUE not in fired(facts(deadline=TODAY + dt.timedelta(days=1), progress=100.0))


def test_a_deadline_that_passed_yesterday_is_red_and_not_also_near():
    task = facts(deadline=TODAY - dt.timedelta(days=1), progress=95.0)
    found = fired(task)
    assert found[rules.OVERDUE].level == rules.RED
    assert found[rules.OVERDUE].facts == {"deadline": "2026-03-17"}
    assert rules.counted(rules.OVERDUE, found[rules.OVERDUE].facts, TODAY)["days"] == 1
    assert rules.NEAR_DUE not in found
    assert rules.SLOW not in found  # past the deadline it is overdue, not slow


def test_an_overdue_task_is_not_called_near_due_when_the_overdue_rule_is_off():
    task = facts(deadline=TODAY - dt.timedelta(days=1), progress=20.0)
    no_overdue = Thresholds(enabled=frozenset(rules.RULES) - {rules.OVERDUE})
    assert fired(task, limits=no_overdue) == {}


def test_the_deadline_day_itself_is_not_overdue():
    found = fired(facts(deadline=TODAY, progress=95.0))
    assert rules.OVERDUE not in found
    assert rules.counted(rules.NEAR_DUE, found[rules.NEAR_DUE].facts, TODAY)["days"] == 0


# --- postponement ------------------------------------------------------------------------


@pytest.mark.parametrize(("moves", "warned"), [(0, False), (1, False), (2, True), (5, True)])
def test_a_deadline_moved_twice_is_a_yellow_warning(moves, warned):
    found = fired(facts(deadline_moves=moves)).get(rules.POSTPONED)
    assert bool(found) is warned
    if warned:
        assert (found.level, found.facts) == (rules.YELLOW, {"moves": moves, "limit": 2})


# --- formalism --------------------------------------------------------------------------

LAST = "本周完成了3项审批，召开了2次协调会，项目推进顺利。"
SAME_BUT_FIGURES = "本周完成了 5 项审批,召开了 4 次协调会;项目推进顺利!"
DIFFERENT = "土地征收已完成，主体工程开工，下周开展设备招标。"


def test_normalise_keeps_only_what_was_said():
    assert rules.normalise("本周完成 3 项，推进顺利！") == "本周完成项推进顺利"
    assert rules.normalise("Phase ２: DONE.") == "phasedone"  # full-width figures too
    assert rules.normalise("  12.5%，。") == ""


def test_similarity_of_texts():
    assert rules.similarity(LAST, SAME_BUT_FIGURES) == 1.0
    assert rules.similarity(LAST, DIFFERENT) < 0.5
    assert rules.similarity("", LAST) == 0.0
    assert rules.similarity("123", "456") == 0.0  # nothing said is not "the same"


def test_a_report_that_repeats_the_last_one_but_for_figures_is_formalism():
    found = fired(facts(), texts=(LAST, SAME_BUT_FIGURES))[rules.FORMALISM]
    assert found.level == rules.YELLOW
    assert found.facts == {"similarity": 100, "limit": 90}


def test_a_report_that_says_something_new_is_not_formalism():
    assert rules.FORMALISM not in fired(facts(), texts=(LAST, DIFFERENT))
    assert rules.FORMALISM not in fired(facts(), texts=None)


def test_formalism_at_and_around_its_threshold():
    a, b = "甲乙丙丁戊己庚辛壬癸", "甲乙丙丁戊己庚辛壬子"  # 9 of 10 the same
    assert rules.similarity(a, b) == pytest.approx(0.9)
    assert rules.FORMALISM in fired(facts(), texts=(a, b))
    assert rules.FORMALISM not in fired(
        facts(), texts=(a, b), limits=Thresholds(formalism_similarity=0.91)
    )


# --- switching rules off --------------------------------------------------------------

# For each rule, a task and the inputs that make it fire.
FIRING = {
    rules.INACTION_CLAIM: (facts(state="assigned", assigned_on=TODAY - dt.timedelta(days=5)), {}),
    rules.INACTION_REPORT: (facts(), {"missing": periods.period_from_label(f.LAST_WEEK)}),
    rules.SLOW: (facts(progress=0.0), {}),
    rules.NEAR_DUE: (facts(deadline=TODAY + dt.timedelta(days=2)), {}),
    rules.OVERDUE: (facts(deadline=TODAY - dt.timedelta(days=2)), {}),
    rules.POSTPONED: (facts(deadline_moves=3), {}),
    rules.FORMALISM: (facts(), {"texts": (LAST, SAME_BUT_FIGURES)}),
    rules.NOTICE_OPEN: (facts(), {"notice_due": TODAY}),
}


def test_an_unanswered_notice_is_at_the_notice_level_until_its_date_then_red():
    task = facts()
    on_time = fired(task, notice_due=TODAY)[rules.NOTICE_OPEN]
    days_late = rules.counted(rules.NOTICE_OPEN, on_time.facts, TODAY)["days_late"]
    assert (on_time.level, days_late) == (rules.NOTICE, 0)
    late = fired(task, notice_due=TODAY - dt.timedelta(days=1))[rules.NOTICE_OPEN]
    days_late = rules.counted(rules.NOTICE_OPEN, late.facts, TODAY)["days_late"]
    assert (late.level, days_late) == (rules.RED, 1)
    assert rules.NOTICE_OPEN not in fired(task)


def test_every_rule_has_a_firing_case():
    assert set(FIRING) == set(rules.RULES)


@pytest.mark.parametrize("rule", rules.RULES)
def test_a_disabled_rule_never_fires(rule):
    task, inputs = FIRING[rule]
    assert rule in fired(task, **inputs)
    others = Thresholds(enabled=frozenset(rules.RULES) - {rule})
    assert rule not in fired(task, limits=others, **inputs)
    assert fired(task, limits=Thresholds(enabled=frozenset()), **inputs) == {}


def test_the_scans_quick_reading_of_the_latest_owed_period_is_the_definitions():
    """The scan finds the latest owed period from the end (fast at province
    scale); it must be the period the one definition (periods.owed_periods)
    gives, whatever the dates, cadence, grace and closing request."""
    import datetime as dt

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from duban.supervision.scan import _latest_owed_period

    days = st.dates(min_value=dt.date(2025, 1, 1), max_value=dt.date(2027, 12, 31))

    @settings(max_examples=400, deadline=None)
    @given(
        start=days,
        length=st.integers(min_value=-10, max_value=300),
        today=days,
        grace=st.integers(min_value=0, max_value=14),
        cadence=st.sampled_from(["weekly", "monthly"]),
        stop_after=st.none() | st.integers(min_value=0, max_value=320),
    )
    def check(start, length, today, grace, cadence, stop_after):
        deadline = start + dt.timedelta(days=length)
        stopped = start + dt.timedelta(days=stop_after) if stop_after is not None else None
        task = rules.TaskFacts(
            id=1,
            state="in_progress",
            is_parent=False,
            cadence=cadence,
            start_date=start,
            deadline=deadline,
            deadline_moves=0,
            progress=0.0,
            assigned_on=None,
            stopped_on=stopped,
        )
        assert _latest_owed_period(task, today, grace) == rules.latest_owed_period(
            task, today, grace
        )

    check()


@pytest.mark.django_db
def test_the_scans_missing_reports_are_each_tasks_latest_owed_period_when_none_is_filed():
    """The scan works the owed periods out once per set of dates that decide
    them (tasks share start dates, and a deadline after the cut-off does not
    matter): each task's must still be its own, as the definition gives."""
    import random

    from duban.supervision.scan import _missing

    rng = random.Random(15)
    starts = [dt.date(2026, 1, 5) + dt.timedelta(days=rng.randrange(300)) for _ in range(12)]
    for today in (dt.date(2026, 3, 2), dt.date(2026, 6, 17), dt.date(2026, 11, 30)):
        tasks = []
        for n in range(400):
            start = rng.choice(starts)
            stopped = rng.choice([None, None, start + dt.timedelta(days=rng.choice([20, 45, 80]))])
            tasks.append(
                rules.TaskFacts(
                    id=n + 1,
                    state="closing" if stopped else "in_progress",
                    is_parent=rng.random() < 0.05,
                    cadence=rng.choice(["weekly", "monthly"]),
                    start_date=start,
                    deadline=start + dt.timedelta(days=rng.choice([-3, 10, 40, 70, 120, 200])),
                    deadline_moves=0,
                    progress=0.0,
                    assigned_on=None,
                    stopped_on=stopped,
                )
            )
        for grace in (0, 1, 3):
            expected = {
                task.id: period
                for task in tasks
                if (period := rules.latest_owed_period(task, today, grace)) is not None
            }
            assert _missing(tasks, today, grace) == expected
