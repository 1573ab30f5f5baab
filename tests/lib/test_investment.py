"""duban.lib.investment: money in exact yuan, monthly reports and the time plan,
checked as an office checks them by hand."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.lib import investment
from duban.lib.investment import (
    InvestmentError,
    behind,
    check_month_report,
    completion_rate,
    million,
    parse_amount,
    show,
    time_proportional_plan,
    wan,
    year_to_date,
    yi,
)

D = dt.date
TODAY = D(2026, 6, 10)


def W(text: str) -> Decimal:
    """万元 as yuan: W("1200") is 12,000,000 yuan."""
    return Decimal(text) * 10_000


def error_of(call, *args, **kwargs) -> InvestmentError:
    with pytest.raises(InvestmentError) as caught:
        call(*args, **kwargs)
    return caught.value


# ---------------------------------------------------------------- units


def test_display_units():
    amount = Decimal("1234567890.00")  # 1,234,567,890 yuan
    assert wan(amount) == Decimal("123456.79")
    assert yi(amount) == Decimal("12.35")
    assert million(amount) == Decimal("1234.57")
    assert show(amount) == "123,456.79"
    assert show(amount, "yi") == "12.35"
    assert show(W("1200")) == "1,200.00"


def test_display_rounds_half_up():
    assert wan(Decimal("50.00")) == Decimal("0.01")  # 0.005 万元 → 0.01
    assert wan(Decimal("49.99")) == Decimal("0.00")
    assert yi(Decimal("1500000")) == Decimal("0.02")  # 0.015 亿元 → 0.02


# ---------------------------------------------------------------- parse_amount


@pytest.mark.parametrize(
    ("value", "unit", "yuan"),
    [
        ("1200", "wan", "12000000.00"),
        ("1,200.5", "wan", "12005000.00"),
        (" 80 ", "yuan", "80.00"),
        ("0.000001", "wan", "0.01"),  # one fen, in 万元
        ("1200万元", "yuan", "12000000.00"),  # the text's own unit wins
        ("1200 万", "yuan", "12000000.00"),
        ("3.5亿元", "wan", "350000000.00"),
        ("3亿", "wan", "300000000.00"),
        ("80元", "wan", "80.00"),
        ("１２００万元", "yuan", "12000000.00"),  # full-width digits
        ("1，200", "wan", "12000000.00"),  # a full-width comma
        (".5", "wan", "5000.00"),
        ("100.", "wan", "1000000.00"),
        ("+12", "wan", "120000.00"),
        ("0", "wan", "0.00"),
        ("-0", "wan", "0.00"),
        (1200, "wan", "12000000.00"),
        (0.1, "wan", "1000.00"),  # a float cell, as it displays
        (1200.35, "wan", "12003500.00"),
        (Decimal("12.5"), "yuan", "12.50"),
        ("12.5", "million", "12500000.00"),
    ],
)
def test_amounts_are_read_as_exact_yuan(value, unit, yuan):
    parsed = parse_amount(value, unit=unit)
    assert parsed == Decimal(yuan)
    assert str(parsed) == yuan  # two places, no negative zero


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        (None, "empty"),
        ("abc", "not_a_number"),
        ("12,34", "not_a_number"),  # not a thousands grouping
        ("1 200", "not_a_number"),  # nor is a space
        ("1e3", "not_a_number"),
        ("12..5", "not_a_number"),
        ("NaN", "not_a_number"),
        (True, "not_a_number"),
        (float("inf"), "not_a_number"),
        (float("nan"), "not_a_number"),
        (Decimal("NaN"), "not_a_number"),
        ([1200], "not_a_number"),
        ("-5", "negative"),
        ("−5", "negative"),  # a typographic minus
        (-0.5, "negative"),
        ("1200.3333333", "too_precise"),  # seven places of 万元: below a fen
        (1200.3333333333333, "too_precise"),  # a formula's float
        ("1000000000", "too_large"),  # 10 亿 万元 = 10 万亿元: a unit mistake
        ("²", "not_a_number"),  # NFKC would fold it to "2"
        ("①", "not_a_number"),
        ("٣", "not_a_number"),  # an Arabic-Indic three: Decimal() reads it, the office does not
        ("1e309", "not_a_number"),
        ("9" * 100_000, "too_large"),
        (Decimal("1e1000000"), "too_large"),  # multiplied by the unit, it would overflow
    ],
)
def test_bad_amounts_are_refused_with_a_code(value, code):
    assert error_of(parse_amount, value).code == code


def test_the_refusal_says_how_many_places_the_unit_allows():
    assert error_of(parse_amount, "12.345", unit="yuan").params == {
        "text": "12.345",
        "unit": "yuan",
        "places": 2,
    }
    assert error_of(parse_amount, "0.0000001").params["places"] == 6
    assert error_of(parse_amount, "1.12345678901", unit="yi").params["places"] == 10


def test_precision_is_judged_on_the_digits_typed_not_on_a_rounded_product():
    # 29 significant digits: multiplying first, at Decimal's default 28-digit
    # precision, would round this to exactly 10,000 yuan and accept it.
    assert error_of(parse_amount, "1.0000000000000000000000000001").code == "too_precise"
    assert parse_amount("1.000000000000000000000000000") == Decimal("10000.00")


def test_an_unknown_unit_is_a_programming_error():
    with pytest.raises(ValueError, match="unknown unit"):
        parse_amount("1", unit="jin")


@given(st.decimals(min_value=0, max_value=10**8, places=6, allow_nan=False))
def test_any_amount_of_wan_to_six_places_is_read_exactly(value):
    assert parse_amount(str(value)) == value * 10_000
    assert parse_amount(f"{value:,}") == value * 10_000


# ---------------------------------------------------------------- rates


def test_the_worked_example_of_the_brief():
    # Plan 1,200 万元 for the year; by 31 May (5 months ended) 500 due; 380
    # done → 31.7% of the year, 76.0% of the time plan, 24.0 points behind.
    plan, done = W("1200"), W("380")
    due = time_proportional_plan(plan, 2026, D(2026, 5, 31))
    assert wan(due) == Decimal("500.00")
    assert completion_rate(done, plan) == Decimal("31.7")
    assert completion_rate(done, due) == Decimal("76.0")
    assert behind(done, due) == Decimal("24.0")


@pytest.mark.parametrize(
    ("done", "plan", "rate"),
    [
        ("380", "1200", "31.7"),  # 31.666…
        ("0", "1200", "0.0"),
        ("1200", "1200", "100.0"),
        ("1500", "1200", "125.0"),  # the plan exceeded
        ("1", "8", "12.5"),
        ("1", "16", "6.3"),  # 6.25 rounds half up, not to even
        ("1", "3", "33.3"),
        ("2", "3", "66.7"),
        ("0.01", "1200", "0.0"),
        ("0", "0", None),  # no plan: no rate
        ("5", "0", None),
    ],
)
def test_completion_rates(done, plan, rate):
    expected = None if rate is None else Decimal(rate)
    assert completion_rate(W(done), W(plan)) == expected


def test_a_negative_figure_has_no_rate():
    error = error_of(completion_rate, W("-1"), W("10"))
    assert (error.code, error.params) == ("negative", {"text": "-1.00", "field": "done"})


def test_behind_is_100_minus_the_displayed_rate_and_never_below_zero():
    assert behind(W("380"), W("500")) == Decimal("24.0")
    assert behind(W("1"), W("16")) == Decimal("93.7")  # 100 − 6.3: rate + points = 100
    assert behind(W("600"), W("500")) == Decimal("0.0")  # ahead is not negative behind
    assert behind(W("0"), W("0")) == Decimal("0.0")  # nothing due yet
    assert behind(W("0"), W("500")) == Decimal("100.0")


# ---------------------------------------------------------------- the time plan


@pytest.mark.parametrize(
    ("as_of", "due_wan"),
    [
        (D(2025, 12, 31), "0.00"),  # before the year
        (D(2026, 1, 30), "0.00"),  # January has not ended
        (D(2026, 1, 31), "100.00"),  # it ends on its last day
        (D(2026, 2, 28), "200.00"),  # not a leap year
        (D(2026, 5, 30), "400.00"),
        (D(2026, 5, 31), "500.00"),
        (D(2026, 6, 10), "500.00"),
        (D(2026, 12, 30), "1100.00"),
        (D(2026, 12, 31), "1200.00"),
        (D(2027, 3, 1), "1200.00"),  # after the year: all of it
    ],
)
def test_the_time_plan_counts_the_months_ended(as_of, due_wan):
    assert wan(time_proportional_plan(W("1200"), 2026, as_of)) == Decimal(due_wan)


def test_february_of_a_leap_year_ends_on_the_29th():
    assert investment.months_ended(2024, D(2024, 2, 28)) == 1
    assert investment.months_ended(2024, D(2024, 2, 29)) == 2


@pytest.mark.parametrize(
    ("as_of", "due_wan"),
    [
        (D(2026, 3, 31), "0.00"),  # before its first month ends
        (D(2026, 4, 30), "100.00"),  # 1 of 6 months
        (D(2026, 5, 31), "200.00"),  # April and May: 2/6 × 600
        (D(2026, 9, 29), "500.00"),
        (D(2026, 9, 30), "600.00"),  # its last month ended: all
        (D(2026, 12, 31), "600.00"),
    ],
)
def test_a_part_year_plan_is_spread_over_its_own_months(as_of, due_wan):
    # 600 万元 planned from April to September.
    due = time_proportional_plan(W("600"), 2026, as_of, start=4, end=9)
    assert wan(due) == Decimal(due_wan)


def test_a_plan_from_a_month_to_year_end_or_from_january_to_a_month():
    # Started in July: 300 万元 over July..December; by 31 August 2/6 → 100.
    assert time_proportional_plan(W("300"), 2026, D(2026, 8, 31), start=7) == W("100")
    # To finish by March: 300 over January..March; by 28 February 2/3 → 200.
    assert time_proportional_plan(W("300"), 2026, D(2026, 2, 28), end=3) == W("200")


def test_the_time_plan_rounds_to_the_fen_half_up():
    # 1,000 yuan over the year, by 30 April: 4/12 × 1,000 = 333.333… → 333.33;
    # by 31 August 8/12 → 666.666… → 666.67.
    assert time_proportional_plan(Decimal("1000"), 2026, D(2026, 4, 30)) == Decimal("333.33")
    assert time_proportional_plan(Decimal("1000"), 2026, D(2026, 8, 31)) == Decimal("666.67")


@pytest.mark.parametrize(("start", "end"), [(0, 12), (4, 3), (1, 13), (13, 13)])
def test_a_span_that_is_not_within_the_year_is_refused(start, end):
    error = error_of(time_proportional_plan, W("600"), 2026, TODAY, start=start, end=end)
    assert (error.code, error.params) == ("bad_span", {"start": start, "end": end})


@given(
    plan=st.decimals(min_value=0, max_value=10**10, places=2),
    days=st.integers(min_value=-40, max_value=420),
    span=st.tuples(st.integers(1, 12), st.integers(1, 12)).map(sorted),
)
def test_the_time_plan_grows_with_time_from_nothing_to_the_plan(plan, days, span):
    start, end = span
    day = D(2026, 1, 1) + dt.timedelta(days=days)
    due = time_proportional_plan(plan, 2026, day, start=start, end=end)
    later = time_proportional_plan(plan, 2026, day + dt.timedelta(days=1), start=start, end=end)
    assert Decimal(0) <= due <= later <= plan
    assert time_proportional_plan(plan, 2026, D(2026, 12, 31), start=start, end=end) == plan
    assert time_proportional_plan(plan, 2026, D(2025, 12, 31), start=start, end=end) == 0


# ---------------------------------------------------------------- year to date


def test_year_to_date_adds_the_months_so_far():
    monthly = {1: W("100"), 2: W("150"), 3: W("0"), 4: W("130")}
    assert year_to_date(monthly, 3) == W("250")
    assert year_to_date(monthly, 4) == W("380")
    assert year_to_date(monthly, 12) == W("380")
    assert year_to_date({}, 6) == Decimal("0.00")
    assert year_to_date({5: W("20")}, 4) == Decimal("0.00")  # a month without a report adds 0


def test_twelve_months_of_a_tenth_of_a_wan_are_exactly_1_2_wan():
    monthly = {month: parse_amount("0.1") for month in range(1, 13)}
    total = year_to_date(monthly, 12)
    assert total == Decimal("12000.00")
    assert wan(total) == Decimal("1.2")
    assert str(wan(total)) == "1.20"
    assert sum([0.1] * 10) != 1.0  # what floats do to a tenth


def test_year_to_date_refuses_bad_months_and_negative_figures():
    assert error_of(year_to_date, {}, 13).params == {"month": 13}
    assert error_of(year_to_date, {0: W("1")}, 5).code == "bad_month"
    error = error_of(year_to_date, {1: W("10"), 2: W("-3")}, 2)
    assert (error.code, error.params) == ("negative", {"text": "-3.00", "field": "month 2"})


@given(st.dictionaries(st.integers(1, 12), st.decimals(min_value=0, max_value=10**9, places=2)))
def test_year_to_date_never_goes_down_and_ends_at_the_sum(monthly):
    totals = [year_to_date(monthly, month) for month in range(1, 13)]
    assert totals == sorted(totals)
    assert totals[-1] == sum(monthly.values(), Decimal(0))


@given(
    st.lists(st.decimals(min_value=0, max_value=10**9, places=2), min_size=1, max_size=30),
    st.decimals(min_value=Decimal("0.01"), max_value=10**10, places=2),
)
def test_a_rate_is_within_0_and_100_when_done_is_within_the_plan(parts, plan):
    done = min(sum(parts, Decimal(0)), plan)
    rate = completion_rate(done, plan)
    assert rate is not None
    assert Decimal(0) <= rate <= Decimal(100)
    assert rate == rate.quantize(Decimal("0.1"))
    assert Decimal(0) <= behind(done, plan) <= Decimal(100)
    assert rate + behind(done, plan) == Decimal(100)


# ---------------------------------------------------------------- monthly reports


def test_a_month_report_completes_its_year_to_date():
    # Up to April 380 万元, May 120 → year-to-date 500.
    report = check_month_report(2026, 5, W("120"), TODAY, previous_ytd=W("380"))
    assert (report.label, report.amount, report.ytd) == ("2026-05", W("120"), W("500"))


def test_a_report_of_the_year_to_date_gives_the_month():
    report = check_month_report(2026, 5, None, TODAY, ytd=W("500"), previous_ytd=W("380"))
    assert report.amount == W("120")


def test_the_current_month_may_be_reported_a_future_month_not():
    assert check_month_report(2026, 6, W("10"), TODAY).month == 6
    error = error_of(check_month_report, 2026, 7, W("10"), TODAY)
    assert (error.code, error.params) == (
        "month_in_future",
        {"year": 2026, "month": 7, "today": "2026-06-10"},
    )
    assert error_of(check_month_report, 2027, 1, W("10"), TODAY).code == "month_in_future"
    assert check_month_report(2025, 12, W("10"), TODAY).label == "2025-12"


def test_a_year_to_date_that_goes_down_is_refused():
    # Up to April 380; a May year-to-date of 350 is refused.
    error = error_of(check_month_report, 2026, 5, None, TODAY, ytd=W("350"), previous_ytd=W("380"))
    assert (error.code, error.params) == (
        "ytd_decreased",
        {"year": 2026, "month": 5, "ytd": "350.00", "previous_ytd": "380.00"},
    )


def test_a_year_to_date_that_does_not_add_up_is_refused():
    error = error_of(
        check_month_report, 2026, 5, W("120"), TODAY, ytd=W("510"), previous_ytd=W("380")
    )
    assert error.code == "ytd_mismatch"
    assert error.params["expected"] == "500.00"
    assert check_month_report(
        2026, 5, W("120"), TODAY, ytd=W("500"), previous_ytd=W("380")
    ).ytd == W("500")


def test_in_january_the_year_to_date_is_the_month():
    assert check_month_report(2026, 1, W("90"), TODAY).ytd == W("90")
    assert error_of(check_month_report, 2026, 1, W("90"), TODAY, ytd=W("80")).code == (
        "ytd_mismatch"
    )


def test_without_the_previous_figure_the_year_to_date_is_at_least_the_month():
    report = check_month_report(2026, 5, W("120"), TODAY, ytd=W("500"))
    assert (report.amount, report.ytd) == (W("120"), W("500"))
    assert check_month_report(2026, 5, W("120"), TODAY).ytd is None
    error = error_of(check_month_report, 2026, 5, W("120"), TODAY, ytd=W("100"))
    assert (error.code, error.params["ytd"], error.params["amount"]) == (
        "ytd_below_month",
        "100.00",
        "120.00",
    )


@pytest.mark.parametrize("field", ["amount", "ytd", "previous_ytd"])
def test_negative_figures_in_a_report_are_refused(field):
    figures = {"amount": W("10"), "ytd": W("50"), "previous_ytd": W("40")}
    figures[field] = W("-1")
    amount = figures.pop("amount")
    error = error_of(check_month_report, 2026, 5, amount, TODAY, **figures)
    assert (error.code, error.params["field"]) == ("negative", field)


def test_a_month_that_does_not_exist_is_refused():
    assert error_of(check_month_report, 2026, 13, W("1"), TODAY).code == "bad_month"


# ---------------------------------------------------------------- messages


def test_every_error_code_has_a_message_that_its_params_fill():
    errors = [
        error_of(parse_amount, ""),
        error_of(parse_amount, "abc"),
        error_of(parse_amount, "-1"),
        error_of(parse_amount, "0.0000001"),
        error_of(parse_amount, "1000000000"),
        error_of(year_to_date, {}, 0),
        error_of(time_proportional_plan, W("1"), 2026, TODAY, start=5, end=4),
        error_of(check_month_report, 2026, 7, W("1"), TODAY),
        error_of(check_month_report, 2026, 5, None, TODAY, ytd=W("1"), previous_ytd=W("2")),
        error_of(check_month_report, 2026, 5, W("1"), TODAY, ytd=W("5"), previous_ytd=W("2")),
        error_of(check_month_report, 2026, 5, W("2"), TODAY, ytd=W("1")),
    ]
    assert {e.code for e in errors} == {k for k in investment.MESSAGES if "." not in k}
    for error in errors:
        text, params = investment.message(error.code, error.params)
        assert set(re.findall(r"%\((\w+)\)", text)) <= set(params)
        assert "%(" not in text % params
    assert errors[4].params["limit"] == "100,000"  # hundred million yuan: 10 万亿元


def test_full_width_digits_are_still_read():
    assert parse_amount("１２００") == Decimal("12000000.00")


def test_a_pasted_page_is_not_repeated_whole_in_the_refusal():
    text = error_of(parse_amount, "9" * 100_000).params["text"]
    assert len(text) == 40 and text.endswith("…")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (Decimal("NaN"), "not_a_number"),
        (Decimal("sNaN"), "not_a_number"),
        (Decimal("Infinity"), "not_a_number"),
        (Decimal("1e309"), "too_large"),
        (Decimal(10) ** 13, "too_large"),  # yuan: 10 万亿元
        (Decimal("-0.01"), "negative"),
        (Decimal("0.001"), "too_precise"),
        ("1200", "not_a_number"),  # already in yuan: a number, not text to read
        (None, "empty"),
    ],
)
def test_check_yuan_refuses_what_the_record_cannot_keep(value, code):
    assert error_of(investment.check_yuan, value).code == code


def test_check_yuan_keeps_an_amount_to_the_fen():
    assert investment.check_yuan(Decimal("9999999999999.99")) == Decimal("9999999999999.99")
    assert str(investment.check_yuan(5)) == "5.00"
    assert str(investment.check_yuan(Decimal("-0"))) == "0.00"
