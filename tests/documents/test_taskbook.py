"""duban.documents.taskbook: task list workbooks as offices keep them, built here with openpyxl."""

from __future__ import annotations

import datetime as dt
import io
import re
import time
import zipfile

import docx
import openpyxl
import pytest

from duban.lib import taskbook, workbooks
from duban.lib.deadlines import parse_deadline
from duban.lib.taskbook import MEASURE, SECTION, TASK, WorkbookError, read_taskbook

D = dt.date
TITLE = "洛阳高新区2022年重点任务分解表"


def xlsx(
    rows: list[list[object]],
    merges: tuple[str, ...] = (),
    sheet: str = "任务分解",
) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for cells in merges:
        ws.merge_cells(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# The list as an office keeps it: a merged title, a two-row header with
# 责任分工 over 牵头单位 and 配合单位, sections merged across, tasks merged down
# over their measures, blank rows and a two-line footnote.
OFFICE_ROWS: list[list[object]] = [
    [TITLE],
    ["序号", "重点任务", "具体措施", "责任分工", None, "责任领导", "完成时限", "备注"],
    [None, None, None, "牵头单位", "配合单位", None, None, None],
    ["一、提升自主创新能力"],
    [
        1,
        "（一）加快创新平台建设",
        "1.建设国家级科技企业孵化器",
        "区科技局",
        "区发改局、区财政局，区自然资源局；区住建局等",
        "张三",
        "2022年6月底前",
        None,
    ],
    [
        2,
        None,
        "争创省级重点实验室",
        "区科技局\n区工信局",
        " 区财政局 , 区人社局",
        "张三",
        "三季度末",
        None,
    ],
    [
        3,
        None,
        "引进新型研发机构",
        "区科技局",
        "区委办（区政府办、督查室）;区财政局",
        "张三",
        dt.datetime(2022, 9, 30),
        "已列入省定目标",
    ],
    [],
    ["二、优化营商环境"],
    [
        4,
        "深化放管服改革",
        "推进政务服务一网通办",
        "区行政审批局",
        "区大数据局",
        "李四",
        "长期坚持",
        None,
    ],
    [5, None, "压缩工程建设项目审批时限", None, None, "李四", "每季度", None],
    [
        6,
        None,
        "开展营商环境评价",
        None,
        "区发改局",
        "王五",
        "2022年6月底前完成初稿，9月底前完成",
        None,
    ],
    [],
    [],
    ["注：1. 本表由区督查室负责解释。"],
    ["2. 各单位每月25日前报送进展。"],
]
OFFICE_MERGES = (
    "A1:H1",
    "A2:A3",
    "B2:B3",
    "C2:C3",
    "D2:E2",
    "F2:F3",
    "G2:G3",
    "H2:H3",
    "A4:H4",
    "B5:B7",
    "A9:H9",
    "B10:B12",
    "D10:D12",  # one lead unit for the whole task
    "A15:H15",
)


@pytest.fixture(scope="module")
def office_xlsx() -> bytes:
    return xlsx(OFFICE_ROWS, OFFICE_MERGES)


@pytest.fixture(scope="module")
def book(office_xlsx) -> taskbook.TaskBook:
    return read_taskbook(office_xlsx)


def titles(book: taskbook.TaskBook) -> list[tuple[str, str]]:
    return [(node.level, node.title) for node in book.nodes]


def test_the_title_the_header_and_the_columns_are_found(book):
    assert book.title == TITLE
    assert book.sheet == "任务分解"
    assert (book.header_row, book.header_rows) == (2, (2, 3))
    assert book.columns == {
        "serial": "A",
        "task": "B",
        "measure": "C",
        "lead": "D",
        "co": "E",
        "leader": "F",
        "deadline": "G",
        "notes": "H",
    }
    assert book.plan_year == 2022  # from the title


def test_sections_tasks_and_measures_form_a_tree(book):
    assert titles(book) == [
        (SECTION, "提升自主创新能力"),
        (TASK, "加快创新平台建设"),
        (MEASURE, "建设国家级科技企业孵化器"),
        (MEASURE, "争创省级重点实验室"),
        (MEASURE, "引进新型研发机构"),
        (SECTION, "优化营商环境"),
        (TASK, "深化放管服改革"),
        (MEASURE, "推进政务服务一网通办"),
        (MEASURE, "压缩工程建设项目审批时限"),
        (MEASURE, "开展营商环境评价"),
    ]
    assert [node.parent for node in book.nodes] == [None, 0, 1, 1, 1, None, 5, 6, 6, 6]
    assert [node.index for node in book.nodes] == list(range(10))
    assert [(node.row, node.last_row) for node in book.nodes] == [
        (4, 4),
        (5, 7),
        (5, 5),
        (6, 6),
        (7, 7),
        (9, 9),
        (10, 12),
        (10, 10),
        (11, 11),
        (12, 12),
    ]
    assert [n.title for n in book.children(1)] == [
        "建设国家级科技企业孵化器",
        "争创省级重点实验室",
        "引进新型研发机构",
    ]
    assert book.problems == []
    assert all(node.valid for node in book.nodes)


def test_serials_keep_the_sheet_numbers_and_number_the_rest(book):
    # 序号 numbers the measures here; sections keep their 一、二, tasks are
    # numbered for it, and no serial repeats.
    assert [node.serial for node in book.nodes] == [
        "一",
        "1.1",
        "1",
        "2",
        "3",
        "二",
        "2.1",
        "4",
        "5",
        "6",
    ]


def test_units_in_one_cell_are_split_whatever_the_separator(book):
    first, second, third = book.nodes[2:5]
    assert first.lead_units == ["区科技局"]
    assert first.co_units == ["区发改局", "区财政局", "区自然资源局", "区住建局"]
    assert second.lead_units == ["区科技局", "区工信局"]
    assert second.co_units == ["区财政局", "区人社局"]
    assert third.co_units == ["区委办（区政府办、督查室）", "区财政局"]


def test_a_lead_unit_merged_down_applies_to_every_measure(book):
    assert [node.lead_units for node in book.nodes[7:10]] == [["区行政审批局"]] * 3


def test_leaders_notes_and_deadlines_are_read_per_row(book):
    first, second, third = book.nodes[2:5]
    assert (first.leader, first.notes) == ("张三", "")
    assert third.notes == "已列入省定目标"
    assert (first.deadline_text, first.deadline.date, first.deadline.kind) == (
        "2022年6月底前",
        D(2022, 6, 30),
        "month_end",
    )
    assert (second.deadline.date, second.deadline.kind) == (D(2022, 9, 30), "quarter_end")
    assert (third.deadline_text, third.deadline.date, third.deadline.kind) == (
        "2022-09-30",
        D(2022, 9, 30),
        "date",
    )
    ongoing, recurring, several = book.nodes[7:10]
    assert (ongoing.deadline.kind, ongoing.deadline.date) == ("ongoing", D(2022, 12, 31))
    assert (recurring.deadline.kind, recurring.deadline.recurrence) == ("recurring", "quarterly")
    assert several.deadline.date == D(2022, 9, 30)
    assert several.deadline.note_code == "several_dates"
    assert all(node.deadline_error is None for node in book.nodes)


def test_tasks_and_sections_roll_up_what_their_measures_say(book):
    task = book.nodes[1]
    assert task.lead_units == ["区科技局", "区工信局"]
    assert task.co_units[:2] == ["区发改局", "区财政局"]
    assert task.leader == "张三"
    assert task.deadline.date == D(2022, 9, 30)
    assert task.deadline_text == ""
    assert set(task.rolled_up) == {"lead_units", "co_units", "leader", "deadline"}
    second_task = book.nodes[6]
    assert second_task.leader == ""  # 李四 and 王五 disagree
    assert second_task.lead_units == ["区行政审批局"]
    assert set(second_task.rolled_up) == {"lead_units", "co_units", "deadline"}
    assert book.nodes[2].rolled_up == ()


def test_blank_rows_are_skipped_and_the_footnote_is_reported(book):
    assert [(p.row, p.code) for p in book.skipped] == [(15, "footnote"), (16, "footnote")]
    assert book.skipped[0].params["text"] == "注：1. 本表由区督查室负责解释。"
    text, params = taskbook.message("footnote", book.skipped[0].params)
    assert text % params == "Row 15 is a note, not a task: “注：1. 本表由区督查室负责解释。”."


def test_a_file_object_reads_like_bytes(office_xlsx, book):
    stream = io.BytesIO(office_xlsx)
    stream.read(10)  # an upload someone already peeked into
    assert read_taskbook(stream) == book


# ---------------------------------------------------------------- external keys


def test_reading_the_same_workbook_twice_gives_the_same_keys(office_xlsx, book):
    again = read_taskbook(office_xlsx)
    assert [n.external_key for n in again.nodes] == [n.external_key for n in book.nodes]
    assert len({n.external_key for n in book.nodes}) == len(book.nodes)
    assert all(re.fullmatch(r"[stm]:[0-9a-f]{20}", n.external_key) for n in book.nodes)


def test_keys_survive_a_new_title_renumbering_and_new_units(book):
    rows = [list(row) for row in OFFICE_ROWS]
    rows[0] = ["洛阳高新区2022年重点任务分解表（修订稿）"]
    rows[4][0], rows[5][0], rows[6][0] = 11, 12, 13
    rows[4][3] = "区发改局"
    rows[4][6] = "2022年7月底前"
    edited = read_taskbook(xlsx(rows, OFFICE_MERGES))
    assert edited.title != book.title
    assert [n.external_key for n in edited.nodes] == [n.external_key for n in book.nodes]
    assert edited.nodes[2].lead_units == ["区发改局"]


def test_editing_a_measure_changes_its_key_only(book):
    rows = [list(row) for row in OFFICE_ROWS]
    rows[5][2] = "争创国家级重点实验室"
    edited = read_taskbook(xlsx(rows, OFFICE_MERGES))
    changed = [
        i
        for i, (a, b) in enumerate(zip(edited.nodes, book.nodes, strict=True))
        if a.external_key != b.external_key
    ]
    assert changed == [3]


def test_the_same_text_twice_gets_two_keys():
    rows = [
        ["重点任务", "具体措施", "牵头单位", "完成时限"],
        ["招商引资", "开展招商活动", "区商务局", "6月底"],
        [None, "开展招商活动", "区商务局", "12月底"],
    ]
    book = read_taskbook(xlsx(rows), plan_year=2022)
    keys = [n.external_key for n in book.nodes]
    assert len(set(keys)) == 3
    assert read_taskbook(xlsx(rows), plan_year=2022).nodes[2].external_key == keys[2]


# ---------------------------------------------------------------- other layouts


def test_english_headers_in_another_order_with_an_unknown_column():
    rows = [
        ["Key tasks 2022"],
        [
            "Deadline",
            "Lead unit",
            "Task",
            "Measure",
            "Owner's phone",
            "Co-units",
            "Leader",
            "No.",
            "Notes",
        ],
        [
            "by end of June 2022",
            "Finance Bureau",
            "Build platforms",
            "Open an incubator",
            "1234",
            "Science Bureau; Tax Bureau",
            "Zhang San",
            1,
            "",
        ],
        ["Q3 2022", "Finance Bureau", None, "Win a provincial lab", "", "", "Zhang San", 2, "key"],
        ["ongoing", "Tax Bureau", "Cut red tape", "One-stop service", "", "", "Li Si", 3, ""],
    ]
    book = read_taskbook(xlsx(rows, ("C3:C4",)))
    assert book.columns == {
        "deadline": "A",
        "lead": "B",
        "task": "C",
        "measure": "D",
        "co": "F",
        "leader": "G",
        "serial": "H",
        "notes": "I",
    }
    assert titles(book) == [
        (TASK, "Build platforms"),
        (MEASURE, "Open an incubator"),
        (MEASURE, "Win a provincial lab"),
        (TASK, "Cut red tape"),
        (MEASURE, "One-stop service"),
    ]
    assert book.nodes[1].co_units == ["Science Bureau", "Tax Bureau"]  # spaces inside names stay
    assert [n.deadline.date for n in book.nodes] == [
        D(2022, 9, 30),
        D(2022, 6, 30),
        D(2022, 9, 30),
        D(2022, 12, 31),
        D(2022, 12, 31),
    ]
    assert [(p.row, p.code, p.params["cell"], p.params["name"]) for p in book.skipped] == [
        (2, "unknown_column", "E", "Owner's phone")
    ]
    # 序号 numbers the measures: they keep it, the tasks are numbered as the
    # level above (（一）), so no serial repeats
    assert [n.serial for n in book.nodes] == ["（一）", "1", "2", "（二）", "3"]


def test_a_header_on_the_first_row_and_no_title():
    rows = [["任务", "责任单位", "时间节点"], ["完成规划编制", "区自然资源局", "2022年6月"]]
    book = read_taskbook(xlsx(rows))
    assert (book.title, book.header_row, book.plan_year) == ("", 1, None)
    assert titles(book) == [(TASK, "完成规划编制")]
    assert book.nodes[0].deadline.date == D(2022, 6, 30)


def test_a_deadline_without_a_year_needs_a_plan_year():
    rows = [["重点任务", "牵头单位", "完成时限"], ["完成规划编制", "区自然资源局", "6月底前"]]
    without = read_taskbook(xlsx(rows))
    assert without.nodes[0].deadline_error == "no_year"
    assert [p.code for p in without.problems] == ["bad_deadline"]
    given = read_taskbook(xlsx(rows), plan_year=2023)
    assert (given.plan_year, given.nodes[0].deadline.date) == (2023, D(2023, 6, 30))


def test_task_heading_rows_with_measures_below_and_the_same_task_repeated():
    rows = [
        ["序号", "主要任务", "工作措施", "责任单位", "协同单位", "分管领导", "完成时间"],
        ["一", "项目建设", None, None, None, None, None],  # a section numbered in 序号
        ["（一）推进重点项目"],  # a task heading on its own row
        [None, None, "1. 完成土地征收", "区自然资源局", None, "赵六", "2022年5月"],
        [None, None, "2. 开工建设", "区住建局", None, "赵六", "2022年8月"],
        ["二", "产业发展", None, None, None, None, None],
        [1, "壮大氢能产业", "引进链主企业", "区商务局", "区工信局", "钱七", "年底前"],
        [
            2,
            "壮大氢能产业",
            "建设加氢站",
            "区工信局",
            None,
            "钱七",
            "下半年",
        ],  # repeated, not merged
        [3, "做强机器人产业", None, "区工信局", None, "钱七", "长期"],  # a task without measures
    ]
    book = read_taskbook(xlsx(rows), plan_year=2022)
    assert titles(book) == [
        (SECTION, "项目建设"),
        (TASK, "推进重点项目"),
        (MEASURE, "完成土地征收"),
        (MEASURE, "开工建设"),
        (SECTION, "产业发展"),
        (TASK, "壮大氢能产业"),
        (MEASURE, "引进链主企业"),
        (MEASURE, "建设加氢站"),
        (TASK, "做强机器人产业"),
    ]
    assert [n.parent for n in book.nodes] == [None, 0, 1, 1, None, 4, 5, 5, 4]
    assert [n.serial for n in book.nodes] == [
        "一",
        "1.1",
        "1.1.1",
        "1.1.2",
        "二",
        "2.1",
        "1",
        "2",
        "3",
    ]
    assert book.nodes[8].lead_units == ["区工信局"]
    assert book.nodes[8].rolled_up == ()
    assert book.problems == []


def test_a_serial_merged_over_a_task_numbers_the_task_and_its_measures_follow():
    rows = [
        ["序号", "重点任务", "具体措施", "牵头单位", "完成时限"],
        ["一、项目建设"],
        [1, "推进重点项目", "完成征地", "区自然资源局", "5月"],
        [None, None, "开工建设", "区住建局", "8月"],
        [2, "抓好招商引资", "签约项目", "区商务局", "6月"],
    ]
    book = read_taskbook(xlsx(rows, ("A3:A4", "B3:B4")), plan_year=2022)
    assert [(n.serial, n.title) for n in book.nodes] == [
        ("一", "项目建设"),
        ("1", "推进重点项目"),
        ("1.1", "完成征地"),
        ("1.2", "开工建设"),
        ("2", "抓好招商引资"),
        ("2.1", "签约项目"),
    ]


def test_tasks_numbered_in_chinese_with_their_units_are_tasks_not_sections():
    rows = [
        ["序号", "重点任务", "牵头单位", "完成时限"],
        ["一", "加强组织领导", "区委办", "长期"],
        ["二", "强化督导考核", "区督查室", "每季度"],
    ]
    book = read_taskbook(xlsx(rows), plan_year=2022)
    assert [(n.level, n.serial, n.title) for n in book.nodes] == [
        (TASK, "一", "加强组织领导"),
        (TASK, "二", "强化督导考核"),
    ]


def test_a_flat_list_with_only_a_measure_column_reads_as_tasks():
    rows = [["序号", "具体措施", "牵头单位", "完成时限"], [1, "完善创新政策", "区科技局", "6月底"]]
    book = read_taskbook(xlsx(rows), plan_year=2022)
    assert titles(book) == [(TASK, "完善创新政策")]
    assert book.columns == {"serial": "A", "measure": "B", "lead": "C", "deadline": "D"}


def test_every_deadline_form_through_a_workbook():
    forms: list[object] = [
        "2022年6月底前",
        "6月底",
        "2022年6月",
        "2022.12",
        "2022-12",
        "2022/12",
        "9月30日前",
        "2022年9月30日",
        "2022.9.30",
        "2022-09-30",
        "2022年三季度",
        "三季度末",
        "第三季度",
        "Q3",
        "上半年",
        "年中",
        "下半年",
        "年底前",
        "年内",
        "年底",
        "长期坚持",
        "持续推进",
        "长期",
        "每季度",
        "每月",
        "每年",
        dt.datetime(2022, 9, 30),
        dt.date(2022, 11, 15),
        "by end of June 2022",
        "2022-06",
        "Q3 2022",
        "ongoing",
        "quarterly",
        "2022年6月底前完成初稿，9月底前完成",
    ]
    rows = [[TITLE], ["重点任务", "牵头单位", "完成时限"]]
    rows += [[f"任务{i}", "区发改局", form] for i, form in enumerate(forms)]
    book = read_taskbook(xlsx(rows))
    assert len(book.nodes) == len(forms)
    for node, form in zip(book.nodes, forms, strict=True):
        expected = parse_deadline(form, 2022)
        assert (node.deadline.date, node.deadline.kind, node.deadline.recurrence) == (
            expected.date,
            expected.kind,
            expected.recurrence,
        ), form
    assert book.problems == []


# ---------------------------------------------------------------- rows with problems


def test_rows_with_problems_stay_in_the_list_marked_invalid():
    rows = [
        [TITLE],
        ["序号", "重点任务", "具体措施", "牵头单位", "配合单位", "完成时限"],
        ["一、扩大有效投资"],
        [1, None, "梳理项目清单", "区发改局", None, "6月底"],  # no task yet
        [2, "抓好项目建设", "开展观摩", None, "区住建局", "9月底"],  # no lead unit
        [3, None, "协调要素保障", "区自然资源局", None, "尽快"],  # no date
        [4, None, "兑现奖励资金", "区财政局", None, "2022年13月"],  # no such month
        [5, None, "建立台账", "区发改局", None, None],  # no deadline
        [None, None, None, None, "区住建局", "12月底"],  # in the task, but no measure
        [None, None, None, "区发改局", None, None],  # content but no task or measure
    ]
    book = read_taskbook(xlsx(rows, ("A3:F3", "B5:B9")))
    assert titles(book) == [
        (SECTION, "扩大有效投资"),
        (MEASURE, "梳理项目清单"),
        (TASK, "抓好项目建设"),
        (MEASURE, "开展观摩"),
        (MEASURE, "协调要素保障"),
        (MEASURE, "兑现奖励资金"),
        (MEASURE, "建立台账"),
    ]
    assert book.nodes[1].parent == 0  # under its section, but invalid
    assert [(p.row, p.code, p.column) for p in book.problems] == [
        (4, "measure_without_task", "task"),
        (5, "no_lead_unit", "lead"),
        (6, "bad_deadline", "deadline"),
        (7, "bad_deadline", "deadline"),
        (8, "no_deadline", "deadline"),
        (9, "empty_measure", "measure"),
        (10, "no_title", None),
    ]
    assert [n.problems for n in book.nodes] == [
        [],
        ["measure_without_task"],
        [],
        ["no_lead_unit"],
        ["bad_deadline"],
        ["bad_deadline"],
        ["no_deadline"],
    ]
    assert [n.valid for n in book.nodes] == [True, False, True, False, False, False, False]
    vague, bad_month = book.nodes[4], book.nodes[5]
    assert (vague.deadline, vague.deadline_error, vague.deadline_text) == (None, "vague", "尽快")
    assert bad_month.deadline_error == "bad_month"
    problem = book.problems[3]
    assert problem.params == {"row": 7, "text": "2022年13月", "month": 13, "reason": "bad_month"}
    text, params = taskbook.message(problem.code, problem.params)
    assert text % params == "“2022年13月”: there is no month 13."
    for problem in book.problems:
        text, params = taskbook.message(problem.code, problem.params)
        assert text % params


def test_a_column_named_twice_is_read_once_and_reported():
    rows = [
        ["重点任务", "牵头单位", "任务", "完成时限"],
        ["建设孵化器", "区科技局", "别的", "6月底"],
    ]
    book = read_taskbook(xlsx(rows), plan_year=2022)
    assert book.columns == {"task": "A", "lead": "B", "deadline": "D"}
    assert titles(book) == [(TASK, "建设孵化器")]
    assert [(p.code, p.params) for p in book.skipped] == [
        ("duplicate_column", {"row": 1, "cell": "C", "name": "任务", "first": "A"})
    ]


def test_a_formula_without_a_value_is_a_problem_and_one_with_a_value_is_read():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["重点任务", "牵头单位", "完成时限"])
    ws.append(["任务甲", "区发改局", "=DATE(2022,6,30)"])  # never calculated
    ws.append(["任务乙", '="区"&"财政局"', "6月底"])  # calculated: patched in below
    buffer = io.BytesIO()
    wb.save(buffer)
    data = _patch_sheet(
        buffer.getvalue(),
        lambda xml: re.sub(
            rb'<c r="B3"><f>(.*?)</f><v></v></c>',
            '<c r="B3" t="str"><f>\\1</f><v>区财政局</v></c>'.encode(),
            xml,
        ),
    )
    book = read_taskbook(data, plan_year=2022)
    assert [n.title for n in book.nodes] == ["任务甲", "任务乙"]
    assert book.nodes[1].lead_units == ["区财政局"]
    assert [(p.row, p.code, p.column, p.params.get("cell")) for p in book.problems] == [
        (2, "formula_without_value", "deadline", "C2"),
        (2, "no_deadline", "deadline", None),
    ]
    assert book.nodes[0].problems == ["formula_without_value", "no_deadline"]


def _patch_sheet(data: bytes, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                patched = change(content)
                assert patched != content
                content = patched
            target.writestr(info, content)
    return out.getvalue()


# ---------------------------------------------------------------- files that are no task list


def _error(data: bytes, **kwargs) -> WorkbookError:
    with pytest.raises(WorkbookError) as caught:
        read_taskbook(data, **kwargs)
    text, params = taskbook.message(caught.value.code, caught.value.params)
    assert text % params  # each code has an English text that takes its params
    return caught.value


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("重点任务分解表")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _ole2(*stream_names: str) -> bytes:
    """The start of an OLE2 compound file naming the given streams: what a
    legacy .xls and a password-protected .xlsx look like from outside."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    directory = b"".join(
        name.encode("utf-16-le").ljust(64, b"\0") + bytes(64) for name in stream_names
    )
    return header + directory + bytes(1024)


@pytest.mark.parametrize(
    ("data", "code", "params"),
    [
        (b"", "empty_file", {}),
        (bytes(range(256)) * 8, "not_a_workbook", {}),
        (_docx(), "wrong_format", {"format": "Word (.docx)"}),
        (
            "序号,重点任务,牵头单位\n1,建设孵化器,区科技局\n".encode(),
            "wrong_format",
            {"format": "CSV"},
        ),
        ("序号,重点任务\n1,建设孵化器\n".encode("gbk"), "wrong_format", {"format": "CSV"}),
        (
            b"<html><body><table><tr><td>1</td></tr></table></body></html>",
            "wrong_format",
            {"format": "HTML"},
        ),
        (b"%PDF-1.7\n...", "wrong_format", {"format": "PDF"}),
        (_ole2("Root Entry", "EncryptionInfo", "EncryptedPackage"), "encrypted", {}),
        (_ole2("Root Entry", "Workbook", "SummaryInformation"), "legacy_xls", {}),
        (_ole2("Root Entry", "WordDocument"), "wrong_format", {"format": "Word (.doc)"}),
    ],
    ids=["empty", "random", "docx", "csv", "csv-gbk", "html", "pdf", "encrypted", "xls", "doc"],
)
def test_what_is_no_workbook_is_named_with_a_code(data, code, params):
    error = _error(data)
    assert (error.code, error.params) == (code, params)


def test_a_file_too_large_is_refused_before_it_is_opened(office_xlsx):
    error = _error(b"PK" + bytes(workbooks.MAX_FILE_BYTES))
    assert (error.code, error.params) == ("file_too_large", {"size_mb": "20", "limit_mb": "20"})
    small = workbooks.Limits(max_unpacked_bytes=10_000)  # a zip bomb unpacks to more
    assert _error(office_xlsx, limits=small).code == "unpacked_too_large"


def test_a_truncated_upload_is_corrupt(office_xlsx):
    for size in (len(office_xlsx) // 2, len(office_xlsx) - 30, 100):
        assert _error(office_xlsx[:size]).code == "corrupt"


def test_a_zip_that_is_no_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert _error(buffer.getvalue()).code == "not_a_workbook"


def test_a_workbook_with_a_damaged_part_is_corrupt(office_xlsx):
    data = _patch_sheet(office_xlsx, lambda xml: xml[: len(xml) // 2])
    assert _error(data).code == "corrupt"


def test_an_empty_sheet():
    error = _error(xlsx([]))
    assert (error.code, error.params) == ("empty_sheet", {"sheet": "任务分解"})


def test_no_header_in_the_first_ten_rows():
    rows = [["说明"]] * 12 + [["重点任务", "牵头单位"], ["建设孵化器", "区科技局"]]
    error = _error(xlsx(rows))
    assert (error.code, error.params) == ("no_header", {"sheet": "任务分解", "rows": 10})


def test_a_header_without_a_lead_unit_column_says_so():
    rows = [
        [TITLE],
        ["序号", "重点任务", "具体措施", "完成时限"],
        [1, "建设孵化器", "选址", "6月底"],
    ]
    error = _error(xlsx(rows))
    assert (error.code, error.params) == ("missing_lead_column", {"sheet": "任务分解", "row": 2})


def test_a_header_without_tasks_says_so():
    rows = [["序号", "牵头单位", "完成时限"], [1, "区科技局", "6月底"]]
    assert _error(xlsx(rows)).code == "missing_task_column"


def test_a_header_and_nothing_below():
    error = _error(xlsx([[TITLE], ["重点任务", "牵头单位"]]))
    assert (error.code, error.params) == ("no_rows", {"sheet": "任务分解", "row": 2})


def test_the_sheet_to_read_can_be_named_and_otherwise_is_found():
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["填表说明：请按模板填写"])
    tasks = wb.create_sheet("任务")
    tasks.append(["重点任务", "牵头单位", "完成时限"])
    tasks.append(["建设孵化器", "区科技局", "2022年6月"])
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    book = read_taskbook(data)  # the active sheet has no header: the next one is read
    assert (book.sheet, book.sheets) == ("任务", ("说明", "任务", "隐藏"))
    assert read_taskbook(data, sheet="任务").nodes == book.nodes
    error = _error(data, sheet="汇总")
    assert (error.code, error.params) == (
        "sheet_not_found",
        {"sheet": "汇总", "sheets": "说明、任务、隐藏"},
    )
    assert _error(data, sheet="说明").code == "no_header"


# ---------------------------------------------------------------- size


def _write_only(rows, merges=()) -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("任务")
    for row in rows:
        ws.append(row)
    for cells in merges:
        ws.merged_cells.add(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_a_100000_row_sheet_is_refused_quickly_with_its_count():
    rows = [[TITLE], ["重点任务", "牵头单位"]]
    data = _write_only(rows + [[f"任务{i}", "区发改局"] for i in range(100_000)])
    started = time.perf_counter()
    error = _error(data)
    elapsed = time.perf_counter() - started
    assert (error.code, error.params) == (
        "too_many_rows",
        {"sheet": "任务", "rows": 100_002, "limit": 20_000},
    )
    assert elapsed < 5, elapsed  # about 0.7 s here: the sheet is streamed, never loaded


def test_the_limit_counts_data_rows_below_the_header():
    rows = [[TITLE], ["重点任务", "牵头单位", "完成时限"]] + [
        [f"任务{i}", "区发改局", "6月底"] for i in range(30)
    ]
    assert len(read_taskbook(_write_only(rows), max_rows=30).nodes) == 30
    error = _error(_write_only(rows), max_rows=29)
    assert (error.code, error.params) == (
        "too_many_rows",
        {"sheet": "任务", "rows": 30, "limit": 29},
    )


def test_a_10000_measure_workbook_is_read():
    rows: list[list[object]] = [
        [TITLE],
        ["序号", "重点任务", "具体措施", "牵头单位", "配合单位", "责任领导", "完成时限"],
    ]
    merges = ["A1:G1"]
    forms = [
        "2022年6月底前",
        "三季度末",
        "9月30日前",
        "长期坚持",
        "每季度",
        "2022.12",
        "上半年",
        "年底前",
    ]
    serial = 0
    for section in range(10):
        rows.append([f"{'一二三四五六七八九十'[section]}、第{section + 1}部分"])
        merges.append(f"A{len(rows)}:G{len(rows)}")
        for task in range(250):
            top = len(rows) + 1
            for measure in range(4):
                serial += 1
                rows.append(
                    [
                        serial,
                        f"任务{section}-{task}" if measure == 0 else None,
                        f"措施{section}-{task}-{measure}",
                        "区发改局",
                        "区财政局、区科技局",
                        "张三",
                        forms[(task + measure) % len(forms)],
                    ]
                )
            merges.append(f"B{top}:B{top + 3}")
    data = _write_only(rows, merges)
    started = time.perf_counter()
    book = read_taskbook(data)
    elapsed = time.perf_counter() - started
    levels = [n.level for n in book.nodes]
    assert (levels.count(SECTION), levels.count(TASK), levels.count(MEASURE)) == (10, 2500, 10_000)
    assert book.problems == []
    assert book.nodes[-1].serial == "10000"
    assert elapsed < 20, elapsed  # about 4 s here, most of it openpyxl's load


def test_every_code_has_an_english_text():
    codes = {
        "empty_file",
        "file_too_large",
        "not_a_workbook",
        "wrong_format",
        "legacy_xls",
        "encrypted",
        "corrupt",
        "no_sheet",
        "sheet_not_found",
        "empty_sheet",
        "no_header",
        "missing_task_column",
        "missing_lead_column",
        "too_many_rows",
        "no_rows",
        "measure_without_task",
        "empty_measure",
        "no_title",
        "no_lead_unit",
        "no_deadline",
        "bad_deadline",
        "formula_without_value",
        "footnote",
        "unknown_column",
        "duplicate_column",
    }
    assert codes <= set(taskbook.MESSAGES)
    assert {taskbook.label(name) for name in taskbook.FIELDS} == {
        "No.",
        "Task",
        "Measure",
        "Lead unit",
        "Co-units",
        "Leader",
        "Deadline",
        "Notes",
    }


@pytest.mark.parametrize(
    ("cell", "units"),
    [
        ("区发改局、区财政局", ["区发改局", "区财政局"]),
        (
            "区发改局，区财政局,区科技局；区住建局;区工信局",
            ["区发改局", "区财政局", "区科技局", "区住建局", "区工信局"],
        ),
        ("区发改局\n区财政局\r\n区科技局", ["区发改局", "区财政局", "区科技局"]),
        (" 区发改局 、 区财政局 ", ["区发改局", "区财政局"]),
        ("区 发改局", ["区发改局"]),  # a stray space inside a Chinese name
        ("区发改局　区财政局", ["区发改局", "区财政局"]),  # a full-width space separates
        ("区发改局、区财政局等", ["区发改局", "区财政局"]),
        ("区发改局等相关单位", ["区发改局"]),
        ("区委办（区政府办、督查室）、区财政局", ["区委办（区政府办、督查室）", "区财政局"]),
        ("区发改局、区发改局", ["区发改局"]),
        ("区发改局/区财政局", ["区发改局", "区财政局"]),
        ("Finance Bureau; Tax Bureau", ["Finance Bureau", "Tax Bureau"]),
        ("等", ["等"]),
        ("", []),
        (None, []),
    ],
)
def test_split_units(cell, units):
    assert taskbook.split_units(cell) == units
