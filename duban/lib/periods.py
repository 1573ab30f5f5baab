"""Reporting periods: ISO weeks, calendar months and quarters, from one place.

A period is a closed date range [start, end]. Labels are stable keys used in
URLs and storage: ``2026-W47`` for an ISO week, ``2026-11`` for a month,
``2026-Q4`` for a quarter (a task reported 每季度).

A label names a year from :data:`FIRST_YEAR` to :data:`LAST_YEAR` (the
range the forms and the API accept for a plan's or a target's year): a link
to ``0001-01`` or ``9999-W52`` names no period of the record, and the
periods next to it would fall off the calendar.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

WEEKLY = "weekly"
MONTHLY = "monthly"
QUARTERLY = "quarterly"
CADENCES = (WEEKLY, MONTHLY, QUARTERLY)
FIRST_YEAR = 2000
LAST_YEAR = 2100

# [0-9], not \d: \d also matches "٢٠٢٦", which int() reads.
_WEEK_RE = re.compile(r"([0-9]{4})-W([0-9]{2})")
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
_QUARTER_PERIOD_RE = re.compile(r"([0-9]{4})-Q([1-4])")
_YEAR_RE = re.compile(r"[0-9]{4}")


def _year(text: str, label: str) -> int:
    year = int(text)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"not a year from {FIRST_YEAR} to {LAST_YEAR}: {label!r}")
    return year


def year_from_label(label: str) -> int:
    """Parse ``2026`` (from :data:`FIRST_YEAR` to :data:`LAST_YEAR`); raise
    ValueError on anything else."""
    if not _YEAR_RE.fullmatch(label):
        raise ValueError(f"not a year: {label!r}")
    return _year(label, label)


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date
    cadence: str

    @property
    def label(self) -> str:
        if self.cadence == WEEKLY:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.cadence == QUARTERLY:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def next(self) -> Period:
        return period_containing(self.end + dt.timedelta(days=1), self.cadence)

    def previous(self) -> Period:
        return period_containing(self.start - dt.timedelta(days=1), self.cadence)


def period_containing(day: dt.date, cadence: str) -> Period:
    if cadence == WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return Period(start, start + dt.timedelta(days=6), WEEKLY)
    if cadence == MONTHLY:
        last = calendar.monthrange(day.year, day.month)[1]
        return Period(day.replace(day=1), day.replace(day=last), MONTHLY)
    if cadence == QUARTERLY:
        quarter = quarter_containing(day)
        return Period(quarter.start, quarter.end, QUARTERLY)
    raise ValueError(f"unknown cadence {cadence!r}")


def period_from_label(label: str) -> Period:
    """Parse ``2026-W47``, ``2026-11`` or ``2026-Q4`` (of a year from :data:`FIRST_YEAR` to
    :data:`LAST_YEAR`); raise ValueError on anything else."""
    if m := _WEEK_RE.fullmatch(label):
        start = dt.date.fromisocalendar(_year(m[1], label), int(m[2]), 1)
        return Period(start, start + dt.timedelta(days=6), WEEKLY)
    if m := _MONTH_RE.fullmatch(label):
        year, month = _year(m[1], label), int(m[2])
        if not 1 <= month <= 12:
            raise ValueError(f"not a month: {label!r}")
        return period_containing(dt.date(year, month, 1), MONTHLY)
    if m := _QUARTER_PERIOD_RE.fullmatch(label):
        return period_containing(dt.date(_year(m[1], label), 3 * int(m[2]) - 2, 1), QUARTERLY)
    raise ValueError(f"not a period label: {label!r}")


_MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def in_words(label: str, *, chinese: bool, today: dt.date) -> str:
    """How a period is named for people, the one definition (pages, messages,
    documents; URLs, storage and the API keep the label).

    A week: ``第48周（11月23日—29日）`` / ``Week 48 (23–29 Nov)``; across two
    months ``第49周（11月30日—12月6日）`` / ``Week 49 (30 Nov – 6 Dec)``; the
    (ISO) year in front when it is not ``today``'s or the week spans two years:
    ``2025年第52周（12月22日—28日）`` / ``Week 52 of 2025 (22–28 Dec)``. A month:
    ``2026年11月`` / ``November 2026``. A label that names no period is given
    back as it is."""
    try:
        period = period_from_label(label)
    except ValueError:
        return label
    start, end = period.start, period.end
    if period.cadence == QUARTERLY:
        number = (start.month - 1) // 3 + 1
        if chinese:
            return f"{start.year}年第{'一二三四'[number - 1]}季度"
        return f"Q{number} {start.year}"
    if period.cadence == MONTHLY:
        if chinese:
            return f"{start.year}年{start.month}月"
        return f"{_MONTHS_EN[start.month - 1]} {start.year}"
    year, week, _ = start.isocalendar()
    with_year = year != today.year or start.year != end.year
    if chinese:
        days = (
            f"{start.month}月{start.day}日—{end.day}日"
            if start.month == end.month
            else f"{start.month}月{start.day}日—{end.month}月{end.day}日"
        )
        return f"{year}年第{week}周（{days}）" if with_year else f"第{week}周（{days}）"
    month, end_month = _MONTHS_EN[start.month - 1][:3], _MONTHS_EN[end.month - 1][:3]
    days = (
        f"{start.day}–{end.day} {month}"
        if start.month == end.month
        else f"{start.day} {month} – {end.day} {end_month}"
    )
    return f"Week {week} of {year} ({days})" if with_year else f"Week {week} ({days})"


def periods_between(first: dt.date, last: dt.date, cadence: str) -> Iterator[Period]:
    """Every period that overlaps [first, last], in order."""
    if last < first:
        return
    if last.year > LAST_YEAR:  # a long-term task's horizon: no period lies beyond the record
        last = dt.date(LAST_YEAR, 12, 31)
    period = period_containing(first, cadence)
    while period.start <= last:
        yield period
        period = period.next()


def ended_periods(start: dt.date, until: dt.date, today: dt.date, cadence: str) -> list[Period]:
    """Periods from ``start`` that have ended before ``today`` and began by ``until``.

    These are the periods for which a report is owed: the task was running
    (started, not past its deadline ``until``) and the period is over.
    """
    return [p for p in periods_between(start, min(until, today), cadence) if p.end < today]


def owed_periods(
    start: dt.date,
    deadline: dt.date,
    cadence: str,
    *,
    today: dt.date,
    grace: int,
    stopped_on: dt.date | None,
) -> list[Period]:
    """The periods a task owes a report for, the one definition (a task's
    ``owed_periods``, the scan's rules; ``work.models.owes_for`` is the same in
    SQL): every period from the start that began by the deadline and was over
    before the report fell due (its end + ``grace`` days, before ``today``) and
    before the unit asked to close (``stopped_on``)."""
    cutoff = today - dt.timedelta(days=grace)
    if stopped_on is not None:
        cutoff = min(cutoff, stopped_on)
    return ended_periods(start, deadline, cutoff, cadence)


def week_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    p = period_containing(day, WEEKLY)
    return p.start, p.end


def time_elapsed_fraction(start: dt.date, end: dt.date, today: dt.date) -> float:
    """Share of [start, end] that has passed on ``today``, clamped to 0..1."""
    if end <= start:
        return 1.0 if today >= end else 0.0
    total = (end - start).days
    done = (today - start).days
    return max(0.0, min(1.0, done / total))


_QUARTER_RE = re.compile(r"([0-9]{4})[- ]?Q([1-4])", re.IGNORECASE)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @property
    def label(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        month = 3 * self.number
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    def previous(self) -> Quarter:
        return (
            Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)
        )

    def reporting_periods(self) -> list[Period]:
        """The weeks that end in the quarter, its months and the quarter itself:
        the periods whose reports count towards it (a week belongs to the
        quarter of its Sunday)."""
        weeks = [
            p
            for p in periods_between(self.start, self.end, WEEKLY)
            if self.start <= p.end <= self.end
        ]
        months = list(periods_between(self.start, self.end, MONTHLY))
        return [*weeks, *months, Period(self.start, self.end, QUARTERLY)]


def quarter_containing(day: dt.date) -> Quarter:
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def quarter_from_label(label: str) -> Quarter:
    """Parse ``2026Q3`` (also ``2026-Q3``, of a year from :data:`FIRST_YEAR` to
    :data:`LAST_YEAR`); raise ValueError on anything else."""
    if m := _QUARTER_RE.fullmatch(label.strip()):
        return Quarter(_year(m[1], label), int(m[2]))
    raise ValueError(f"not a quarter: {label!r}")
