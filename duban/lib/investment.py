"""Project investment: amounts, monthly reports, completion against plan.

Money is a :class:`~decimal.Decimal` number of yuan with two places (fen),
never a float: the office adds up thousands of monthly figures and its totals
must agree with a hand count to the fen. Offices type and read 万元 (ten
thousand yuan); :func:`parse_amount` takes 万元 by default and :func:`wan`,
:func:`yi` and :func:`million` turn yuan back into a display unit.

Rates are percentages with one decimal place, rounded half up (31.65 → 31.7,
as a hand calculation rounds), computed exactly from fractions, so no binary
or precision drift reaches the last digit. A rate against a plan of zero is
None ("no plan"), not 0% or 100%.

The time-proportional plan (时序进度计划) is the share of the annual plan due
by a date, by whole months: a month counts once its last day is reached, so
on 31 May five twelfths are due and on 30 May four. Why months, not days:
investment is reported as month totals, and a figure for May compared with a
plan for 5.5 months would show every project behind in the middle of June. A
project planned over part of the year (first month 4, last month 9) spreads its
plan evenly over those months: nothing is due before its first month ends and
all of it once its last month has.

Errors are :class:`InvestmentError` with a machine code and parameters (money
in 万元 as text); the English texts are in :data:`MESSAGES`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from django.utils.translation import gettext_noop

YUAN = "yuan"
WAN = "wan"  # 万元, ten thousand yuan
MILLION = "million"
YI = "yi"  # 亿元, a hundred million yuan
SCALE: dict[str, Decimal] = {
    YUAN: Decimal(1),
    WAN: Decimal(10_000),
    MILLION: Decimal(1_000_000),
    YI: Decimal(100_000_000),
}

FEN = Decimal("0.01")
ONE_PLACE = Decimal("0.1")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
# No figure a zone or a province reports comes near 10 万亿元 (100,000 亿元; a
# province's annual fixed-asset investment is a few 万亿元): above it, the unit
# is wrong. A DecimalField(max_digits=16, decimal_places=2) holds anything below.
MAX_YUAN = Decimal(10) ** 13

MESSAGES: dict[str, str] = {
    # the units
    "unit.yuan": gettext_noop("yuan"),
    "unit.wan": gettext_noop("ten thousand yuan"),
    "unit.million": gettext_noop("million yuan"),
    "unit.yi": gettext_noop("hundred million yuan"),
    # InvestmentError codes
    "empty": gettext_noop("No amount given."),
    "not_a_number": gettext_noop("“%(text)s” is not an amount of money."),
    "negative": gettext_noop("“%(text)s”: an amount of investment cannot be negative."),
    "too_precise": gettext_noop(
        "“%(text)s” is more precise than a fen (0.01 yuan): in this unit, use at most "
        "%(places)s decimal places."
    ),
    "too_large": gettext_noop(
        "“%(text)s” is more than %(limit)s hundred million yuan; check the unit."
    ),
    "bad_month": gettext_noop("There is no month %(month)s."),
    "bad_span": gettext_noop(
        "The plan runs from month %(start)s to month %(end)s: the first month must be "
        "from 1 to 12 and not after the last."
    ),
    "month_in_future": gettext_noop(
        "%(year)s-%(month)02d has not begun yet (today is %(today)s); report a month "
        "once it has begun."
    ),
    "ytd_decreased": gettext_noop(
        "The year-to-date figure for %(year)s-%(month)02d, %(ytd)s ten thousand yuan, "
        "is below the previous month's, %(previous_ytd)s: completed investment does not "
        "go down. Correct the earlier month if it was wrong."
    ),
    "ytd_mismatch": gettext_noop(
        "%(previous_ytd)s ten thousand yuan up to last month plus %(amount)s this month "
        "is %(expected)s, not the %(ytd)s reported as the year-to-date figure."
    ),
    "ytd_below_month": gettext_noop(
        "The year-to-date figure, %(ytd)s ten thousand yuan, is below this month's %(amount)s."
    ),
}


class InvestmentError(ValueError):
    """An amount or a report that cannot be used: ``code`` (a key of
    :data:`MESSAGES`) and ``params`` for its message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params: dict[str, Any] = params


def message(code: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The English msgid for ``code`` and its params, for the UI to translate."""
    return MESSAGES[code], params


# ---------------------------------------------------------------- amounts


def in_unit(amount: Decimal, unit: str, places: int = 2) -> Decimal:
    """``amount`` yuan in ``unit``, rounded half up to ``places``."""
    return (amount / SCALE[unit]).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)


def wan(amount: Decimal) -> Decimal:
    """Yuan as 万元, two places: ``wan(Decimal("12345678"))`` is 1234.57."""
    return in_unit(amount, WAN)


def yi(amount: Decimal) -> Decimal:
    """Yuan as 亿元, two places: ``yi(Decimal("1234567890"))`` is 12.35."""
    return in_unit(amount, YI)


def million(amount: Decimal) -> Decimal:
    """Yuan as million yuan, two places, for English readers:
    ``million(Decimal("12345678"))`` is 12.35."""
    return in_unit(amount, MILLION)


def show(amount: Decimal, unit: str = WAN) -> str:
    """An amount for a table, in ``unit`` with thousands separators:
    ``show(Decimal("12000000"))`` is "1,200.00"."""
    return f"{in_unit(amount, unit):,.2f}"


# ASCII digits once NFKC has folded the full-width ones (１２００): "٣" is not an amount.
_AMOUNT = re.compile(
    r"(?P<sign>[+-]?)(?P<number>[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?|[0-9]+\.?[0-9]*|\.[0-9]+)"
)
_UNIT_SUFFIX = {"万元": WAN, "万": WAN, "亿元": YI, "亿": YI, "元": YUAN}


def parse_amount(value: object, unit: str = WAN) -> Decimal:
    """An amount as typed or as a spreadsheet cell holds it, in ``unit``, as
    yuan with two places.

    Text may group thousands with commas and may end in its own unit, which
    wins over ``unit``: "1,200" → 12,000,000.00; "3亿元" → 300,000,000.00.
    A float cell is read as it displays (0.1 is 0.1, not 0.1000000000000000055).
    Refused, with a code: nothing, what is not a number, a negative amount,
    more precision than a fen (in 万元, more than six decimal places), and more
    than :data:`MAX_YUAN`.

    >>> parse_amount("1,200.5")
    Decimal('12005000.00')
    >>> parse_amount(" 80 ", unit="yuan")
    Decimal('80.00')
    """
    if unit not in SCALE:
        raise ValueError(f"unknown unit {unit!r}")
    if isinstance(value, str):
        text = value.strip()
        number, unit = _read_text(text, unit)
    else:
        text = "" if value is None else repr(value) if isinstance(value, float) else str(value)
        number = _read_number(value, text)
    return _checked(number, unit, text)


def check_yuan(amount: object) -> Decimal:
    """An amount already in yuan (the API's, a service's caller's) as the record
    keeps it, with two places: refused, with the codes of :func:`parse_amount`,
    when it is not a finite number (NaN, infinity), is negative, is
    :data:`MAX_YUAN` or more, or is more precise than a fen.

    >>> check_yuan(Decimal("12000000"))
    Decimal('12000000.00')
    """
    text = str(amount)
    return _checked(_read_number(amount, text), YUAN, text)


def _checked(number: Decimal, unit: str, text: str) -> Decimal:
    text = _shown(text)
    if number < 0:
        raise InvestmentError("negative", text=text)
    if number >= MAX_YUAN / SCALE[unit]:  # not number * scale: 1e999999 would overflow
        raise InvestmentError("too_large", text=text, limit=f"{MAX_YUAN / SCALE[YI]:,.0f}")
    places = 2 + SCALE[unit].adjusted()  # a fen is 2 places of yuan, 6 of 万元, 10 of 亿元
    if _decimal_places(number) > places:
        raise InvestmentError("too_precise", text=text, unit=unit, places=places)
    return abs(number * SCALE[unit]).quantize(FEN)  # abs: "-0" is zero, not negative zero


def _shown(text: str, limit: int = 40) -> str:
    """The text as a message quotes it: a 100 kB paste is not repeated whole."""
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


def _read_text(text: str, unit: str) -> tuple[Decimal, str]:
    """The number typed and its unit (its own suffix, else ``unit``)."""
    if not text:
        raise InvestmentError("empty", text="")
    if any(unicodedata.category(c) == "No" for c in text):
        # NFKC would fold "²" and "①" to "2" and "1": not what was meant.
        raise InvestmentError("not_a_number", text=_shown(text))
    folded = unicodedata.normalize("NFKC", text).replace("\u2212", "-")  # and "，" to ","
    for suffix, named in _UNIT_SUFFIX.items():
        if folded.endswith(suffix):
            folded, unit = folded.removesuffix(suffix).rstrip(), named
            break
    match = _AMOUNT.fullmatch(folded)
    if not match:
        raise InvestmentError("not_a_number", text=_shown(text))
    return Decimal(match["sign"] + match["number"].replace(",", "")), unit


def _decimal_places(number: Decimal) -> int:
    """The decimal places ``number`` needs, trailing zeros aside, counted
    exactly (``normalize`` would round to the context's precision first)."""
    digits, exponent = number.as_tuple().digits, int(number.as_tuple().exponent)
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing)) if any(digits) else 0


def _read_number(value: object, text: str) -> Decimal:
    """The number a cell holds that is not text; a float as it displays."""
    if value is None:
        raise InvestmentError("empty", text="")
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise InvestmentError("not_a_number", text=_shown(text))
    try:
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise InvestmentError("not_a_number", text=_shown(text)) from None
    if not number.is_finite():
        raise InvestmentError("not_a_number", text=_shown(text))
    return number


# ---------------------------------------------------------------- rates


def percent(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part`` as a percentage of ``whole``, one place, half up, exact; None
    when ``whole`` is 0. ``percent(380, 1200)`` is 31.7 (31.666…)."""
    if whole == 0:
        return None
    exact = Fraction(part) * 100 / Fraction(whole)
    return _round_half_up(exact, 1)


def _round_half_up(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half away from zero to ``places`` decimal places."""
    scaled = abs(value) * 10**places
    digits = math.floor(scaled + Fraction(1, 2))
    rounded = Decimal(digits).scaleb(-places)
    return -rounded if value < 0 else rounded


def completion_rate(done: Decimal, plan: Decimal) -> Decimal | None:
    """Completed investment as a percentage of a plan, one place, half up; None
    when the plan is 0. Above 100 when the plan is exceeded.

    Worked example: plan 1,200 万元, 380 done: 380 / 1,200 = 31.666… → 31.7.
    """
    _not_negative(done=done, plan=plan)
    return percent(done, plan)


def months_ended(year: int, as_of: dt.date) -> int:
    """How many months of ``year`` have ended on ``as_of`` (0..12). A month has
    ended on its last day: on 31 May five, on 30 May four."""
    if as_of.year != year:
        return 0 if as_of.year < year else 12
    ends_today = (as_of + dt.timedelta(days=1)).month != as_of.month
    return as_of.month if ends_today else as_of.month - 1


def time_proportional_plan(
    annual_plan: Decimal,
    year: int,
    as_of: dt.date,
    *,
    start: int | None = None,
    end: int | None = None,
) -> Decimal:
    """The part of ``annual_plan`` due by ``as_of``, in yuan with two places
    (half up): the plan spread evenly over the months ``start``..``end`` of
    ``year`` (default the whole year), counting the months ended on ``as_of``.

    Worked examples:

    * plan 1,200 万元 for the year, as of 31 May: 5 months ended, 5/12 × 1,200
      = 500 万元 due; as of 30 May 4/12 → 400.
    * plan 600 万元 from April to September (6 months), as of 31 May: April and
      May ended, 2/6 × 600 = 200 万元 due; as of 31 March nothing; from 30
      September on, all 600.
    * plan 1,000 yuan over the year, as of 30 April: 4/12 × 1,000 = 333.33.
    """
    _not_negative(annual_plan=annual_plan)
    first = 1 if start is None else start
    last = 12 if end is None else end
    if not 1 <= first <= last <= 12:
        raise InvestmentError("bad_span", start=first, end=last)
    due_months = max(0, min(months_ended(year, as_of), last) - first + 1)
    share = Fraction(due_months, last - first + 1)
    return _round_half_up(Fraction(annual_plan) * share, 2)


def behind(done: Decimal, plan_to_date: Decimal) -> Decimal:
    """Points behind the time-proportional plan: 100 minus the completion rate
    against what is due, never below 0; 0.0 when nothing is due yet.

    One point is one percent of what is due by now, and the figure is taken
    from the displayed rate, so rate + points = 100.0 exactly, as an office
    checks it by hand. Worked example: 500 万元 due, 380 done: 76.0% of the
    time plan, 24.0 points behind.
    """
    rate = completion_rate(done, plan_to_date)
    if rate is None:
        return Decimal("0.0")
    return max(Decimal("0.0"), HUNDRED - rate)


def _not_negative(**amounts: Decimal) -> None:
    for name, amount in amounts.items():
        if amount < 0:
            raise InvestmentError("negative", text=str(wan(amount)), field=name)


# ---------------------------------------------------------------- monthly reports


def year_to_date(monthly: Mapping[int, Decimal], month: int) -> Decimal:
    """The completed investment of months 1..``month``: the sum of the monthly
    figures (a month without a report adds nothing).

    Worked example: {1: 100, 2: 150, 3: 0, 4: 130} 万元, month 3 → 250 万元.
    """
    if not 1 <= month <= 12:
        raise InvestmentError("bad_month", month=month)
    for key, amount in monthly.items():
        if not 1 <= key <= 12:
            raise InvestmentError("bad_month", month=key)
        _not_negative(**{f"month {key}": amount})
    return sum((amount for key, amount in monthly.items() if key <= month), ZERO)


@dataclass(frozen=True)
class MonthReport:
    """A month's completed investment, checked: ``amount`` in the month and
    ``ytd`` from January to the month (None when neither it nor the previous
    year-to-date was given)."""

    year: int
    month: int
    amount: Decimal
    ytd: Decimal | None

    @property
    def label(self) -> str:
        return f"{self.year}-{self.month:02d}"


def check_month_report(
    year: int,
    month: int,
    amount: Decimal | None,
    today: dt.date,
    *,
    ytd: Decimal | None = None,
    previous_ytd: Decimal | None = None,
) -> MonthReport:
    """Check a monthly investment report and complete it.

    ``amount``: the month's investment; ``ytd``: the year-to-date figure as
    reported; ``previous_ytd``: the year-to-date of the month before, as on
    record (for January it is 0 whatever is passed). Give the amount, or the
    year-to-date and the previous one to derive it.

    Refused: a month that has not begun (the current month may be reported:
    offices collect month figures before the month ends), a negative figure, a
    year-to-date below the previous one, and one that does not add up.

    Worked example: up to April 380 万元, May 120 → year-to-date 500; a May
    year-to-date of 350 is refused ("ytd_decreased").
    """
    if not 1 <= month <= 12:
        raise InvestmentError("bad_month", month=month)
    if (year, month) > (today.year, today.month):
        raise InvestmentError("month_in_future", year=year, month=month, today=today.isoformat())
    for name, figure in (("amount", amount), ("ytd", ytd), ("previous_ytd", previous_ytd)):
        if figure is not None:
            _not_negative(**{name: figure})
    previous = ZERO if month == 1 else previous_ytd
    params: dict[str, Any] = {"year": year, "month": month}
    if ytd is not None and previous is not None and ytd < previous:
        raise InvestmentError(
            "ytd_decreased", **params, ytd=str(wan(ytd)), previous_ytd=str(wan(previous))
        )
    if amount is None:
        if ytd is None or previous is None:
            raise ValueError("give the month's amount, or the year-to-date and the previous one")
        return MonthReport(year, month, ytd - previous, ytd)
    if previous is not None:
        expected = previous + amount
        if ytd is not None and ytd != expected:
            raise InvestmentError(
                "ytd_mismatch",
                **params,
                amount=str(wan(amount)),
                previous_ytd=str(wan(previous)),
                expected=str(wan(expected)),
                ytd=str(wan(ytd)),
            )
        return MonthReport(year, month, amount, expected)
    if ytd is not None and ytd < amount:
        raise InvestmentError(
            "ytd_below_month", **params, ytd=str(wan(ytd)), amount=str(wan(amount))
        )
    return MonthReport(year, month, amount, ytd)
