"""duban.lib.deadlines: the free-text deadlines of task lists, read against a plan year."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from duban.lib import deadlines
from duban.lib.deadlines import DeadlineError, ParsedDeadline, describe, note, parse_deadline

D = dt.date


def read(value: object, plan_year: int | None = 2022) -> tuple[dt.date | None, str, str | None]:
    parsed = parse_deadline(value, plan_year)
    return parsed.date, parsed.kind, parsed.recurrence


@pytest.mark.parametrize(
    ("text", "day", "kind"),
    [
        # a month means its last day
        ("2022年6月底前", D(2022, 6, 30), "month_end"),
        ("6月底", D(2022, 6, 30), "month_end"),
        ("2022年6月", D(2022, 6, 30), "month_end"),
        ("6月末前", D(2022, 6, 30), "month_end"),
        ("2022年2月底", D(2022, 2, 28), "month_end"),
        ("2024年2月底", D(2024, 2, 29), "month_end"),
        ("十二月底前", D(2022, 12, 31), "month_end"),
        ("二〇二二年十一月", D(2022, 11, 30), "month_end"),
        ("２０２２年６月底前", D(2022, 6, 30), "month_end"),  # full-width digits
        ("2022.12", D(2022, 12, 31), "month_end"),
        ("2022-12", D(2022, 12, 31), "month_end"),
        ("2022/12", D(2022, 12, 31), "month_end"),
        ("2022．12", D(2022, 12, 31), "month_end"),
        # parts of a month
        ("6月上旬", D(2022, 6, 10), "date"),
        ("6月中旬", D(2022, 6, 20), "date"),
        ("6月下旬", D(2022, 6, 30), "month_end"),
        # days
        ("9月30日前", D(2022, 9, 30), "date"),
        ("9月30号之前", D(2022, 9, 30), "date"),
        ("2022年9月30日", D(2022, 9, 30), "date"),
        ("2022.9.30", D(2022, 9, 30), "date"),
        ("2022-09-30", D(2022, 9, 30), "date"),
        ("2022/9/30", D(2022, 9, 30), "date"),
        ("20220930", D(2022, 9, 30), "date"),
        ("12.31前", D(2022, 12, 31), "date"),
        ("二〇二二年九月三十日", D(2022, 9, 30), "date"),
        # quarters
        ("2022年三季度", D(2022, 9, 30), "quarter_end"),
        ("三季度末", D(2022, 9, 30), "quarter_end"),
        ("第三季度", D(2022, 9, 30), "quarter_end"),
        ("2022年第一季度", D(2022, 3, 31), "quarter_end"),
        ("二季度底前", D(2022, 6, 30), "quarter_end"),
        ("前三季度", D(2022, 9, 30), "quarter_end"),
        ("4季度", D(2022, 12, 31), "quarter_end"),
        ("Q3", D(2022, 9, 30), "quarter_end"),
        # halves and the year
        ("上半年", D(2022, 6, 30), "half_end"),
        ("2022年上半年", D(2022, 6, 30), "half_end"),
        ("年中", D(2022, 6, 30), "half_end"),
        ("下半年", D(2022, 12, 31), "half_end"),
        ("年底前", D(2022, 12, 31), "year_end"),
        ("年内", D(2022, 12, 31), "year_end"),
        ("年底", D(2022, 12, 31), "year_end"),
        ("年末", D(2022, 12, 31), "year_end"),
        ("全年", D(2022, 12, 31), "year_end"),
        ("2023年底前", D(2023, 12, 31), "year_end"),
        ("2022年", D(2022, 12, 31), "year_end"),
        ("2022年度", D(2022, 12, 31), "year_end"),
        ("今年底", D(2022, 12, 31), "year_end"),
        ("本年度内", D(2022, 12, 31), "year_end"),
        # English
        ("by end of June 2022", D(2022, 6, 30), "month_end"),
        ("end of June", D(2022, 6, 30), "month_end"),
        ("June 2022", D(2022, 6, 30), "month_end"),
        ("Sept. 2022", D(2022, 9, 30), "month_end"),
        ("mid-June", D(2022, 6, 15), "date"),
        ("2022-06", D(2022, 6, 30), "month_end"),
        ("June 30, 2022", D(2022, 6, 30), "date"),
        ("by 30 June 2022", D(2022, 6, 30), "date"),
        ("30th of September", D(2022, 9, 30), "date"),
        ("Q3 2022", D(2022, 9, 30), "quarter_end"),
        ("2022 Q3", D(2022, 9, 30), "quarter_end"),
        ("2022-Q4", D(2022, 12, 31), "quarter_end"),
        ("end of the third quarter of 2022", D(2022, 9, 30), "quarter_end"),
        ("H1 2022", D(2022, 6, 30), "half_end"),
        ("first half of 2022", D(2022, 6, 30), "half_end"),
        ("mid-year", D(2022, 6, 30), "half_end"),
        ("second half", D(2022, 12, 31), "half_end"),
        ("by year end", D(2022, 12, 31), "year_end"),
        ("end of 2022", D(2022, 12, 31), "year_end"),
        ("within the year", D(2022, 12, 31), "year_end"),
        ("by the end of this year", D(2022, 12, 31), "year_end"),
    ],
)
def test_a_deadline_text_means_the_last_day_of_what_it_names(text, day, kind):
    assert read(text) == (day, kind, None)


@pytest.mark.parametrize(
    "text", ["长期坚持", "持续推进", "长期", "常态化推进", "ongoing", "Long-term"]
)
def test_ongoing_work_is_due_at_the_end_of_the_plan_year_and_flagged(text):
    assert read(text) == (D(2022, 12, 31), "ongoing", None)


@pytest.mark.parametrize(
    ("text", "recurrence"),
    [
        ("每季度", "quarterly"),
        ("每季度末报送", "quarterly"),
        ("每一季度", "quarterly"),
        ("每月", "monthly"),
        ("每月25日前报送", "monthly"),
        ("按月", "monthly"),
        ("每年", "yearly"),
        ("每周五", "weekly"),
        ("每半年", "half_yearly"),
        ("quarterly", "quarterly"),
        ("monthly", "monthly"),
        ("every year", "yearly"),
        ("weekly", "weekly"),
    ],
)
def test_recurring_work_is_due_at_the_end_of_the_plan_year_with_its_rhythm(text, recurrence):
    assert read(text) == (D(2022, 12, 31), "recurring", recurrence)


def test_a_recurring_deadline_with_a_final_date_keeps_the_date():
    # "25日" belongs to the rhythm; "10月底" is when the work ends.
    assert read("每月25日前报送，10月底前完成") == (D(2022, 10, 31), "recurring", "monthly")


def test_without_a_plan_year_ongoing_and_recurring_have_no_date():
    assert read("长期坚持", None) == (None, "ongoing", None)
    assert read("每月", None) == (None, "recurring", "monthly")
    assert read("2022年6月", None) == (D(2022, 6, 30), "month_end", None)


def test_several_dates_give_the_latest_with_a_note():
    parsed = parse_deadline("2022年6月底前完成初稿，9月底前完成", 2022)
    assert (parsed.date, parsed.kind) == (D(2022, 9, 30), "month_end")
    assert parsed.note_code == "several_dates"
    assert parsed.dates == (D(2022, 6, 30), D(2022, 9, 30))
    text, params = note(parsed)
    assert text == deadlines.MESSAGES["several_dates"]
    assert params["dates"] == "2022-06-30, 2022-09-30"
    assert "2022-09-30" in text % params


def test_the_latest_date_wins_even_when_named_first():
    parsed = parse_deadline("12月底前全部完成，其中6月底前完成初稿", 2022)
    assert parsed.date == D(2022, 12, 31)
    assert parsed.note_code == "several_dates"


def test_a_date_without_a_year_takes_the_last_year_named_before_it():
    assert read("2023年3月底前完成初稿，6月底前完成") == (D(2023, 6, 30), "month_end", None)


def test_the_same_date_twice_is_not_several():
    assert parse_deadline("2022年6月30日（6月底）", 2022).note_code is None


def test_a_date_outside_the_plan_year_is_noted():
    parsed = parse_deadline("2021年12月底", 2022)  # last year's list, copied?
    assert parsed.date == D(2021, 12, 31)
    assert parsed.note_code == "other_year"
    text, params = note(parsed)
    assert text % params == "The deadline 2021-12-31 is not in the plan year 2022."
    assert note(parse_deadline("2022年12月底", 2022)) is None


@pytest.mark.parametrize(
    ("value", "day", "kind"),
    [
        (dt.datetime(2022, 6, 30, 0, 0), D(2022, 6, 30), "date"),  # what openpyxl gives
        (dt.datetime(2022, 6, 30, 17, 30), D(2022, 6, 30), "date"),
        (D(2022, 6, 30), D(2022, 6, 30), "date"),
        (2022, D(2022, 12, 31), "year_end"),
        (2022.0, D(2022, 12, 31), "year_end"),
        (2022.12, D(2022, 12, 31), "month_end"),
        (2022.6, D(2022, 6, 30), "month_end"),
        (2022.05, D(2022, 5, 31), "month_end"),
        (44742, D(2022, 6, 30), "date"),  # an Excel date serial shown as a number
    ],
)
def test_cell_values_that_are_not_text(value, day, kind):
    assert read(value)[:2] == (day, kind)


def test_a_datetime_cell_keeps_its_date_as_source():
    assert parse_deadline(dt.datetime(2022, 6, 30), 2022).source == "2022-06-30"


def test_an_excel_serial_is_noted():
    parsed = parse_deadline(44742, 2022)
    assert parsed.note_code == "excel_serial"
    text, params = note(parsed)
    assert text % params == "The cell holds the number 44742, read as the date 2022-06-30."


@pytest.mark.parametrize(
    ("value", "code", "params"),
    [
        ("尽快", "vague", {}),
        ("按要求", "vague", {}),
        ("ASAP", "vague", {}),
        ("", "empty", {}),
        ("   ", "empty", {}),
        (None, "empty", {}),
        ("无", "empty", {}),
        ("—", "empty", {}),
        ("2022年13月", "bad_month", {"month": 13}),
        ("2022-13", "bad_month", {"month": 13}),
        ("0月底", "bad_month", {"month": 0}),
        ("2022年2月30日", "bad_day", {"year": 2022, "month": 2, "day": 30}),
        ("2023-02-29", "bad_day", {"year": 2023, "month": 2, "day": 29}),
        ("第5季度", "bad_quarter", {"quarter": 5}),
        ("Q5", "bad_quarter", {"quarter": 5}),
        ("2202年底", "bad_year", {"year": 2202}),
        ("明年", "relative_year", {}),
        ("明年6月底", "relative_year", {}),
        ("next year", "relative_year", {}),
        ("完成即可", "unreadable", {}),
        ("xyz", "unreadable", {}),
        (2022.1, "ambiguous_month", {}),  # "2022.10" or "2022.1"? Excel kept 2022.1
        (True, "unreadable", {}),
        (dt.time(12, 0), "unreadable", {}),
        (12, "unreadable", {}),
    ],
)
def test_what_names_no_date_is_refused_with_a_code(value, code, params):
    with pytest.raises(DeadlineError) as caught:
        parse_deadline(value, 2022)
    error = caught.value
    assert error.code == code
    assert error.params == {"text": error.text, **params}
    text, message_params = deadlines.message(error.code, error.params)
    assert text % message_params  # every code has a text that takes its params


def test_a_year_is_needed_when_the_text_has_none():
    with pytest.raises(DeadlineError) as caught:
        parse_deadline("6月底", None)
    assert caught.value.code == "no_year"
    with pytest.raises(DeadlineError):
        parse_deadline("今年底", None)


@pytest.mark.parametrize(
    ("text", "message", "expected"),
    [
        ("2022年9月30日", "by %(date)s", "by 2022-09-30"),
        ("6月底", "end of %(year)s-%(month)02d", "end of 2022-06"),
        ("三季度", "end of Q%(quarter)s %(year)s", "end of Q3 2022"),
        ("上半年", "end of the first half of %(year)s", "end of the first half of 2022"),
        ("下半年", "end of the second half of %(year)s", "end of the second half of 2022"),
        ("年底", "end of %(year)s", "end of 2022"),
        ("长期坚持", "ongoing, reviewed at %(date)s", "ongoing, reviewed at 2022-12-31"),
        ("每季度", "every quarter until %(date)s", "every quarter until 2022-12-31"),
    ],
)
def test_describe_gives_an_english_msgid_and_its_params(text, message, expected):
    msgid, params = describe(parse_deadline(text, 2022))
    assert msgid == message
    assert msgid % params == expected


def test_describe_without_a_date():
    assert describe(parse_deadline("长期", None)) == ("ongoing", {})
    assert describe(parse_deadline("每月", None)) == ("every month", {})


def test_every_message_is_a_msgid_in_one_dict():
    kinds = {k.split(".")[0] for k in deadlines.MESSAGES}
    assert set(deadlines.KINDS) <= kinds
    assert all(isinstance(text, str) and text for text in deadlines.MESSAGES.values())
    for recurrence in deadlines.RECURRENCES:
        assert f"recurring.{recurrence}" in deadlines.MESSAGES


def test_a_parsed_deadline_is_a_frozen_value():
    parsed = parse_deadline("6月底", 2022)
    assert parsed == ParsedDeadline(
        D(2022, 6, 30), "month_end", None, "6月底", None, (parsed.date,), 2022
    )
    with pytest.raises(AttributeError):
        parsed.date = D(2022, 7, 1)  # type: ignore[misc]


# ---------------------------------------------------------------- properties

days = st.dates(min_value=D(1990, 1, 1), max_value=D(2099, 12, 31))


@given(day=days, plan_year=st.integers(1990, 2099))
def test_any_day_written_in_full_reads_as_itself(day, plan_year):
    for text in (
        f"{day.year}年{day.month}月{day.day}日",
        f"{day.year}年{day.month}月{day.day}日前",
        f"{day.year}.{day.month}.{day.day}",
        day.isoformat(),
    ):
        parsed = parse_deadline(text, plan_year)
        assert (parsed.date, parsed.kind) == (day, "date"), text


@given(day=days)
def test_any_day_without_its_year_reads_in_the_plan_year(day):
    assert read(f"{day.month}月{day.day}日前", day.year)[:2] == (day, "date")


@given(year=st.integers(1990, 2099), month=st.integers(1, 12))
def test_any_month_reads_as_its_last_day(year, month):
    last = D(year, month, calendar.monthrange(year, month)[1])
    for text in (
        f"{year}年{month}月底前",
        f"{year}年{month}月",
        f"{year}.{month}",
        f"{year}-{month:02d}",
    ):
        assert read(text, year) == (last, "month_end", None), text


@given(text=st.text(max_size=40))
def test_any_text_is_read_or_refused_with_a_code_never_crashes(text):
    try:
        parsed = parse_deadline(text, 2022)
    except DeadlineError as error:
        assert error.code in deadlines.MESSAGES
    else:
        assert parsed.kind in deadlines.KINDS


@given(
    text=st.text(
        alphabet="0123456789年月日底末前季度第上下半一二三四五六七八九十.-/ ，、qQh", max_size=20
    )
)
def test_date_like_noise_is_read_or_refused_with_a_code(text):
    try:
        parse_deadline(text, 2022)
    except DeadlineError as error:
        assert error.code in deadlines.MESSAGES
