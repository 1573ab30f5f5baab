"""Styled Excel workbooks (.xlsx) from plain rows.

Tables leave the office as workbooks: task lists, reports, rankings, the
three-batches lists. The people who open them filter, sort and print, so every
sheet gets the same treatment: a bold shaded header with an autofilter, frozen
below the header, columns sized to their content (Chinese characters count
double), real dates and numbers with formats, and the header row repeated on
every printed page.

    write_workbook([
        Sheet(
            "任务清单",
            [Column("serial", "序号", kind="int"), Column("title", "任务"),
             Column("due", "完成时限", kind="date"), Column("rate", "完成率", kind="percent")],
            rows=[{"serial": 1, "title": "建设科技创新平台",
                   "due": dt.date(2026, 12, 31), "rate": 0.4}],
            heading="2026年重点任务清单",
            notes=["数据截至2026年11月23日。"],
        )
    ]) -> bytes

Cells come from people (task titles, unit replies, phone numbers), and a text
that starts with "=" is a formula to a spreadsheet: "=HYPERLINK(...)" in a
reply must not become a live link on the office's machine. Every text that
starts with = + - @, a tab or a carriage return is stored as a string with the
quotePrefix style, so Excel and LibreOffice show it literally and keep it text
when edited.

Sheets are always written in openpyxl's write-only (streaming) mode: it keeps
every style used here (cell styles, merged title and notes, frozen panes,
autofilter, column widths, print titles), holds one row in memory at a time and
is the faster mode, so one path serves a ten-row ranking and a 50,000-row export.
"""

from __future__ import annotations

import datetime as dt
import io
import itertools
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

Kind = Literal["text", "date", "datetime", "int", "decimal", "percent"]
KINDS: tuple[Kind, ...] = ("text", "date", "datetime", "int", "decimal", "percent")

NUMBER_FORMATS: dict[Kind, str] = {
    "text": "@",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
    "int": "0",  # no thousands separator: years and codes are ints too
    "decimal": "#,##0.00",
    "percent": "0.0%",  # the value is a fraction: 0.853 shows as 85.3%
}
# Widths in Excel's unit (one "0" of the default font); a Chinese character is two.
MIN_WIDTH = 6.0
MAX_WIDTH = 50.0
HEADER_MAX_WIDTH = 20.0  # a longer header wraps instead of widening its column
WIDTH_PADDING = 2.0
WIDTH_SAMPLE_ROWS = 1000  # rows read ahead to size the columns
LINE_HEIGHT = 15.0  # points, one line of the default 11 pt font
FIXED_WIDTHS: dict[Kind, float] = {"date": 10, "datetime": 16}

# Excel's limits.
SHEET_TITLE_MAX = 31
PAPER_A4 = "9"  # ECMA-376 paperSize code
CELL_TEXT_MAX = 32_767
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_RESERVED_TITLES = {"history"}  # Excel keeps it for change tracking

# Spreadsheets read a cell that starts with one of these as a formula (or, for
# tab and CR, as the start of one after an import): OWASP's CSV-injection list.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_HEADING_FONT = Font(bold=True, size=14)
_HEADING_ALIGN = Alignment(horizontal="center", vertical="center")
_NOTE_ALIGN = Alignment(horizontal="left", vertical="top", wrap_text=True)


@dataclass(frozen=True)
class Column:
    """One column: the row key (or position) it reads, its header and its kind.

    ``width`` is in Excel's character unit; without it the width follows the
    header and the first rows' content.
    """

    key: str
    title: str
    width: float | None = None
    kind: Kind = "text"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.key!r}: unknown kind {self.kind!r}")


Row = Mapping[str, object] | Sequence[object]


@dataclass
class Sheet:
    """A sheet: rows are dicts keyed by Column.key or tuples in column order.

    ``heading`` is a merged title row above the header; ``notes`` are merged
    rows below the data (sources, "data as of" lines). ``freeze_first_column``
    keeps the first column in view when scrolling right as well.
    """

    title: str
    columns: Sequence[Column]
    rows: Iterable[Row] = ()
    heading: str | None = None
    notes: Sequence[str] = field(default_factory=list)
    freeze_first_column: bool = False


# --- text ------------------------------------------------------------------------------


def display_width(text: str) -> float:
    """Width in Excel's unit: East Asian wide and full-width characters count double."""
    return sum(2.0 if unicodedata.east_asian_width(c) in "WF" else 1.0 for c in text)


def clean_text(value: str) -> str:
    """Drop the control characters the file format cannot hold; cut at Excel's cell limit."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > CELL_TEXT_MAX:
        value = value[: CELL_TEXT_MAX - 1] + "…"
    return value


def is_formula_like(value: str) -> bool:
    return value.startswith(FORMULA_TRIGGERS)


def clean_sheet_title(title: str, taken: Iterable[str] = ()) -> str:
    """A title Excel accepts: no []:*?/\\, no quote at either end, at most 31
    characters, not "History", and unique (case-insensitively) among ``taken``:
    "排名", "排名 (2)", ...
    """
    base = _SHEET_TITLE_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", title))
    base = re.sub(r"\s+", " ", base).strip().strip("'").strip()
    if not base or base.lower() in _RESERVED_TITLES:
        base = f"{base} 1".strip() if base else "Sheet"
    base = base[:SHEET_TITLE_MAX].rstrip("'").rstrip()
    used = {t.lower() for t in taken}
    candidate = base
    for n in itertools.count(2):
        if candidate.lower() not in used:
            return candidate
        suffix = f" ({n})"
        candidate = base[: SHEET_TITLE_MAX - len(suffix)].rstrip("'").rstrip() + suffix
    raise AssertionError("unreachable")  # pragma: no cover


# --- values ----------------------------------------------------------------------------


def _as_text(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _finite(value: float | Decimal) -> float | Decimal | None:
    """NaN and infinity have no cell value in Excel; they are left empty."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    return value if math.isfinite(value) else None


def _naive(value: dt.datetime) -> dt.datetime:
    """Excel has no time zones: an aware datetime is written in its own wall-clock time.

    Convert to the office's zone before writing (django.utils.timezone.localtime).
    """
    return value.replace(tzinfo=None)


def convert(value: object, kind: Kind) -> object:
    """The value as the column's kind wants it, or a string when it is not one.

    None stays empty. A value that does not fit the kind (a "待定" in a date
    column) is kept as text rather than lost or raised on.
    """
    if value is None:
        return None
    if kind == "text":
        return _as_text(value)
    if isinstance(value, str):
        return value
    if kind == "date":
        if isinstance(value, dt.datetime):
            return _naive(value).date()
        if isinstance(value, dt.date):
            return value
    elif kind == "datetime":
        if isinstance(value, dt.datetime):
            return _naive(value)
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time())
    elif _is_number(value):
        number = _finite(value)  # type: ignore[arg-type]
        if number is None:
            return None
        if kind == "int":
            return int(number) if number == int(number) else number
        return number
    return _as_text(value)


# --- styles ----------------------------------------------------------------------------


class _Styles:
    """One prototype cell per look, copied into each new cell.

    Setting font, border and format on 300,000 cells one attribute at a time
    costs openpyxl a style lookup each; handing each new cell a prototype's
    style array (Cell(style_array=...), which copies it) costs a small copy.
    """

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._cache: dict[tuple[Kind, bool, bool], Any] = {}

    def body(self, kind: Kind, *, wrap: bool, literal: bool = False) -> Any:
        key = (kind, wrap, literal)
        if key not in self._cache:
            proto = Cell(self.ws)
            proto.border = _BORDER
            proto.number_format = "@" if literal else NUMBER_FORMATS[kind]
            horizontal = "left" if kind == "text" or literal else None
            proto.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=wrap)
            if literal:
                proto.quotePrefix = True
            self._cache[key] = proto._style  # openpyxl's StyleArray of the prototype
        return self._cache[key]

    def cell(self, value: object, style: Any) -> Cell:
        return Cell(self.ws, row=1, column=1, value=value, style_array=style)


# --- writing ---------------------------------------------------------------------------


def write_workbook(sheets: Sequence[Sheet]) -> bytes:
    """The workbook as .xlsx bytes, one worksheet per Sheet, in order."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    wb = Workbook(write_only=True)
    titles: list[str] = []
    for sheet in sheets:
        title = clean_sheet_title(sheet.title, titles)
        titles.append(title)
        _write_sheet(wb.create_sheet(title), sheet)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _write_sheet(ws: Any, sheet: Sheet) -> None:
    columns = list(sheet.columns)
    if not columns:
        raise ValueError(f"sheet {sheet.title!r} has no columns")
    count = len(columns)
    last = get_column_letter(count)
    styles = _Styles(ws)

    rows = iter(sheet.rows)
    sample = [_values(row, columns) for row in itertools.islice(rows, WIDTH_SAMPLE_ROWS)]
    widths = [_width(column, [r[i] for r in sample]) for i, column in enumerate(columns)]
    wraps = [
        column.kind == "text" and any(display_width(str(r[i] or "")) > widths[i] for r in sample)
        for i, column in enumerate(columns)
    ]

    # Everything above the rows must be set before the first row is streamed.
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    header_row = 2 if sheet.heading else 1
    ws.freeze_panes = f"{'B' if sheet.freeze_first_column else 'A'}{header_row + 1}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.paperSize = PAPER_A4
    ws.page_setup.orientation = "landscape" if sum(widths) > 100 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)

    row_number = 0
    if sheet.heading:
        heading = _text_cell(styles, sheet.heading, None)
        heading.font = _HEADING_FONT
        heading.alignment = _HEADING_ALIGN
        ws.row_dimensions[1].height = 28
        ws.append([heading])
        ws.merged_cells.add(f"A1:{last}1")
        row_number = 1

    header = []
    for column in columns:
        cell = _text_cell(styles, column.title, None)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.border = _BORDER
        cell.alignment = _HEADER_ALIGN
        header.append(cell)
    ws.append(header)
    row_number += 1

    writers = [
        _cell_writer(styles, column.kind, wrap) for column, wrap in zip(columns, wraps, strict=True)
    ]
    wrapped = [(i, widths[i]) for i, wrap in enumerate(wraps) if wrap]
    for values in itertools.chain(sample, (_values(row, columns) for row in rows)):
        row_number += 1
        if wrapped:
            lines = max(_lines(values[i], width) for i, width in wrapped)
            if lines > 1:
                # Neither Excel nor LibreOffice grows a streamed row to fit its
                # wrapped text on opening; without a height only the first line shows.
                ws.row_dimensions[row_number].height = LINE_HEIGHT * lines + 2
        ws.append([write(v) for write, v in zip(writers, values, strict=True)])
    ws.auto_filter.ref = f"A{header_row}:{last}{row_number}"

    if sheet.notes:
        row_number += 1
        ws.append([])
        total_width = sum(widths)
        for note in sheet.notes:
            row_number += 1
            ws.row_dimensions[row_number].height = LINE_HEIGHT * _lines(note, total_width) + 2
            cell = _text_cell(styles, note, None)
            cell.alignment = _NOTE_ALIGN
            ws.append([cell])
            ws.merged_cells.add(f"A{row_number}:{last}{row_number}")


def _values(row: Row, columns: Sequence[Column]) -> list[object]:
    """A row's raw values in column order, from a dict or a tuple, converted to each kind."""
    if isinstance(row, Mapping):
        raw = [row.get(column.key) for column in columns]
    else:
        raw = list(row)
        if len(raw) > len(columns):
            raise ValueError(f"a row has {len(raw)} values for {len(columns)} columns")
        raw += [None] * (len(columns) - len(raw))
    return [convert(value, column.kind) for value, column in zip(raw, columns, strict=True)]


def _lines(value: object, width: float) -> int:
    """How many lines a wrapped text takes in a column ``width`` wide (an estimate)."""
    if not isinstance(value, str) or not value:
        return 1
    room = max(1.0, width - 1)
    return sum(max(1, math.ceil(display_width(part) / room)) for part in value.split("\n"))


def _width(column: Column, values: Sequence[object]) -> float:
    if column.width is not None:
        return column.width
    content = FIXED_WIDTHS.get(column.kind, 0.0)
    for value in values:
        if value is None:
            continue
        if column.kind == "decimal" and _is_number(value):
            shown = f"{value:,.2f}"
        elif column.kind == "percent" and _is_number(value):
            shown = f"{value:.1%}"
        elif isinstance(value, dt.date):
            continue  # the fixed width above
        else:
            shown = str(value)
        content = max(content, max(display_width(line) for line in shown.split("\n")))
    header = min(display_width(column.title), HEADER_MAX_WIDTH)
    return min(MAX_WIDTH, max(MIN_WIDTH, content, header) + WIDTH_PADDING)


def _cell_writer(styles: _Styles, kind: Kind, wrap: bool) -> Callable[[object], object]:
    """A function from a converted value to what ws.append takes for this column."""
    style = styles.body(kind, wrap=wrap)
    text_style = styles.body("text", wrap=wrap)

    def write(value: object) -> object:
        if isinstance(value, str):
            return _text_cell(styles, value, style if kind == "text" else text_style, wrap=wrap)
        return styles.cell(value, style)

    return write


def _text_cell(styles: _Styles, value: str, style: Any, *, wrap: bool = False) -> Cell:
    """A string cell; one that looks like a formula is forced to text and quote-prefixed."""
    value = clean_text(value)
    if is_formula_like(value):
        cell = styles.cell(None, styles.body("text", wrap=wrap, literal=True))
        cell.value = value
        cell.data_type = "s"  # never "f": openpyxl would write "=..." as a formula
        return cell
    return styles.cell(value, style)
