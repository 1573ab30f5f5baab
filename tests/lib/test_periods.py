"""duban.lib.periods: ISO weeks and calendar months, without Django."""

from __future__ import annotations

import datetime as dt

import pytest

from duban.lib import periods
from duban.lib.periods import MONTHLY, WEEKLY, Period

D = dt.date


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (D(2026, 3, 18), "2026-W12"),
        (D(2026, 1, 1), "2026-W01"),  # a Thursday: week 1 holds the year's first Thursday
        (D(2025, 12, 29), "2026-W01"),  # Monday of 2026-W01 is still in 2025
        (D(2026, 12, 31), "2026-W53"),
        (D(2027, 1, 1), "2026-W53"),  # 2027 starts on a Friday, in 2026's last week
        (D(2027, 1, 3), "2026-W53"),
        (D(2027, 1, 4), "2027-W01"),
        (D(2020, 12, 31), "2020-W53"),
        (D(2021, 1, 3), "2020-W53"),
        (D(2024, 12, 30), "2025-W01"),
    ],
)
def test_a_day_belongs_to_its_iso_week_across_year_boundaries(day, label):
    week = periods.period_containing(day, WEEKLY)
    assert week.label == label
    assert week.start.weekday() == 0
    assert week.end - week.start == dt.timedelta(days=6)
    assert week.contains(day)


def test_2026_has_53_weeks_and_2027_has_52():
    assert periods.period_from_label("2026-W53") == Period(D(2026, 12, 28), D(2027, 1, 3), WEEKLY)
    assert periods.period_from_label("2026-W53").next().label == "2027-W01"
    assert periods.period_from_label("2027-W01").previous().label == "2026-W53"
    with pytest.raises(ValueError):
        periods.period_from_label("2027-W53")


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (D(2026, 2, 14), D(2026, 2, 1), D(2026, 2, 28)),
        (D(2024, 2, 29), D(2024, 2, 1), D(2024, 2, 29)),  # leap year
        (D(2026, 12, 31), D(2026, 12, 1), D(2026, 12, 31)),
        (D(2026, 4, 1), D(2026, 4, 1), D(2026, 4, 30)),
    ],
)
def test_a_month_runs_from_its_first_to_its_last_day(day, start, end):
    month = periods.period_containing(day, MONTHLY)
    assert (month.start, month.end) == (start, end)
    assert month.label == f"{start.year}-{start.month:02d}"


def test_the_month_after_december_is_january_of_the_next_year():
    december = periods.period_from_label("2026-12")
    assert december.next().label == "2027-01"
    assert periods.period_from_label("2027-01").previous() == december


@pytest.mark.parametrize(
    "label", ["2020-W53", "2026-W01", "2026-W12", "2026-W53", "2027-W52", "2026-01", "2026-12"]
)
def test_labels_round_trip(label):
    period = periods.period_from_label(label)
    assert period.label == label
    assert periods.period_containing(period.start, period.cadence) == period
    assert periods.period_containing(period.end, period.cadence) == period


@pytest.mark.parametrize(
    "label",
    [
        "",
        "2026",
        "2026-W5",
        "2026-W00",
        "2025-W53",  # 2025 has only 52 ISO weeks
        "2026-W54",
        "2026-13",
        "2026-00",
        "2026-1",
        "26-W12",
        "2026-w12",
        "2026-W12 ",
        "2026-W12\n",
        " 2026-03",
        "2026/03",
        "W12-2026",
        # Years the record does not keep (their neighbours fall off the calendar).
        "0001-01",
        "0001-W01",
        "9999-W52",
        "9999-12",
        "1999-12",
        "2101-01",
        "٢٠٢٦-W12",  # Arabic-Indic digits: int() reads them, a label is ASCII
        "２０２６-03",
    ],
)
def test_bad_labels_raise_value_error(label):
    with pytest.raises(ValueError):
        periods.period_from_label(label)


def test_the_first_and_last_years_have_their_periods_and_neighbours():
    first = periods.period_from_label(f"{periods.FIRST_YEAR}-01")
    last = periods.period_from_label(f"{periods.LAST_YEAR}-W52")
    assert first.previous().label == f"{periods.FIRST_YEAR - 1}-12"
    assert last.next().start == last.end + dt.timedelta(days=1)  # the page links to it
    assert periods.quarter_from_label(f"{periods.LAST_YEAR}Q4").end == dt.date(2100, 12, 31)


@pytest.mark.parametrize("label", ["0001Q1", "9999Q4", "1999Q4", "2101Q1", "٢٠٢٦Q1", "2026Q5"])
def test_a_quarter_outside_the_years_of_the_record_raises_value_error(label):
    with pytest.raises(ValueError):
        periods.quarter_from_label(label)


@pytest.mark.parametrize(
    "label", ["", "0001", "9999", "2101", "1999", "²⁰²⁶", "٢٠٢٦", " 2026", "26"]
)
def test_a_year_outside_the_record_raises_value_error(label):
    with pytest.raises(ValueError):
        periods.year_from_label(label)


def test_a_year_of_the_record_is_read():
    assert periods.year_from_label("2026") == 2026
    assert periods.year_from_label("2000") == periods.FIRST_YEAR


def test_an_unknown_cadence_raises_value_error():
    with pytest.raises(ValueError):
        periods.period_containing(D(2026, 3, 18), "daily")


def test_periods_between_lists_every_overlapping_period_in_order():
    weeks = list(periods.periods_between(D(2026, 12, 30), D(2027, 1, 12), WEEKLY))
    assert [w.label for w in weeks] == ["2026-W53", "2027-W01", "2027-W02"]
    months = list(periods.periods_between(D(2026, 11, 30), D(2027, 2, 1), MONTHLY))
    assert [m.label for m in months] == ["2026-11", "2026-12", "2027-01", "2027-02"]


def test_periods_between_a_single_day_is_its_period_and_a_reversed_range_is_empty():
    assert [p.label for p in periods.periods_between(D(2026, 3, 18), D(2026, 3, 18), WEEKLY)] == [
        "2026-W12"
    ]
    assert list(periods.periods_between(D(2026, 3, 18), D(2026, 3, 17), WEEKLY)) == []


def test_ended_periods_are_those_over_before_today_within_the_task_dates():
    start, deadline = D(2026, 3, 4), D(2026, 5, 29)
    # On Wednesday of W12, W10 and W11 have ended; W12 has not.
    owed = periods.ended_periods(start, deadline, D(2026, 3, 18), WEEKLY)
    assert [p.label for p in owed] == ["2026-W10", "2026-W11"]
    # On the Monday after W12, W12 has ended too.
    owed = periods.ended_periods(start, deadline, D(2026, 3, 23), WEEKLY)
    assert [p.label for p in owed][-1] == "2026-W12"
    # Nothing is owed past the deadline's period.
    owed = periods.ended_periods(start, D(2026, 3, 10), D(2026, 6, 1), WEEKLY)
    assert [p.label for p in owed] == ["2026-W10", "2026-W11"]
    # Nothing is owed before the task starts.
    assert periods.ended_periods(D(2026, 4, 1), deadline, D(2026, 3, 18), MONTHLY) == []


def test_week_bounds_are_monday_to_sunday():
    assert periods.week_bounds(D(2027, 1, 1)) == (D(2026, 12, 28), D(2027, 1, 3))


@pytest.mark.parametrize(
    ("today", "fraction"),
    [(D(2026, 1, 1), 0.0), (D(2025, 12, 1), 0.0), (D(2026, 1, 11), 0.5), (D(2026, 2, 1), 1.0)],
)
def test_time_elapsed_fraction_is_clamped_to_0_and_1(today, fraction):
    assert periods.time_elapsed_fraction(D(2026, 1, 1), D(2026, 1, 21), today) == fraction


IN_2026 = D(2026, 3, 18)


@pytest.mark.parametrize(
    ("label", "chinese", "words"),
    [
        ("2026-W48", True, "第48周（11月23日—29日）"),
        ("2026-W48", False, "Week 48 (23–29 Nov)"),
        # A week across two months names both.
        ("2026-W49", True, "第49周（11月30日—12月6日）"),
        ("2026-W49", False, "Week 49 (30 Nov – 6 Dec)"),
        # Another year's week names its year.
        ("2025-W52", True, "2025年第52周（12月22日—28日）"),
        ("2025-W52", False, "Week 52 of 2025 (22–28 Dec)"),
        # Week 1 of 2026 begins on Monday 29 December 2025: it spans two years.
        ("2026-W01", True, "2026年第1周（12月29日—1月4日）"),
        ("2026-W01", False, "Week 1 of 2026 (29 Dec – 4 Jan)"),
        # 2026 has a week 53 (28 December 2026 to 3 January 2027).
        ("2026-W53", True, "2026年第53周（12月28日—1月3日）"),
        ("2026-W53", False, "Week 53 of 2026 (28 Dec – 3 Jan)"),
        # Week 1 of 2025 began on 30 December 2024.
        ("2025-W01", True, "2025年第1周（12月30日—1月5日）"),
        ("2026-W12", True, "第12周（3月16日—22日）"),
        ("2026-11", True, "2026年11月"),
        ("2026-11", False, "November 2026"),
        ("2025-12", True, "2025年12月"),
        ("2027-01", False, "January 2027"),
        ("not a period", True, "not a period"),
        ("2026-W54", False, "2026-W54"),
    ],
)
def test_a_period_in_words_is_how_people_name_it(label, chinese, words):
    assert periods.in_words(label, chinese=chinese, today=IN_2026) == words


def test_a_week_of_the_current_year_seen_from_the_next_names_its_year():
    assert periods.in_words("2026-W48", chinese=True, today=D(2027, 1, 10)) == (
        "2026年第48周（11月23日—29日）"
    )
    assert periods.in_words("2027-W02", chinese=False, today=D(2027, 1, 10)) == (
        "Week 2 (11–17 Jan)"
    )
