"""Deadlines as task lists write them ("6月底前", "三季度末", "长期坚持"), read as dates.

A plan's task list gives deadlines as free text, relative to the plan's year:
"9月30日前" in the 2022 plan means 2022-09-30. This module turns such a cell
(text, or the date, datetime or number a spreadsheet cell holds) into a
:class:`ParsedDeadline` or raises :class:`DeadlineError`. It is pure: no
database, no settings, no translation at run time. Results and errors carry
machine codes and parameters; the English texts for them live in
:data:`MESSAGES` (marked with ``gettext_noop``) and the UI translates them
with ``gettext(text) % params``.

Rules, and why:

* A period ("6月", "三季度", "上半年", "年底") means its last day: a task due
  "in June" is late on 1 July, not on 1 June.
* A date without a year takes the year of the last year named earlier in the
  same text ("2023年3月底前完成初稿，6月底前完成" is 2023-06-30), else the plan's.
* Several dates ("6月底前完成初稿，9月底前完成"): the latest wins, because the
  task is done only when its last step is; ``note_code`` says so.
* "长期坚持" / "持续推进" are ongoing and "每季度" / "每月" recurring: both get
  the end of the plan year as their deadline, so that every task has a date
  to be warned against, and are flagged so the UI can say what it did.
* Words that name no date ("尽快", "按要求") and years relative to when the
  list was written ("明年") are refused: the office must write a date.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import numbers
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop

# The English texts for every code this module produces, in one place: the
# kinds and recurrences that :func:`describe` names, the notes and the errors.
# Each is a gettext msgid; parameters are filled in with ``%``.
MESSAGES: dict[str, str] = {
    # describe(): what a parsed deadline means
    "date": gettext_noop("by %(date)s"),
    "month_end": gettext_noop("end of %(year)s-%(month)02d"),
    "quarter_end": gettext_noop("end of Q%(quarter)s %(year)s"),
    "half_end.1": gettext_noop("end of the first half of %(year)s"),
    "half_end.2": gettext_noop("end of the second half of %(year)s"),
    "year_end": gettext_noop("end of %(year)s"),
    "ongoing": gettext_noop("ongoing, reviewed at %(date)s"),
    "ongoing.no_date": gettext_noop("ongoing"),
    "recurring.weekly": gettext_noop("every week until %(date)s"),
    "recurring.monthly": gettext_noop("every month until %(date)s"),
    "recurring.quarterly": gettext_noop("every quarter until %(date)s"),
    "recurring.half_yearly": gettext_noop("every half year until %(date)s"),
    "recurring.yearly": gettext_noop("every year until %(date)s"),
    "recurring.weekly.no_date": gettext_noop("every week"),
    "recurring.monthly.no_date": gettext_noop("every month"),
    "recurring.quarterly.no_date": gettext_noop("every quarter"),
    "recurring.half_yearly.no_date": gettext_noop("every half year"),
    "recurring.yearly.no_date": gettext_noop("every year"),
    # note(): what the reader should check
    "several_dates": gettext_noop(
        "“%(text)s” names several dates (%(dates)s); the latest, %(date)s, is used."
    ),
    "other_year": gettext_noop("The deadline %(date)s is not in the plan year %(plan_year)s."),
    "excel_serial": gettext_noop("The cell holds the number %(text)s, read as the date %(date)s."),
    # DeadlineError codes
    "empty": gettext_noop("No deadline given."),
    "unreadable": gettext_noop("“%(text)s” cannot be read as a deadline."),
    "vague": gettext_noop(
        "“%(text)s” names no date; write a day, a month, a quarter or “ongoing”."
    ),
    "relative_year": gettext_noop(
        "“%(text)s” names a year relative to when it was written; write the year instead."
    ),
    "no_year": gettext_noop("“%(text)s” names no year and the plan has none."),
    "bad_year": gettext_noop("“%(text)s”: %(year)s is not a plausible year."),
    "bad_month": gettext_noop("“%(text)s”: there is no month %(month)s."),
    "bad_day": gettext_noop("“%(text)s”: %(year)s-%(month)02d has no day %(day)s."),
    "bad_quarter": gettext_noop("“%(text)s”: there is no quarter %(quarter)s."),
    "ambiguous_month": gettext_noop(
        "The cell holds the number %(text)s: Excel drops a trailing zero, so this may be "
        "January or October. Type the deadline as text, e.g. “October 2022”."
    ),
}

DATE = "date"
MONTH_END = "month_end"
QUARTER_END = "quarter_end"
HALF_END = "half_end"
YEAR_END = "year_end"
ONGOING = "ongoing"
RECURRING = "recurring"
KINDS = (DATE, MONTH_END, QUARTER_END, HALF_END, YEAR_END, ONGOING, RECURRING)

WEEKLY = "weekly"
MONTHLY = "monthly"
QUARTERLY = "quarterly"
HALF_YEARLY = "half_yearly"
YEARLY = "yearly"
RECURRENCES = (WEEKLY, MONTHLY, QUARTERLY, HALF_YEARLY, YEARLY)

# The deadline of a long-term task (长期坚持): it has none. It is kept as the
# last day of the calendar, not as NULL, so that every "past its deadline"
# comparison (Python and SQL alike) reads it as never overdue and every
# "running on that day" as running, without a case of its own; people see
# "长期坚持" / "long-term" instead of the date (``work`` template filter ``due``),
# and the API sends null.
LONG_TERM = dt.date(9999, 12, 31)

SEVERAL_DATES = "several_dates"
OTHER_YEAR = "other_year"
EXCEL_SERIAL = "excel_serial"

# Years outside this range are typing errors ("2202年"), not plans.
MIN_YEAR, MAX_YEAR = 1990, 2099


@dataclass(frozen=True)
class ParsedDeadline:
    """A deadline cell, read.

    ``date`` is the day the task is due (None only for an ongoing or recurring
    deadline when no plan year is known). ``kind`` is one of :data:`KINDS` and
    says how the date was reached; ``recurrence`` (one of :data:`RECURRENCES`)
    is set for kind "recurring". ``source`` is the cell as text. ``note_code``
    flags a reading the office should check (see :func:`note`); ``dates`` are
    all the dates the text named, in text order, and ``plan_year`` the year
    the text was read against.
    """

    date: dt.date | None
    kind: str
    recurrence: str | None = None
    source: str = ""
    note_code: str | None = None
    dates: tuple[dt.date, ...] = ()
    plan_year: int | None = None


class DeadlineError(ValueError):
    """A deadline that cannot be read: ``code`` (a key of :data:`MESSAGES`),
    ``text`` (the cell as text) and ``params`` for the message (always with
    ``text``)."""

    def __init__(self, code: str, text: str, **params: Any) -> None:
        super().__init__(code, text)
        self.code = code
        self.text = text
        self.params: dict[str, Any] = {"text": text, **params}


def message(code: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The English msgid for ``code`` and its params, for the UI to translate."""
    return MESSAGES[code], params


def describe(parsed: ParsedDeadline) -> tuple[str, dict[str, Any]]:
    """What the deadline means, as (English msgid, params): ("end of Q%(quarter)s
    %(year)s", {"quarter": 3, "year": 2022, "date": "2022-09-30"})."""
    day = parsed.date
    params: dict[str, Any] = {}
    if day is not None:
        params = {"date": day.isoformat(), "year": day.year, "month": day.month, "day": day.day}
    if parsed.kind == ONGOING:
        return MESSAGES["ongoing" if day else "ongoing.no_date"], params
    if parsed.kind == RECURRING:
        key = f"recurring.{parsed.recurrence or YEARLY}"
        return MESSAGES[key if day else f"{key}.no_date"], params
    if day is None:  # only ongoing and recurring deadlines may lack a date
        raise ValueError(f"a {parsed.kind} deadline without a date")
    if parsed.kind == QUARTER_END:
        params["quarter"] = (day.month - 1) // 3 + 1
    if parsed.kind == HALF_END:
        return MESSAGES["half_end.1" if day.month <= 6 else "half_end.2"], params
    return MESSAGES[parsed.kind], params


def note(parsed: ParsedDeadline) -> tuple[str, dict[str, Any]] | None:
    """The note on a reading as (English msgid, params), or None."""
    if parsed.note_code is None:
        return None
    params: dict[str, Any] = {
        "text": parsed.source,
        "date": parsed.date.isoformat() if parsed.date else "",
        "dates": ", ".join(d.isoformat() for d in parsed.dates),
        "plan_year": parsed.plan_year or "",
    }
    return MESSAGES[parsed.note_code], params


def parse_deadline(value: object, plan_year: int | None = None) -> ParsedDeadline:
    """Read a deadline cell (text, date, datetime or number) for a plan of ``plan_year``.

    Raises :class:`DeadlineError` for what names no date.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise DeadlineError("empty", "")
    if isinstance(value, dt.datetime):
        # A date cell comes from openpyxl as a datetime at midnight.
        source = value.date().isoformat() if value.time() == dt.time() else str(value)
        return _dated(value.date(), DATE, source, plan_year)
    if isinstance(value, dt.date):
        return _dated(value, DATE, value.isoformat(), plan_year)
    if isinstance(value, bool) or not isinstance(value, (str, numbers.Real)):
        raise DeadlineError("unreadable", str(value))
    if isinstance(value, numbers.Real):
        return _from_number(value, plan_year)
    return _from_text(value.strip(), plan_year)


def end_of_year(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _dated(
    day: dt.date,
    kind: str,
    source: str,
    plan_year: int | None,
    note_code: str | None = None,
    dates: tuple[dt.date, ...] = (),
) -> ParsedDeadline:
    if note_code is None and plan_year is not None and day.year != plan_year:
        note_code = OTHER_YEAR
    return ParsedDeadline(day, kind, None, source, note_code, dates or (day,), plan_year)


# ---------------------------------------------------------------- numbers


def _from_number(value: numbers.Real, plan_year: int | None) -> ParsedDeadline:
    """A number in a deadline cell: a year (2022), a year.month typed into a
    cell Excel took for a number (2022.12), or a date Excel shows unformatted
    (44742, days since 1899-12-30)."""
    number = float(value)
    whole = int(number)
    text = str(whole) if number.is_integer() else repr(number)
    if number.is_integer() and MIN_YEAR <= whole <= MAX_YEAR:
        return _dated(end_of_year(whole), YEAR_END, text, plan_year)
    if MIN_YEAR <= whole <= MAX_YEAR:
        fraction = repr(number).split(".")[1]
        if fraction == "1":  # 2022.1 is what Excel keeps of both "2022.1" and "2022.10"
            raise DeadlineError("ambiguous_month", text)
        return _dated(_month_end(whole, int(fraction), text), MONTH_END, text, plan_year)
    if 20_000 <= number < 73_051:  # 1954-10-03 .. 2099-12-31 as an Excel serial
        day = dt.date(1899, 12, 30) + dt.timedelta(days=whole)
        return _dated(day, DATE, text, plan_year, EXCEL_SERIAL)
    raise DeadlineError("unreadable", text)


# ---------------------------------------------------------------- text

_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_NUMERAL = re.compile(r"[〇零一二三四五六七八九十两]+")


def cn_number(text: str) -> int | None:
    """The value of a Chinese numeral up to 99 ("十二", "三十一") or a digit
    string ("二〇二二"); None for anything else ("十四五")."""
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text)) if text else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def _arabic(match: re.Match[str]) -> str:
    value = cn_number(match[0])
    return match[0] if value is None else str(value)


def _fold(text: str) -> str:
    """Full-width forms folded (NFKC), lower case, runs of white space as one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


# Cells that say "nothing here" rather than something unreadable.
_NOTHING = frozenset({"-", "--", "—", "——", "/", "\\", "无", "暂无", "n/a", "na", "none", "nil"})
_RELATIVE_YEAR = re.compile(
    r"明年|次年|来年|后年|去年|前年|上一年|下一年|上年度?|下年度?|next\s+year|last\s+year"
)
_THIS_YEAR = re.compile(r"今年|本年度?|当年度?|本年|this\s+year(?!\s*\d)")

_RECURRENCE_WORDS = (
    (WEEKLY, r"每\s*(?:个\s*)?(?:周|星期|礼拜)|按周|逐周|\bweekly\b|\b(?:every|each)\s+week\b"),
    (HALF_YEARLY, r"每\s*半\s*年|\bhalf[- ]yearly\b|\bsemi-?annually\b|\bevery\s+six\s+months\b"),
    (
        MONTHLY,
        r"每\s*(?:1\s*)?(?:个\s*)?月|按月|逐月|\bmonthly\b|\b(?:every|each|per)\s+month\b",
    ),
    (
        QUARTERLY,
        r"每\s*(?:1\s*)?(?:个\s*)?季度?|按季度?|逐季|\bquarterly\b"
        r"|\b(?:every|each|per)\s+quarter\b",
    ),
    (
        YEARLY,
        r"每\s*(?:1\s*)?年度?|按年度?|逐年|\byearly\b|\bannually\b|\b(?:every|each|per)\s+year\b",
    ),
)
# After "每月" etc., the day within the period ("每月25日前", "每季度末") is part
# of the rhythm, not a deadline.
_RECURRENCE_TAIL = (
    r"(?:\s*(?:第?\s*\d{1,2}\s*(?:个工作日|工作日|日|号|天)|[底末初中]))?(?:\s*之?前)?"
)
_RECURRENCE = [
    (name, re.compile(f"(?:{words}){_RECURRENCE_TAIL}")) for name, words in _RECURRENCE_WORDS
]

_ONGOING = re.compile(
    r"长期|持续|常态化|长效|常年|久久为功|定期|一直|ongoing|on-going|continuous|continuing"
    r"|long[- ]term|permanent"
)
_VAGUE = re.compile(
    r"尽快|尽早|及时|立即|马上|适时|按要求|按时|近期|限期|待定|另行|随时|视情况|根据需要"
    r"|asap|as soon as possible|\btb[dac]\b|to be (?:determined|decided|confirmed)|\bsoon\b"
    r"|immediately|as (?:needed|required)"
)

_MONTH_NAMES = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
_MN = "(?P<mn>" + "|".join(sorted(_MONTH_NAMES, key=len, reverse=True)) + r")\b\.?"
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
_ORDINALS |= {"fourth": 4, "4th": 4}
_CN_YEAR = r"(?:(?P<y>\d{4})\s*年?\s*(?:度\s*)?)?"
_EN_YEAR = r"(?:\s*,?\s*(?P<y>\d{4})\b)?"

# (handler, pattern), tried in this order at each position of the text, left
# to right: longer forms come before the shorter ones they contain.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "ymd",
        re.compile(
            r"(?<!\d)(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})"
            r"\s*(?:日|号|(?=\s*(?:之前|以前|前|$)))"
        ),
    ),
    (
        "ymd",
        re.compile(
            r"(?<![\d.])(?P<y>\d{4})\s*(?P<sep>[./-])\s*(?P<m>\d{1,2})\s*(?P=sep)\s*"
            r"(?P<d>\d{1,2})(?!\d)"
        ),
    ),
    ("ymd", re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")),
    (
        "ym",
        re.compile(
            r"(?<!\d)(?:(?P<y>\d{4})\s*年\s*)?(?P<m>\d{1,2})\s*月\s*(?:份\s*)?"
            r"(?P<part>上旬|中旬|下旬|初|中|底|末)?"
        ),
    ),
    ("ym", re.compile(r"(?<![\d.])(?P<y>\d{4})\s*[./-]\s*(?P<m>\d{1,2})(?![\d])")),
    (
        "ymd",
        re.compile(
            r"(?<![\d.])(?P<m>\d{1,2})\s*[./]\s*(?P<d>\d{1,2})(?![\d.])"
            r"(?=\s*(?:之前|以前|前|日|号|$))"
        ),
    ),
    ("q", re.compile(_CN_YEAR + r"(?:第\s*)?(?P<q>\d{1,2})\s*季度?(?:\s*[末底])?")),
    ("h", re.compile(_CN_YEAR + r"(?P<hw>上半年|下半年|年中)")),
    ("ye", re.compile(r"(?:(?P<y>\d{4})\s*)?(?:年\s*度?\s*[底末内终]|全年)")),
    ("ye", re.compile(r"(?<!\d)(?P<y>\d{4})\s*年(?:\s*度)?(?!\s*\d)")),
    # English
    ("ymd", re.compile(r"(?<![\w])(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MN + _EN_YEAR)),
    ("ymd", re.compile(r"\b" + _MN + r"\s*(?P<d>\d{1,2})(?:st|nd|rd|th)?(?!\d)" + _EN_YEAR)),
    (
        "ym",
        re.compile(
            r"\b(?:(?:the\s+)?(?P<part>end|middle|mid|beginning|start|early|late)"
            r"(?:\s+of\s+|[- ]))?" + _MN + _EN_YEAR
        ),
    ),
    (
        "q",
        re.compile(
            r"(?<![a-z])(?:(?P<y>\d{4})\s*[-/ ]?\s*)?q(?P<q>\d)\b(?:\s*[-/,]?\s*(?P<y2>\d{4}))?"
        ),
    ),
    (
        "q",
        re.compile(
            r"\b(?P<qw>first|1st|second|2nd|third|3rd|fourth|4th)\s+quarter\b(?:\s+of)?" + _EN_YEAR
        ),
    ),
    ("h", re.compile(r"(?<![a-z])(?:(?P<y>\d{4})\s*)?h(?P<h>[12])\b(?:\s*(?P<y2>\d{4}))?")),
    ("h", re.compile(r"\b(?P<hw>first|second)\s+half(?:\s+of)?(?:\s+the\s+year)?" + _EN_YEAR)),
    ("h", re.compile(r"\b(?P<hw>mid)[- ]?year\b" + _EN_YEAR)),
    (
        "ye",
        re.compile(
            r"\b(?:end\s+of\s+(?:the\s+)?year|year[- ]?end|within\s+the\s+year)\b" + _EN_YEAR
        ),
    ),
    ("ye", re.compile(r"\bend\s+of\s+(?P<y>\d{4})\b")),
]
_DAY_OF_PART = {"上旬": 10, "初": 10, "early": 10, "beginning": 10, "start": 10}
_DAY_OF_PART |= {"中旬": 20, "中": 15, "mid": 15, "middle": 15}


@functools.lru_cache(maxsize=4096)  # a list repeats its few deadline texts on every row
def _from_text(source: str, plan_year: int | None) -> ParsedDeadline:
    folded = _fold(source)  # words are matched before numerals become digits ("一直")
    if folded in _NOTHING:
        raise DeadlineError("empty", source)
    if _RELATIVE_YEAR.search(folded):
        raise DeadlineError("relative_year", source)
    if _THIS_YEAR.search(folded):
        if plan_year is None:
            raise DeadlineError("no_year", source)
        folded = _THIS_YEAR.sub(f"{plan_year}年", folded)
    text = _CN_NUMERAL.sub(_arabic, folded)
    if re.fullmatch(r"\d{4}", text):
        year = _year(text, source)
        return _dated(end_of_year(year), YEAR_END, source, plan_year)

    recurrence = None
    for name, pattern in _RECURRENCE:
        if pattern.search(text):
            recurrence = name
            text = pattern.sub(" ", text)
            break

    found = _scan(text, source, plan_year)
    if recurrence is not None:
        dates = tuple(day for day, _ in found)
        day = max(dates) if dates else (end_of_year(plan_year) if plan_year else None)
        return ParsedDeadline(day, RECURRING, recurrence, source, None, dates, plan_year)
    if found:
        dates = tuple(day for day, _ in found)
        day, kind = max(found, key=lambda item: item[0])
        several = SEVERAL_DATES if len(set(dates)) > 1 else None
        return _dated(day, kind, source, plan_year, several, dates)
    if _ONGOING.search(folded):
        day = end_of_year(plan_year) if plan_year else None
        return ParsedDeadline(day, ONGOING, None, source, None, (), plan_year)
    if _VAGUE.search(folded):
        raise DeadlineError("vague", source)
    raise DeadlineError("unreadable", source)


def _scan(text: str, source: str, plan_year: int | None) -> list[tuple[dt.date, str]]:
    """Every date the text names, in order, as (date, kind)."""
    found: list[tuple[dt.date, str]] = []
    context_year = plan_year
    pos = 0
    while pos < len(text):
        for handler, pattern in _PATTERNS:
            match = pattern.match(text, pos)
            if match and match.end() > pos:
                groups = {k: v for k, v in match.groupdict().items() if v}
                year_text = groups.get("y") or groups.get("y2")
                if year_text:
                    context_year = _year(year_text, source)
                elif context_year is None:
                    raise DeadlineError("no_year", source)
                assert context_year is not None
                found.append(_date_of(handler, groups, context_year, source))
                pos = match.end()
                break
        else:
            pos += 1
    return found


def _date_of(handler: str, groups: dict[str, str], year: int, source: str) -> tuple[dt.date, str]:
    if handler == "ymd":
        month = _MONTH_NAMES[groups["mn"]] if "mn" in groups else int(groups["m"])
        day = int(groups["d"])
        last = _month_end(year, month, source).day
        if not 1 <= day <= last:
            raise DeadlineError("bad_day", source, year=year, month=month, day=day)
        return dt.date(year, month, day), DATE
    if handler == "ym":
        month = _MONTH_NAMES[groups["mn"]] if "mn" in groups else int(groups["m"])
        end = _month_end(year, month, source)
        day_of_part = _DAY_OF_PART.get(groups.get("part", ""))
        if day_of_part:
            return end.replace(day=day_of_part), DATE
        return end, MONTH_END
    if handler == "q":
        quarter = _ORDINALS[groups["qw"]] if "qw" in groups else int(groups["q"])
        if not 1 <= quarter <= 4:
            raise DeadlineError("bad_quarter", source, quarter=quarter)
        return _month_end(year, quarter * 3, source), QUARTER_END
    if handler == "h":
        word = groups.get("hw", "")
        first = word in ("上半年", "年中", "first", "mid") or groups.get("h") == "1"
        return (dt.date(year, 6, 30) if first else end_of_year(year)), HALF_END
    return end_of_year(year), YEAR_END


def _year(text: str, source: str) -> int:
    year = int(text)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise DeadlineError("bad_year", source, year=year)
    return year


def _month_end(year: int, month: int, source: str) -> dt.date:
    if not 1 <= month <= 12:
        raise DeadlineError("bad_month", source, month=month)
    return dt.date(year, month, calendar.monthrange(year, month)[1])
