"""A task list workbook (任务分解表) as offices keep it, read into sections, tasks and measures.

The office receives a plan's task list as an Excel workbook: a merged title
row ("洛阳高新区2022年重点任务分解表"), a one- or two-row merged header (序号,
重点任务, 具体措施, 牵头单位, 配合单位, 责任领导, 完成时限, 备注, in any order,
under any of their usual names), section rows ("一、提升自主创新能力"), task
cells merged down over their measures, several units in one cell and
deadlines as free text. :func:`read_taskbook` turns it into a
:class:`TaskBook`: a flat list of :class:`Node` (sections, tasks, measures,
in sheet order, each pointing at its parent) plus the problems found, row by
row. It is pure: no database. Unit names stay raw strings; matching them to
units, the preview and the transaction are the importer's work.

What can be read is read, and what cannot is said: a row with a problem is
kept in ``nodes`` where that makes sense, with its problem codes, so the
preview can show it; a file that is no workbook raises :class:`WorkbookError`,
never an openpyxl traceback. All codes have English texts in
:data:`MESSAGES` (marked with ``gettext_noop``); :func:`message` gives the
(msgid, params) pair the UI translates.

Reading happens in two passes (:mod:`duban.lib.workbooks`). The first
streams each part's XML out of the zip without openpyxl, counting cells
(with a value or not), rows and merged ranges, the rows that hold a value,
and noting formula cells that were never calculated; it refuses an oversized
workbook before anything big is built. The second opens it with openpyxl in
read-only mode (``data_only=True``: the values a formula last showed), reads
the rows down to the last that holds a value, as wide as the header, and
fills the merged ranges the first pass found (read-only mode cannot see
them); that rectangle is bounded too, and the time all of it takes.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import IO, Any

from django.utils.translation import gettext_noop
from openpyxl.utils import get_column_letter

from duban.lib import deadlines, workbooks
from duban.lib.deadlines import DeadlineError, ParsedDeadline
from duban.lib.workbooks import Limits, SheetScan, WorkbookError

__all__ = ["Limits", "WorkbookError", "read_taskbook"]

# Every code this module produces, with its English text (a gettext msgid),
# and the names of the columns it knows.
MESSAGES: dict[str, str] = {
    # WorkbookError: the file cannot be read at all (and those of duban.lib.workbooks)
    **workbooks.MESSAGES,
    "sheet_not_found": gettext_noop(
        "The workbook has no sheet “%(sheet)s”; its sheets are: %(sheets)s."
    ),
    "empty_sheet": gettext_noop("The sheet “%(sheet)s” is empty."),
    "no_header": gettext_noop(
        "No header row found in the first %(rows)s rows of “%(sheet)s”. The list needs "
        "at least a task or measure column (Task / Measure) and a lead unit "
        "column (Lead unit / Responsible unit)."
    ),
    "missing_task_column": gettext_noop(
        "The header in row %(row)s of “%(sheet)s” has no task or measure column (Task / Measure)."
    ),
    "missing_lead_column": gettext_noop(
        "The header in row %(row)s of “%(sheet)s” has no lead unit column (Lead unit / "
        "Responsible unit)."
    ),
    "no_rows": gettext_noop(
        "The sheet “%(sheet)s” has a header in row %(row)s but no tasks below it."
    ),
    # RowProblem in TaskBook.problems: the row needs fixing before it is imported
    "measure_without_task": gettext_noop("Row %(row)s has a measure but no task above it."),
    "empty_measure": gettext_noop(
        "Row %(row)s continues the task above but has no measure; it is left out."
    ),
    "no_title": gettext_noop("Row %(row)s has content but no task or measure; it is left out."),
    "no_lead_unit": gettext_noop("Row %(row)s has no lead unit."),
    "no_deadline": gettext_noop("Row %(row)s has no deadline."),
    "bad_deadline": gettext_noop("Row %(row)s: the deadline “%(text)s” cannot be read."),
    "formula_without_value": gettext_noop(
        "Cell %(cell)s holds a formula that was never calculated, so its value is unknown. "
        "Open the file in Excel or WPS, save it and upload it again."
    ),
    # RowProblem in TaskBook.skipped: content deliberately not read
    "footnote": gettext_noop("Row %(row)s is a note, not a task: “%(text)s”."),
    "unknown_column": gettext_noop("Column %(cell)s “%(name)s” is not a known column; ignored."),
    "duplicate_column": gettext_noop(
        "Column %(cell)s “%(name)s” repeats column %(first)s; ignored."
    ),
    # Column names (RowProblem.column and TaskBook.columns keys)
    "field.serial": gettext_noop("No."),
    "field.task": gettext_noop("Task"),
    "field.measure": gettext_noop("Measure"),
    "field.lead": gettext_noop("Lead unit"),
    "field.co": gettext_noop("Co-units"),
    "field.leader": gettext_noop("Leader"),
    "field.deadline": gettext_noop("Deadline"),
    "field.notes": gettext_noop("Notes"),
}

MAX_DATA_ROWS = 20_000
HEADER_SCAN_ROWS = 10

SECTION, TASK, MEASURE = "section", "task", "measure"
LEVELS = (SECTION, TASK, MEASURE)

SERIAL, TASK_COL, MEASURE_COL = "serial", "task", "measure"
LEAD, CO, LEADER, DEADLINE, NOTES = "lead", "co", "leader", "deadline", "notes"
FIELDS = (SERIAL, TASK_COL, MEASURE_COL, LEAD, CO, LEADER, DEADLINE, NOTES)

# The names offices give each column, Chinese and English. Matched after
# _header_key(): full-width folded, lower case, brackets and punctuation gone.
ALIASES: dict[str, tuple[str, ...]] = {
    SERIAL: ("序号", "编号", "序", "no", "number", "item"),
    TASK_COL: (
        "重点任务",
        "主要任务",
        "任务",
        "工作任务",
        "任务名称",
        "任务内容",
        "重点工作",
        "task",
        "tasks",
        "key task",
        "key tasks",
    ),
    MEASURE_COL: (
        "具体措施",
        "工作措施",
        "措施",
        "主要措施",
        "推进措施",
        "具体举措",
        "工作举措",
        "举措",
        "measure",
        "measures",
        "specific measure",
        "specific measures",
        "action",
        "actions",
    ),
    LEAD: (
        "牵头单位",
        "责任单位",
        "牵头部门",
        "责任部门",
        "主责单位",
        "牵头",
        "lead unit",
        "lead units",
        "lead",
        "responsible unit",
        "responsible units",
    ),
    CO: (
        "配合单位",
        "协同单位",
        "参与单位",
        "配合部门",
        "协同部门",
        "参与部门",
        "协办单位",
        "配合",
        "co-unit",
        "co-units",
        "cooperating units",
        "supporting units",
    ),
    LEADER: (
        "责任领导",
        "分管领导",
        "牵头领导",
        "包联领导",
        "联系领导",
        "leader",
        "leaders",
        "responsible leader",
    ),
    DEADLINE: (
        "完成时限",
        "时间节点",
        "完成时间",
        "时限",
        "完成期限",
        "时限要求",
        "时间要求",
        "deadline",
        "deadlines",
        "due",
        "due date",
        "time limit",
    ),
    NOTES: ("备注", "说明", "notes", "note", "remarks", "remark"),
}


@dataclass(frozen=True)
class RowProblem:
    """Something about one row (1-based sheet row; the header row for a
    column problem). ``params`` always holds ``row``; ``column`` is a key of
    :data:`FIELDS` when the problem is in one column."""

    row: int
    code: str
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    column: str | None = None


@dataclass(frozen=True)
class Node:
    """A section, task or measure.

    ``index`` is the node's place in :attr:`TaskBook.nodes`; ``parent`` the
    index of its parent (None for a section, or a task outside any section).
    ``row`` .. ``last_row`` are the sheet rows it covers (a task merged over
    three measures covers their three rows). ``serial`` is the sheet's 序号
    when it has one for this node, else generated ("1", "1.2", "1.2.3").
    ``title`` is the text with its leading numbering ("一、", "（二）", "3.")
    removed. ``lead_units`` and ``co_units`` are raw unit names as written.

    For a section or task with children, the fields it has no value of its
    own for (lead and co-units, leader, deadline) are rolled up from its
    children: units in order of first appearance, the leader when all
    children agree, the latest deadline. ``rolled_up`` names those fields.

    ``deadline_text`` is the cell as written; ``deadline`` its reading, or
    ``deadline_error`` the :class:`~duban.lib.deadlines.DeadlineError` code
    ("empty" for an empty cell). ``problems`` are the codes of this node's
    problems (details in :attr:`TaskBook.problems`); a node with problems is
    not ``valid`` and should not be imported as it stands. Only leaves (and
    measures without a task) are checked for a lead unit and a deadline: a
    parent's rolled-up ``lead_units`` or ``deadline`` is empty only when none
    of its children has one, and each of those children has its problem.

    ``external_key`` identifies the node across imports of the same list:
    "s:", "t:" or "m:" and a digest of its section, task and measure texts
    (normalised: full-width folded, numbering, spaces and punctuation removed)
    and of how many nodes before it had the same texts. Renumbering rows,
    renaming the sheet's title, editing units, leaders or deadlines keep it;
    editing its own text, or its task's or section's, gives a new one.
    """

    index: int
    level: str
    row: int
    last_row: int
    serial: str
    title: str
    parent: int | None
    lead_units: list[str]
    co_units: list[str]
    leader: str
    deadline_text: str
    deadline: ParsedDeadline | None
    deadline_error: str | None
    notes: str
    external_key: str
    problems: list[str] = field(default_factory=list)
    rolled_up: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class TaskBook:
    """A task list read from a workbook.

    ``header_row`` is the first header row (``header_rows`` all of them;
    data start below the last). ``columns`` maps each field found to its
    column letter ({"task": "B", "lead": "D", ...}). ``plan_year`` is the
    year deadlines were read against: given by the caller, else the first
    year in the title. ``problems`` are rows to fix, ``skipped`` what was
    read past on purpose (footnotes, unknown columns), both in sheet order.
    """

    title: str
    sheet: str
    header_row: int
    columns: dict[str, str]
    nodes: list[Node]
    problems: list[RowProblem]
    skipped: list[RowProblem]
    header_rows: tuple[int, ...] = ()
    plan_year: int | None = None
    sheets: tuple[str, ...] = ()

    def children(self, index: int) -> list[Node]:
        return [node for node in self.nodes if node.parent == index]


def message(code: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The English msgid for ``code`` and its params, for the UI to translate.

    A "bad_deadline" problem carries the deadline's own error code in
    ``params["reason"]``; its message is the more precise text for that code.
    """
    if code == "bad_deadline" and params.get("reason") in deadlines.MESSAGES:
        return deadlines.message(params["reason"], params)
    return MESSAGES.get(code) or deadlines.MESSAGES[code], params


def label(column: str) -> str:
    """The English column name of a field (a msgid): "lead" → "Lead unit"."""
    return MESSAGES[f"field.{column}"]


def read_taskbook(
    source: bytes | bytearray | memoryview | IO[bytes],
    *,
    plan_year: int | None = None,
    sheet: str | None = None,
    max_rows: int = MAX_DATA_ROWS,
    limits: Limits | None = None,
) -> TaskBook:
    """Read a task list workbook (its bytes, or a binary file object).

    ``sheet`` names the sheet to read; by default the active sheet, or else
    the first visible sheet with a task list header. ``limits`` bound the
    file, what it unpacks to, its cells and the time taken (the defaults of
    :class:`~duban.lib.workbooks.Limits` unless given). Raises
    :class:`WorkbookError` for a file that is no readable task list.
    """
    # Every sheet's filled rows are bounded before openpyxl opens the file;
    # the header may sit below a title and notes.
    with workbooks.open_workbook(
        source, limits=limits, max_rows=max_rows, above=HEADER_SCAN_ROWS
    ) as opened:
        chosen, header = _choose_sheet(opened, sheet)
        scan = opened.scans[chosen.title]
        return _read_sheet(chosen, header, scan, plan_year, max_rows, opened)


# ---------------------------------------------------------------- the header


@dataclass(frozen=True)
class _Header:
    rows: tuple[int, ...]  # 1-based
    columns: dict[str, int]  # field -> 1-based column
    width: int  # the last column with a header
    unknown: tuple[tuple[int, str], ...]  # (column, name)
    duplicates: tuple[tuple[int, str, int], ...]  # (column, name, first column)

    @property
    def score(self) -> int:
        return len(self.columns)

    @property
    def usable(self) -> bool:
        return LEAD in self.columns and (TASK_COL in self.columns or MEASURE_COL in self.columns)


def _header_key(value: object) -> str:
    text = unicodedata.normalize("NFKC", _text(value)).lower()
    text = re.sub(r"[(\[【][^)\]】]*[)\]】]", "", text)  # "牵头单位（部门）"
    return re.sub(r"[\W_]+", "", text)


def _match_header(rows: list[tuple[int, list[object]]]) -> _Header:
    """The header that rows (lowest first: a sub-header wins over the group
    name merged above it) make together."""
    width = max((len(values) for _, values in rows), default=0)
    columns: dict[str, int] = {}
    unknown: list[tuple[int, str]] = []
    duplicates: list[tuple[int, str, int]] = []
    last = 0
    for column in range(1, width + 1):
        texts = [_text(values[column - 1]) for _, values in rows if column <= len(values)]
        texts = [t for t in texts if t]
        if not texts:
            continue
        last = column
        name = next((_ALIAS_INDEX[k] for t in texts if (k := _header_key(t)) in _ALIAS_INDEX), None)
        if name is None:
            unknown.append((column, texts[0]))
        elif name in columns:
            duplicates.append((column, texts[0], columns[name]))
        else:
            columns[name] = column
    numbers = tuple(sorted(number for number, _ in rows))
    return _Header(numbers, columns, last, tuple(unknown), tuple(duplicates))


def _find_header(top: list[list[object]]) -> tuple[_Header | None, _Header | None]:
    """(the usable header, else None; the best partial one, for the error)."""
    best: _Header | None = None
    partial: _Header | None = None
    singles = [_match_header([(index + 1, values)]) for index, values in enumerate(top)]
    for index, values in enumerate(top):
        candidates = [singles[index]]
        if index + 1 < len(top):
            # Two rows make a header only if each adds to the other: a title
            # row above a header, or a first data row below it, does not.
            double = _match_header([(index + 2, top[index + 1]), (index + 1, values)])
            if double.score > max(singles[index].score, singles[index + 1].score):
                candidates.append(double)
        for header in candidates:
            if header.usable and (best is None or header.score > best.score):
                best = header
            if partial is None or header.score > partial.score:
                partial = header
    return best, partial


def _choose_sheet(opened: workbooks.Workbook, wanted: str | None) -> tuple[Any, _Header]:
    """The sheet to read and its header: the one asked for, else the active
    sheet, else the first visible sheet with a usable header."""
    workbook, scans = opened.book, opened.scans
    if wanted is not None:
        if wanted not in workbook.sheetnames or wanted not in scans:
            raise WorkbookError(
                "sheet_not_found", {"sheet": wanted, "sheets": "、".join(workbook.sheetnames)}
            )
        order = [workbook[wanted]]
    else:
        active = workbook.active
        worksheets = [ws for ws in workbook.worksheets if ws.title in scans]
        visible = [ws for ws in worksheets if ws.sheet_state == "visible"] or worksheets
        if active is None or active not in visible:
            active = visible[0] if visible else None
        order = [active, *(ws for ws in visible if ws is not active)] if active else []
    if not order:
        raise WorkbookError("no_sheet")
    failure: WorkbookError | None = None
    for ws in order:
        if scans[ws.title].rows == 0:
            failure = failure or WorkbookError("empty_sheet", {"sheet": ws.title})
            continue
        top = _rows(opened, ws, HEADER_SCAN_ROWS)
        header, partial = _find_header(top)
        if header is not None:
            return ws, header
        if failure is None or failure.code == "empty_sheet":
            failure = _header_failure(ws.title, partial)
    assert failure is not None
    raise failure


def _rows(opened: workbooks.Workbook, ws: Any, last: int) -> list[list[object]]:
    """The sheet's first ``last`` rows as values, as wide as their last cell.

    Read-only mode reads what the file holds; a full load would have
    emptied the cells a merged range covers (but its first), and so do we:
    a stale value under a merge is no text of that row."""
    rows = [list(values) for values in opened.rows(ws, max_row=last)]
    for min_col, min_row, max_col, max_row in opened.scans[ws.title].merges:
        for row in range(min_row, min(max_row, len(rows)) + 1):
            values = rows[row - 1]
            for column in range(min_col, min(max_col, len(values)) + 1):
                if (row, column) != (min_row, min_col):
                    values[column - 1] = None
    return rows


def _header_failure(sheet: str, partial: _Header | None) -> WorkbookError:
    if partial is None or partial.score < 2:
        return WorkbookError("no_header", {"sheet": sheet, "rows": HEADER_SCAN_ROWS})
    code = "missing_lead_column" if LEAD not in partial.columns else "missing_task_column"
    return WorkbookError(code, {"sheet": sheet, "row": partial.rows[0]})


# ---------------------------------------------------------------- cells and texts


def _text(value: object) -> str:
    """A cell as text: stripped, line ends as \\n, dates as ISO dates, 3.0 as 3."""
    if value is None:
        return ""
    if isinstance(value, str):
        if "\n" not in value and "\r" not in value:
            return value.strip()
        return "\n".join(line.strip() for line in value.strip().splitlines()).strip()
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


_ALIAS_INDEX = {_header_key(alias): name for name, aliases in ALIASES.items() for alias in aliases}

_CN_NUM = "一二三四五六七八九十百零〇"
_SECTION_HEAD = re.compile(
    rf"^\s*(?:(?P<cn>[{_CN_NUM}]{{1,3}})\s*[、.．]|第(?P<cn2>[{_CN_NUM}\d]+)\s*(?:部分|章|篇))"
)
_TASK_HEAD = re.compile(rf"^\s*[（(]\s*[{_CN_NUM}]{{1,3}}\s*[)）]")
_CN_SERIAL = re.compile(rf"^\s*[{_CN_NUM}]{{1,3}}\s*[、.．]?\s*$")
_NUMBERING = re.compile(
    rf"^\s*(?:第[{_CN_NUM}\d]+\s*(?:部分|章|篇|项|条|节)[、.．:：]?"
    rf"|[（(]\s*[{_CN_NUM}\d]{{1,4}}\s*[)）][、.．]?"
    rf"|[{_CN_NUM}]{{1,3}}\s*[、.．]"
    r"|\d{1,3}(?:[.．]\d{1,3})*\s*[、.．)）](?!\d)"
    r"|\d{1,3}(?:[.．]\d{1,3})+(?=\s)"
    r"|[①-⑳])\s*"
)
_FOOTNOTE = re.compile(
    r"^\s*[*※]?\s*(?:注|备注|说明|附注|填表说明|notes?|remarks?)\s*\d*\s*[:：]", re.IGNORECASE
)
_YEAR_IN_TITLE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")


def _strip_numbering(text: str) -> str:
    stripped = _NUMBERING.sub("", text, count=1).strip()
    return stripped or text


def _cn_serial(text: str) -> str | None:
    """A serial in Chinese numerals as digits: "三、" → "3"."""
    match = re.match(rf"\s*([{_CN_NUM}]+)", text)
    if not match:
        return None
    value = deadlines.cn_number(match[1].replace("百", ""))
    return str(value) if value else None


def _cn_numeral(value: int) -> str:
    """1..99 in Chinese numerals, as a section is numbered: 3 → "三", 12 → "十二"."""
    digits = "零一二三四五六七八九"
    if value < 10:
        return digits[value]
    tens, ones = divmod(value, 10)
    return f"{digits[tens] if tens > 1 else ''}十{digits[ones] if ones else ''}"


def _serial_text(value: object) -> str:
    return _text(value).rstrip("、.．").strip()


_UNIT_SEPARATORS = frozenset("、，,；;\n\r/／|")
_OPENING, _CLOSING = frozenset("(（[【〔"), frozenset(")）]】〕")
_ETC = re.compile(r"\s*等(?:相关|有关)?(?:单位|部门)?\s*$")
_CJK = r"[\u3400-\u9fff]"


def split_units(value: object) -> list[str]:
    """The unit names in a cell, raw but tidied: see :func:`_split_units`."""
    return list(_split_units(_text(value)))


@functools.lru_cache(maxsize=4096)  # a list repeats its unit cells on many rows
def _split_units(text: str) -> tuple[str, ...]:
    """The unit names in a cell, raw but tidied: split on 、，,；; / and line
    breaks (not inside brackets: "区委办（区政府办、督查室）" is one name),
    spaces around names dropped, a single space between Chinese characters
    dropped ("区 发改局") while two or a full-width one separate names, a
    closing "等" / "等相关单位" dropped, duplicates dropped."""
    text = re.sub(rf"(?<={_CJK})(?: {{2,}}|\u3000+)(?={_CJK})", "、", text)
    text = re.sub(rf"(?<={_CJK}) (?={_CJK})", "", text)
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text + "、":
        if char in _OPENING:
            depth += 1
        elif char in _CLOSING:
            depth = max(0, depth - 1)
        if depth == 0 and char in _UNIT_SEPARATORS:
            parts.append(re.sub(r"\s+", " ", "".join(current)).strip())
            current = []
        else:
            current.append(char)
    names: list[str] = []
    for part in parts:
        part = _ETC.sub("", part).strip() or part
        if part and part not in names:
            names.append(part)
    return tuple(names)


def _key_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", _strip_numbering(text)).lower()
    return re.sub(r"[\W_]+", "", text)


# ---------------------------------------------------------------- reading the rows


@dataclass
class _Draft:
    level: str
    row: int
    title: str
    parent: int | None
    last_row: int = 0
    sheet_serial: str = ""
    serial: str = ""
    lead_units: list[str] = field(default_factory=list)
    co_units: list[str] = field(default_factory=list)
    leader: str = ""
    deadline_text: str = ""
    deadline: ParsedDeadline | None = None
    deadline_error: str | None = None
    deadline_params: dict[str, Any] = field(default_factory=dict)
    notes: str = ""
    children: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    rolled_up: tuple[str, ...] = ()
    path: tuple[str, ...] = ()  # normalised section, task, measure texts
    external_key: str = ""


class _Reader:
    """One pass over the data rows, building drafts; then roll-ups, serials, keys."""

    def __init__(
        self,
        ws: Any,
        header: _Header,
        scan: SheetScan,
        plan_year: int | None,
        max_rows: int,
        opened: workbooks.Workbook,
    ) -> None:
        self.ws = ws
        self.scan = scan
        self.opened = opened
        self.header = header
        self.plan_year = plan_year
        self.max_rows = max_rows
        self.columns = dict(header.columns)
        if TASK_COL not in self.columns:  # a flat list: its items are tasks
            self.columns[TASK_COL] = self.columns.pop(MEASURE_COL)
        self.first_data_row = header.rows[-1] + 1
        self.last_row = max(scan.last_row, header.rows[-1])
        self.drafts: list[_Draft] = []
        self.problems: list[RowProblem] = []
        self.skipped: list[RowProblem] = []
        self.section: int | None = None
        self.task: int | None = None
        self.measure: int | None = None
        self.previous_row = 0
        self.in_footnote = False
        self.unset = {
            (row, column)
            for row, column in scan.unset_formulas
            if row >= self.first_data_row and column in self.columns.values()
        }

    # -- grid

    def load_grid(self) -> None:
        """The sheet's values down to the last row that holds one, as wide as
        the header (``raw``), and again with each merged range's value copied
        into every cell it covers (``filled``).

        The rectangle is bounded before it is built: a header cell in column
        XFD would otherwise make every row 16,384 values wide. So is the
        work of filling merged ranges (ranges that overlap, which Excel never
        writes, could fill the grid many times over), and the time."""
        width, last_row = self.header.width, self.last_row
        limit = self.opened.limits.max_cells
        if width * last_row > limit:
            raise WorkbookError(
                "too_wide",
                {
                    "sheet": self.ws.title,
                    "rows": f"{last_row:,}",
                    "columns": f"{width:,}",
                    "cells": f"{width * last_row:,}",
                    "limit": f"{limit:,}",
                },
            )
        clipped = [
            (left, top, min(right, width), min(bottom, last_row))
            for left, top, right, bottom in self.scan.merges
            if top <= last_row and left <= width
        ]
        if sum((r - left + 1) * (b - top + 1) for left, top, r, b in clipped) > width * last_row:
            raise WorkbookError("corrupt")
        self.raw: list[list[object]] = [
            list(values) for values in self.opened.rows(self.ws, max_row=last_row, max_col=width)
        ]
        self.filled = [list(values) for values in self.raw]
        self.origin: dict[tuple[int, int], tuple[int, int]] = {}
        self.spans: dict[tuple[int, int], tuple[int, int]] = {}  # top-left -> (rows, cols)
        for left, top, right, bottom in clipped:
            value = self.raw[top - 1][left - 1]
            self.spans[(top, left)] = (bottom - top + 1, right - left + 1)
            for row in range(top, bottom + 1):
                for column in range(left, right + 1):
                    self.filled[row - 1][column - 1] = value
                    if (row, column) != (top, left):
                        self.origin[(row, column)] = (top, left)
                        self.raw[row - 1][column - 1] = None  # as a full load leaves it
        self.opened.budget.check()

    def cell(self, row: int, name: str, *, filled: bool = True) -> object:
        column = self.columns.get(name)
        if column is None:
            return None
        grid = self.filled if filled else self.raw
        return grid[row - 1][column - 1]

    # -- rows

    def read(self) -> None:
        self.load_grid()
        self.texts: dict[int, list[tuple[int, str]]] = {}  # row -> its own (column, text)s
        for row in range(self.first_data_row, self.last_row + 1):
            texts = [(c, t) for c, v in enumerate(self.raw[row - 1], start=1) if (t := _text(v))]
            if texts:
                self.texts[row] = texts
        content_rows = list(self.texts)
        if len(content_rows) > self.max_rows:
            raise WorkbookError(
                "too_many_rows",
                {"sheet": self.ws.title, "rows": len(content_rows), "limit": self.max_rows},
            )
        for row in content_rows:
            self.read_row(row)
            self.previous_row = row
        names = {column: name for name, column in self.columns.items()}
        by_row = {d.row: d for d in self.drafts}  # the deepest node that starts on each row
        for row, column in sorted(self.unset):
            cell = f"{get_column_letter(column)}{row}"
            self.problem(row, "formula_without_value", names[column], cell=cell)
            draft = by_row.get(row)
            if draft is not None and "formula_without_value" not in draft.problems:
                draft.problems.append("formula_without_value")

    def problem(self, row: int, code: str, column: str | None = None, **params: Any) -> None:
        self.problems.append(RowProblem(row, code, {"row": row, **params}, column))

    def read_row(self, row: int) -> None:
        texts = self.texts[row]
        single = texts[0][1] if len(texts) == 1 else None
        if single is not None and (_FOOTNOTE.match(single) or self.in_footnote):
            if not (_SECTION_HEAD.match(single) or _TASK_HEAD.match(single)):
                self.in_footnote = True
                self.skipped.append(RowProblem(row, "footnote", {"row": row, "text": single}))
                return
        self.in_footnote = False
        serial_raw = _text(self.cell(row, SERIAL, filled=False))
        if single is not None and _SECTION_HEAD.match(single):
            return self.start_section(row, single, "")
        if len(texts) == 2 and serial_raw and _CN_SERIAL.match(serial_raw):
            # "一" in 序号 and a title beside it, nothing else: a section. (A
            # task numbered 一 has its units and deadline in the row.)
            title = next(t for c, t in texts if c != self.columns.get(SERIAL))
            return self.start_section(row, title, serial_raw)
        if single is not None and _TASK_HEAD.match(single):
            self.new_task(row, single)
            return
        if single is not None and self.is_banner(row, texts[0][0]):
            return self.start_section(row, single, "")
        self.read_data_row(row)

    def is_banner(self, row: int, column: int) -> bool:
        """A lone text merged across into the unit columns: a heading, not a cell."""
        rows_cols = self.spans.get((row, column))
        if rows_cols is None or rows_cols[1] < 2:
            return False
        right = column + rows_cols[1] - 1
        return column <= self.columns[LEAD] <= right

    def start_section(self, row: int, title: str, serial: str) -> None:
        numbering = _SECTION_HEAD.match(title)
        if not serial and numbering:
            serial = numbering["cn"] or numbering["cn2"] or ""
        draft = _Draft(SECTION, row, _strip_numbering(title), None, row)
        draft.sheet_serial = _serial_text(serial)  # "一", as the sheet numbers it
        self.add(draft)
        self.section, self.task, self.measure = len(self.drafts) - 1, None, None
        self.read_fields(draft, row, own_only=True)

    def new_task(self, row: int, title: str) -> int:
        draft = _Draft(TASK, row, _strip_numbering(title), self.section, row)
        draft.sheet_serial = _serial_text(self.cell(row, SERIAL))
        self.add(draft)
        self.task, self.measure = len(self.drafts) - 1, None
        return self.task

    def add(self, draft: _Draft) -> None:
        if draft.parent is not None:
            self.drafts[draft.parent].children.append(len(self.drafts))
        self.drafts.append(draft)

    def read_data_row(self, row: int) -> None:
        task_text = _text(self.cell(row, TASK_COL))
        measure_text = _text(self.cell(row, MEASURE_COL))
        if not task_text and not measure_text:
            self.problem(row, "no_title")
            return
        task = self.task_of(row, task_text)
        if task is not None:
            self.drafts[task].last_row = row
        if MEASURE_COL not in self.columns:
            if task is not None:  # a flat list: a second row of a task adds to it
                draft = self.drafts[task]
                self.read_fields(draft, row, merge=draft.row != row)
            return
        if not measure_text:
            if task is not None and self.drafts[task].row == row:
                self.read_fields(self.drafts[task], row)  # a task with no measure (yet)
            else:
                self.problem(row, "empty_measure", MEASURE_COL)
            return
        measure_column = self.columns[MEASURE_COL]
        origin = self.origin.get((row, measure_column))
        if origin is not None and self.measure is not None:
            if self.drafts[self.measure].row == origin[0]:  # one measure merged over rows
                self.drafts[self.measure].last_row = row
                self.read_fields(self.drafts[self.measure], row, merge=True)
                return
        parent = task if task is not None else self.section
        draft = _Draft(MEASURE, row, _strip_numbering(measure_text), parent, row)
        draft.sheet_serial = _serial_text(self.cell(row, SERIAL))
        self.add(draft)
        self.measure = len(self.drafts) - 1
        if task is None:
            draft.problems.append("measure_without_task")
            self.problem(row, "measure_without_task", TASK_COL)
        self.read_fields(draft, row)

    def task_of(self, row: int, text: str) -> int | None:
        """The task this row belongs to, starting a new one when the task cell says so."""
        column = self.columns[TASK_COL]
        current = self.drafts[self.task] if self.task is not None else None
        origin = self.origin.get((row, column))
        if origin is not None and current is not None and origin[0] <= current.row:
            return self.task  # inside the merged cell of the current task
        raw = _text(self.raw[row - 1][column - 1])
        if not raw:
            return self.task  # a blank task cell continues the task above
        spans_down = self.spans.get((row, column), (1, 1))[0] > 1
        if (
            current is not None
            and not spans_down
            and current.last_row == self.previous_row
            and _key_text(raw) == _key_text(current.title)
        ):
            return self.task  # the task repeated on each of its rows
        return self.new_task(row, text)

    def read_fields(
        self, draft: _Draft, row: int, *, own_only: bool = False, merge: bool = False
    ) -> None:
        """Units, leader, deadline and notes from a row into a draft.

        ``own_only`` reads only cells that hold their own value (a section row
        must not take a unit merged down from elsewhere); ``merge`` adds a
        second row of a measure merged over two rows to what it has."""
        filled = not own_only
        leads = split_units(self.cell(row, LEAD, filled=filled))
        cos = split_units(self.cell(row, CO, filled=filled))
        leader = re.sub(r"\s+", " ", _text(self.cell(row, LEADER, filled=filled)))
        notes = _text(self.cell(row, NOTES, filled=filled))
        if merge:
            draft.lead_units += [u for u in leads if u not in draft.lead_units]
            draft.co_units += [u for u in cos if u not in draft.co_units]
            draft.leader = draft.leader or leader
            draft.notes = draft.notes or notes
            if draft.deadline is not None or draft.deadline_error not in (None, "empty"):
                return
        else:
            draft.lead_units, draft.co_units, draft.leader, draft.notes = leads, cos, leader, notes
        value = self.cell(row, DEADLINE, filled=filled)
        draft.deadline_text = _text(value)
        if DEADLINE in self.columns:
            try:
                draft.deadline = deadlines.parse_deadline(value, self.plan_year)
                draft.deadline_error, draft.deadline_params = None, {}
            except DeadlineError as error:
                draft.deadline_error, draft.deadline_params = error.code, error.params

    # -- after the pass

    def finish(self) -> list[Node]:
        drafts = self.drafts
        for index in reversed(range(len(drafts))):
            draft = drafts[index]
            if draft.children:
                self.roll_up(draft)
            elif draft.level != SECTION:
                self.check_leaf(draft)
            draft.co_units = [u for u in draft.co_units if u not in draft.lead_units]
        self.number()
        self.key()
        return [
            Node(
                index=index,
                level=d.level,
                row=d.row,
                last_row=max(d.last_row, d.row),
                serial=d.serial,
                title=d.title,
                parent=d.parent,
                lead_units=d.lead_units,
                co_units=d.co_units,
                leader=d.leader,
                deadline_text=d.deadline_text,
                deadline=d.deadline,
                deadline_error=d.deadline_error,
                notes=d.notes,
                external_key=d.external_key,
                problems=d.problems,
                rolled_up=d.rolled_up,
            )
            for index, d in enumerate(drafts)
        ]

    def roll_up(self, draft: _Draft) -> None:
        children = [self.drafts[i] for i in draft.children]
        rolled: list[str] = []
        if not draft.lead_units:
            draft.lead_units = _union(c.lead_units for c in children)
            rolled += ["lead_units"] if draft.lead_units else []
        if not draft.co_units:
            draft.co_units = _union(c.co_units for c in children)
            rolled += ["co_units"] if draft.co_units else []
        if not draft.leader:
            leaders = {c.leader for c in children if c.leader}
            draft.leader = leaders.pop() if len(leaders) == 1 else ""
            rolled += ["leader"] if draft.leader else []
        if draft.deadline is None:
            dated = [c.deadline for c in children if c.deadline and c.deadline.date]
            if dated:
                draft.deadline = max(dated, key=lambda d: d.date or dt.date.min)
                draft.deadline_error = None
                rolled.append("deadline")
        draft.rolled_up = tuple(rolled)

    def check_leaf(self, draft: _Draft) -> None:
        row = draft.row
        if not draft.lead_units:
            draft.problems.append("no_lead_unit")
            self.problem(row, "no_lead_unit", LEAD)
        if DEADLINE not in self.columns or draft.deadline is not None:
            return
        if draft.deadline_error in (None, "empty"):
            draft.problems.append("no_deadline")
            self.problem(row, "no_deadline", DEADLINE)
        else:
            draft.problems.append("bad_deadline")
            params = {**draft.deadline_params, "reason": draft.deadline_error}
            self.problem(row, "bad_deadline", DEADLINE, **params)

    def number(self) -> None:
        """Serials: the sheet's 序号 where it numbers this level, else generated;
        a section keeps its Chinese numeral ("一"). Unique in the list: a serial
        the sheet repeats (measures numbered from 1 under each task) is
        qualified by its parent's ("1.1")."""
        drafts = self.drafts
        per_row = any(
            len({drafts[i].sheet_serial for i in d.children if drafts[i].sheet_serial}) > 1
            for d in drafts
            if d.level == TASK
        )
        counters: dict[int | None, int] = {}
        prefixes: list[str] = []  # the serial as children extend it: digits
        seen: set[str] = set()
        for draft in drafts:
            counters[draft.parent] = counters.get(draft.parent, 0) + 1
            count = counters[draft.parent]
            parent = prefixes[draft.parent] if draft.parent is not None else ""
            generated = f"{parent}.{count}" if parent else str(count)
            if draft.level == SECTION:
                draft.serial = draft.sheet_serial or _cn_numeral(count)
            elif draft.level == TASK:
                own = draft.sheet_serial if (not draft.children or not per_row) else ""
                if not own and per_row and not parent:
                    # 序号 numbers the measures 1, 2, …: a task outside any
                    # section is numbered as the next level up is, （一）.
                    generated = f"（{_cn_numeral(count)}）"
                draft.serial = own or generated
            else:
                draft.serial = (draft.sheet_serial if per_row else "") or generated
            if draft.serial in seen and parent:
                draft.serial = f"{parent}.{draft.serial}"
            while draft.serial in seen:
                draft.serial = f"{draft.serial}-{count}"
            seen.add(draft.serial)
            prefixes.append(
                (_cn_serial(draft.serial.strip("（）")) or draft.serial)
                if draft.level == SECTION or draft.serial.startswith("（")
                else draft.serial
            )

    def key(self) -> None:
        """External keys: a digest of the (section, task, measure) texts, with
        the n-th repetition of the same texts counted in."""
        seen: dict[tuple[str, ...], int] = {}
        depth = {SECTION: 1, TASK: 2, MEASURE: 3}
        for draft in self.drafts:
            parent = self.drafts[draft.parent].path if draft.parent is not None else ()
            # pad: a task outside any section, a measure without a task
            parent = (*parent, "", "")[: depth[draft.level] - 1]
            draft.path = (*parent, _key_text(draft.title))
            seen[draft.path] = seen.get(draft.path, 0) + 1
            material = "\x1f".join((draft.level, *draft.path, str(seen[draft.path])))
            digest = hashlib.sha256(material.encode()).hexdigest()[:20]
            draft.external_key = f"{draft.level[0]}:{digest}"


def _union(lists: Any) -> list[str]:
    names: list[str] = []
    for units in lists:
        names += [u for u in units if u not in names]
    return names


def _read_sheet(
    ws: Any,
    header: _Header,
    scan: SheetScan,
    plan_year: int | None,
    max_rows: int,
    opened: workbooks.Workbook,
) -> TaskBook:
    above = header.rows[0] - 1  # (iter_rows reads every row when max_row is 0)
    top = _rows(opened, ws, above) if above else []
    title = next((_text(v) for values in top for v in values if _text(v)), "")
    if plan_year is None and (year := _YEAR_IN_TITLE.search(title)):
        plan_year = int(year[1])
    reader = _Reader(ws, header, scan, plan_year, max_rows, opened)
    reader.read()
    nodes = reader.finish()
    if not nodes and not reader.problems:
        raise WorkbookError("no_rows", {"sheet": ws.title, "row": header.rows[0]})
    skipped = [
        RowProblem(
            header.rows[0],
            "unknown_column",
            {"row": header.rows[0], "cell": get_column_letter(column), "name": name},
        )
        for column, name in header.unknown
    ] + [
        RowProblem(
            header.rows[0],
            "duplicate_column",
            {
                "row": header.rows[0],
                "cell": get_column_letter(column),
                "name": name,
                "first": get_column_letter(first),
            },
        )
        for column, name, first in header.duplicates
    ]
    return TaskBook(
        title=title,
        sheet=ws.title,
        header_row=header.rows[0],
        columns={name: get_column_letter(column) for name, column in header.columns.items()},
        nodes=nodes,
        problems=sorted(reader.problems, key=lambda p: p.row),
        skipped=sorted(skipped + reader.skipped, key=lambda p: p.row),
        header_rows=header.rows,
        plan_year=plan_year,
        sheets=tuple(opened.scans),
    )
